/**
 * Builds FFmpeg's argv for one ingest session from data. Pure: the same options always give the same array,
 * and the tests compare arrays. Every flag says why it is there. Spawned without a shell, so no quoting.
 *
 * One session per camera stream writes one fragmented MP4 to stdout; the engine cuts it into segment files
 * at keyframes and fans the same fragments out to live viewers (design.md, "Who writes the segment files").
 * When a consumer asks, the same session also decodes a low-rate, small frame stream to fd 3 for detection.
 */

export type RtspTransport = 'tcp' | 'udp';

export type IngestInput =
  | {
      kind: 'rtsp';
      /** The stream URL with credentials already percent-encoded in (see `withCredentials`). */
      url: string;
      transport: RtspTransport;
      /** How long a read may block before FFmpeg gives up (a silent camera fails fast). */
      timeoutMs: number;
    }
  | {
      kind: 'demo';
      width: number;
      height: number;
      fps: number;
      /** Add a quiet test tone as an audio track. */
      tone: boolean;
    };

export interface FrameOutput {
  fps: number;
  width: number;
  format: 'gray' | 'rgb24';
}

export interface IngestArgsOptions {
  input: IngestInput;
  /** `copy` when the camera sends AAC, `aac` to convert other codecs, `none` without audio. */
  audio: 'copy' | 'aac' | 'none';
  /** Longest live fragment; small fragments keep live view under a second behind. */
  fragmentMs: number;
  frames?: FrameOutput;
}

/** The fd FFmpeg writes decoded frames to (stdin 0, fMP4 stdout 1, log stderr 2). */
export const FRAMES_FD = 3;

/** Puts user name and password into a stream URL, percent-encoded, just before spawning. */
export function withCredentials(url: string, username: string | null, password: string | null): string {
  if (username === null && password === null) return url;
  const parsed = new URL(url);
  parsed.username = encodeURIComponent(username ?? '');
  parsed.password = encodeURIComponent(password ?? '');
  return parsed.toString();
}

function inputArgs(input: IngestInput): string[] {
  if (input.kind === 'rtsp') {
    return [
      // TCP (interleaved) by default: no lost packets through NAT or busy Wi-Fi; UDP per camera when asked.
      ...['-rtsp_transport', input.transport],
      // Socket I/O timeout in microseconds, so a silent camera fails fast. ffmpeg 5.1's RTSP demuxer refuses
      // -rw_timeout ("Option rw_timeout not found") and exits; -timeout is its socket timeout (measured here).
      ...['-timeout', String(input.timeoutMs * 1000)],
      // Regenerate missing timestamps and drop packets the demuxer flags as corrupt instead of muxing garbage.
      ...['-fflags', '+genpts+discardcorrupt'],
      ...['-i', input.url],
    ];
  }
  const { width, height, fps } = input;
  const pattern = [
    `testsrc2=size=${width}x${height}:rate=${fps}`,
    // A burnt-in clock (UTC) so a person can check recording times against the timeline.
    "drawtext=text='%{gmtime\\:%Y-%m-%d %H\\\\\\:%M\\\\\\:%S} UTC':x=16:y=h-th-16:fontsize=28:fontcolor=white:box=1:boxcolor=black@0.6",
  ].join(',');
  return [
    // Real time, like a camera: without -re lavfi produces frames as fast as the CPU allows.
    '-re',
    ...['-f', 'lavfi', '-i', pattern],
    ...(input.tone ? ['-re', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=16000:beep_factor=4'] : []),
  ];
}

function videoCodecArgs(input: IngestInput): string[] {
  if (input.kind === 'rtsp') return ['-c:v', 'copy'];
  return [
    ...['-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p'],
    // A keyframe every second, like a well-configured camera: segments and live view can start on any second.
    ...['-g', String(input.fps), '-keyint_min', String(input.fps), '-sc_threshold', '0'],
    ...['-b:v', '1500k'],
  ];
}

export function buildIngestArgs(options: IngestArgsOptions): string[] {
  const { input } = options;
  const hasAudio = options.audio !== 'none' && (input.kind === 'rtsp' || input.tone);
  const audioMap = input.kind === 'rtsp' ? '0:a:0?' : '1:a:0';
  const args = [
    '-hide_banner',
    // No progress lines on stderr: stderr carries only the stream summary at start and real problems.
    '-nostats',
    ...['-loglevel', 'info'],
    // Never read the keyboard: a stray byte on stdin must not stop a recording.
    '-nostdin',
    ...inputArgs(input),

    // Output 1: fragmented MP4 on stdout, recorded and served live.
    ...['-map', '0:v:0'],
    ...(hasAudio ? ['-map', audioMap] : []),
    ...videoCodecArgs(input),
    ...(hasAudio
      ? options.audio === 'copy' && input.kind === 'rtsp'
        ? ['-c:a', 'copy']
        : ['-c:a', 'aac', '-b:a', '64k']
      : ['-an']),
    // No subtitle or data streams: MP4 cannot hold most of what cameras send there (ONVIF metadata).
    '-sn',
    '-dn',
    ...['-f', 'mp4'],
    // Fragmented MP4: each fragment is self-contained, so a crash loses at most the one being written, and the
    // same bytes are playable by MSE. frag_keyframe starts a fragment at every keyframe (segment cut points).
    ...['-movflags', '+frag_keyframe+empty_moov+default_base_moof'],
    ...['-frag_duration', String(options.fragmentMs * 1000)],
    // Flush every fragment to the pipe at once instead of buffering (live latency).
    ...['-flush_packets', '1'],
    'pipe:1',
  ];

  if (options.frames !== undefined) {
    const { fps, width, format } = options.frames;
    args.push(
      // Output 2: small raw frames for motion and object detection, from the same RTSP session.
      ...['-map', '0:v:0', '-an', '-sn', '-dn'],
      // Drop frames before scaling so the scaler only sees what detection uses; -2 keeps the height even.
      ...['-vf', `fps=${fps},scale=${width}:-2:flags=fast_bilinear,format=${format}`],
      // PGM (gray) or PPM (rgb24) images: each frame carries its own width and height, so the reader needs
      // no guess of the height FFmpeg's -2 rounding picked.
      ...['-c:v', format === 'gray' ? 'pgm' : 'ppm', '-f', 'image2pipe'],
      `pipe:${FRAMES_FD}`,
    );
  }
  return args;
}
