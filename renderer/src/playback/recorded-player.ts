/**
 * One camera's recorded footage in a `<video>` through Media Source Extensions. The media timeline is the wall
 * clock shifted by a fixed origin: `currentTime` (s) = (wall ms − origin) / 1000. Each segment file is appended
 * whole (its own init, then its fragments) with `timestampOffset` = (segment start − origin) / 1000 − the file's
 * first video decode time, so files of one run line up exactly and a new run (decode times restarting) or a new
 * codec lands where the wall clock says.
 *
 * The player does not keep time itself: `sync(wall, playing, speed)` (called by the sync group about ten times a
 * second) tells it where the master clock is; it fetches the segments around that time, evicts what is far
 * behind, follows the clock (rate trim or seek) and reports its phase (ready, loading, gap).
 */
import { RemoteError } from '../../../common/contract/index.js';
import type { ClientTransport } from '../transport/client-transport.js';
import { driftAction, MAX_PLAYBACK_RATE, type PlayerPhase } from './clock.js';
import { readSegmentFile } from './mp4.js';
import {
  footageFrom,
  mergeSegments,
  nextSegmentStart,
  previousSegmentStart,
  segmentIndexAt,
  type PlaybackSegment,
} from './segments.js';

export type PlayerTransport = Pick<ClientTransport, 'invoke' | 'fetchSegment'>;

export type PlayerStatus = 'loading' | 'ready' | 'gap' | 'end' | 'error';

export interface PlayerNotice {
  text: string;
  at: number;
}

/** Segment rows are fetched this far either side of the playhead, and again when it nears an edge. */
const LIST_WINDOW_MS = 3 * 3_600_000;
const LIST_MARGIN_MS = 30 * 60_000;
/** While the list reaches the present, new segments are looked for this often near its end. */
const TAIL_REFRESH_MS = 2000;
/** Footage kept buffered ahead: at least this much, at least two segments, and 8 s of real time at speed. */
const AHEAD_MIN_MS = 30_000;
const AHEAD_REAL_MS = 8000;
/** Footage kept behind the playhead (frame steps and short jumps back stay buffered). */
const BEHIND_MS = 20_000;
/** The origin sits this far before the first position, so earlier footage still has media time ≥ 0. */
const ORIGIN_LEAD_MS = 6 * 3_600_000;
/** Two offsets of one run closer than this are the same (the rows' ms rounding); the first is kept. */
const SAME_OFFSET_S = 0.02;

/** A segment in the buffer: its row and the media time of its first video sample's decode time. */
interface AppendedSegment extends PlaybackSegment {
  mediaStart: number;
}

function aheadMs(speed: number): number {
  return Math.max(AHEAD_MIN_MS, AHEAD_REAL_MS * speed);
}

function describeTime(wall: number): string {
  return new Date(wall).toLocaleTimeString();
}

export class RecordedPlayer {
  private segments: PlaybackSegment[] = [];
  private playable: PlaybackSegment[] = [];
  private readonly failed = new Map<number, string>();
  private listRange: { start: number; end: number } | null = null;
  private listLoading: Promise<void> | null = null;
  private listError: string | null = null;
  private lastTailRefresh = 0;

  private origin = 0;
  private mediaSource: MediaSource | null = null;
  private sourceBuffer: SourceBuffer | null = null;
  private objectUrl: string | null = null;
  private mime: string | null = null;
  /** Segments in the buffer, by id, with the wall range they cover. */
  private readonly appended = new Map<number, AppendedSegment>();
  private readonly runOffsets = new Map<number, number>();
  private generation = 0;
  private abort = new AbortController();
  private pumping = false;
  private destroyed = false;
  /** When an append last failed: the decode error that follows is that segment's, already skipped. */
  private appendFailedAt = -Infinity;

  private target = 0;
  private speed = 1;
  private loadingSince: number | null = null;
  /** One frame in ms, from the last appended file. */
  frameMs = 0;
  status: PlayerStatus = 'loading';
  /** Recent notices, oldest first (at most three; the sync group drops them after `NOTICE_MS`). */
  notices: PlayerNotice[] = [];
  /** Why this player cannot play at all (status `error`), shown over the tile. */
  problem: string | null = null;

  constructor(
    readonly cameraId: string,
    private readonly video: HTMLVideoElement,
    private readonly transport: PlayerTransport,
    private readonly onChange: () => void,
    private readonly now: () => number = () => performance.now(),
  ) {
    video.addEventListener('error', this.onVideoError);
  }

  /** The wall-clock time of media time 0. */
  get mediaOrigin(): number {
    return this.origin;
  }

  /** Where the video is, wall ms (null before any footage is attached). */
  wallNow(): number | null {
    return this.mediaSource === null ? null : this.origin + this.video.currentTime * 1000;
  }

  /** The known playable segments (failed ones left out). */
  get knownSegments(): readonly PlaybackSegment[] {
    return this.playable;
  }

  /** Loads the segment rows around `wall` if they are not known yet. */
  async loadAround(wall: number): Promise<void> {
    if (this.covers(wall)) return;
    await this.loadList(wall - LIST_WINDOW_MS, wall + LIST_WINDOW_MS);
  }

  /** Footage at or after `wall` (a gap skipped), or null; the rows must be loaded. */
  footageFrom(wall: number): { wall: number; inFootage: boolean } | null {
    const found = footageFrom(this.playable, wall);
    return found === null ? null : { wall: found.wall, inFootage: found.wall === wall };
  }

  nextSegment(wall: number): number | null {
    return nextSegmentStart(this.playable, wall);
  }

  previousSegment(wall: number): number | null {
    return previousSegmentStart(this.playable, wall);
  }

  /** The wall time one frame forward or back from `wall` on this camera's frame grid (null in a gap). */
  frameStep(wall: number, direction: 1 | -1): number | null {
    const index = segmentIndexAt(this.playable, wall);
    const segment = this.playable[index];
    const frame = this.frameMs;
    if (segment === undefined || frame <= 0) return null;
    const current = Math.floor((wall - segment.start + 0.5) / frame);
    // 1 ms into the frame, so the rounding of times never shows the frame before.
    return segment.start + (current + direction) * frame + 1;
  }

  private covers(wall: number): boolean {
    const range = this.listRange;
    return range !== null && wall - LIST_MARGIN_MS >= range.start && wall + LIST_MARGIN_MS <= range.end;
  }

  private loadList(start: number, end: number): Promise<void> {
    if (this.listLoading !== null) return this.listLoading;
    const loading = this.transport
      .invoke('recordings.segments', {
        cameraId: this.cameraId,
        start: Math.round(start),
        end: Math.round(end),
      })
      .then(
        (result) => {
          if (this.destroyed) return;
          const range = this.listRange;
          const contiguous = range !== null && start <= range.end && end >= range.start;
          this.segments = contiguous ? mergeSegments(this.segments, result.segments) : result.segments;
          this.listRange = contiguous
            ? { start: Math.min(range.start, start), end: Math.max(range.end, end) }
            : { start, end };
          this.listError = null;
          this.updatePlayable();
        },
        (error: unknown) => {
          this.listError = error instanceof Error ? error.message : String(error);
        },
      )
      .finally(() => {
        this.listLoading = null;
        this.onChange();
      });
    this.listLoading = loading;
    return loading;
  }

  private updatePlayable(): void {
    this.playable = this.segments.filter((segment) => !this.failed.has(segment.id));
  }

  /** Looks for new segments when the playhead is near the end of a list that reaches the present. */
  private refreshTail(wall: number): void {
    const range = this.listRange;
    if (range === null || this.listLoading !== null) return;
    const nowMs = Date.now();
    if (range.end < nowMs - 60_000) return;
    const last = this.playable.at(-1);
    if (last !== undefined && last.end - wall > aheadMs(this.speed) * 2) return;
    if (this.now() - this.lastTailRefresh < TAIL_REFRESH_MS) return;
    this.lastTailRefresh = this.now();
    const start = last?.start ?? wall - 60_000;
    void this.loadList(start, Math.max(range.end, start + LIST_WINDOW_MS));
  }

  private setNotice(text: string): void {
    this.notices = [...this.notices, { text, at: Date.now() }].slice(-3);
    this.onChange();
  }

  private fail(segment: PlaybackSegment, reason: string): void {
    this.failed.set(segment.id, reason);
    this.updatePlayable();
    this.setNotice(`The recording at ${describeTime(segment.start)} was skipped: ${reason}.`);
  }

  /**
   * Follows the master clock: called about ten times a second. Returns this player's phase for the clock.
   * `playing` is false while the clock is paused or held for loading players.
   */
  sync(wall: number, playing: boolean, speed: number): PlayerPhase {
    this.target = wall;
    this.speed = speed;
    if (this.destroyed) return { kind: 'gap', nextStart: null };
    if (typeof MediaSource === 'undefined') {
      this.problem = 'This browser cannot play recordings (it has no Media Source Extensions).';
      return this.setStatus('error', { kind: 'gap', nextStart: null });
    }
    if (!this.covers(wall)) void this.loadAround(wall);
    if (this.listRange === null) {
      if (this.listError !== null) {
        this.problem = `The recordings of this camera could not be listed: ${this.listError}`;
        return this.setStatus('error', { kind: 'gap', nextStart: null });
      }
      return this.loading();
    }
    this.problem = null;
    this.refreshTail(wall);
    if (this.mediaSource === null || wall < this.origin) this.reset(wall - ORIGIN_LEAD_MS);
    this.pump();
    this.evictSoon();

    const index = segmentIndexAt(this.playable, wall);
    if (index < 0) {
      if (!this.video.paused) this.video.pause();
      const next = footageFrom(this.playable, wall);
      this.loadingSince = null;
      return this.setStatus(next === null ? 'end' : 'gap', { kind: 'gap', nextStart: next?.wall ?? null });
    }
    const mediaTime = (wall - this.origin) / 1000;
    if (!this.isBuffered(mediaTime)) {
      if (!this.video.paused) this.video.pause();
      return this.loading();
    }
    if (this.video.seeking) {
      // A paused player is ready once the frame there is decoded: the clock then starts every player at once.
      return this.video.paused ? this.loading() : { kind: 'ready' };
    }
    if (this.video.paused && this.video.readyState < HTMLMediaElement.HAVE_FUTURE_DATA) {
      const drift = Math.abs(this.origin + this.video.currentTime * 1000 - wall);
      if (drift > Math.max(20, this.frameMs / 2)) this.video.currentTime = mediaTime;
      return this.loading();
    }
    this.loadingSince = null;
    this.setStatus('ready');
    const action = driftAction({
      masterWall: wall,
      playerWall: this.origin + this.video.currentTime * 1000,
      speed,
      playing,
      frameMs: this.frameMs,
    });
    if (action.kind === 'seek') {
      this.video.currentTime = (action.wall - this.origin) / 1000;
      this.video.playbackRate = Math.min(speed, MAX_PLAYBACK_RATE);
    } else if (Math.abs(this.video.playbackRate - action.rate) > 1e-3) {
      this.video.playbackRate = action.rate;
    }
    if (playing && this.video.paused) {
      this.video.play().catch((error: unknown) => {
        // AbortError: a pause or seek came first; the next tick plays again.
        if (error instanceof DOMException && error.name === 'AbortError') return;
        this.setNotice(`Playback could not start: ${error instanceof Error ? error.message : String(error)}`);
      });
    } else if (!playing && !this.video.paused) {
      this.video.pause();
    }
    return { kind: 'ready' };
  }

  private loading(): PlayerPhase {
    this.loadingSince ??= this.now();
    this.setStatus('loading');
    return { kind: 'loading', sinceMs: this.loadingSince };
  }

  private setStatus<T>(status: PlayerStatus, result?: T): T {
    if (this.status !== status) {
      this.status = status;
      this.onChange();
    }
    return result as T;
  }

  private isBuffered(time: number): boolean {
    const ranges = this.video.buffered;
    for (let index = 0; index < ranges.length; index += 1) {
      if (time >= ranges.start(index) - 0.001 && time < ranges.end(index) - 0.01) return true;
    }
    return false;
  }

  /** A new MediaSource (first use, a seek before the origin, or after a decode error). */
  private reset(origin: number): void {
    this.generation += 1;
    this.abort.abort();
    this.abort = new AbortController();
    this.appended.clear();
    this.runOffsets.clear();
    this.sourceBuffer = null;
    this.mime = null;
    this.pumping = false;
    if (this.objectUrl !== null) URL.revokeObjectURL(this.objectUrl);
    this.origin = Math.floor(origin);
    this.mediaSource = new MediaSource();
    this.objectUrl = URL.createObjectURL(this.mediaSource);
    this.video.src = this.objectUrl;
  }

  /** Decode error: the MediaSource is dead. Skip the segment that was playing and start again. */
  private readonly onVideoError = (): void => {
    if (this.destroyed || this.mediaSource === null) return;
    const wall = this.origin + this.video.currentTime * 1000;
    const index = segmentIndexAt(this.playable, Math.max(wall, this.target));
    const segment = this.playable[index] ?? [...this.appended.values()].at(-1);
    const message = this.video.error?.message ?? 'decode error';
    if (this.now() - this.appendFailedAt < 2000) {
      // The append that just failed caused it; that segment is already skipped.
    } else if (segment !== undefined) this.fail(segment, `it could not be decoded (${message})`);
    else this.setNotice(`The video failed: ${message}`);
    this.reset(this.origin);
  };

  /** The next segment to fetch around the target: the one there (or next after a gap), then ahead. */
  private nextToAppend(): PlaybackSegment | null {
    const start = footageFrom(this.playable, this.target);
    if (start === null) return null;
    const limit = this.target + aheadMs(this.speed);
    for (let index = start.index, count = 0; index < this.playable.length; index += 1, count += 1) {
      const segment = this.playable[index];
      if (segment === undefined) break;
      if (segment.start > limit && count >= 2) break;
      if (!this.appended.has(segment.id)) return segment;
    }
    return null;
  }

  /** Fetches and appends segments one after another while some are wanted. */
  private pump(): void {
    if (this.pumping || this.destroyed) return;
    const next = this.nextToAppend();
    if (next === null) return;
    this.pumping = true;
    const generation = this.generation;
    void this.fetchAndAppend(next, generation).finally(() => {
      if (generation !== this.generation) return;
      this.pumping = false;
      this.pump();
    });
  }

  private async fetchAndAppend(segment: PlaybackSegment, generation: number): Promise<void> {
    const stale = () => generation !== this.generation || this.destroyed;
    let data: ArrayBuffer;
    try {
      data = await this.transport.fetchSegment(this.cameraId, segment.id, this.abort.signal);
    } catch (error) {
      if (stale()) return;
      if (error instanceof RemoteError && error.code === 'not_found')
        this.fail(segment, 'it is no longer on disk (deleted by retention)');
      else
        this.fail(
          segment,
          `it could not be loaded (${error instanceof Error ? error.message : String(error)})`,
        );
      return;
    }
    if (stale()) return;
    let info;
    try {
      info = readSegmentFile(data);
    } catch (error) {
      this.fail(
        segment,
        `the file is unreadable (${error instanceof Error ? error.message : String(error)})`,
      );
      return;
    }
    if (!MediaSource.isTypeSupported(info.mime)) {
      const codec = info.tracks.find((track) => track.kind === 'video')?.codec ?? info.mime;
      this.fail(segment, `this browser cannot decode ${codec.startsWith('h') ? 'H.265' : codec} video`);
      return;
    }
    try {
      const buffer = await this.sourceBufferFor(info.mime, generation);
      if (buffer === null) return;
      let offset = (segment.start - this.origin) / 1000 - info.firstVideoTime;
      const runOffset = this.runOffsets.get(segment.recordingId);
      if (runOffset !== undefined && Math.abs(runOffset - offset) < SAME_OFFSET_S) offset = runOffset;
      else this.runOffsets.set(segment.recordingId, offset);
      await this.evict(generation);
      if (stale()) return;
      buffer.timestampOffset = offset;
      await this.append(buffer, data, generation);
      if (stale()) return;
      this.appended.set(segment.id, { ...segment, mediaStart: offset + info.firstVideoTime });
      if (info.frameDuration > 0) this.frameMs = info.frameDuration * 1000;
    } catch (error) {
      if (stale()) return;
      this.appendFailedAt = this.now();
      this.fail(
        segment,
        `it could not be buffered (${error instanceof Error ? error.message : String(error)})`,
      );
    }
  }

  private async sourceBufferFor(mime: string, generation: number): Promise<SourceBuffer | null> {
    const mediaSource = this.mediaSource;
    if (mediaSource === null) return null;
    if (mediaSource.readyState !== 'open') {
      await new Promise<void>((resolve) =>
        mediaSource.addEventListener('sourceopen', () => resolve(), { once: true }),
      );
    }
    if (generation !== this.generation) return null;
    if (this.sourceBuffer === null) {
      this.sourceBuffer = mediaSource.addSourceBuffer(mime);
      this.sourceBuffer.mode = 'segments';
      this.mime = mime;
    } else if (this.mime !== mime) {
      // A codec change between runs: switch the buffer's decoder (Chrome 70+, Firefox, Safari).
      this.sourceBuffer.changeType(mime);
      this.mime = mime;
    }
    return this.sourceBuffer;
  }

  private whenIdle(buffer: SourceBuffer): Promise<void> {
    if (!buffer.updating) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = () => {
        buffer.removeEventListener('updateend', done);
        buffer.removeEventListener('error', failed);
        resolve();
      };
      const failed = () => {
        buffer.removeEventListener('updateend', done);
        buffer.removeEventListener('error', failed);
        reject(new Error('the browser refused the data: corrupt or undecodable'));
      };
      buffer.addEventListener('updateend', done);
      buffer.addEventListener('error', failed);
    });
  }

  private async append(buffer: SourceBuffer, data: ArrayBuffer, generation: number): Promise<void> {
    try {
      buffer.appendBuffer(data);
    } catch (error) {
      if (!(error instanceof DOMException && error.name === 'QuotaExceededError')) throw error;
      // The buffer is full: keep only what is near the playhead and try once more.
      await this.evict(generation, true);
      if (generation !== this.generation) return;
      buffer.appendBuffer(data);
    }
    await this.whenIdle(buffer);
  }

  private lastEviction = 0;

  private evictSoon(): void {
    if (this.pumping || this.now() - this.lastEviction < 1000) return;
    this.lastEviction = this.now();
    const generation = this.generation;
    this.pumping = true;
    void this.evict(generation)
      .catch(() => undefined)
      .finally(() => {
        if (generation !== this.generation) return;
        this.pumping = false;
        this.pump();
      });
  }

  /**
   * Removes appended segments far behind the playhead (and far ahead, after a seek back). A removal ends just
   * before the first frame of the next segment in the buffer when it follows without a hole (its keyframe and
   * everything after it stay), else half a second past the row's end, so no sliver of the segment's last frames
   * is left behind.
   */
  private async evict(generation: number, hard = false): Promise<void> {
    const buffer = this.sourceBuffer;
    if (buffer === null) return;
    const behind = hard ? 2000 : BEHIND_MS;
    const ahead = hard ? aheadMs(this.speed) : aheadMs(this.speed) * 2;
    const byStart = [...this.appended.values()].sort((a, b) => a.start - b.start);
    for (const [index, segment] of byStart.entries()) {
      if (segment.end >= this.target - behind && segment.start <= this.target + ahead) continue;
      await this.whenIdle(buffer);
      if (generation !== this.generation) return;
      const next = byStart[index + 1];
      const start = Math.max(0, segment.mediaStart);
      const rowEnd = (segment.end - this.origin) / 1000 + 0.5;
      const end = next === undefined ? rowEnd : Math.min(rowEnd, next.mediaStart - 0.0005);
      if (end > start) {
        buffer.remove(start, end);
        await this.whenIdle(buffer);
      }
      this.appended.delete(segment.id);
    }
  }

  setMuted(muted: boolean): void {
    this.video.muted = muted;
  }

  /** Segments currently appended (for tests and diagnostics). */
  get appendedSegments(): number {
    return this.appended.size;
  }

  destroy(): void {
    this.destroyed = true;
    this.generation += 1;
    this.abort.abort();
    this.video.removeEventListener('error', this.onVideoError);
    this.video.pause();
    this.video.removeAttribute('src');
    this.video.load();
    if (this.objectUrl !== null) URL.revokeObjectURL(this.objectUrl);
    this.mediaSource = null;
  }
}
