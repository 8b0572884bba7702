/**
 * The pure parts of synchronized playback: the master clock (wall ms advancing at the chosen speed), the drift
 * correction each player gets from it, and what the clock does when players wait for data or sit in gaps.
 * No DOM: `now` is injected (performance.now in the page, a counter in tests).
 */

export const SPEEDS = [0.5, 1, 2, 4, 8, 16] as const;
export type Speed = (typeof SPEEDS)[number];

/** Above this speed the players are muted, as browsers mute fast playback. */
export const MUTE_ABOVE_SPEED = 2;

export class MasterClock {
  private anchorWall: number;
  private anchorTick: number;
  private running = false;
  private held = false;
  private currentRate = 1;

  constructor(
    private readonly now: () => number,
    startWall: number,
  ) {
    this.anchorWall = startWall;
    this.anchorTick = now();
  }

  /** The master position, wall-clock ms. */
  wall(): number {
    if (!this.running || this.held) return this.anchorWall;
    return this.anchorWall + (this.now() - this.anchorTick) * this.currentRate;
  }

  get playing(): boolean {
    return this.running;
  }

  get rate(): number {
    return this.currentRate;
  }

  /** Whether the clock is held (playing, but waiting for players to have data). */
  get isHeld(): boolean {
    return this.running && this.held;
  }

  private reanchor(): void {
    this.anchorWall = this.wall();
    this.anchorTick = this.now();
  }

  play(): void {
    this.reanchor();
    this.running = true;
  }

  pause(): void {
    this.reanchor();
    this.running = false;
  }

  setRate(rate: number): void {
    if (!(rate > 0)) throw new Error(`Invalid playback rate ${rate}`);
    this.reanchor();
    this.currentRate = rate;
  }

  seek(wall: number): void {
    this.anchorWall = wall;
    this.anchorTick = this.now();
  }

  /** Freezes (`true`) or releases the clock without changing play/pause: players are loading. */
  hold(held: boolean): void {
    if (held === this.held) return;
    this.reanchor();
    this.held = held;
  }
}

/** What one player should do to follow the master clock. */
export type DriftAction =
  /** Play at this rate (the speed, or the speed trimmed by at most `MAX_TRIM` to close a small drift). */
  | { kind: 'rate'; rate: number }
  /** Too far off to trim: set the position. */
  | { kind: 'seek'; wall: number };

/** Chromium refuses a `playbackRate` above 16 (and below 1/16): a trim at 16× can only slow down. */
export const MAX_PLAYBACK_RATE = 16;
const MIN_PLAYBACK_RATE = 1 / 16;

/** Largest trim of the playback rate, as a fraction of the speed. */
export const MAX_TRIM = 0.1;
/** Drift (wall ms at 1×) within which no trim is applied. */
export const DRIFT_DEADBAND_MS = 30;
/** Drift (wall ms at 1×) beyond which the player seeks instead of trimming. */
export const DRIFT_SEEK_MS = 300;

/**
 * The drift correction for a player at `playerWall` when the master is at `masterWall`. Thresholds are in wall
 * ms of footage and grow with the speed above 2× (at 16× a frame interval is 8 times more footage), so a fast
 * player is not seeking all the time. While paused only exactness counts: seek when off by half a frame.
 */
export function driftAction(options: {
  masterWall: number;
  playerWall: number;
  speed: number;
  playing: boolean;
  /** One frame in ms (0 when unknown). */
  frameMs?: number;
}): DriftAction {
  const { masterWall, playerWall, speed, playing } = options;
  const drift = playerWall - masterWall;
  if (!playing) {
    const tolerance = Math.max(1, (options.frameMs ?? 40) / 2);
    return Math.abs(drift) > tolerance ? { kind: 'seek', wall: masterWall } : { kind: 'rate', rate: speed };
  }
  const scale = Math.max(1, speed / 2);
  if (Math.abs(drift) > DRIFT_SEEK_MS * scale) return { kind: 'seek', wall: masterWall };
  if (Math.abs(drift) <= DRIFT_DEADBAND_MS * scale) return { kind: 'rate', rate: speed };
  // Close the drift in about a second of real time: at speed s a trim t gains t·s·1000 ms of footage a second.
  const trim = Math.max(-MAX_TRIM, Math.min(MAX_TRIM, -drift / (speed * 1000)));
  const rate = Math.max(MIN_PLAYBACK_RATE, Math.min(MAX_PLAYBACK_RATE, speed * (1 + trim)));
  return { kind: 'rate', rate };
}

/** A player's situation at the master position, as the clock needs it. */
export type PlayerPhase =
  /** Footage at the master position is buffered. */
  | { kind: 'ready' }
  /** Footage exists at the master position but is not buffered yet (or the segment list is loading). */
  | { kind: 'loading'; sinceMs: number }
  /** No footage at the master position; the next starts at `nextStart` (null: none known after it). */
  | { kind: 'gap'; nextStart: number | null };

/** What the master clock does this tick. */
export type ClockDecision = { kind: 'advance' } | { kind: 'hold' } | { kind: 'jump'; wall: number };

/** How long the clock waits for a loading player before going on without it (it then catches up by seeking). */
export const LOADING_PATIENCE_MS = 4000;

/**
 * The clock's rule: it waits while a player with footage here is loading (up to `LOADING_PATIENCE_MS`), jumps
 * to the earliest next footage when every player is in a gap, holds at the end of the recordings (more may be
 * recorded), and otherwise advances; players in a gap while others play show "no footage" and rejoin when
 * their footage starts.
 */
export function clockDecision(phases: readonly PlayerPhase[], nowMs: number): ClockDecision {
  if (phases.length === 0) return { kind: 'hold' };
  const waiting = phases.some(
    (phase) => phase.kind === 'loading' && nowMs - phase.sinceMs < LOADING_PATIENCE_MS,
  );
  if (waiting) return { kind: 'hold' };
  if (phases.some((phase) => phase.kind === 'ready')) return { kind: 'advance' };
  if (phases.some((phase) => phase.kind === 'loading')) return { kind: 'advance' };
  let next: number | null = null;
  for (const phase of phases)
    if (phase.kind === 'gap' && phase.nextStart !== null && (next === null || phase.nextStart < next))
      next = phase.nextStart;
  return next === null ? { kind: 'hold' } : { kind: 'jump', wall: next };
}
