/**
 * Pure lookups over one camera's recorded segments (oldest first, as `recordings.segments` answers): which
 * segment holds a wall-clock time, where the next footage starts after a gap, previous/next segment and event.
 */

export interface PlaybackSegment {
  id: number;
  /** Wall-clock start and end, UTC ms. */
  start: number;
  end: number;
  bytes: number;
  recordingId: number;
}

/** Index of the first segment whose start is greater than `wall` (binary search over starts). */
function firstStartAfter(segments: readonly PlaybackSegment[], wall: number): number {
  let low = 0;
  let high = segments.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((segments[middle]?.start ?? Infinity) > wall) high = middle;
    else low = middle + 1;
  }
  return low;
}

/** The index of the segment that contains `wall` (`start <= wall < end`), or -1 in a gap. */
export function segmentIndexAt(segments: readonly PlaybackSegment[], wall: number): number {
  const index = firstStartAfter(segments, wall) - 1;
  const segment = segments[index];
  return segment !== undefined && wall < segment.end ? index : -1;
}

/**
 * Where footage is at or after `wall`: the segment holding it (at `wall`), or the next one (at its start, a gap
 * skipped); null when nothing is recorded after `wall`.
 */
export function footageFrom(
  segments: readonly PlaybackSegment[],
  wall: number,
): { index: number; wall: number } | null {
  const at = segmentIndexAt(segments, wall);
  if (at >= 0) return { index: at, wall };
  const next = firstStartAfter(segments, wall);
  const segment = segments[next];
  return segment === undefined ? null : { index: next, wall: segment.start };
}

/** The start of the first segment that starts after `wall` (next segment), or null. */
export function nextSegmentStart(segments: readonly PlaybackSegment[], wall: number): number | null {
  return segments[firstStartAfter(segments, wall)]?.start ?? null;
}

/**
 * Previous segment, as a player's "back" button: the start of the segment being played when more than
 * `restartMs` into it, else the start of the one before (or of the one before a gap).
 */
export function previousSegmentStart(
  segments: readonly PlaybackSegment[],
  wall: number,
  restartMs = 1000,
): number | null {
  const before = firstStartAfter(segments, wall) - 1;
  const current = segments[before];
  if (current === undefined) return null;
  if (wall - current.start > restartMs) return current.start;
  return segments[before - 1]?.start ?? null;
}

/** The first event time after `wall` (+ `minStepMs`), from a list sorted or not. */
export function nextEventTime(events: readonly number[], wall: number, minStepMs = 500): number | null {
  let best: number | null = null;
  for (const time of events) if (time > wall + minStepMs && (best === null || time < best)) best = time;
  return best;
}

/** The last event time before `wall` (− `minStepMs`, so pressing twice goes further back). */
export function previousEventTime(events: readonly number[], wall: number, minStepMs = 1500): number | null {
  let best: number | null = null;
  for (const time of events) if (time < wall - minStepMs && (best === null || time > best)) best = time;
  return best;
}

/** `known` and `fresh` by id, a fresh copy of a row winning (a segment's end can grow while it is recorded). */
export function mergeSegments(
  known: readonly PlaybackSegment[],
  fresh: readonly PlaybackSegment[],
): PlaybackSegment[] {
  const byId = new Map<number, PlaybackSegment>();
  for (const segment of known) byId.set(segment.id, segment);
  for (const segment of fresh) byId.set(segment.id, segment);
  return [...byId.values()].sort((a, b) => a.start - b.start || a.id - b.id);
}
