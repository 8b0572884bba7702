/**
 * The fake cameras themselves: what they serve, authentication, outage and stall switches, and what they cost
 * in CPU (the reason they copy a pre-encoded clip instead of encoding live).
 */
import { spawnSync } from 'node:child_process';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpuWindow } from '../../bench/proc-cpu.js';
import { spawnGuarded, SYSTEM_PYTHON, type GuardedProcess } from './guarded-process.js';
import { parseHexdump } from './clip.js';
import {
  buildFeederArgs,
  buildServerConfig,
  probeRtsp,
  startFakeCameras,
  type FakeCameras,
} from './index.js';

function missingPrerequisite(): string | null {
  const gst = spawnSync(SYSTEM_PYTHON, [
    '-c',
    "import gi; gi.require_version('GstRtspServer', '1.0'); from gi.repository import GstRtspServer",
  ]);
  if (gst.status !== 0)
    return `${SYSTEM_PYTHON} cannot import GstRtspServer (see test/fake-cameras/README.md)`;
  for (const tool of ['ffmpeg', 'ffprobe']) {
    if (spawnSync(tool, ['-version']).status !== 0) return `${tool} is not on PATH`;
  }
  return null;
}

const missing = missingPrerequisite();
if (missing !== null) console.warn(`[fake-cameras test] skipped: ${missing}`);

/** One raw RTSP request; resolves with the status line and headers. */
function rtspRequest(port: number, method: string, url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let answer = '';
    socket.setTimeout(5_000, () => socket.destroy(new Error(`${method} ${url}: no answer`)));
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      answer += chunk.toString('utf8');
      if (answer.includes('\r\n\r\n')) {
        socket.end();
        resolve(answer);
      }
    });
    socket.write(`${method} ${url} RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: omnisight-test\r\n\r\n`);
  });
}

describe('fake camera arguments', () => {
  it('feeds video, and audio only when given a port, by copying packets in real time', () => {
    expect(buildFeederArgs('/clips/a.mp4', 5000, null).join(' ')).toBe(
      '-hide_banner -loglevel error -nostdin -re -stream_loop -1 -i /clips/a.mp4 ' +
        '-map 0:v:0 -c copy -payload_type 96 -f rtp rtp://127.0.0.1:5000',
    );
    expect(buildFeederArgs('/clips/a.mp4', 5000, 5002).slice(-9)).toEqual([
      '-map',
      '0:a:0',
      '-c',
      'copy',
      '-payload_type',
      '97',
      '-f',
      'rtp',
      'rtp://127.0.0.1:5002',
    ]);
  });

  it('tells the server the AAC config only for mounts with an audio port', () => {
    const clip = {
      path: '/clips/a.mp4',
      resolution: '1080p' as const,
      width: 1920,
      height: 1080,
      fps: 25,
      durationSeconds: 8,
      audio: { sampleRate: 48000, channels: 1, config: '118856e500' },
    };
    expect(
      buildServerConfig(
        8554,
        [
          { path: 'main', clip, videoPort: 5000, audioPort: 5002 },
          { path: 'sub', clip, videoPort: 5004, audioPort: null },
        ],
        { method: 'basic', username: 'u', password: 'p' },
      ),
    ).toEqual({
      port: 8554,
      mounts: [
        {
          path: 'main',
          videoPort: 5000,
          audio: { port: 5002, config: '118856e500', clockRate: 48000, channels: 1 },
        },
        { path: 'sub', videoPort: 5004 },
      ],
      auth: { method: 'basic', username: 'u', password: 'p' },
    });
  });

  it("reads the AudioSpecificConfig from ffprobe's hexdump", () => {
    expect(parseHexdump('\n00000000: 1188 56e5 00                             ..V..\n')).toBe('118856e500');
  });
});

describe.skipIf(missing !== null)('fake RTSP cameras', () => {
  const auth = { method: 'digest', username: 'viewer', password: 'p@ss w:rd' } as const;
  let fake: FakeCameras | undefined;
  const cameras = (): FakeCameras => fake!;

  beforeAll(async () => {
    fake = await startFakeCameras({
      cameras: [
        { name: 'front', sub: true, audio: true },
        { name: 'gate', auth },
      ],
      log: (line) => console.log(line),
    });
  });

  afterAll(async () => {
    await fake?.stopAll();
  });

  it('serves 1080p H.264 on main, 640x360 on sub, and AAC only where asked', async () => {
    const front = cameras().camera('front');
    const gate = cameras().camera('gate');
    const [main, sub, gated] = await Promise.all([
      probeRtsp(front.mainUrl),
      probeRtsp(front.subUrl!),
      probeRtsp(gate.withCredentials(gate.mainUrl)),
    ]);
    const summary = (result: typeof main): string[] =>
      result.ok
        ? result.streams.map(
            (s) => `${s.codec_type} ${s.codec_name} ${s.width ?? s.sample_rate}x${s.height ?? ''}`,
          )
        : [result.error];
    expect(summary(main)).toEqual(['video h264 1920x1080', 'audio aac 48000x']);
    expect(summary(sub)).toEqual(['video h264 640x360', 'audio aac 48000x']);
    expect(summary(gated)).toEqual(['video h264 1920x1080']);
    expect(front.mainUrl).toMatch(/^rtsp:\/\/127\.0\.0\.1:\d+\/main$/);
    expect(gate.subUrl).toBeUndefined();
  });

  it('asks for digest credentials and refuses requests without the right ones', async () => {
    const gate = cameras().camera('gate');
    const describeAnswer = await rtspRequest(gate.port, 'DESCRIBE', gate.mainUrl);
    expect(describeAnswer).toMatch(/^RTSP\/1\.0 401/);
    expect(describeAnswer).toMatch(/WWW-Authenticate: Digest /i);
    expect(describeAnswer).not.toMatch(/WWW-Authenticate: Basic/i);

    const anonymous = await probeRtsp(gate.mainUrl);
    const wrong = await probeRtsp(gate.mainUrl.replace('rtsp://', 'rtsp://viewer:nope@'));
    expect(anonymous.ok ? 'served' : anonymous.error).toMatch(/401 Unauthorized/);
    expect(wrong.ok ? 'served' : wrong.error).toMatch(/401 Unauthorized/);
  });

  it('stop() makes an outage (connection refused) and start() restores the same URL', async () => {
    const gate = cameras().camera('gate');
    const url = gate.withCredentials(gate.mainUrl);
    await gate.stop();
    expect(gate.state()).toBe('stopped');
    const down = await probeRtsp(url);
    expect(down.ok ? 'served' : down.error).toMatch(/Connection refused/);

    await gate.start();
    expect(gate.state()).toBe('running');
    const up = await probeRtsp(url);
    expect(up.ok && up.streams[0]?.width).toBe(1920);
  });

  it('stall() keeps RTSP answering but stops media; resume() brings it back', async () => {
    const front = cameras().camera('front');
    front.stall();
    expect(front.state()).toBe('stalled');
    expect(await rtspRequest(front.port, 'OPTIONS', front.mainUrl)).toMatch(/^RTSP\/1\.0 200 OK/);
    const stalled = await probeRtsp(front.mainUrl, { timeoutMs: 3_000 });
    expect(stalled.ok).toBe(false);

    front.resume();
    expect(front.state()).toBe('running');
    const resumed = await probeRtsp(front.mainUrl);
    expect(resumed.ok ? resumed.streams.map((s) => s.codec_name) : resumed.error).toEqual(['h264', 'aac']);
  });

  it('costs little CPU: under 10% of a core for a 1080p camera, 15% with a sub stream', async () => {
    // Servers only work while someone watches: one reader per mount, as a recorder would be.
    const urls = cameras().cameras.flatMap((camera) =>
      [camera.mainUrl, camera.subUrl].flatMap((url) => (url ? [camera.withCredentials(url)] : [])),
    );
    const readers: GuardedProcess[] = urls.map((url) =>
      spawnGuarded('[fake-cameras test reader]', 'ffmpeg', [
        ...['-hide_banner', '-loglevel', 'error', '-nostdin', '-rtsp_transport', 'tcp'],
        ...['-i', url, '-map', '0', '-c', 'copy', '-f', 'null', '-'],
      ]),
    );
    try {
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const perCamera = cameras().cameras.map((camera) => ({ camera, end: cpuWindow(camera.pids()) }));
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      for (const { camera, end } of perCamera) {
        const { seconds, perPid } = end();
        const percent = (100 * [...perPid.values()].reduce((sum, cpu) => sum + cpu, 0)) / seconds;
        const detail = [...perPid.entries()].map(
          ([pid, cpu]) => `${pid}: ${((100 * cpu) / seconds).toFixed(1)}%`,
        );
        console.log(
          `[fake-cameras test] ${camera.name} (${camera.subUrl ? 'main+sub' : 'main'}): ` +
            `${percent.toFixed(1)}% of a core over ${seconds.toFixed(1)} s (${detail.join(', ')})`,
        );
        expect(percent).toBeLessThan(camera.subUrl ? 15 : 10);
      }
      for (const reader of readers) expect(reader.running(), reader.output()).toBe(true);
    } finally {
      await Promise.all(readers.map((reader) => reader.stop()));
    }
  });
});
