/**
 * Pre-encoded clips for the fake cameras. Encoding is done once per parameter set and cached on disk, so a
 * running fake camera only copies packets (`ffmpeg -c copy`) instead of encoding live.
 */
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export type ClipResolution = '1080p' | '360p';

export type ClipCodec = 'h264' | 'h265';

export interface ClipSpec {
  resolution: ClipResolution;
  audio: boolean;
  /** Default H.264; H.265 for cameras whose stream a browser cannot play live. */
  codec?: ClipCodec;
}

/** Sizes and bitrates of typical camera main and sub streams. */
export const CLIP_PROFILES: Record<ClipResolution, { width: number; height: number; bitrateKbps: number }> = {
  '1080p': { width: 1920, height: 1080, bitrateKbps: 4000 },
  '360p': { width: 640, height: 360, bitrateKbps: 500 },
};

export const CLIP_FPS = 25;
/**
 * 8 s rather than 10: a whole number of 1 s GOPs, of 40 ms frames and of 1024-sample AAC frames at 48 kHz
 * (375 of them). With a 10 s clip the audio ends 5.3 ms after the video, and `-stream_loop` then leaves a
 * 5.3 ms hole in the video timestamps at every loop.
 */
export const CLIP_SECONDS = 8;
export const AUDIO_SAMPLE_RATE = 48_000;
export const AUDIO_CHANNELS = 1;

export interface ClipAudio {
  sampleRate: number;
  channels: number;
  /** AudioSpecificConfig as hex: what an RTP receiver needs (`config=` in the SDP fmtp line). */
  config: string;
}

export interface Clip {
  path: string;
  resolution: ClipResolution;
  codec: ClipCodec;
  width: number;
  height: number;
  fps: number;
  durationSeconds: number;
  /** Null when the clip has no audio track. */
  audio: ClipAudio | null;
}

export interface ClipTools {
  ffmpegPath?: string;
  ffprobePath?: string;
  /** Defaults to `OMNISIGHT_FAKE_CAMERA_CLIPS` or `<tmp>/omnisight-fake-cameras-clips`. */
  cacheDir?: string;
}

export function defaultClipCacheDir(): string {
  return process.env.OMNISIGHT_FAKE_CAMERA_CLIPS ?? path.join(os.tmpdir(), 'omnisight-fake-cameras-clips');
}

/** FFmpeg arguments that encode a clip to `outputPath` (MP4). */
export function buildClipArgs(spec: ClipSpec, outputPath: string): string[] {
  const { width, height, bitrateKbps } = CLIP_PROFILES[spec.resolution];
  const bitrate = `${bitrateKbps}k`;
  return [
    ...['-hide_banner', '-loglevel', 'error', '-nostdin', '-y'],
    // testsrc2 moves, so P-frames carry real data and the bitrate is close to a camera's.
    ...['-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${CLIP_FPS}:duration=${CLIP_SECONDS}`],
    ...(spec.audio
      ? ['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=${AUDIO_SAMPLE_RATE}:duration=${CLIP_SECONDS}`]
      : []),
    ...['-map', '0:v', ...(spec.audio ? ['-map', '1:a'] : [])],
    ...(spec.codec === 'h265'
      ? [
          // H.265 as many cameras send it: no B-frames, a keyframe every second, VPS/SPS/PPS in band.
          ...['-c:v', 'libx265', '-preset', 'ultrafast', '-tag:v', 'hvc1', '-pix_fmt', 'yuv420p'],
          ...['-b:v', bitrate, '-maxrate', bitrate, '-bufsize', bitrate],
          ...[
            '-x265-params',
            `keyint=${CLIP_FPS}:min-keyint=${CLIP_FPS}:scenecut=0:bframes=0:repeat-headers=1:log-level=error`,
          ],
        ]
      : [
          // A few seconds on two cores; quality hardly matters at these bitrates for tests.
          ...['-c:v', 'libx264', '-preset', 'ultrafast'],
          // No B-frames (PTS = DTS), as most cameras send.
          ...['-profile:v', 'baseline', '-pix_fmt', 'yuv420p'],
          // Near-constant bitrate, like a camera set to CBR.
          ...['-b:v', bitrate, '-maxrate', bitrate, '-bufsize', bitrate],
          // A keyframe exactly every second, never at scene cuts: segment and GOP tests can count on it.
          ...['-g', String(CLIP_FPS), '-keyint_min', String(CLIP_FPS), '-sc_threshold', '0'],
          // SPS/PPS in band before every keyframe. MP4 keeps them only in its header otherwise, and the RTP
          // feeder copies packets; a bitstream filter to re-insert them breaks with -stream_loop in FFmpeg 5.1.
          ...['-x264-params', 'repeat-headers=1'],
        ]),
    ...(spec.audio
      ? ['-c:a', 'aac', '-b:a', '64k', '-ar', String(AUDIO_SAMPLE_RATE), '-ac', String(AUDIO_CHANNELS)]
      : []),
    // MP4, not MPEG-TS: FFmpeg's RTP muxer needs AAC's AudioSpecificConfig as a global header, which ADTS in
    // MPEG-TS lacks. Faststart so the loop re-reads no index at the end of the file.
    ...['-movflags', '+faststart', '-f', 'mp4', outputPath],
  ];
}

/** Cache file name: readable parameters plus a hash of the arguments, so changing a flag re-encodes. */
export function clipFileName(spec: ClipSpec): string {
  const hash = crypto
    .createHash('sha256')
    .update(JSON.stringify(buildClipArgs(spec, 'OUTPUT')))
    .digest('hex')
    .slice(0, 10);
  const codec = spec.codec === 'h265' ? '-h265' : '';
  return `testsrc2-${spec.resolution}${codec}-${spec.audio ? 'aac' : 'silent'}-${CLIP_SECONDS}s-${hash}.mp4`;
}

function run(binary: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(binary, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${binary} ${args.join(' ')} failed: ${error.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** Parses ffprobe's `-show_data` hexdump (`00000000: 1188 56e5 00   ..V..`) into plain hex. */
export function parseHexdump(dump: string): string {
  return dump
    .split('\n')
    .map((line) => /^[0-9a-f]{8}: ((?:[0-9a-f]{2,4} ?)+)/i.exec(line)?.[1] ?? '')
    .join('')
    .replace(/\s+/g, '')
    .toLowerCase();
}

async function probeAudioConfig(ffprobePath: string, clipPath: string): Promise<string> {
  const json = await run(
    ffprobePath,
    ['-v', 'error', '-select_streams', 'a:0', '-show_streams', '-show_data', '-of', 'json', clipPath],
    30_000,
  );
  const streams = (JSON.parse(json) as { streams?: { extradata?: string }[] }).streams ?? [];
  const config = parseHexdump(streams[0]?.extradata ?? '');
  if (config === '') throw new Error(`${clipPath}: no AAC AudioSpecificConfig found`);
  return config;
}

function writeFileAtomic(target: string, data: string): void {
  const temporary = `${target}.tmp-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  fs.writeFileSync(temporary, data);
  fs.renameSync(temporary, target);
}

async function createClip(spec: ClipSpec, tools: Required<ClipTools>): Promise<Clip> {
  fs.mkdirSync(tools.cacheDir, { recursive: true });
  const clipPath = path.join(tools.cacheDir, clipFileName(spec));
  const metadataPath = `${clipPath}.json`;
  // The metadata file is written last, so its presence means the clip beside it is complete.
  if (fs.existsSync(metadataPath) && fs.existsSync(clipPath)) {
    const stored = JSON.parse(fs.readFileSync(metadataPath, 'utf8')) as Omit<Clip, 'path' | 'codec'>;
    return { codec: spec.codec ?? 'h264', ...stored, path: clipPath };
  }
  const temporary = `${clipPath}.tmp-${process.pid}-${crypto.randomBytes(4).toString('hex')}.mp4`;
  try {
    await run(tools.ffmpegPath, buildClipArgs(spec, temporary), 120_000);
    const audio: ClipAudio | null = spec.audio
      ? {
          sampleRate: AUDIO_SAMPLE_RATE,
          channels: AUDIO_CHANNELS,
          config: await probeAudioConfig(tools.ffprobePath, temporary),
        }
      : null;
    const { width, height } = CLIP_PROFILES[spec.resolution];
    const metadata: Omit<Clip, 'path'> = {
      resolution: spec.resolution,
      codec: spec.codec ?? 'h264',
      width,
      height,
      fps: CLIP_FPS,
      durationSeconds: CLIP_SECONDS,
      audio,
    };
    // Another process may be encoding the same clip: both renames are atomic and the files are identical.
    fs.renameSync(temporary, clipPath);
    writeFileAtomic(metadataPath, JSON.stringify(metadata, null, 2));
    return { ...metadata, path: clipPath };
  } finally {
    fs.rmSync(temporary, { force: true });
  }
}

const inFlight = new Map<string, Promise<Clip>>();

/** Returns the cached clip for `spec`, encoding it first when it is not cached yet. */
export function ensureClip(spec: ClipSpec, tools: ClipTools = {}): Promise<Clip> {
  const resolved: Required<ClipTools> = {
    ffmpegPath: tools.ffmpegPath ?? 'ffmpeg',
    ffprobePath: tools.ffprobePath ?? 'ffprobe',
    cacheDir: tools.cacheDir ?? defaultClipCacheDir(),
  };
  const key = path.join(resolved.cacheDir, clipFileName(spec));
  let pending = inFlight.get(key);
  if (pending === undefined) {
    pending = createClip(spec, resolved);
    inFlight.set(key, pending);
    // A failed encode may be retried by a later call.
    void pending.catch(() => inFlight.delete(key));
  }
  return pending;
}
