import { FrameReader, type DecodedFrame } from './frame-reader.js';
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { buildIngestArgs, FRAMES_FD, withCredentials, type IngestArgsOptions } from './ffmpeg-args.js';
import { Fmp4Reader, type Fragment, type InitSegment } from './fmp4.js';

const COMMON_HEAD = ['-hide_banner', '-nostats', '-loglevel', 'info', '-nostdin'];
const FMP4_OUTPUT = [
  '-sn',
  '-dn',
  ...['-f', 'mp4'],
  ...['-movflags', '+frag_keyframe+empty_moov+default_base_moof'],
  ...['-frag_duration', '200000'],
  ...['-flush_packets', '1'],
  'pipe:1',
];

function rtsp(transport: 'tcp' | 'udp', audio: IngestArgsOptions['audio']): IngestArgsOptions {
  return {
    input: { kind: 'rtsp', url: 'rtsp://admin:pw@10.0.0.5:554/stream1', transport, timeoutMs: 10_000 },
    audio,
    fragmentMs: 200,
  };
}

function rtspInput(transport: 'tcp' | 'udp', url = 'rtsp://admin:pw@10.0.0.5:554/stream1'): string[] {
  return [
    ...['-rtsp_transport', transport],
    ...['-timeout', '10000000'],
    ...['-fflags', '+genpts+discardcorrupt'],
    ...['-i', url],
  ];
}

describe('buildIngestArgs', () => {
  it('copies RTSP video and AAC audio over TCP into fragmented MP4 on stdout', () => {
    expect(buildIngestArgs(rtsp('tcp', 'copy'))).toEqual([
      ...COMMON_HEAD,
      ...rtspInput('tcp'),
      ...['-map', '0:v:0', '-map', '0:a:0?'],
      ...['-c:v', 'copy', '-c:a', 'copy'],
      ...FMP4_OUTPUT,
    ]);
  });

  it('converts audio to AAC over UDP when asked', () => {
    expect(buildIngestArgs(rtsp('udp', 'aac'))).toEqual([
      ...COMMON_HEAD,
      ...rtspInput('udp'),
      ...['-map', '0:v:0', '-map', '0:a:0?'],
      ...['-c:v', 'copy', '-c:a', 'aac', '-b:a', '64k'],
      ...FMP4_OUTPUT,
    ]);
  });

  it('drops audio entirely with audio none', () => {
    expect(buildIngestArgs(rtsp('tcp', 'none'))).toEqual([
      ...COMMON_HEAD,
      ...rtspInput('tcp'),
      ...['-map', '0:v:0'],
      ...['-c:v', 'copy', '-an'],
      ...FMP4_OUTPUT,
    ]);
  });

  it('adds a raw frame output on fd 3 from the same session', () => {
    const args = buildIngestArgs({ ...rtsp('tcp', 'copy'), frames: { fps: 5, width: 320, format: 'gray' } });
    expect(FRAMES_FD).toBe(3);
    expect(args).toEqual([
      ...COMMON_HEAD,
      ...rtspInput('tcp'),
      ...['-map', '0:v:0', '-map', '0:a:0?'],
      ...['-c:v', 'copy', '-c:a', 'copy'],
      ...FMP4_OUTPUT,
      ...['-map', '0:v:0', '-an', '-sn', '-dn'],
      ...['-vf', 'fps=5,scale=320:-2:flags=fast_bilinear,format=gray'],
      ...['-c:v', 'pgm', '-f', 'image2pipe', 'pipe:3'],
    ]);
  });

  it('follows the fragment length and read timeout it is given', () => {
    const args = buildIngestArgs({
      input: { kind: 'rtsp', url: 'rtsp://cam/x', transport: 'tcp', timeoutMs: 2500 },
      audio: 'none',
      fragmentMs: 500,
    });
    expect(args[args.indexOf('-timeout') + 1]).toBe('2500000');
    expect(args[args.indexOf('-frag_duration') + 1]).toBe('500000');
  });

  it('keeps a URL with spaces and shell characters as one argv element (no shell, no splitting)', () => {
    const url = 'rtsp://cam.local/live stream;rm -rf ~ && echo $(id) `x` | cat > /tmp/y';
    const args = buildIngestArgs({
      input: { kind: 'rtsp', url, transport: 'tcp', timeoutMs: 10_000 },
      audio: 'none',
      fragmentMs: 200,
    });
    expect(args.filter((arg) => arg === url)).toHaveLength(1);
    expect(args[args.indexOf('-i') + 1]).toBe(url);
    expect(args.filter((arg) => arg.includes('rm -rf'))).toEqual([url]);
  });

  it('encodes the demo pattern in real time with a keyframe every second and an optional tone', () => {
    const pattern =
      "testsrc2=size=1280x720:rate=15,drawtext=text='%{gmtime\\:%Y-%m-%d %H\\\\\\:%M\\\\\\:%S} UTC'" +
      ':x=16:y=h-th-16:fontsize=28:fontcolor=white:box=1:boxcolor=black@0.6';
    const video = [
      ...['-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p'],
      ...['-g', '15', '-keyint_min', '15', '-sc_threshold', '0'],
      ...['-b:v', '1500k'],
    ];
    const demo = { kind: 'demo', width: 1280, height: 720, fps: 15 } as const;
    expect(buildIngestArgs({ input: { ...demo, tone: false }, audio: 'copy', fragmentMs: 200 })).toEqual([
      ...COMMON_HEAD,
      ...['-re', '-f', 'lavfi', '-i', pattern],
      ...['-map', '0:v:0'],
      ...video,
      '-an',
      ...FMP4_OUTPUT,
    ]);
    expect(buildIngestArgs({ input: { ...demo, tone: true }, audio: 'copy', fragmentMs: 200 })).toEqual([
      ...COMMON_HEAD,
      ...['-re', '-f', 'lavfi', '-i', pattern],
      ...['-re', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=16000:beep_factor=4'],
      ...['-map', '0:v:0', '-map', '1:a:0'],
      ...video,
      // lavfi has no AAC to copy: the tone is always encoded.
      ...['-c:a', 'aac', '-b:a', '64k'],
      ...FMP4_OUTPUT,
    ]);
  });

  it('is pure: the same options give an equal, fresh array', () => {
    const options = rtsp('tcp', 'copy');
    const first = buildIngestArgs(options);
    first.push('mutated');
    expect(buildIngestArgs(options)).not.toContain('mutated');
  });
});

describe('withCredentials', () => {
  it('percent-encodes user name and password into the URL', () => {
    const url = withCredentials('rtsp://cam.local:554/live', 'ad min@corp', 'p@ss:w/rd');
    expect(url).toBe('rtsp://ad%20min%40corp:p%40ss%3Aw%2Frd@cam.local:554/live');
    const parsed = new URL(url);
    expect(decodeURIComponent(parsed.username)).toBe('ad min@corp');
    expect(decodeURIComponent(parsed.password)).toBe('p@ss:w/rd');
    expect(parsed.host).toBe('cam.local:554');
    expect(parsed.pathname).toBe('/live');
  });

  it('adds only a user name when there is no password', () => {
    expect(withCredentials('rtsp://cam.local/live', 'admin', null)).toBe('rtsp://admin@cam.local/live');
  });

  it('leaves URLs without credentials exactly as they are', () => {
    for (const url of ['rtsp://cam.local/live', 'rtsps://Cam.Local:322/a b;c?x=1&y=2', 'demo:test-pattern']) {
      expect(withCredentials(url, null, null)).toBe(url);
    }
  });
});

/** Runs `args` (their `pipe:1` output read from stdout) for `ms`, then stops FFmpeg like the runner does. */
function runFor(
  args: string[],
  ms: number,
): Promise<{ init: InitSegment[]; fragments: Fragment[]; frameBytes: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('ffmpeg', args, {
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      env: { ...process.env, TZ: 'UTC' },
    });
    const init: InitSegment[] = [];
    const fragments: Fragment[] = [];
    const frameChunks: Buffer[] = [];
    let stderr = '';
    const reader = new Fmp4Reader({
      onInit: (segment) => init.push(segment),
      onFragment: (f) => fragments.push(f),
    });
    child.stdout!.on('data', (chunk: Buffer) => reader.push(chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    (child.stdio[FRAMES_FD] as Readable).on('data', (chunk: Buffer) => frameChunks.push(chunk));
    const timer = setTimeout(() => child.kill('SIGTERM'), ms);
    child.once('error', reject);
    child.once('close', () => {
      clearTimeout(timer);
      resolve({ init, fragments, frameBytes: Buffer.concat(frameChunks), stderr });
    });
  });
}

describe('the demo argv under the installed FFmpeg', () => {
  it('produces fragmented MP4 with video and audio on stdout and gray frames on fd 3', async () => {
    const args = buildIngestArgs({
      input: { kind: 'demo', width: 640, height: 360, fps: 15, tone: true },
      audio: 'copy',
      fragmentMs: 200,
      frames: { fps: 5, width: 160, format: 'gray' },
    });
    const { init, fragments, frameBytes, stderr } = await runFor(args, 2200);
    expect(init, stderr).toHaveLength(1);
    expect(init[0]!.tracks.map((track) => [track.kind, track.codec])).toEqual([
      ['video', 'avc1'],
      ['audio', 'mp4a'],
    ]);
    expect(init[0]!.tracks[0]).toMatchObject({ width: 640, height: 360 });
    const video = fragments.filter((f) => f.videoFrames > 0);
    expect(video.length).toBeGreaterThanOrEqual(5);
    expect(video[0]!.keyframe).toBe(true);
    // Fragments stay within the 200 ms asked for (three frames at 15 fps).
    for (const fragment of video) expect(fragment.videoFrames).toBeLessThanOrEqual(3);
    // Keyframes one second apart (FFmpeg may stretch the very first frame to line up with the audio).
    const keyframes = video.filter((f) => f.keyframe).map((f) => f.startMs);
    expect(keyframes.length).toBeGreaterThanOrEqual(2);
    for (let index = 2; index < keyframes.length; index += 1) {
      expect(keyframes[index]! - keyframes[index - 1]!).toBeCloseTo(1000, 0);
    }
    // 160 wide, 16:9, even height: 160x90 gray PGM frames, at least a few of them in two seconds at 5 fps.
    const frames: DecodedFrame[] = [];
    const reader = new FrameReader((frame) => frames.push(frame));
    reader.push(frameBytes);
    expect(frames.length).toBeGreaterThanOrEqual(5);
    for (const frame of frames)
      expect([frame.width, frame.height, frame.channels, frame.pixels.length]).toEqual([160, 90, 1, 14_400]);
  }, 15_000);
});
