/**
 * The live player's decisions, pure so they can be tested without a browser: how far behind the live edge it may
 * fall, when to speed up or jump, what to evict, how long to wait before reconnecting.
 */

/** Where the player aims to be behind the newest buffered frame: enough to ride out one late fragment. */
export const LIVE_TARGET_LAG_S = 0.3;
/** Above this the player speeds up a little (no visible jump). */
export const LIVE_SOFT_LAG_S = 0.5;
/** The longest live fragment the engine sends (`-frag_duration`, engine `fragmentMs`). */
export const LIVE_FRAGMENT_MAX_S = 0.2;
/**
 * Above this it jumps to the target. The issue asks for a buffer under 1 s at all times, but the player only
 * decides after an append (`updateend`); between the buffer growing and that decision one more fragment is in.
 * Jumping one fragment early keeps the buffer under 1 s in that window too (CI read 1.048 s with the jump at 1 s).
 */
export const LIVE_MAX_LAG_S = 1.0 - LIVE_FRAGMENT_MAX_S;
/** Played media older than this is removed from the source buffer. */
export const LIVE_KEEP_BEHIND_S = 10;

export interface CatchUp {
  /** Seek to this time (seconds), or null to stay. */
  seekTo: number | null;
  playbackRate: number;
}

/** What to do for a player at `currentTime` whose buffer ends at `bufferedEnd`. */
export function catchUp(currentTime: number, bufferedEnd: number): CatchUp {
  const lag = bufferedEnd - currentTime;
  if (lag > LIVE_MAX_LAG_S) return { seekTo: bufferedEnd - LIVE_TARGET_LAG_S, playbackRate: 1 };
  if (lag > LIVE_SOFT_LAG_S) return { seekTo: null, playbackRate: 1.15 };
  return { seekTo: null, playbackRate: 1 };
}

/** Where playback starts in a fresh buffer `[start, end]`: near the live edge, never before the keyframe. */
export function startTime(bufferedStart: number, bufferedEnd: number): number {
  return Math.max(bufferedStart, bufferedEnd - LIVE_TARGET_LAG_S);
}

/**
 * A hole in the buffer (fragments dropped for a slow connection, up to the next keyframe) stalls playback: when
 * the playhead is in no range but a later one exists, jump to its start.
 */
export function skipHole(currentTime: number, ranges: readonly (readonly [number, number])[]): number | null {
  for (const [start, end] of ranges) {
    if (currentTime >= start && currentTime < end) return null;
  }
  const next = ranges.find(([start]) => start > currentTime);
  return next === undefined ? null : next[0];
}

/** The range to remove so memory stays bounded, or null when there is nothing old enough. */
export function evictRange(currentTime: number, bufferedStart: number): [number, number] | null {
  const until = currentTime - LIVE_KEEP_BEHIND_S;
  return until - bufferedStart > 5 ? [bufferedStart, until] : null;
}

/** Reconnect backoff: 0.5 s doubling to 10 s. */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(10_000, 500 * 2 ** Math.max(0, attempt));
}

/** A sentence for a stream the browser cannot decode. */
export function unsupportedMessage(mime: string): string {
  const codecs = /codecs="([^"]*)"/.exec(mime)?.[1] ?? mime;
  if (/\b(hvc1|hev1)\./.test(codecs)) {
    return 'This camera sends H.265, which this browser cannot play live. It is recorded normally; give it an H.264 sub stream for live view, or play recordings in VLC.';
  }
  return `This browser cannot play this stream (${codecs}). It is recorded normally.`;
}
