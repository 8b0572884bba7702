import { describe, expect, it } from 'vitest';
import {
  buildStreamProbeArgs,
  classifyProbeFailure,
  parseProbeOutput,
  parseRate,
  probeStream,
} from './stream-probe.js';

const packets = (times: number[], keyEvery: number, index = 0) =>
  times.map((time, at) => ({
    stream_index: index,
    pts_time: time.toFixed(6),
    flags: at % keyEvery === 0 ? 'K__' : '___',
  }));
const frames = (count: number, fps: number) => Array.from({ length: count }, (_, at) => at / fps);

describe('buildStreamProbeArgs', () => {
  it('reads headers for a window over the chosen transport, with a socket timeout, URL last', () => {
    const args = buildStreamProbeArgs('rtsp://u:p@cam/x', 'udp', 6, 5000);
    expect(args.slice(args.indexOf('-rtsp_transport'), args.indexOf('-rtsp_transport') + 2)).toEqual([
      '-rtsp_transport',
      'udp',
    ]);
    expect(args[args.indexOf('-timeout') + 1]).toBe('5000000');
    expect(args[args.indexOf('-read_intervals') + 1]).toBe('%+6');
    expect(args.at(-1)).toBe('rtsp://u:p@cam/x');
    expect(args.filter((arg) => arg === 'rtsp://u:p@cam/x')).toHaveLength(1);
  });
});

describe('parseRate', () => {
  it('reads fractions and refuses nonsense', () => {
    expect(parseRate('30000/1001')).toBe(29.97);
    expect(parseRate('25/1')).toBe(25);
    expect(parseRate('0/0')).toBeNull();
    expect(parseRate(undefined)).toBeNull();
    expect(parseRate('abc')).toBeNull();
  });
});

describe('parseProbeOutput', () => {
  it('takes the first video and audio stream and the median keyframe interval of the video packets', () => {
    const json = JSON.stringify({
      streams: [
        {
          index: 0,
          codec_type: 'video',
          codec_name: 'h264',
          profile: 'High',
          width: 1920,
          height: 1080,
          avg_frame_rate: '25/1',
        },
        { index: 1, codec_type: 'audio', codec_name: 'pcm_mulaw', sample_rate: '8000', channels: 1 },
      ],
      // 2 s GOP at 25 fps over 6 s, and audio packets flagged K that must not count.
      packets: [...packets(frames(150, 25), 50), ...packets([0.5, 1.5], 1, 1)],
    });
    expect(parseProbeOutput(json)).toEqual({
      ok: true,
      video: {
        codec: 'h264',
        profile: 'High',
        width: 1920,
        height: 1080,
        fps: 25,
        keyframeIntervalSeconds: 2,
        keyframesSeen: 3,
        probedSeconds: 5.96,
      },
      audio: { codec: 'pcm_mulaw', sampleRate: 8000, channels: 1 },
    });
  });

  it('says null for the interval when fewer than two keyframes came, and falls back to the nominal rate', () => {
    const json = JSON.stringify({
      streams: [
        {
          index: 0,
          codec_type: 'video',
          codec_name: 'hevc',
          width: 3840,
          height: 2160,
          avg_frame_rate: '0/0',
          r_frame_rate: '20/1',
        },
      ],
      packets: packets(frames(120, 20), 1000),
    });
    const result = parseProbeOutput(json);
    expect(result.ok && result.video).toMatchObject({
      fps: 20,
      keyframeIntervalSeconds: null,
      keyframesSeen: 1,
      profile: null,
    });
    expect(result.ok && result.audio).toBeNull();
  });

  it('answers no_video for audio-only or empty answers and unreadable for non-JSON', () => {
    expect(
      parseProbeOutput(JSON.stringify({ streams: [{ index: 0, codec_type: 'audio', codec_name: 'aac' }] })),
    ).toMatchObject({ ok: false, failure: 'no_video' });
    expect(parseProbeOutput('{}')).toMatchObject({ ok: false, failure: 'no_video' });
    expect(parseProbeOutput('<html>')).toMatchObject({ ok: false, failure: 'unreadable' });
  });
});

describe('classifyProbeFailure', () => {
  it('gives each failure its own message', () => {
    const cases: [string, string][] = [
      ['[rtsp @ 0x1] method DESCRIBE failed: 401 Unauthorized', 'auth_failed'],
      ['method DESCRIBE failed: 404 Not Found', 'not_found'],
      ['rtsp://127.0.0.1:1/x: Connection refused', 'unreachable'],
      ['Failed to resolve hostname nope.invalid: Name or service not known', 'unreachable'],
      ['rtsp://cam/x: Connection timed out', 'timeout'],
      ['rtsp://cam/x: Invalid data found when processing input', 'unreadable'],
    ];
    const messages = new Set<string>();
    for (const [stderr, failure] of cases) {
      const result = classifyProbeFailure(stderr, 1);
      expect(result, stderr).toMatchObject({ ok: false, failure });
      if (!result.ok) messages.add(result.message);
    }
    expect(messages.size).toBe(cases.length);
    expect(classifyProbeFailure('', 1)).toMatchObject({ message: expect.stringContaining('exit code 1') });
  });
});

describe('probeStream', () => {
  it('answers unavailable without ffprobe, and a demo source from its definition without any process', async () => {
    const target = { url: 'rtsp://cam/x', username: null, password: null, transport: 'tcp' as const };
    expect(await probeStream(target, { ffprobePath: null })).toMatchObject({
      ok: false,
      failure: 'unavailable',
    });
    expect(await probeStream({ ...target, url: 'demo:lobby-tone' }, { ffprobePath: null })).toMatchObject({
      ok: true,
      video: { codec: 'h264', width: 1280, height: 720 },
      audio: { codec: 'aac' },
    });
  });

  it('redacts the password from a failure that echoes the URL', async () => {
    const result = await probeStream(
      { url: 'rtsp://127.0.0.1:1/x', username: 'admin', password: 'hunter22secret', transport: 'tcp' },
      { ffprobePath: 'ffprobe', limitMs: 10_000 },
    );
    expect(result).toMatchObject({ ok: false, failure: 'unreachable' });
    expect(JSON.stringify(result)).not.toContain('hunter22secret');
  });

  it('answers unavailable when the ffprobe path does not exist', async () => {
    const result = await probeStream(
      { url: 'rtsp://127.0.0.1:1/x', username: null, password: null, transport: 'tcp' },
      { ffprobePath: '/nonexistent/ffprobe' },
    );
    expect(result).toMatchObject({ ok: false, failure: 'unavailable' });
  });
});
