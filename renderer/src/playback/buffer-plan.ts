/**
 * The pure rules of what a recorded player keeps in its media buffer. Segment files are read in groups of
 * pictures (`recordings.fragments`: a keyframe fragment and the fragments up to the next keyframe), never
 * whole, so a 15-minute file at a high bit rate plays with the same bounded buffer as a 4-second one:
 *
 * - `nextFetch`: the next run of groups to fetch and append: from the keyframe group at or before the clock,
 *   then onwards through the files in order, while they start inside the window ahead (time) and the bytes
 *   ahead stay under a cap; one run is contiguous bytes of one file (one range request).
 * - `evictions`: the appended groups to remove (far behind the clock, or far ahead of it after a seek back),
 *   as media-time ranges that start at a group's keyframe and end just before the next group's keyframe, so
 *   whatever stays in the buffer still starts with a keyframe.
 *
 * Wall time of a group = its segment row's start + (its decode time − the file's first decode time); the
 * media time = the file's `timestampOffset` + its decode time.
 */
import type { FragmentGroup, RecordingFragments } from '../../../common/contract/index.js';
import { footageFrom, type PlaybackSegment } from './segments.js';

/** A segment whose fragment index is known, with the groups of it now in the media buffer. */
export interface IndexedSegment {
  segment: PlaybackSegment;
  index: RecordingFragments;
  /** Indexes into `index.groups` of the groups appended (and not removed since). */
  appended: ReadonlySet<number>;
}

export interface FetchWindow {
  /** The clock, wall ms. */
  target: number;
  /** Footage wanted ahead of the clock (or of the next footage after a gap), ms. */
  aheadMs: number;
  /** At most this many bytes buffered ahead of the clock (the run that reaches the clock is always fetched). */
  aheadBytes: number;
  /** At most this many bytes in one run (one range request; a single larger group is fetched alone). */
  runBytes: number;
}

export type FetchStep =
  /** The segment's fragment index is needed before anything of it (or after it) can be planned. */
  | { kind: 'index'; segment: PlaybackSegment }
  /** Fetch and append groups `[first, first + count)` of the segment: bytes `[start, end)` of its file. */
  | { kind: 'fetch'; segment: PlaybackSegment; first: number; count: number; start: number; end: number };

/** Wall-clock start of group `index` of a segment. */
export function groupWallStart(
  segment: PlaybackSegment,
  index: RecordingFragments,
  group: FragmentGroup,
): number {
  return segment.start + (group.startMs - index.firstMs);
}

/** Wall-clock end of group `at`: the next group's start, the row's end for the last one. */
export function groupWallEnd(segment: PlaybackSegment, index: RecordingFragments, at: number): number {
  const next = index.groups[at + 1];
  return next === undefined ? segment.end : groupWallStart(segment, index, next);
}

/**
 * The group to start playing a segment from at `wall`: the last keyframe group that starts at or before it,
 * else the first keyframe group; -1 when the file has none. No slack: a group starting even 1 ms after the
 * clock would leave the frame at the clock unbuffered.
 */
export function keyframeGroupAt(segment: PlaybackSegment, index: RecordingFragments, wall: number): number {
  let chosen = -1;
  for (const [at, group] of index.groups.entries()) {
    if (!group.keyframe) continue;
    if (chosen === -1 || groupWallStart(segment, index, group) <= wall) chosen = at;
    else break;
  }
  return chosen;
}

/** The segments whose groups the window reaches, in order: the one at the clock (or next after a gap) first. */
export function segmentsInWindow(
  playable: readonly PlaybackSegment[],
  target: number,
  aheadMs: number,
): PlaybackSegment[] {
  const from = footageFrom(playable, target);
  if (from === null) return [];
  const limit = from.wall + aheadMs;
  const found: PlaybackSegment[] = [];
  for (let at = from.index; at < playable.length; at += 1) {
    const segment = playable[at];
    if (segment === undefined || (found.length > 0 && segment.start > limit)) break;
    found.push(segment);
  }
  return found;
}

/**
 * What to fetch next, or null when the window is full (or nothing is recorded from the clock on).
 * `known(id)` answers a segment's index and appended groups, or null while its index is not known.
 */
export function nextFetch(
  playable: readonly PlaybackSegment[],
  known: (segmentId: number) => IndexedSegment | null,
  window: FetchWindow,
): FetchStep | null {
  const from = footageFrom(playable, window.target);
  if (from === null) return null;
  const limit = from.wall + window.aheadMs;
  let bytesAhead = 0;
  for (const segment of segmentsInWindow(playable, window.target, window.aheadMs)) {
    const state = known(segment.id);
    if (state === null) return { kind: 'index', segment };
    const { index, appended } = state;
    const first = segment.start <= window.target ? keyframeGroupAt(segment, index, window.target) : 0;
    if (first < 0) continue;
    for (let at = first; at < index.groups.length; at += 1) {
      const group = index.groups[at];
      if (group === undefined || groupWallStart(segment, index, group) > limit) break;
      if (appended.has(at)) {
        if (groupWallEnd(segment, index, at) > window.target) bytesAhead += group.length;
        continue;
      }
      // Frames before a file's first keyframe cannot be decoded: never fetched.
      if (!group.keyframe) continue;
      if (bytesAhead > 0 && bytesAhead + group.length > window.aheadBytes) return null;
      let count = 1;
      let bytes = group.length;
      for (let next = at + 1; next < index.groups.length; next += 1) {
        const following = index.groups[next];
        if (following === undefined || appended.has(next)) break;
        if (groupWallStart(segment, index, following) > limit) break;
        if (bytes + following.length > window.runBytes) break;
        if (bytesAhead + bytes + following.length > window.aheadBytes) break;
        count += 1;
        bytes += following.length;
      }
      const last = index.groups[at + count - 1] ?? group;
      return {
        kind: 'fetch',
        segment,
        first: at,
        count,
        start: group.offset,
        end: last.offset + last.length,
      };
    }
  }
  return null;
}

/** A range to remove from the media buffer (seconds of media time) and the groups it takes out. */
export interface Removal {
  segmentId: number;
  groups: number[];
  start: number;
  end: number;
}

export interface BufferedSegment extends IndexedSegment {
  /** Its `timestampOffset`: media time = offset + decode time. */
  offset: number;
}

/**
 * The groups to remove: those that ended more than `behindMs` before the clock or start more than `aheadMs`
 * after it. Consecutive groups of a file go in one removal, from the first one's decode time to just before the
 * next group's (its keyframe stays). The last group of a file ends half a second past the row's end (slivers of
 * its last frames stayed behind otherwise, seen in Chromium), or just before the first buffered frame of the
 * next buffered file when that comes sooner.
 */
export function evictions(
  buffered: readonly BufferedSegment[],
  target: number,
  behindMs: number,
  aheadMs: number,
  origin: number,
): Removal[] {
  const bySegmentStart = [...buffered].sort((a, b) => a.segment.start - b.segment.start);
  const removals: Removal[] = [];
  for (const [position, state] of bySegmentStart.entries()) {
    const { segment, index, appended, offset } = state;
    const mediaStart = (at: number): number => offset + (index.groups[at]?.startMs ?? 0) / 1000;
    let run: number[] = [];
    const flush = (): void => {
      const first = run[0];
      const last = run.at(-1);
      run = [];
      if (first === undefined || last === undefined) return;
      let end: number;
      if (last + 1 < index.groups.length) {
        end = mediaStart(last + 1) - 0.0005;
      } else {
        end = (segment.end - origin) / 1000 + 0.5;
        const next = bySegmentStart.slice(position + 1).find((other) => other.appended.size > 0);
        if (next !== undefined) {
          const nextFirst = Math.min(...next.appended);
          end = Math.min(end, next.offset + (next.index.groups[nextFirst]?.startMs ?? 0) / 1000 - 0.0005);
        }
      }
      const start = Math.max(0, mediaStart(first));
      removals.push({
        segmentId: segment.id,
        groups: [...rangeOf(first, last)],
        start,
        end: Math.max(start, end),
      });
    };
    for (let at = 0; at < index.groups.length; at += 1) {
      const evict =
        appended.has(at) &&
        (groupWallEnd(segment, index, at) < target - behindMs ||
          groupWallStart(segment, index, index.groups[at] as FragmentGroup) > target + aheadMs);
      if (evict) run.push(at);
      else flush();
    }
    flush();
  }
  return removals;
}

function* rangeOf(first: number, last: number): Generator<number> {
  for (let at = first; at <= last; at += 1) yield at;
}
