/**
 * Which profiles the wizard proposes: the largest stream for recording, and a smaller one for detection and
 * grid tiles. Pure, unit-tested. The user can choose otherwise; the stream check then says what will hurt.
 */
import type { OnvifProfile } from '../../../common/contract/index.js';

function pixels(profile: OnvifProfile): number {
  return (profile.width ?? 0) * (profile.height ?? 0);
}

function isH264(profile: OnvifProfile): boolean {
  return /^h\.?264$/i.test(profile.encoding ?? '');
}

/** JPEG/MJPEG profiles are snapshot streams: never proposed for recording or tiles. */
function isVideo(profile: OnvifProfile): boolean {
  return !/jpe?g/i.test(profile.encoding ?? '');
}

export function suggestStreams(profiles: readonly OnvifProfile[]): {
  main: string | null;
  sub: string | null;
} {
  const usable = profiles.filter((profile) => profile.streamUrl !== null && isVideo(profile));
  // Largest first; at equal size H.264 first (every browser plays it), then the device's order.
  const bySize = [...usable].sort(
    (left, right) => pixels(right) - pixels(left) || Number(isH264(right)) - Number(isH264(left)),
  );
  const main = bySize[0];
  if (main === undefined) return { main: null, sub: null };
  // A sub stream is another encoder (another URL), strictly smaller; H.264 before H.265 (tiles play it),
  // then the largest of those (detection sees more), which is usually the camera's own sub stream.
  const smaller = bySize.filter(
    (profile) => profile.streamUrl !== main.streamUrl && pixels(profile) < pixels(main),
  );
  const sub = smaller.find(isH264) ?? smaller[0];
  return { main: main.token, sub: sub?.token ?? null };
}
