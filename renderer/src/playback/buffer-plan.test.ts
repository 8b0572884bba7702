import { describe, expect, it } from 'vitest';
import type { RecordingFragments } from '../../../common/contract/index.js';
import {
  evictions,
  groupWallEnd,
  groupWallStart,
  keyframeGroupAt,
  nextFetch,
  segmentsInWindow,
  type BufferedSegment,
  type FetchWindow,
  type IndexedSegment,
} from './buffer-plan.js';
import type { PlaybackSegment } from './segments.js';

const T = Date.UTC(2026, 3, 1, 12, 0, 0);
const INIT = 1200;
const MB = 1024 * 1024;

function row(id: number, start: number, end: number, recordingId = 1): PlaybackSegment {
  return { id, start, end, bytes: 0, recordingId };
}

/** An index of `count` groups of `groupMs` and `groupBytes` each, the file's clock starting at `firstMs`. */
function indexOf(
  segment: PlaybackSegment,
  options: { groupMs: number; groupBytes: number; firstMs?: number; leadingNonKey?: boolean },
): RecordingFragments {
  const firstMs = options.firstMs ?? 0;
  const count = Math.round((segment.end - segment.start) / options.groupMs);
  const groups = Array.from({ length: count }, (_, at) => ({
    offset: INIT + at * options.groupBytes,
    length: options.groupBytes,
    startMs: firstMs + at * options.groupMs,
    durationMs: options.groupMs,
    frames: options.groupMs / 40,
    keyframe: !(options.leadingNonKey === true && at === 0),
  }));
  return {
    segmentId: segment.id,
    fileSize: INIT + count * options.groupBytes,
    initLength: INIT,
    mime: 'video/mp4; codecs="avc1.42c01f"',
    videoCodec: 'avc1.42c01f',
    firstMs,
    groups,
  };
}

/** A player's view of the files: their indexes and the groups appended. */
function buffer(entries: { segment: PlaybackSegment; index: RecordingFragments }[]) {
  const states = new Map<number, IndexedSegment & { appended: Set<number> }>();
  for (const { segment, index } of entries) states.set(segment.id, { segment, index, appended: new Set() });
  return {
    states,
    known: (id: number) => states.get(id) ?? null,
    appended: (id: number) => [...(states.get(id)?.appended ?? [])].sort((a, b) => a - b),
  };
}

const WINDOW: Omit<FetchWindow, 'target'> = { aheadMs: 30_000, aheadBytes: 48 * MB, runBytes: 4 * MB };

describe('keyframeGroupAt and group times', () => {
  it('finds the keyframe group at or before a time, on the wall clock of the row', () => {
    const segment = row(1, T, T + 60_000);
    const index = indexOf(segment, { groupMs: 2000, groupBytes: 1000, firstMs: 123_456 });
    expect(groupWallStart(segment, index, index.groups[3]!)).toBe(T + 6000);
    expect(groupWallEnd(segment, index, 3)).toBe(T + 8000);
    expect(groupWallEnd(segment, index, index.groups.length - 1)).toBe(T + 60_000);
    expect(keyframeGroupAt(segment, index, T + 6000)).toBe(3);
    expect(keyframeGroupAt(segment, index, T + 7999)).toBe(3);
    expect(keyframeGroupAt(segment, index, T + 5999.5)).toBe(2);
    expect(keyframeGroupAt(segment, index, T - 10_000)).toBe(0);
    expect(keyframeGroupAt(segment, index, T + 90_000)).toBe(29);
  });

  it('never starts at a group without a keyframe (a file recovered mid-GOP)', () => {
    const segment = row(1, T, T + 10_000);
    const index = indexOf(segment, { groupMs: 1000, groupBytes: 1000, leadingNonKey: true });
    expect(keyframeGroupAt(segment, index, T + 500)).toBe(1);
    const files = buffer([{ segment, index }]);
    expect(nextFetch([segment], files.known, { ...WINDOW, target: T })).toMatchObject({ first: 1 });
  });
});

describe('nextFetch', () => {
  const long = row(1, T, T + 15 * 60_000);
  const next = row(2, T + 15 * 60_000, T + 30 * 60_000);
  // 15 minutes at 4 Mb/s in 1 s groups: 500 KB each, 450 MB in all.
  const longIndex = indexOf(long, { groupMs: 1000, groupBytes: 500_000 });
  const nextIndex = indexOf(next, { groupMs: 1000, groupBytes: 500_000, firstMs: 900_000 });

  it('asks for the index of the file at the clock first', () => {
    const files = buffer([]);
    expect(nextFetch([long, next], files.known, { ...WINDOW, target: T + 400_000 })).toEqual({
      kind: 'index',
      segment: long,
    });
  });

  it('starts in the middle of a long file at the keyframe group before the clock, in runs of at most runBytes', () => {
    const files = buffer([{ segment: long, index: longIndex }]);
    const step = nextFetch([long, next], files.known, { ...WINDOW, target: T + 400_500 });
    // Group 400 starts at T + 400 s; 4 MiB hold eight 500 KB groups.
    expect(step).toEqual({
      kind: 'fetch',
      segment: long,
      first: 400,
      count: 8,
      start: INIT + 400 * 500_000,
      end: INIT + 408 * 500_000,
    });
    const small = nextFetch([long, next], files.known, { ...WINDOW, target: T + 400_500, runBytes: 1 * MB });
    expect(small).toMatchObject({ first: 400, count: 2 });
  });

  it('fetches on through the window ahead, then waits; the next file starts with its index', () => {
    const files = buffer([
      { segment: long, index: longIndex },
      { segment: next, index: nextIndex },
    ]);
    const target = T + 400_500;
    const fetched: number[] = [];
    for (let step = nextFetch([long, next], files.known, { ...WINDOW, target }); step !== null;) {
      if (step.kind !== 'fetch') throw new Error('unexpected index step');
      for (let at = step.first; at < step.first + step.count; at += 1) {
        files.states.get(step.segment.id)!.appended.add(at);
        fetched.push(at);
      }
      step = nextFetch([long, next], files.known, { ...WINDOW, target });
    }
    // Groups 400 to 430: every group that starts within 30 s after the clock.
    expect(fetched).toEqual(Array.from({ length: 31 }, (_, i) => 400 + i));
    expect(files.appended(2)).toEqual([]);

    // Near the end of the file the window reaches the next one: it needs its index, then its first groups.
    const nearEnd = T + 15 * 60_000 - 5000;
    const without = buffer([{ segment: long, index: longIndex }]);
    for (let at = 895; at < 900; at += 1) without.states.get(1)!.appended.add(at);
    expect(nextFetch([long, next], without.known, { ...WINDOW, target: nearEnd })).toEqual({
      kind: 'index',
      segment: next,
    });
    for (let at = 895; at < 900; at += 1) files.states.get(1)!.appended.add(at);
    expect(nextFetch([long, next], files.known, { ...WINDOW, target: nearEnd })).toMatchObject({
      segment: next,
      first: 0,
      start: INIT,
    });
  });

  it('keeps the bytes ahead under the cap, but always fetches the group at the clock', () => {
    // 16 Mb/s in 10 s groups: 20 MB each.
    const segment = row(1, T, T + 15 * 60_000);
    const index = indexOf(segment, { groupMs: 10_000, groupBytes: 20 * MB });
    const files = buffer([{ segment, index }]);
    const window = { ...WINDOW, target: T + 100_000, aheadMs: 128_000, aheadBytes: 48 * MB };
    const first = nextFetch([segment], files.known, { ...window, aheadBytes: 10 * MB });
    // One group is larger than the run and the cap: it is fetched alone.
    expect(first).toMatchObject({ first: 10, count: 1 });
    const fetched: number[] = [];
    for (let step = nextFetch([segment], files.known, window); step?.kind === 'fetch';) {
      files.states.get(1)!.appended.add(step.first);
      fetched.push(step.first);
      step = nextFetch([segment], files.known, window);
    }
    // 20 + 20 MB ahead; a third group would pass 48 MB.
    expect(fetched).toEqual([10, 11]);
  });

  it('in a gap, fetches the next footage from its start', () => {
    const before = row(1, T, T + 60_000);
    const after = row(2, T + 600_000, T + 660_000, 2);
    const files = buffer([
      { segment: before, index: indexOf(before, { groupMs: 1000, groupBytes: 1000 }) },
      { segment: after, index: indexOf(after, { groupMs: 1000, groupBytes: 1000 }) },
    ]);
    expect(segmentsInWindow([before, after], T + 100_000, 30_000)).toEqual([after]);
    expect(nextFetch([before, after], files.known, { ...WINDOW, target: T + 100_000 })).toMatchObject({
      segment: after,
      first: 0,
      count: 31,
    });
    expect(nextFetch([before, after], files.known, { ...WINDOW, target: T + 700_000 })).toBeNull();
  });

  it('skips groups already appended and fetches the hole after a seek back', () => {
    const segment = row(1, T, T + 120_000);
    const index = indexOf(segment, { groupMs: 2000, groupBytes: 100_000 });
    const files = buffer([{ segment, index }]);
    for (let at = 10; at < 20; at += 1) files.states.get(1)!.appended.add(at);
    // The clock at 14 s: groups 7 to 9 are missing before the buffered 10 to 19.
    expect(nextFetch([segment], files.known, { ...WINDOW, target: T + 14_000 })).toMatchObject({
      first: 7,
      count: 3,
      start: INIT + 7 * 100_000,
      end: INIT + 10 * 100_000,
    });
  });
});

describe('evictions', () => {
  const origin = T - 6 * 3_600_000;

  function buffered(
    segment: PlaybackSegment,
    index: RecordingFragments,
    appended: Iterable<number>,
  ): BufferedSegment {
    return {
      segment,
      index,
      appended: new Set(appended),
      offset: (segment.start - origin) / 1000 - index.firstMs / 1000,
    };
  }

  it('removes the groups of a long file far behind the clock, from a keyframe to just before the next', () => {
    const segment = row(1, T, T + 15 * 60_000);
    const index = indexOf(segment, { groupMs: 2000, groupBytes: 1000, firstMs: 5000 });
    const media = (wall: number) => (wall - origin) / 1000;
    // Groups 100 to 140 (200 s to 282 s) buffered; the clock at 250 s keeps 230 s on (20 s behind).
    const state = buffered(
      segment,
      index,
      Array.from({ length: 41 }, (_, i) => 100 + i),
    );
    const removals = evictions([state], T + 250_000, 20_000, 60_000, origin);
    // Group 114 (228 s to 230 s) ends 20 s before the clock: kept; 100 to 113 go.
    expect(removals).toHaveLength(1);
    const [removal] = removals;
    expect(removal!.groups).toEqual(Array.from({ length: 14 }, (_, i) => 100 + i));
    expect(removal!.start).toBeCloseTo(media(T + 200_000), 6);
    expect(removal!.end).toBeCloseTo(media(T + 228_000) - 0.0005, 6);
  });

  it('removes groups far ahead after a seek back, and never the group at the clock', () => {
    const segment = row(1, T, T + 15 * 60_000);
    const index = indexOf(segment, { groupMs: 1000, groupBytes: 1000 });
    const state = buffered(segment, index, [0, 1, 2, 3, 500, 501, 502]);
    const removals = evictions([state], T + 1500, 20_000, 60_000, origin);
    expect(removals.map((removal) => removal.groups)).toEqual([[500, 501, 502]]);
    expect(evictions([state], T + 501_500, 0, 0, origin).map((removal) => removal.groups)).toEqual([
      [0, 1, 2, 3],
      [500],
      [502],
    ]);
  });

  it("ends a file's last group half a second past its row, or just before the next buffered file", () => {
    const first = row(1, T, T + 10_000);
    const second = row(2, T + 10_000, T + 20_000);
    const firstIndex = indexOf(first, { groupMs: 1000, groupBytes: 1000, firstMs: 0 });
    const secondIndex = indexOf(second, { groupMs: 1000, groupBytes: 1000, firstMs: 10_000 });
    const media = (wall: number) => (wall - origin) / 1000;
    const alone = evictions([buffered(first, firstIndex, [8, 9])], T + 60_000, 20_000, 60_000, origin);
    expect(alone[0]!.end).toBeCloseTo(media(T + 10_000) + 0.5, 6);
    const followed = evictions(
      [buffered(second, secondIndex, [0, 1]), buffered(first, firstIndex, [8, 9])],
      T + 31_000,
      20_000,
      60_000,
      origin,
    );
    expect(followed.map((removal) => [removal.segmentId, removal.groups])).toEqual([[1, [8, 9]]]);
    expect(followed[0]!.end).toBeCloseTo(media(T + 10_000) - 0.0005, 6);
  });
});

describe('the buffer stays bounded for any file length', () => {
  it('plays a 15-minute 16 Mb/s file at 1x and 16x with at most the window buffered', () => {
    // 15 minutes at 16 Mb/s in 1 s groups of 2 MB: 1.8 GB in one file, then the next file.
    const segments = [row(1, T, T + 900_000), row(2, T + 900_000, T + 1_800_000)];
    const files = buffer(
      segments.map((segment, at) => ({
        segment,
        index: indexOf(segment, { groupMs: 1000, groupBytes: 2_000_000, firstMs: at * 900_000 }),
      })),
    );
    const origin = T - 6 * 3_600_000;
    for (const speed of [1, 16]) {
      for (const state of files.states.values()) state.appended.clear();
      let most = 0;
      const aheadMs = Math.max(30_000, 8000 * speed);
      // The clock moves one second of real time per step.
      for (let target = T + 400_000; target < T + 1_000_000; target += 1000 * speed) {
        const window = { target, aheadMs, aheadBytes: 48 * MB, runBytes: 4 * MB };
        for (let step = nextFetch(segments, files.known, window); step?.kind === 'fetch';) {
          for (let at = step.first; at < step.first + step.count; at += 1)
            files.states.get(step.segment.id)!.appended.add(at);
          step = nextFetch(segments, files.known, window);
        }
        const held = [...files.states.values()].reduce(
          (sum, state) => sum + state.appended.size * 2_000_000,
          0,
        );
        most = Math.max(most, held);
        // The footage at the clock is always buffered.
        const at = target < T + 900_000 ? 1 : 2;
        const state = files.states.get(at)!;
        expect(state.appended.has(keyframeGroupAt(state.segment, state.index, target))).toBe(true);
        const all: BufferedSegment[] = [...files.states.values()].map((state) => ({
          ...state,
          offset: (state.segment.start - origin) / 1000 - state.index.firstMs / 1000,
        }));
        for (const removal of evictions(all, target, 20_000, aheadMs * 2, origin))
          for (const group of removal.groups) files.states.get(removal.segmentId)!.appended.delete(group);
      }
      // 48 MB ahead, 20 s behind (40 MB) and the second of playing since the last eviction: far from 1.8 GB.
      expect(most).toBeLessThanOrEqual(48 * MB + 22 * 2_000_000 + 16 * 2_000_000);
      expect(most).toBeLessThan(150 * MB);
    }
  });
});
