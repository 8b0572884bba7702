import { describe, expect, it } from 'vitest';
import { ActivityWindows } from './activity-windows.js';

const C = 'cam-00000000aa';

/** Frames every 200 ms (5 fps) over [from, to), with motion where `moving(at)` says. */
function feed(
  windows: ActivityWindows,
  from: number,
  to: number,
  moving: (at: number) => boolean = () => false,
  objectsWatched = true,
): void {
  for (let at = from; at < to; at += 200) windows.frame(C, at, { motion: moving(at), objectsWatched });
}

describe('ActivityWindows', () => {
  it('knows where detection watched without a break', () => {
    const windows = new ActivityWindows({ maxGapMs: 2_500 });
    feed(windows, 0, 10_000);
    // A 5 s gap (a worker restart) breaks coverage.
    feed(windows, 15_000, 30_000);
    expect(windows.watched(C, 'motion', 0, 9_800)).toBe(true);
    expect(windows.watched(C, 'motion', 5_000, 16_000)).toBe(false);
    expect(windows.watched(C, 'motion', 15_000, 29_800)).toBe(true);
    expect(windows.watched(C, 'motion', 15_000, 31_000)).toBe(false);
    expect(windows.watched(C, 'motion', -1, 100)).toBe(false);
    expect(windows.watched('cam-00000000bb', 'motion', 0, 100)).toBe(false);
    expect(windows.watchedSince(C, 'motion')).toBe(0);
  });

  it('counts object coverage only for frames decoded for object detection', () => {
    const windows = new ActivityWindows();
    feed(windows, 0, 10_000, () => false, false);
    feed(windows, 10_000, 20_000, () => false, true);
    expect(windows.watched(C, 'motion', 0, 19_800)).toBe(true);
    expect(windows.watched(C, 'events', 0, 19_800)).toBe(false);
    expect(windows.watched(C, 'events', 10_000, 19_800)).toBe(true);
    expect(windows.watchedSince(C, 'events')).toBe(10_000);
  });

  it('keeps motion spans (merged over short pauses) and doubts', () => {
    const windows = new ActivityWindows({ maxGapMs: 2_500 });
    feed(
      windows,
      0,
      30_000,
      (at) => (at >= 5_000 && at < 7_000) || (at >= 8_000 && at < 9_000) || at === 20_000,
    );
    windows.doubt(C, 25_000);
    expect(windows.keepSpans(C, 'motion')).toEqual([
      [5_000, 8_800],
      [20_000, 20_000],
      [25_000, 25_000],
    ]);
    expect(windows.keepSpans(C, 'events')).toEqual([[25_000, 25_000]]);
  });

  it('stays bounded, and nothing before a dropped motion span counts as watched', () => {
    const windows = new ActivityWindows({ maxGapMs: 100, maxSpans: 3 });
    // Motion every other frame 200 ms apart: every motion frame is its own span.
    feed(windows, 0, 2_000, (at) => at % 400 === 0);
    expect(windows.keepSpans(C, 'motion')).toHaveLength(3);
    const since = windows.watchedSince(C, 'motion') ?? 0;
    expect(since).toBeGreaterThan(800);
    expect(windows.watched(C, 'motion', 0, 100)).toBe(false);
  });

  it('prunes old spans and then treats that time as unknown', () => {
    const windows = new ActivityWindows({ keepMs: 60_000 });
    feed(windows, 0, 200_000, (at) => at === 10_000);
    windows.prune(200_000);
    expect(windows.keepSpans(C, 'motion')).toEqual([]);
    expect(windows.watched(C, 'motion', 100_000, 150_000)).toBe(false);
    expect(windows.watched(C, 'motion', 150_000, 190_000)).toBe(true);
    windows.forget(C);
    expect(windows.watchedSince(C, 'motion')).toBeNull();
  });

  it('ignores frames out of order', () => {
    const windows = new ActivityWindows();
    windows.frame(C, 1_000, { motion: true, objectsWatched: true });
    windows.frame(C, 500, { motion: true, objectsWatched: true });
    expect(windows.keepSpans(C, 'motion')).toEqual([[1_000, 1_000]]);
  });
});
