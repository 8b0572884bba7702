import { describe, expect, it } from 'vitest';
import { classifyFailure, inputAudioCodec } from './stderr-reason.js';

// Lines as FFmpeg 5.1 prints them (redacted as the supervisor stores them).
const CASES: { name: string; lines: string[]; kind: string; reason: RegExp }[] = [
  {
    name: '401',
    lines: [
      '[rtsp @ 0x55f4c2a0e6c0] method DESCRIBE failed: 401 Unauthorized',
      'rtsp://***@10.0.0.5:554/stream1: Server returned 401 Unauthorized (authorization failed)',
    ],
    kind: 'auth',
    reason: /user name or password.*401/,
  },
  {
    name: '403',
    lines: ['rtsp://***@10.0.0.5/stream1: Server returned 403 Forbidden (access denied)'],
    kind: 'auth',
    reason: /403 Forbidden/,
  },
  {
    name: '404',
    lines: [
      '[rtsp @ 0x5612d1e3f6c0] method DESCRIBE failed: 404 Not Found',
      'rtsp://10.0.0.5:554/nosuch: Server returned 404 Not Found',
    ],
    kind: 'stream',
    reason: /no stream at this path/,
  },
  {
    name: 'connection refused',
    lines: [
      '[tcp @ 0x55d7a8f0b380] Connection to tcp://10.0.0.5:554?timeout=0 failed: Connection refused',
      'rtsp://10.0.0.5:554/stream1: Connection refused',
    ],
    kind: 'network',
    reason: /^Connection refused$/,
  },
  {
    name: 'no route',
    lines: ['[tcp @ 0x5634] Connection to tcp://10.9.9.9:554?timeout=0 failed: No route to host'],
    kind: 'network',
    reason: /unreachable/,
  },
  {
    name: 'timeout',
    lines: ['rtsp://10.0.0.5:554/stream1: Connection timed out'],
    kind: 'network',
    reason: /did not answer in time/,
  },
  {
    name: 'name resolution',
    lines: [
      '[tcp @ 0x55b1c7a3d2c0] Failed to resolve hostname nosuch.invalid: Name or service not known',
      'rtsp://nosuch.invalid/stream1: Input/output error',
    ],
    kind: 'network',
    reason: /host name not found/,
  },
  {
    name: 'connection closed',
    lines: ['rtsp://10.0.0.5/stream1: Connection reset by peer'],
    kind: 'network',
    reason: /closed the connection/,
  },
  {
    name: 'unsupported audio codec in MP4',
    lines: [
      "Input #0, rtsp, from 'rtsp://***@10.0.0.5:554/stream1':",
      '  Stream #0:0: Video: h264 (Main), yuvj420p(pc, bt709, progressive), 1920x1080, 25 fps, 25 tbr, 90k tbn',
      '  Stream #0:1: Audio: pcm_mulaw, 8000 Hz, mono, s16, 64 kb/s',
      '[mp4 @ 0x55c0f4a7e200] Could not find tag for codec pcm_mulaw in stream #1, codec not currently supported in container',
      'Could not write header for output file #0 (incorrect codec parameters ?): Invalid argument',
    ],
    kind: 'unsupported_audio',
    reason: /converting to AAC/,
  },
  {
    name: 'unreadable input',
    lines: ['rtsp://10.0.0.5/stream1: Invalid data found when processing input'],
    kind: 'stream',
    reason: /cannot read/,
  },
];

describe('classifyFailure', () => {
  it.each(CASES)('recognises $name', ({ lines, kind, reason }) => {
    const failure = classifyFailure(lines, 1);
    expect(failure.kind).toBe(kind);
    expect(failure.reason).toMatch(reason);
  });

  it('falls back to the last line that is not part of the stream summary', () => {
    const failure = classifyFailure(
      [
        'Something odd happened: Error number -1094995529 occurred',
        "Input #0, rtsp, from 'rtsp://cam/x':",
        '  Stream #0:0: Video: h264',
        '',
      ],
      1,
    );
    expect(failure).toEqual({
      kind: 'other',
      reason: 'Something odd happened: Error number -1094995529 occurred',
    });
  });

  it('keeps the fallback reason short', () => {
    expect(classifyFailure(['x'.repeat(500)], 1).reason).toHaveLength(200);
  });

  it('falls back to the exit code or the signal when there is no stderr', () => {
    expect(classifyFailure([], 1)).toEqual({ kind: 'other', reason: 'FFmpeg exited with code 1' });
    expect(classifyFailure(['  ', ''], null)).toEqual({ kind: 'other', reason: 'FFmpeg was stopped' });
  });
});

describe('inputAudioCodec', () => {
  it('reads the input audio codec from the stream summary', () => {
    expect(inputAudioCodec(['  Stream #0:1: Audio: pcm_mulaw, 8000 Hz, mono, s16, 64 kb/s'])).toBe(
      'pcm_mulaw',
    );
    expect(
      inputAudioCodec(['    Stream #0:1[0x101](und): Audio: aac (LC) (mp4a / 0x6134706D), 16000 Hz']),
    ).toBe('aac');
  });

  it('takes the first audio stream (the input summary comes before the output one)', () => {
    expect(
      inputAudioCodec([
        '  Stream #0:0: Video: h264 (High), yuv420p, 1280x720, 15 fps',
        '  Stream #0:1: Audio: pcm_alaw, 8000 Hz, mono, s16, 64 kb/s',
        'Output #0, mp4, to pipe:1:',
        '  Stream #0:1: Audio: aac (LC) (mp4a / 0x6134706D), 8000 Hz, mono, fltp, 64 kb/s',
      ]),
    ).toBe('pcm_alaw');
  });

  it('is null without an audio stream', () => {
    expect(inputAudioCodec(['  Stream #0:0: Video: h264 (Main), yuvj420p, 1920x1080'])).toBeNull();
    expect(inputAudioCodec([])).toBeNull();
  });
});
