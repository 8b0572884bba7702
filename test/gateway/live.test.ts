/**
 * Live view over the gateway's WebSocket, end to end: the built server records a `demo:` camera and streams
 * its fMP4 to a `ws` client as a browser tile would get it; FFmpeg decodes what arrived.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { makeTempDir, startServer, type RunningServer } from '../support/server.js';

let server: RunningServer;
let cameraId = '';

interface Received {
  texts: Record<string, unknown>[];
  binaries: Buffer[];
  firstBinaryAt: number | null;
  closed: Promise<{ code: number }>;
  socket: WebSocket;
}

function open(query: string, headers: Record<string, string> = {}): Received {
  const socket = new WebSocket(`${server.url.replace('http', 'ws')}/api/live?${query}`, {
    headers: { ...server.authHeaders(), ...headers },
  });
  const received: Received = {
    texts: [],
    binaries: [],
    firstBinaryAt: null,
    socket,
    closed: new Promise((resolve) => socket.once('close', (code) => resolve({ code }))),
  };
  socket.on('error', () => undefined);
  socket.on('message', (data: Buffer, isBinary: boolean) => {
    if (isBinary) {
      received.firstBinaryAt ??= Date.now();
      received.binaries.push(Buffer.from(data));
    } else received.texts.push(JSON.parse(data.toString('utf8')) as Record<string, unknown>);
  });
  return received;
}

async function until(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}:\n${server.output().slice(-3000)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  server = await startServer();
  const response = await fetch(`${server.url}/api/cameras`, {
    method: 'POST',
    headers: { ...server.authHeaders(), 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Live', rtspUrl: 'demo:live', segmentSeconds: 10 }),
  });
  expect(response.status).toBe(201);
  cameraId = ((await response.json()) as { id: string }).id;
}, 30_000);

afterAll(async () => {
  await server.stop();
  fs.rmSync(server.dataDir, { recursive: true, force: true });
});

describe('live WebSocket', () => {
  it('sends the MSE type, the init segment and fragments from a keyframe on, which FFmpeg decodes', async () => {
    // The camera may still be connecting: the socket waits for the stream and then starts.
    const live = open(`camera=${cameraId}&stream=sub`);
    await until(() => live.binaries.length >= 12, 'twelve binary messages');
    live.socket.close();
    expect(live.texts[0]).toMatchObject({ type: 'init', stream: 'main' });
    expect(String(live.texts[0]!.mime)).toMatch(/^video\/mp4; codecs="avc1\.[0-9a-f]{6}"$/);
    const init = live.binaries[0]!;
    expect(init.toString('latin1', 4, 8)).toBe('ftyp');
    expect(live.binaries[1]!.toString('latin1', 4, 8)).toBe('moof');

    const dir = makeTempDir('omnisight-live-');
    try {
      const file = path.join(dir, 'live.mp4');
      fs.writeFileSync(file, Buffer.concat(live.binaries));
      const probe = spawnSync('ffprobe', [
        ...['-v', 'error', '-count_frames', '-select_streams', 'v:0'],
        ...['-show_entries', 'stream=codec_name,width,nb_read_frames', '-of', 'json', file],
      ]);
      expect(probe.status, probe.stderr.toString()).toBe(0);
      const stream = (JSON.parse(probe.stdout.toString()) as { streams: Record<string, unknown>[] })
        .streams[0]!;
      expect(stream).toMatchObject({ codec_name: 'h264', width: 1280 });
      // Fragments of at most 200 ms at 15 fps: about three frames each; the first starts on a keyframe, so
      // every frame decodes.
      expect(Number(stream.nb_read_frames)).toBeGreaterThanOrEqual(11 * 2);
      const errors = spawnSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 'null', '-']);
      expect(errors.stderr.toString()).toBe('');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a second viewer starts at once from the cached keyframe', async () => {
    const opened = Date.now();
    const live = open(`camera=${cameraId}&stream=main`);
    await until(() => live.binaries.length >= 2, 'the init segment and a fragment');
    live.socket.close();
    // The GOP since the last keyframe is sent at once: no wait for the next keyframe (1 s away at most).
    expect(live.firstBinaryAt! - opened).toBeLessThan(1000);
  });

  it('closes with a reason for an unknown camera, and refuses a foreign Origin', async () => {
    const unknown = open('camera=cam-0000000000&stream=main');
    await unknown.closed;
    expect(unknown.texts).toEqual([
      { type: 'close', reason: expect.stringMatching(/camera/i), retry: false },
    ]);
    const invalid = open('camera=..%2Fetc&stream=main');
    await invalid.closed;
    expect(invalid.texts[0]).toMatchObject({ type: 'close', retry: false });
    expect(invalid.binaries).toHaveLength(0);

    const foreign = new WebSocket(`${server.url.replace('http', 'ws')}/api/live?camera=${cameraId}`, {
      headers: { origin: 'http://evil.example' },
    });
    const status = await new Promise<number>((resolve) => {
      foreign.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
      foreign.once('open', () => resolve(101));
      foreign.once('error', () => undefined);
    });
    expect(status).toBe(403);
  });
});
