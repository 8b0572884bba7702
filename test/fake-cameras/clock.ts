/**
 * The clock camera's feeder: Node draws each frame with the wall-clock time burnt in (the machine-readable
 * code of test/support/timecode.ts plus the same time in digits for people) and pipes it raw into an FFmpeg
 * that encodes H.264 live (x264 ultrafast, zerolatency) and sends RTP to the camera's RTSP server, exactly
 * where a clip feeder would send it.
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { decodeTimecode, drawTimecode, freeArea } from '../support/timecode.js';
import { spawnGuarded, type GuardedProcess } from './guarded-process.js';

export const CLOCK_FPS = 25;
const FRAME_MS = 1000 / CLOCK_FPS;
/** Gray levels of the digits' background and of the digits. */
const TEXT_BACKGROUND = 40;
const TEXT_LEVEL = 230;
/** Frames that may wait in the pipe to FFmpeg before the feeder holds back (so a slow encoder adds no lag). */
const QUEUED_FRAMES = 1;

export interface ClockStreamSpec {
  width: number;
  height: number;
  bitrateKbps: number;
}

// 5x7 glyphs, one number per row, most significant of 5 bits on the left.
const GLYPHS: Record<string, number[]> = {
  '0': [0x0e, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0e],
  '1': [0x04, 0x0c, 0x04, 0x04, 0x04, 0x04, 0x0e],
  '2': [0x0e, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1f],
  '3': [0x1f, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0e],
  '4': [0x02, 0x06, 0x0a, 0x12, 0x1f, 0x02, 0x02],
  '5': [0x1f, 0x10, 0x1e, 0x01, 0x01, 0x11, 0x0e],
  '6': [0x06, 0x08, 0x10, 0x1e, 0x11, 0x11, 0x0e],
  '7': [0x1f, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08],
  '8': [0x0e, 0x11, 0x11, 0x0e, 0x11, 0x11, 0x0e],
  '9': [0x0e, 0x11, 0x11, 0x0f, 0x01, 0x02, 0x0c],
  ':': [0x00, 0x0c, 0x0c, 0x00, 0x0c, 0x0c, 0x00],
  '.': [0x00, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x0c],
  '-': [0x00, 0x00, 0x00, 0x1f, 0x00, 0x00, 0x00],
};

function drawText(
  frame: Uint8Array,
  width: number,
  text: string,
  x0: number,
  y0: number,
  scale: number,
): void {
  // ASCII digits and punctuation only: one UTF-16 unit per glyph.
  for (let index = 0; index < text.length; index++) {
    const glyph = GLYPHS[text.charAt(index)] ?? [];
    glyph.forEach((bits, row) => {
      for (let column = 0; column < 5; column++) {
        if (((bits >> (4 - column)) & 1) === 0) continue;
        const x = x0 + (index * 6 + column) * scale;
        for (let y = y0 + row * scale; y < y0 + (row + 1) * scale; y++) {
          frame.fill(TEXT_LEVEL, y * width + x, y * width + x + scale);
        }
      }
    });
  }
}

/**
 * A gray frame showing `timeMs`: the time code in the top 5 of 9 rows, and below it the UTC date and time
 * (`YYYY-MM-DD`, `HH:MM:SS.mmm`) in digits as large as fit.
 */
export function renderClockFrame(width: number, height: number, timeMs: number): Uint8Array {
  const frame = new Uint8Array(width * height);
  drawTimecode({ data: frame, width, height }, timeMs);
  const { y0, y1 } = freeArea(width, height);
  frame.fill(TEXT_BACKGROUND, y0 * width, y1 * width);
  const iso = new Date(timeMs).toISOString(); // 2026-11-25T15:42:57.123Z
  const lines = [iso.slice(0, 10), iso.slice(11, 23)];
  // Two lines of 7 glyph rows, 3 rows apart, a 1.5-row margin around; 12 glyphs of 6 columns across.
  const scale = Math.max(1, Math.min(Math.floor((y1 - y0) / 20), Math.floor(width / (12 * 6 + 2))));
  const top = y0 + Math.floor((y1 - y0 - 17 * scale) / 2);
  lines.forEach((line, index) => {
    const left = Math.floor((width - (line.length * 6 - 1) * scale) / 2);
    drawText(frame, width, line, left, top + index * 10 * scale, scale);
  });
  return frame;
}

/** FFmpeg arguments that encode raw gray frames from stdin live and send them as RTP to `videoPort`. */
export function buildClockEncoderArgs(
  spec: ClockStreamSpec,
  videoPort: number,
  payloadType: number,
): string[] {
  const bitrate = `${spec.bitrateKbps}k`;
  return [
    ...['-hide_banner', '-loglevel', 'error', '-nostdin'],
    // Frames arrive on the feeder's schedule; timestamps count frames at 25 fps.
    ...['-f', 'rawvideo', '-pix_fmt', 'gray', '-video_size', `${spec.width}x${spec.height}`],
    ...['-framerate', String(CLOCK_FPS), '-i', 'pipe:0'],
    // No lookahead and no frame threads: each frame leaves the encoder as soon as it is in.
    ...['-map', '0:v:0', '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency'],
    // Like the clip cameras: baseline, a keyframe every second, SPS/PPS in band.
    ...['-profile:v', 'baseline', '-pix_fmt', 'yuv420p', '-g', String(CLOCK_FPS)],
    ...['-keyint_min', String(CLOCK_FPS), '-sc_threshold', '0', '-x264-params', 'repeat-headers=1'],
    ...['-b:v', bitrate, '-maxrate', bitrate, '-bufsize', bitrate],
    ...['-payload_type', String(payloadType), '-f', 'rtp', `rtp://127.0.0.1:${videoPort}`],
  ];
}

/**
 * Starts FFmpeg and the frame pump. The answer is the FFmpeg process, except that SIGSTOP and SIGCONT also
 * pause and resume the pump, and stopping ends the pump first.
 *
 * Timestamps count frames (25 fps from the first), so they track the wall clock only while frames keep to
 * the schedule: when the pump falls behind (a busy event loop, a slow encoder) it catches up by sending the
 * missed frames as fast as FFmpeg takes them, each stamped with the time it is sent. After a stall it does
 * not: it goes on from the current time, so media time trails the wall clock by the stall's length. (A
 * catch-up burst after seconds of stall would sit in the RTSP server's jitter buffer, which re-bases on it,
 * and delay the stream by about that long for good.)
 */
export function startClockFeeder(
  label: string,
  ffmpegPath: string,
  spec: ClockStreamSpec,
  videoPort: number,
  payloadType: number,
): GuardedProcess {
  const ffmpeg = spawnGuarded(label, ffmpegPath, buildClockEncoderArgs(spec, videoPort, payloadType), {
    stdin: 'pipe',
  });
  const stdin = ffmpeg.stdin;
  if (stdin === null) throw new Error(`${label}: no stdin`);
  const frameBytes = spec.width * spec.height;
  let startedAt = performance.now();
  let sent = 0;
  let paused = false;
  let pausedAt = 0;
  let timer: NodeJS.Timeout | undefined;

  const pump = (): void => {
    timer = undefined;
    if (paused || !ffmpeg.running() || !stdin.writable) return;
    const due = Math.floor((performance.now() - startedAt) / FRAME_MS) + 1;
    while (sent < due && stdin.writableLength <= QUEUED_FRAMES * frameBytes) {
      stdin.write(renderClockFrame(spec.width, spec.height, Date.now()));
      sent += 1;
    }
    // Behind (FFmpeg busy): try again as soon as the pipe drains; else at the next frame's time.
    if (sent < due) stdin.once('drain', pump);
    else timer = setTimeout(pump, Math.max(0, startedAt + sent * FRAME_MS - performance.now()));
  };
  const halt = (): void => {
    clearTimeout(timer);
    timer = undefined;
    stdin.removeListener('drain', pump);
  };
  void ffmpeg.exited.then(halt);
  pump();

  return {
    ...ffmpeg,
    signal(signal) {
      if (signal === 'SIGSTOP' && !paused) {
        paused = true;
        pausedAt = performance.now();
        halt();
      }
      ffmpeg.signal(signal);
      if (signal === 'SIGCONT' && paused) {
        paused = false;
        // Skip the stalled time rather than catch it up (see above).
        startedAt += performance.now() - pausedAt;
        pump();
      }
    },
    async stop(graceMs) {
      paused = true;
      halt();
      stdin.end();
      return ffmpeg.stop(graceMs);
    },
  };
}

export interface ClockSample {
  /** Date.now() when the frame reached this process. */
  receivedAtMs: number;
  /** The time code in the frame; null when it could not be read. */
  timecodeMs: number | null;
}

/**
 * Watches `url` with FFmpeg (RTSP over TCP, decoded to gray) and reads the time code of every frame as it
 * arrives, for `durationMs` from the first frame (FFmpeg takes a few seconds to start: `startTimeoutMs`,
 * default 15 s): what the camera side alone adds to latency. `width` x `height` is the stream's size.
 */
export function readRtspClock(
  url: string,
  options: {
    width: number;
    height: number;
    durationMs: number;
    startTimeoutMs?: number;
    ffmpegPath?: string;
  },
): Promise<ClockSample[]> {
  const { width, height, durationMs } = options;
  const frameBytes = width * height;
  return new Promise((resolve, reject) => {
    const reader = spawn(
      options.ffmpegPath ?? 'ffmpeg',
      [
        ...['-hide_banner', '-loglevel', 'error', '-nostdin'],
        ...[
          '-fflags',
          'nobuffer',
          '-flags',
          'low_delay',
          '-threads',
          '1',
          '-rtsp_transport',
          'tcp',
          '-i',
          url,
        ],
        ...['-map', '0:v:0', '-f', 'rawvideo', '-pix_fmt', 'gray', '-flush_packets', '1', 'pipe:1'],
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const samples: ClockSample[] = [];
    // Chunks of the frame being received, joined once it is whole (joining on every 64 KiB chunk copied
    // megabytes per 1080p frame, and the reader fell seconds behind).
    let chunks: Buffer[] = [];
    let buffered = 0;
    let errors = '';
    let timer = setTimeout(() => reader.kill('SIGKILL'), options.startTimeoutMs ?? 15_000);
    reader.stderr.setEncoding('utf8').on('data', (chunk: string) => (errors += chunk));
    reader.stdout.on('data', (chunk: Buffer) => {
      const receivedAtMs = Date.now();
      chunks.push(chunk);
      buffered += chunk.length;
      if (buffered < frameBytes) return;
      let pending = chunks.length === 1 ? chunk : Buffer.concat(chunks, buffered);
      while (pending.length >= frameBytes) {
        const frame = pending.subarray(0, frameBytes);
        if (samples.length === 0) {
          clearTimeout(timer);
          timer = setTimeout(() => reader.kill('SIGKILL'), durationMs);
        }
        samples.push({
          receivedAtMs,
          timecodeMs: decodeTimecode({ data: frame, width, height, channels: 1 }),
        });
        pending = pending.subarray(frameBytes);
      }
      chunks = pending.length > 0 ? [pending] : [];
      buffered = pending.length;
    });
    reader.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    reader.once('exit', () => {
      clearTimeout(timer);
      if (samples.length === 0) reject(new Error(`no frame from ${url}: ${errors.trim() || 'nothing said'}`));
      else resolve(samples);
    });
  });
}
