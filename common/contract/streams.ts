import { z } from 'zod';
import { Password, RtspTransport, StreamUrl, Username } from './cameras.js';

/**
 * `streams.probe`: what a camera's streams carry, checked with ffprobe before the camera is saved ("Test
 * connection" in the add-camera form). Credentials go only to the URLs given here; they are never returned.
 */
export const StreamProbeInput = z.strictObject({
  rtspUrl: StreamUrl,
  subStreamUrl: StreamUrl.nullable().optional(),
  username: Username.optional(),
  password: Password.optional(),
  rtspTransport: RtspTransport.optional(),
});
export type StreamProbeInput = z.input<typeof StreamProbeInput>;

/** Why a stream could not be probed; each has its own message. */
export const STREAM_PROBE_FAILURES = [
  'auth_failed',
  'not_found',
  'unreachable',
  'timeout',
  'no_video',
  'unreadable',
  'unavailable',
] as const;

export const ProbedVideo = z.object({
  codec: z.string().describe('FFmpeg codec name: h264, hevc, mjpeg …'),
  profile: z.string().nullable(),
  width: z.number().int(),
  height: z.number().int(),
  /** Frames per second as the stream declares it (average, else nominal); null when it says nothing. */
  fps: z.number().nullable(),
  /** Median seconds between keyframes seen in the probe window; null when fewer than two were seen. */
  keyframeIntervalSeconds: z.number().nullable(),
  keyframesSeen: z.number().int(),
  /** Seconds of video the keyframe figures come from. */
  probedSeconds: z.number(),
});

export const ProbedAudio = z.object({
  codec: z.string(),
  sampleRate: z.number().int().nullable(),
  channels: z.number().int().nullable(),
});

export const StreamProbe = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), video: ProbedVideo, audio: ProbedAudio.nullable() }),
  z.object({ ok: z.literal(false), failure: z.enum(STREAM_PROBE_FAILURES), message: z.string() }),
]);
export type StreamProbe = z.infer<typeof StreamProbe>;

/** One piece of advice about the streams: what will hurt (`warning`) or what OmniSight will do (`info`). */
export const StreamAdvice = z.object({
  level: z.enum(['info', 'warning']),
  code: z.enum([
    'h265_browser',
    'sub_h265',
    'keyframe_interval',
    'keyframe_unknown',
    'no_sub_stream',
    'sub_not_smaller',
    'audio_converted',
    'roles',
  ]),
  message: z.string(),
});
export type StreamAdvice = z.infer<typeof StreamAdvice>;

export const StreamProbeResult = z.object({
  main: StreamProbe,
  sub: StreamProbe.nullable(),
  advice: z.array(StreamAdvice),
});
export type StreamProbeResult = z.infer<typeof StreamProbeResult>;
