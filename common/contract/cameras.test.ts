import { describe, expect, it } from 'vitest';
import { CameraAddInput, CameraRemoveInput, CameraUpdateInput, streamUrlProblem } from './cameras.js';
import { ContractError } from './errors.js';
import { parseArgument } from './validation.js';

function issuesOf(input: unknown): { path: string; message: string }[] {
  try {
    parseArgument(CameraAddInput, input, 'camera');
  } catch (error) {
    expect(error).toBeInstanceOf(ContractError);
    return ((error as ContractError).details as { issues: { path: string; message: string }[] }).issues;
  }
  throw new Error('expected a validation error');
}

describe('camera names', () => {
  it('accepts 1 to 64 characters of any script and trims them', () => {
    expect(parseArgument(CameraAddInput, { name: '  Vordertür  ', rtspUrl: 'rtsp://h/x' }, 'c').name).toBe(
      'Vordertür',
    );
    expect(parseArgument(CameraAddInput, { name: '門口攝影機', rtspUrl: 'rtsp://h/x' }, 'c').name).toBe(
      '門口攝影機',
    );
    // 64 astral characters are 128 UTF-16 units: counted as 64.
    const emoji = '📷'.repeat(64);
    expect(parseArgument(CameraAddInput, { name: emoji, rtspUrl: 'rtsp://h/x' }, 'c').name).toBe(emoji);
  });

  it('refuses empty, too long and control characters, naming the field', () => {
    expect(issuesOf({ name: '   ', rtspUrl: 'rtsp://h/x' })).toEqual([
      { path: 'name', message: 'must not be empty' },
    ]);
    expect(issuesOf({ name: 'x'.repeat(65), rtspUrl: 'rtsp://h/x' })[0]?.path).toBe('name');
    expect(issuesOf({ name: 'a\u0000b', rtspUrl: 'rtsp://h/x' })[0]?.message).toMatch(/control/);
    expect(issuesOf({ rtspUrl: 'rtsp://h/x' })[0]).toEqual({ path: 'name', message: 'is required' });
  });

  it('keeps markup as plain text (escaping is the renderer’s job)', () => {
    const name = '<img src=x onerror=alert(1)>';
    expect(parseArgument(CameraAddInput, { name, rtspUrl: 'rtsp://h/x' }, 'c').name).toBe(name);
  });
});

describe('stream URLs', () => {
  it.each(['rtsp://192.168.1.10:554/Streaming/Channels/101', 'rtsps://cam.local/live', 'demo:test-pattern'])(
    'accepts %s',
    (url) => expect(streamUrlProblem(url)).toBeNull(),
  );

  it.each([
    ['http://cam/x', /rtsp:\/\/, rtsps:\/\/ or demo:/],
    ['file:///etc/passwd', /rtsp:\/\/, rtsps:\/\/ or demo:/],
    ['javascript:alert(1)', /rtsp:\/\/, rtsps:\/\/ or demo:/],
    ['rtsp:/nohost', /host/],
    ['rtsp://cam/x -i /etc/passwd', /spaces/],
    ['not a url', /spaces|valid URL/],
    ['demo:../../x', /demo:name/],
    ['', /empty/],
  ])('refuses %s', (url, message) => expect(streamUrlProblem(url)).toMatch(message));

  it('never quotes the URL (it may carry a password) in its message', () => {
    const issues = issuesOf({ name: 'x', rtspUrl: 'ftp://admin:hunter2@cam/x' });
    expect(JSON.stringify(issues)).not.toContain('hunter2');
    expect(issues[0]?.path).toBe('rtspUrl');
  });

  it('rejects unknown fields so typos do not pass silently', () => {
    expect(issuesOf({ name: 'x', rtspUrl: 'rtsp://h/x', pasword: 'p' })[0]?.message).toMatch(/pasword/);
  });
});

describe('update and remove arguments', () => {
  it('allows null to clear optional values', () => {
    const parsed = parseArgument(
      CameraUpdateInput,
      { id: 'cam-0123456789', password: null, subStreamUrl: null },
      'c',
    );
    expect(parsed).toEqual({ id: 'cam-0123456789', password: null, subStreamUrl: null });
  });

  it('requires an explicit choice about recordings on removal', () => {
    expect(() => parseArgument(CameraRemoveInput, { id: 'cam-0123456789' }, 'c')).toThrow(/recordings/);
    expect(() =>
      parseArgument(CameraRemoveInput, { id: 'cam-0123456789', recordings: 'delete' }, 'c'),
    ).toThrow(/not available yet/);
    expect(() => parseArgument(CameraRemoveInput, { id: '../etc', recordings: 'keep' }, 'c')).toThrow(
      /camera id/,
    );
  });
});
