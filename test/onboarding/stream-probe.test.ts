/**
 * "Test connection" end to end: the built headless server probes fake cameras over real RTSP with ffprobe
 * (`POST /api/streams/probe`), and each failure a user meets gives its own message, with no password in it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StreamProbeResult } from '../../common/contract/index.js';
import { startFakeCameras, type FakeCameras } from '../fake-cameras/index.js';
import { startServer, type RunningServer } from '../support/server.js';

const PASSWORD = 'pr0be-Secret!';
let fakes: FakeCameras;
let server: RunningServer;

async function probe(body: object): Promise<{ status: number; json: unknown; text: string }> {
  const response = await server.fetch('/api/streams/probe', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: JSON.parse(text) as unknown, text };
}

beforeAll(async () => {
  fakes = await startFakeCameras({
    cameras: [
      {
        name: 'hik',
        sub: true,
        audio: true,
        paths: { main: 'Streaming/Channels/101', sub: 'Streaming/Channels/102' },
      },
      { name: 'hevc', codec: 'h265' },
      { name: 'locked', auth: { method: 'digest', username: 'admin', password: PASSWORD } },
    ],
  });
  server = await startServer();
}, 120_000);

afterAll(async () => {
  await server.stop();
  await fakes.stopAll();
});

describe('streams.probe against fake cameras', () => {
  it('reads codec, size, fps, keyframe interval and audio of main and sub stream, and advises', async () => {
    const hik = fakes.camera('hik');
    expect(hik.mainUrl).toMatch(/\/Streaming\/Channels\/101$/);
    const { status, json } = await probe({ rtspUrl: hik.mainUrl, subStreamUrl: hik.subUrl });
    expect(status).toBe(200);
    const result = json as StreamProbeResult;
    expect(result.main).toMatchObject({
      ok: true,
      video: { codec: 'h264', width: 1920, height: 1080, fps: 25, keyframeIntervalSeconds: 1 },
      audio: { codec: 'aac', sampleRate: 48000, channels: 1 },
    });
    expect(result.sub).toMatchObject({ ok: true, video: { codec: 'h264', width: 640, height: 360 } });
    expect(result.advice.map((entry) => entry.code)).toEqual(['roles']);
  }, 60_000);

  it('warns that an H.265 main stream cannot be watched in the browser', async () => {
    const { json } = await probe({ rtspUrl: fakes.camera('hevc').mainUrl });
    const result = json as StreamProbeResult;
    expect(result.main).toMatchObject({ ok: true, video: { codec: 'hevc', width: 1920, height: 1080 } });
    expect(result.sub).toBeNull();
    expect(result.advice.map((entry) => entry.code)).toContain('h265_browser');
  }, 60_000);

  it('gives a wrong password, a wrong path and a closed port their own messages, never the password', async () => {
    const locked = fakes.camera('locked');
    const wrong = await probe({ rtspUrl: locked.mainUrl, username: 'admin', password: `${PASSWORD}x` });
    expect(wrong.json).toMatchObject({ main: { ok: false, failure: 'auth_failed' } });
    expect(wrong.text).not.toContain(PASSWORD);

    const inUrl = locked.mainUrl.replace('rtsp://', `rtsp://admin:${encodeURIComponent(PASSWORD)}@`);
    const right = await probe({ rtspUrl: inUrl });
    expect(right.json).toMatchObject({ main: { ok: true, video: { codec: 'h264' } } });
    expect(right.text).not.toContain(PASSWORD);

    const path = await probe({ rtspUrl: fakes.camera('hik').mainUrl.replace('/101', '/999') });
    expect(path.json).toMatchObject({ main: { ok: false, failure: 'not_found' } });

    const closed = await probe({ rtspUrl: 'rtsp://127.0.0.1:9/none', password: PASSWORD, username: 'admin' });
    expect(closed.json).toMatchObject({ main: { ok: false, failure: 'unreachable' } });
    expect(closed.text).not.toContain(PASSWORD);

    const messages = [wrong, path, closed].map(
      (answer) => (answer.json as { main: { message: string } }).main.message,
    );
    expect(new Set(messages).size).toBe(3);

    // The server logged every probe, and no line carries the password.
    expect(server.output()).toContain('Stream probe');
    expect(server.output()).not.toContain(PASSWORD);
    expect(server.output()).not.toContain(encodeURIComponent(PASSWORD));
  }, 90_000);

  it('refuses a URL of another scheme and unknown fields with 400', async () => {
    const bad = await probe({ rtspUrl: 'http://127.0.0.1/cam' });
    expect(bad.status).toBe(400);
    const extra = await probe({ rtspUrl: fakes.camera('hik').mainUrl, shell: 'rm -rf /' });
    expect(extra.status).toBe(400);
  });
});
