/**
 * Up to four recorded players on one master clock. The clock (wall ms) advances at the chosen speed; every
 * 100 ms each player is told where it is and follows it (rate trim or seek, see `driftAction`). The clock waits
 * for players that are loading, jumps over a gap when every player is in one, and stops at the end of the
 * recordings until more arrive. Controls act on the clock, never on a single video.
 */
import { clockDecision, MasterClock, MUTE_ABOVE_SPEED, type PlayerPhase, type Speed } from './clock.js';
import {
  RecordedPlayer,
  type PlayerNotice,
  type PlayerStatus,
  type PlayerTransport,
} from './recorded-player.js';
import { nextEventTime, previousEventTime } from './segments.js';

export const MAX_PLAYERS = 4;
const TICK_MS = 100;
/** The shown time is refreshed at most this often (the players themselves follow every tick). */
const SNAPSHOT_MS = 250;
/** How long a notice stays on a tile. */
export const NOTICE_MS = 10_000;
/** Where the clock starts by default: a minute ago (paused), where footage usually is. */
const START_BEFORE_NOW_MS = 60_000;

export interface TileSnapshot {
  status: PlayerStatus;
  problem: string | null;
  /** Recent notices (segments skipped and why), oldest first. */
  notices: readonly PlayerNotice[];
  origin: number;
}

export interface GroupSnapshot {
  /** Master clock, wall ms. */
  wall: number;
  playing: boolean;
  /** Playing, but waiting for a player to have footage buffered. */
  waiting: boolean;
  speed: Speed;
  muted: boolean;
  tiles: Readonly<Record<string, TileSnapshot>>;
}

export class SyncGroup {
  private readonly clock: MasterClock;
  private readonly players = new Map<string, RecordedPlayer>();
  private speed: Speed = 1;
  private muted = true;
  private timer: ReturnType<typeof setInterval> | null = null;
  private readonly listeners = new Set<() => void>();
  private snapshot: GroupSnapshot;
  private lastSnapshotAt = -Infinity;
  private dirty = true;
  /** Counts seeks, so an older async seek does not override a newer one. */
  private seekSeq = 0;

  constructor(
    private readonly transport: PlayerTransport,
    startWall: number = Date.now() - START_BEFORE_NOW_MS,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.clock = new MasterClock(now, startWall);
    this.snapshot = this.makeSnapshot();
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): GroupSnapshot => this.snapshot;

  /** The master position, wall ms. */
  wall(): number {
    return this.clock.wall();
  }

  /** Attaches a camera's `<video>`; returns the function that detaches it. */
  add(cameraId: string, video: HTMLVideoElement): () => void {
    if (this.players.size >= MAX_PLAYERS && !this.players.has(cameraId))
      throw new Error(`At most ${MAX_PLAYERS} cameras play in sync`);
    this.players.get(cameraId)?.destroy();
    const player = new RecordedPlayer(cameraId, video, this.transport, () => this.changed(), this.now);
    video.muted = this.isMuted();
    this.players.set(cameraId, player);
    this.start();
    this.changed();
    return () => {
      if (this.players.get(cameraId) !== player) return;
      player.destroy();
      this.players.delete(cameraId);
      this.changed();
    };
  }

  /** Players in order of addition (the first one is the reference for frame steps). */
  private list(): RecordedPlayer[] {
    return [...this.players.values()];
  }

  play(): void {
    this.clock.play();
    this.changed(true);
    this.tick();
  }

  pause(): void {
    this.clock.pause();
    this.changed(true);
    this.tick();
  }

  toggle(): void {
    if (this.clock.playing) this.pause();
    else this.play();
  }

  setSpeed(speed: Speed): void {
    this.speed = speed;
    this.clock.setRate(speed);
    this.applyMute();
    this.changed(true);
    this.tick();
  }

  setMuted(muted: boolean): void {
    this.muted = muted;
    this.applyMute();
    this.changed(true);
  }

  private isMuted(): boolean {
    return this.muted || this.speed > MUTE_ABOVE_SPEED;
  }

  private applyMute(): void {
    for (const player of this.list()) player.setMuted(this.isMuted());
  }

  /**
   * Moves the clock to `wall`; when no camera has footage there, to the earliest footage after it (a gap is
   * skipped). Resolves once the segment rows are known.
   */
  async seek(wall: number, options: { play?: boolean } = {}): Promise<void> {
    const seq = ++this.seekSeq;
    this.clock.seek(wall);
    if (options.play === true) this.clock.play();
    this.changed(true);
    const players = this.list();
    await Promise.all(players.map((player) => player.loadAround(wall)));
    if (seq !== this.seekSeq) return;
    const found = players.map((player) => player.footageFrom(wall)).filter((entry) => entry !== null);
    if (found.length > 0 && !found.some((entry) => entry.inFootage)) {
      this.clock.seek(Math.min(...found.map((entry) => entry.wall)));
    }
    this.changed(true);
    this.tick();
  }

  /** Jumps by `ms` of footage (±10 s buttons). */
  skip(ms: number): Promise<void> {
    return this.seek(this.clock.wall() + ms);
  }

  /** Pauses and moves one frame forward or back, on the first camera's frame grid. */
  step(direction: 1 | -1): void {
    this.clock.pause();
    const wall = this.clock.wall();
    const reference = this.list().find((player) => player.frameStep(wall, direction) !== null);
    const frame = reference?.frameStep(wall, direction) ?? wall + direction * 40;
    this.clock.seek(frame);
    this.changed(true);
    this.tick();
  }

  /** Next segment start over all cameras (the earliest after the clock). */
  nextSegment(): Promise<void> {
    const wall = this.clock.wall();
    const starts = this.list()
      .map((player) => player.nextSegment(wall))
      .filter((start) => start !== null);
    return starts.length === 0 ? Promise.resolve() : this.seek(Math.min(...starts));
  }

  /** Previous segment start over all cameras (the latest before the clock). */
  previousSegment(): Promise<void> {
    const wall = this.clock.wall();
    const starts = this.list()
      .map((player) => player.previousSegment(wall))
      .filter((start) => start !== null);
    return starts.length === 0 ? Promise.resolve() : this.seek(Math.max(...starts));
  }

  nextEvent(events: readonly number[]): Promise<void> {
    const time = nextEventTime(events, this.clock.wall());
    return time === null ? Promise.resolve() : this.seek(time);
  }

  previousEvent(events: readonly number[]): Promise<void> {
    const time = previousEventTime(events, this.clock.wall());
    return time === null ? Promise.resolve() : this.seek(time);
  }

  private start(): void {
    this.timer ??= setInterval(() => this.tick(), TICK_MS);
  }

  /** One step of the loop: players follow the clock, then the clock follows the players' phases. */
  private tick(): void {
    const wall = this.clock.wall();
    const playing = this.clock.playing && !this.clock.isHeld;
    const phases: PlayerPhase[] = this.list().map((player) => player.sync(wall, playing, this.speed));
    for (const player of this.list()) {
      const fresh = player.notices.filter((notice) => Date.now() - notice.at < NOTICE_MS);
      if (fresh.length !== player.notices.length) {
        player.notices = fresh;
        this.dirty = true;
      }
    }
    if (this.clock.playing) {
      const decision = clockDecision(phases, this.now());
      if (decision.kind === 'hold') this.clock.hold(true);
      else if (decision.kind === 'advance') this.clock.hold(false);
      else {
        this.clock.hold(false);
        this.clock.seek(decision.wall);
        this.dirty = true;
      }
    } else {
      this.clock.hold(false);
    }
    this.publish();
  }

  private changed(immediate = false): void {
    this.dirty = true;
    if (immediate) this.lastSnapshotAt = -Infinity;
    this.publish();
  }

  private publish(): void {
    const nowMs = this.now();
    const timeDue = this.clock.playing && !this.clock.isHeld && nowMs - this.lastSnapshotAt >= SNAPSHOT_MS;
    if (!this.dirty && !timeDue) return;
    if (!this.dirty && nowMs - this.lastSnapshotAt < SNAPSHOT_MS) return;
    this.dirty = false;
    this.lastSnapshotAt = nowMs;
    this.snapshot = this.makeSnapshot();
    for (const listener of this.listeners) listener();
  }

  private makeSnapshot(): GroupSnapshot {
    const tiles: Record<string, TileSnapshot> = {};
    for (const player of this.list()) {
      tiles[player.cameraId] = {
        status: player.status,
        problem: player.problem,
        notices: player.notices,
        origin: player.mediaOrigin,
      };
    }
    return {
      wall: Math.round(this.clock.wall()),
      playing: this.clock.playing,
      waiting: this.clock.isHeld,
      speed: this.speed,
      muted: this.isMuted(),
      tiles,
    };
  }

  destroy(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    for (const player of this.list()) player.destroy();
    this.players.clear();
    this.listeners.clear();
  }
}
