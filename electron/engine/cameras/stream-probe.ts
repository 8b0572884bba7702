/**
 * "Test connection": asks a stream what it carries with ffprobe, the way the recorder will connect (RTSP over
 * TCP unless the camera is set to UDP), before anything is saved. One ffprobe per stream reads the stream
 * descriptions and a few seconds of packet headers (never decoding a frame), from which the keyframe
 * interval comes. Credentials are percent-encoded into the URL only in ffprobe's argv; everything returned or
 * thrown is redacted.
 */
import { spawn } from 'node:child_process';
import type { StreamProbe } from '../../../common/contract/index.js';
import { withCredentials, type RtspTransport } from '../ingest/ffmpeg-args.js';
import { createRedactor, type Redactor } from '../ingest/redact.js';
import { demoInput } from '../ingest/stream-supervisor.js';

export interface ProbeTarget {
  /** Stream URL without credentials (the contract's `StreamUrl`). */
  url: string;
  username: string | null;
  password: string | null;
  transport: RtspTransport;
}

export interface StreamProbeOptions {
  /** ffprobe; null when none was found (every probe then answers `unavailable`). */
  ffprobePath: string | null;
  /** Seconds of packets read for the keyframe interval (default 6: catches intervals up to about 5 s). */
  windowSeconds?: number;
  /** Socket read timeout: a camera that stops answering fails this fast (default 5 s). */
  socketTimeoutMs?: number;
  /** The whole probe, connecting included; ffprobe is killed after it (default 20 s). */
  limitMs?: number;
}

/** Most bytes of ffprobe JSON kept (a few seconds of packet headers is tens of kB). */
const MAX_STDOUT_BYTES = 4 * 1024 * 1024;
const MAX_STDERR_BYTES = 64 * 1024;

/** ffprobe's argv for one stream (pure: unit-tested). `url` already carries the credentials. */
export function buildStreamProbeArgs(
  url: string,
  transport: RtspTransport,
  windowSeconds: number,
  socketTimeoutMs: number,
): string[] {
  return [
    ...['-v', 'error', '-hide_banner'],
    // As the recorder connects: TCP by default, UDP for cameras set to it.
    ...['-rtsp_transport', transport],
    // Socket I/O timeout in microseconds (FFmpeg 5.1's RTSP demuxer has no -rw_timeout).
    ...['-timeout', String(socketTimeoutMs * 1000)],
    // Packet headers only for the first few seconds: enough to see two keyframes on a sane camera.
    ...['-read_intervals', `%+${windowSeconds}`],
    ...[
      '-show_entries',
      'stream=index,codec_type,codec_name,profile,width,height,avg_frame_rate,r_frame_rate,sample_rate,channels' +
        ':packet=stream_index,pts_time,dts_time,flags',
    ],
    ...['-of', 'json'],
    url,
  ];
}

interface RawStream {
  index?: number;
  codec_type?: string;
  codec_name?: string;
  profile?: string;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  sample_rate?: string;
  channels?: number;
}

interface RawPacket {
  stream_index?: number;
  pts_time?: string;
  dts_time?: string;
  flags?: string;
}

/** `30000/1001` → 29.97; null for 0/0 or nonsense. */
export function parseRate(rate: string | undefined): number | null {
  if (rate === undefined) return null;
  const [numerator, denominator] = rate.split('/').map(Number);
  if (numerator === undefined || !Number.isFinite(numerator) || numerator <= 0) return null;
  const value = denominator === undefined ? numerator : numerator / denominator;
  if (!Number.isFinite(value) || value <= 0 || value > 1000) return null;
  return Math.round(value * 100) / 100;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

/**
 * Reads ffprobe's JSON (streams and packets) into a probe result. Pure. The first video stream counts, and the
 * first audio stream.
 */
export function parseProbeOutput(json: string): StreamProbe {
  let parsed: { streams?: RawStream[]; packets?: RawPacket[] };
  try {
    parsed = JSON.parse(json) as typeof parsed;
  } catch {
    return { ok: false, failure: 'unreadable', message: 'ffprobe answered something that is not JSON' };
  }
  const streams = Array.isArray(parsed.streams) ? parsed.streams : [];
  const video = streams.find((stream) => stream.codec_type === 'video');
  if (video === undefined || typeof video.width !== 'number' || typeof video.height !== 'number') {
    return {
      ok: false,
      failure: 'no_video',
      message: 'The stream answered but carries no video (is this the right path?)',
    };
  }
  const packets = Array.isArray(parsed.packets) ? parsed.packets : [];
  const times: number[] = [];
  const keyframes: number[] = [];
  for (const packet of packets) {
    if (packet.stream_index !== video.index) continue;
    const time = Number(packet.pts_time ?? packet.dts_time);
    if (!Number.isFinite(time)) continue;
    times.push(time);
    if (packet.flags?.startsWith('K') === true) keyframes.push(time);
  }
  const intervals: number[] = [];
  for (let index = 1; index < keyframes.length; index += 1) {
    const gap = (keyframes[index] ?? 0) - (keyframes[index - 1] ?? 0);
    if (gap > 0) intervals.push(gap);
  }
  const probedSeconds = times.length < 2 ? 0 : Math.max(...times) - Math.min(...times);
  const audio = streams.find((stream) => stream.codec_type === 'audio');
  const sampleRate = audio?.sample_rate === undefined ? NaN : Number(audio.sample_rate);
  return {
    ok: true,
    video: {
      codec: video.codec_name ?? 'unknown',
      profile: typeof video.profile === 'string' && video.profile !== '' ? video.profile : null,
      width: video.width,
      height: video.height,
      fps: parseRate(video.avg_frame_rate) ?? parseRate(video.r_frame_rate),
      keyframeIntervalSeconds: intervals.length === 0 ? null : Math.round(median(intervals) * 100) / 100,
      keyframesSeen: keyframes.length,
      probedSeconds: Math.round(probedSeconds * 100) / 100,
    },
    audio:
      audio === undefined
        ? null
        : {
            codec: audio.codec_name ?? 'unknown',
            sampleRate: Number.isInteger(sampleRate) ? sampleRate : null,
            channels: typeof audio.channels === 'number' ? audio.channels : null,
          },
  };
}

const FAILURES: {
  pattern: RegExp;
  failure: Exclude<StreamProbe, { ok: true }>['failure'];
  message: string;
}[] = [
  {
    pattern: /401 Unauthorized/i,
    failure: 'auth_failed',
    message: 'The camera refused the user name or password (401 Unauthorized)',
  },
  {
    pattern: /403 Forbidden/i,
    failure: 'auth_failed',
    message: 'The camera refused this user access to the stream (403 Forbidden)',
  },
  {
    pattern: /404 Not Found|454 Session Not Found/i,
    failure: 'not_found',
    message: 'The camera has no stream at this path (404 Not Found): check the path or the vendor template',
  },
  {
    pattern: /Connection refused/i,
    failure: 'unreachable',
    message: 'The camera refused the connection: nothing listens on that port (is the RTSP port right?)',
  },
  {
    pattern: /No route to host|Network is unreachable|Host is unreachable/i,
    failure: 'unreachable',
    message: 'The camera cannot be reached from this computer (no route to host)',
  },
  {
    pattern:
      /Name or service not known|Temporary failure in name resolution|Could not resolve|nodename nor servname/i,
    failure: 'unreachable',
    message: 'The camera host name was not found',
  },
  {
    pattern: /timed out|Connection timed out/i,
    failure: 'timeout',
    message: 'The camera did not answer in time',
  },
  {
    pattern: /Connection reset by peer|End of file|Broken pipe/i,
    failure: 'unreachable',
    message: 'The camera closed the connection before sending its stream',
  },
];

/** What a failed ffprobe's stderr means (already redacted). Pure. */
export function classifyProbeFailure(stderr: string, exitCode: number | null): StreamProbe {
  for (const rule of FAILURES) {
    if (rule.pattern.test(stderr)) return { ok: false, failure: rule.failure, message: rule.message };
  }
  const last = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .at(-1);
  return {
    ok: false,
    failure: 'unreadable',
    message:
      last === undefined
        ? `ffprobe could not read the stream (exit code ${exitCode ?? 'none'})`
        : `ffprobe could not read the stream: ${last.slice(0, 200)}`,
  };
}

function demoProbe(url: string): StreamProbe {
  const input = demoInput(url);
  if (input.kind !== 'demo') throw new Error('not a demo source');
  return {
    ok: true,
    video: {
      codec: 'h264',
      profile: 'High',
      width: input.width,
      height: input.height,
      fps: input.fps,
      keyframeIntervalSeconds: 1,
      keyframesSeen: 0,
      probedSeconds: 0,
    },
    audio: input.tone ? { codec: 'aac', sampleRate: 16000, channels: 1 } : null,
  };
}

/** Runs ffprobe on one stream. Never throws for the camera's faults: they come back as `{ ok: false }`. */
export async function probeStream(target: ProbeTarget, options: StreamProbeOptions): Promise<StreamProbe> {
  if (target.url.startsWith('demo:')) return demoProbe(target.url);
  if (options.ffprobePath === null) {
    return {
      ok: false,
      failure: 'unavailable',
      message: 'ffprobe was not found beside FFmpeg or on PATH, so streams cannot be checked (see System)',
    };
  }
  const redact: Redactor = createRedactor([target.username, target.password]);
  const windowSeconds = options.windowSeconds ?? 6;
  const socketTimeoutMs = options.socketTimeoutMs ?? 5_000;
  const limitMs = options.limitMs ?? 20_000;
  const args = buildStreamProbeArgs(
    withCredentials(target.url, target.username, target.password),
    target.transport,
    windowSeconds,
    socketTimeoutMs,
  );
  const ffprobePath = options.ffprobePath;
  return new Promise<StreamProbe>((resolve) => {
    // Its own process group, so a kill takes anything it started; no shell, argv only.
    const child = spawn(ffprobePath, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = '';
    let timedOut = false;
    let oversized = false;
    const kill = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, limitMs);
    child.stdout.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes > MAX_STDOUT_BYTES) {
        oversized = true;
        kill();
        return;
      }
      stdout.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < MAX_STDERR_BYTES) stderr += chunk.toString('utf8');
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({
        ok: false,
        failure: 'unavailable',
        message: `ffprobe could not be started (${error.code ?? 'error'})`,
      });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (timedOut) {
        resolve({
          ok: false,
          failure: 'timeout',
          message: `The camera did not send its stream within ${Math.round(limitMs / 1000)} s`,
        });
        return;
      }
      if (oversized) {
        resolve({ ok: false, failure: 'unreadable', message: 'ffprobe answered far more than expected' });
        return;
      }
      const text = Buffer.concat(stdout).toString('utf8');
      if (code === 0) {
        resolve(parseProbeOutput(text));
        return;
      }
      resolve(classifyProbeFailure(redact(stderr), code));
    });
  }).then((result) => (result.ok ? result : { ...result, message: redact(result.message) }));
}
