import { describe, expect, it } from 'vitest';
import { buildIngestArgs, withCredentials } from './ffmpeg-args.js';
import { createRedactor, REDACTED, redactArgs } from './redact.js';

describe('createRedactor', () => {
  it('removes the user info of any URL, even without known secrets', () => {
    const redact = createRedactor([]);
    const text = "Input #0, rtsp, from 'rtsp://admin:secret@host/x':";
    expect(redact(text)).toBe(`Input #0, rtsp, from 'rtsp://${REDACTED}@host/x':`);
    expect(redact(text)).not.toContain('secret');
    expect(redact('rtsps://u@cam:322/a and RTSP://a:b@other/c')).toBe(
      `rtsps://${REDACTED}@cam:322/a and RTSP://${REDACTED}@other/c`,
    );
  });

  it('leaves URLs without user info and ordinary text alone', () => {
    const redact = createRedactor([]);
    const text = '[rtsp @ 0x55d0c8] method DESCRIBE failed: 404 Not Found rtsp://cam.local:554/live';
    expect(redact(text)).toBe(text);
  });

  it('removes the known password in plain and percent-encoded form anywhere in the text', () => {
    const password = 'p@ss:w/rd';
    const redact = createRedactor([password, 'admin']);
    const url = withCredentials('rtsp://cam.local/live', 'admin', password);
    const stderr = [
      `[rtsp @ 0x5581] Authorization: Digest username="admin", realm="IPCAM", password ${password}`,
      `Input #0 from ${url.replace('rtsp://', '')}`,
      `Opening 'p%40ss%3Aw%2Frd' failed`,
    ].join('\n');
    const result = redact(stderr);
    expect(result).not.toContain(password);
    expect(result).not.toContain(encodeURIComponent(password));
    expect(result).not.toContain('admin');
    expect(result).toContain('realm="IPCAM"');
    expect(result.split(REDACTED).length - 1).toBeGreaterThanOrEqual(4);
  });

  it('prefers the longest secret, so one secret inside another leaves no part behind', () => {
    const redact = createRedactor(['abc', 'abcdef']);
    expect(redact('x abcdef y abc z')).toBe(`x ${REDACTED} y ${REDACTED} z`);
  });

  it('does not blank secrets shorter than 3 characters out of ordinary words, but still from URLs', () => {
    const redact = createRedactor(['pw', 'a', null, undefined, '']);
    expect(redact('Stream #0:0: Video: h264, yuv420p, pwm')).toBe('Stream #0:0: Video: h264, yuv420p, pwm');
    expect(redact('rtsp://a:pw@cam/x')).toBe(`rtsp://${REDACTED}@cam/x`);
  });
});

describe('redactArgs', () => {
  it('redacts every argv element and keeps the array shape', () => {
    const url = withCredentials('rtsp://cam.local/live', 'admin', 's3cret!');
    const args = buildIngestArgs({
      input: { kind: 'rtsp', url, transport: 'tcp', timeoutMs: 10_000 },
      audio: 'copy',
      fragmentMs: 200,
    });
    const redacted = redactArgs(args, createRedactor(['s3cret!', 'admin']));
    expect(redacted).toHaveLength(args.length);
    expect(redacted[args.indexOf(url)]).toBe(`rtsp://${REDACTED}@cam.local/live`);
    expect(JSON.stringify(redacted)).not.toMatch(/s3cret|admin/);
    // Everything else is unchanged, and the input array is not modified.
    expect(redacted.filter((arg, index) => arg !== args[index])).toHaveLength(1);
    expect(args).toContain(url);
  });
});
