/**
 * What the probed streams mean for the user (pure): which stream does what, and what will hurt — H.265 where
 * the browser's MSE cannot play it, a long keyframe interval (slow live start, coarse segment cuts), a big
 * camera without a sub stream, audio that will be converted.
 */
import type { StreamAdvice, StreamProbe } from '../../../common/contract/index.js';

/** Longest keyframe interval that keeps live start and segment cuts snappy. */
export const KEYFRAME_INTERVAL_MAX_SECONDS = 4;
/** Above this many pixels (1920×1080) a camera should offer a sub stream for tiles and detection. */
const SUB_STREAM_PIXELS = 1920 * 1080;

type Video = Extract<StreamProbe, { ok: true }>['video'];

const isHevc = (video: Video): boolean => /^(hevc|h265)$/i.test(video.codec);
const size = (video: Video): string => `${video.width}×${video.height}`;
const describe = (video: Video): string =>
  `${size(video)} ${isHevc(video) ? 'H.265' : video.codec === 'h264' ? 'H.264' : video.codec}` +
  (video.fps === null ? '' : ` at ${video.fps} fps`);
const seconds = (value: number): string => `${Math.round(value * 10) / 10} s`;

function keyframeAdvice(name: 'main' | 'sub', video: Video): StreamAdvice[] {
  const label = name === 'main' ? 'The main stream' : 'The sub stream';
  if (video.keyframeIntervalSeconds === null) {
    if (video.probedSeconds < 2) return [];
    return [
      {
        level: 'warning',
        code: 'keyframe_unknown',
        message:
          `${label} sent ${video.keyframesSeen === 0 ? 'no keyframe' : 'only one keyframe'} in ` +
          `${seconds(video.probedSeconds)}: its keyframe interval is longer than that, so live view will be slow ` +
          'to start. Set the I-frame interval (GOP) in the camera to 1–2 s.',
      },
    ];
  }
  if (video.keyframeIntervalSeconds <= KEYFRAME_INTERVAL_MAX_SECONDS) return [];
  return [
    {
      level: 'warning',
      code: 'keyframe_interval',
      message:
        `${label} sends a keyframe every ${seconds(video.keyframeIntervalSeconds)}: live view can take that long ` +
        'to start and recordings are cut only at keyframes. Set the I-frame interval (GOP) in the camera to ' +
        `1–2 s${video.fps === null ? '' : ` (${Math.round(video.fps)}–${Math.round(video.fps * 2)} frames)`}.`,
    },
  ];
}

export function streamAdvice(main: StreamProbe, sub: StreamProbe | null): StreamAdvice[] {
  if (!main.ok) return [];
  const advice: StreamAdvice[] = [];
  const subVideo = sub?.ok === true ? sub.video : null;
  advice.push({
    level: 'info',
    code: 'roles',
    message:
      subVideo === null
        ? `The main stream (${describe(main.video)}) is recorded and also feeds grid tiles and detection.`
        : `The main stream (${describe(main.video)}) is recorded and shown enlarged; the sub stream ` +
          `(${describe(subVideo)}) feeds grid tiles and detection.`,
  });
  if (isHevc(main.video)) {
    advice.push({
      level: 'warning',
      code: 'h265_browser',
      message:
        'The main stream is H.265: it records normally, but Chromium (this app and most browsers) cannot play ' +
        'H.265 live or in playback. Choose H.264 for the main stream in the camera if you want to watch it ' +
        'full size here.',
    });
  }
  if (subVideo !== null && isHevc(subVideo)) {
    advice.push({
      level: 'warning',
      code: 'sub_h265',
      message:
        'The sub stream is H.265: grid tiles cannot show it. Choose H.264 for the sub stream in the camera.',
    });
  }
  advice.push(...keyframeAdvice('main', main.video));
  if (subVideo !== null) advice.push(...keyframeAdvice('sub', subVideo));
  const mainPixels = main.video.width * main.video.height;
  if (sub === null && mainPixels > SUB_STREAM_PIXELS) {
    advice.push({
      level: 'warning',
      code: 'no_sub_stream',
      message:
        `A ${size(main.video)} camera without a sub stream: every grid tile and the motion detector then ` +
        'work from the full picture, which costs far more CPU and bandwidth. Add the camera’s sub stream URL.',
    });
  }
  if (subVideo !== null && subVideo.width * subVideo.height >= mainPixels) {
    advice.push({
      level: 'warning',
      code: 'sub_not_smaller',
      message: `The sub stream (${size(subVideo)}) is not smaller than the main stream: check that the URLs are not swapped.`,
    });
  }
  const audio = main.audio;
  if (audio !== null && audio.codec !== 'aac') {
    advice.push({
      level: 'info',
      code: 'audio_converted',
      message: `The camera’s audio is ${audio.codec}: it will be converted to AAC for recording (a little CPU).`,
    });
  }
  return advice;
}
