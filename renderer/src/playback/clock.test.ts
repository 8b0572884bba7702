import { describe, expect, it } from 'vitest';
import {
  clockDecision,
  driftAction,
  LOADING_PATIENCE_MS,
  MasterClock,
  MAX_TRIM,
  type DriftAction,
} from './clock.js';

function manualClock(start: number) {
  let tick = 0;
  const clock = new MasterClock(() => tick, start);
  return { clock, advance: (ms: number) => (tick += ms) };
}

describe('MasterClock', () => {
  it('stands still until played, then advances at the chosen speed', () => {
    const { clock, advance } = manualClock(1_000_000);
    advance(500);
    expect(clock.wall()).toBe(1_000_000);
    clock.play();
    advance(1000);
    expect(clock.wall()).toBe(1_001_000);
    clock.setRate(4);
    advance(1000);
    expect(clock.wall()).toBe(1_005_000);
    clock.setRate(0.5);
    advance(1000);
    expect(clock.wall()).toBe(1_005_500);
    clock.pause();
    advance(1000);
    expect(clock.wall()).toBe(1_005_500);
    expect(() => clock.setRate(0)).toThrow();
  });

  it('seeks, and holds while players load without losing play state', () => {
    const { clock, advance } = manualClock(0);
    clock.play();
    clock.seek(50_000);
    advance(100);
    expect(clock.wall()).toBe(50_100);
    clock.hold(true);
    expect(clock.isHeld).toBe(true);
    advance(2000);
    expect(clock.wall()).toBe(50_100);
    expect(clock.playing).toBe(true);
    clock.hold(false);
    advance(100);
    expect(clock.wall()).toBe(50_200);
  });
});

const rate = (action: DriftAction): number => (action.kind === 'rate' ? action.rate : Number.NaN);

describe('driftAction', () => {
  it('leaves a player within the deadband at the speed', () => {
    expect(driftAction({ masterWall: 10_000, playerWall: 10_020, speed: 1, playing: true })).toEqual({
      kind: 'rate',
      rate: 1,
    });
  });

  it('trims the rate against the drift, at most 10 %', () => {
    // 100 ms behind at 1×: 10 % faster closes it in about a second.
    expect(rate(driftAction({ masterWall: 10_000, playerWall: 9_900, speed: 1, playing: true }))).toBeCloseTo(
      1.1,
    );
    expect(
      rate(driftAction({ masterWall: 10_000, playerWall: 10_050, speed: 1, playing: true })),
    ).toBeCloseTo(0.95);
    const limited = rate(driftAction({ masterWall: 10_000, playerWall: 9_750, speed: 2, playing: true }));
    expect(limited).toBeCloseTo(2 * (1 + MAX_TRIM));
  });

  it('never asks for more than 16× (the browser refuses it): a player behind at 16× catches up by seeking', () => {
    expect(rate(driftAction({ masterWall: 10_000, playerWall: 9_500, speed: 16, playing: true }))).toBe(16);
    expect(
      rate(driftAction({ masterWall: 10_000, playerWall: 10_500, speed: 16, playing: true })),
    ).toBeLessThan(16);
  });

  it('seeks when more than 0.3 s off at 1× (more at high speeds)', () => {
    expect(driftAction({ masterWall: 10_000, playerWall: 9_650, speed: 1, playing: true })).toEqual({
      kind: 'seek',
      wall: 10_000,
    });
    // At 16× the thresholds are 8 times larger: 1 s of footage is 62 ms of real time.
    expect(driftAction({ masterWall: 10_000, playerWall: 9_000, speed: 16, playing: true }).kind).toBe(
      'rate',
    );
    expect(driftAction({ masterWall: 10_000, playerWall: 7_000, speed: 16, playing: true }).kind).toBe(
      'seek',
    );
  });

  it('while paused, seeks to within half a frame', () => {
    expect(
      driftAction({ masterWall: 10_000, playerWall: 10_030, speed: 1, playing: false, frameMs: 40 }),
    ).toEqual({
      kind: 'seek',
      wall: 10_000,
    });
    expect(
      driftAction({ masterWall: 10_000, playerWall: 10_010, speed: 1, playing: false, frameMs: 40 }).kind,
    ).toBe('rate');
  });
});

describe('clockDecision', () => {
  it('waits for a loading player, but not forever', () => {
    const phases = [{ kind: 'ready' as const }, { kind: 'loading' as const, sinceMs: 1000 }];
    expect(clockDecision(phases, 1500)).toEqual({ kind: 'hold' });
    expect(clockDecision(phases, 1000 + LOADING_PATIENCE_MS)).toEqual({ kind: 'advance' });
  });

  it('advances while one player plays and another is in a gap', () => {
    expect(clockDecision([{ kind: 'ready' }, { kind: 'gap', nextStart: 90_000 }], 0)).toEqual({
      kind: 'advance',
    });
  });

  it('jumps to the earliest next footage when every player is in a gap', () => {
    expect(
      clockDecision(
        [
          { kind: 'gap', nextStart: 90_000 },
          { kind: 'gap', nextStart: 70_000 },
          { kind: 'gap', nextStart: null },
        ],
        0,
      ),
    ).toEqual({ kind: 'jump', wall: 70_000 });
  });

  it('holds at the end of the recordings, and with no players', () => {
    expect(clockDecision([{ kind: 'gap', nextStart: null }], 0)).toEqual({ kind: 'hold' });
    expect(clockDecision([], 0)).toEqual({ kind: 'hold' });
  });
});
