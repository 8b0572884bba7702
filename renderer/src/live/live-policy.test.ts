import { describe, expect, it } from 'vitest';
import {
  catchUp,
  evictRange,
  LIVE_FRAGMENT_MAX_S,
  LIVE_MAX_LAG_S,
  LIVE_TARGET_LAG_S,
  reconnectDelayMs,
  skipHole,
  startTime,
  unsupportedMessage,
} from './live-policy.js';

describe('live policy', () => {
  it('keeps the buffer under a second: plays on, speeds up, or jumps to the target lag', () => {
    expect(catchUp(10, 10.2)).toEqual({ seekTo: null, playbackRate: 1 });
    expect(catchUp(10, 10.7)).toEqual({ seekTo: null, playbackRate: 1.15 });
    const jump = catchUp(10, 10 + LIVE_MAX_LAG_S + 0.5);
    expect(jump.seekTo).toBeCloseTo(10 + LIVE_MAX_LAG_S + 0.5 - LIVE_TARGET_LAG_S, 9);
    expect(jump.playbackRate).toBe(1);
  });

  it('stays under a second even with one more fragment buffered before it decides', () => {
    const beforeDecision = catchUp(10, 10 + LIVE_MAX_LAG_S - 0.01);
    expect(beforeDecision.seekTo).toBeNull();
    expect(LIVE_MAX_LAG_S + LIVE_FRAGMENT_MAX_S).toBeLessThanOrEqual(1.0);
    expect(catchUp(10, 10 + LIVE_MAX_LAG_S + 0.01).seekTo).not.toBeNull();
  });

  it('starts near the live edge but never before the first keyframe', () => {
    expect(startTime(100, 100.9)).toBeCloseTo(100.6, 9);
    expect(startTime(100, 100.1)).toBe(100);
  });

  it('jumps over a hole in the buffer only when the playhead is in none of the ranges', () => {
    const ranges = [
      [0, 4],
      [5, 9],
    ] as const;
    expect(skipHole(3, ranges)).toBeNull();
    expect(skipHole(4.2, ranges)).toBe(5);
    expect(skipHole(9.5, ranges)).toBeNull();
  });

  it('evicts what is well behind the playhead', () => {
    expect(evictRange(12, 0)).toBeNull();
    expect(evictRange(30, 0)).toEqual([0, 20]);
  });

  it('backs off reconnects up to 10 s', () => {
    expect([0, 1, 2, 3, 10].map(reconnectDelayMs)).toEqual([500, 1000, 2000, 4000, 10_000]);
  });

  it('says clearly that H.265 is recorded but not playable live', () => {
    expect(unsupportedMessage('video/mp4; codecs="hvc1.1.6.L93.B0"')).toMatch(/H\.265.*recorded normally/);
    expect(unsupportedMessage('video/mp4; codecs="xyz1"')).toContain('xyz1');
  });
});
