import { describe, expect, it } from 'vitest';
import {
  footageFrom,
  mergeSegments,
  nextEventTime,
  nextSegmentStart,
  previousEventTime,
  previousSegmentStart,
  segmentIndexAt,
  type PlaybackSegment,
} from './segments.js';

const segment = (id: number, start: number, end: number, recordingId = 1): PlaybackSegment => ({
  id,
  start,
  end,
  bytes: 1000,
  recordingId,
});

// Two runs: 0–8 s in two files, a gap, then 20–24 s.
const SEGMENTS = [segment(1, 0, 4000), segment(2, 4000, 8000), segment(3, 20_000, 24_000, 2)];

describe('segment lookup', () => {
  it('finds the segment holding a time, with ends exclusive', () => {
    expect(segmentIndexAt(SEGMENTS, 0)).toBe(0);
    expect(segmentIndexAt(SEGMENTS, 3999)).toBe(0);
    expect(segmentIndexAt(SEGMENTS, 4000)).toBe(1);
    expect(segmentIndexAt(SEGMENTS, 8000)).toBe(-1);
    expect(segmentIndexAt(SEGMENTS, 12_000)).toBe(-1);
    expect(segmentIndexAt(SEGMENTS, -1)).toBe(-1);
    expect(segmentIndexAt(SEGMENTS, 23_999)).toBe(2);
    expect(segmentIndexAt([], 5)).toBe(-1);
  });

  it('skips a gap to the next footage, and has none after the last segment', () => {
    expect(footageFrom(SEGMENTS, 5000)).toEqual({ index: 1, wall: 5000 });
    expect(footageFrom(SEGMENTS, 9000)).toEqual({ index: 2, wall: 20_000 });
    expect(footageFrom(SEGMENTS, -5000)).toEqual({ index: 0, wall: 0 });
    expect(footageFrom(SEGMENTS, 24_000)).toBeNull();
  });

  it('steps to the next and previous segment', () => {
    expect(nextSegmentStart(SEGMENTS, 1000)).toBe(4000);
    expect(nextSegmentStart(SEGMENTS, 4000)).toBe(20_000);
    expect(nextSegmentStart(SEGMENTS, 20_000)).toBeNull();
    // More than a second in: back to the start of this one; at its start: the one before.
    expect(previousSegmentStart(SEGMENTS, 6000)).toBe(4000);
    expect(previousSegmentStart(SEGMENTS, 4500)).toBe(0);
    expect(previousSegmentStart(SEGMENTS, 12_000)).toBe(4000);
    expect(previousSegmentStart(SEGMENTS, 500)).toBeNull();
  });

  it('steps to events, further on each press', () => {
    const events = [30_000, 10_000, 20_000];
    expect(nextEventTime(events, 10_000)).toBe(20_000);
    expect(nextEventTime(events, 30_000)).toBeNull();
    expect(previousEventTime(events, 20_000)).toBe(10_000);
    expect(previousEventTime(events, 21_000)).toBe(10_000);
    expect(previousEventTime(events, 22_000)).toBe(20_000);
    expect(previousEventTime(events, 10_000)).toBeNull();
  });

  it('merges a refreshed list by id, the fresh row winning', () => {
    const merged = mergeSegments(SEGMENTS, [segment(3, 20_000, 26_000, 2), segment(4, 26_000, 30_000, 2)]);
    expect(merged.map((row) => [row.id, row.end])).toEqual([
      [1, 4000],
      [2, 8000],
      [3, 26_000],
      [4, 30_000],
    ]);
  });
});
