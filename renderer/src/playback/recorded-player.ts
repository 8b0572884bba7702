/**
 * One camera's recorded footage in a `<video>` through Media Source Extensions. The media timeline is the wall
 * clock shifted by a fixed origin: `currentTime` (s) = (wall ms − origin) / 1000. Segment files are read in
 * groups of pictures (byte ranges from the file's fragment index, `recordings.fragments`), never whole: each
 * file's init is appended before its first group, with `timestampOffset` = (segment start − origin) / 1000 −
 * the file's first video decode time, so files of one run line up exactly and a new run (decode times
 * restarting) or a new codec lands where the wall clock says. What is buffered stays within a window around
 * the clock (`buffer-plan.ts`), whatever the length of the files.
 *
 * The player does not keep time itself: `sync(wall, playing, speed)` (called by the sync group about ten times a
 * second) tells it where the master clock is; it fetches the groups around that time, evicts what is far
 * behind, follows the clock (rate trim or seek) and reports its phase (ready, loading, gap).
 */
import { RemoteError, type RecordingFragments } from '../../../common/contract/index.js';
import type { ClientTransport } from '../transport/client-transport.js';
import {
  evictions,
  groupWallStart,
  nextFetch,
  segmentsInWindow,
  type BufferedSegment,
  type FetchStep,
} from './buffer-plan.js';
import { driftAction, MAX_PLAYBACK_RATE, type PlayerPhase } from './clock.js';
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
/** Footage kept buffered ahead: at least this much, and 8 s of real time at the speed. */
const AHEAD_MIN_MS = 30_000;
const AHEAD_REAL_MS = 8000;
/**
 * Bytes kept buffered ahead at most, whatever the bit rate: with 20 s behind (40 MB at 16 Mb/s) this stays under
 * Chromium's 150 MB video buffer quota.
 */
const AHEAD_MAX_BYTES = 48 * 1024 * 1024;
/** Bytes of one range request: a few seconds of footage at camera bit rates. */
const RUN_BYTES = 4 * 1024 * 1024;
/** The first request where nothing is buffered yet is smaller, so the first frame shows sooner. */
const FIRST_RUN_BYTES = 1024 * 1024;
/**
 * A file this small is fetched whole while its index loads (both in parallel, one round trip instead of two:
 * a seek into short segments is as fast as before ranges).
 */
const WHOLE_FILE_BYTES = 1024 * 1024;
/** Fragment indexes fetched at once (the one at the clock and the next one). */
const INDEX_LOADS_MAX = 2;
/** Indexes kept for files with nothing buffered (the most recent ones; a seek back finds them). */
const IDLE_FILES_MAX = 32;
/** Footage kept behind the playhead (frame steps and short jumps back stay buffered). */
const BEHIND_MS = 20_000;
/** With a full media buffer after evicting down to the window, fetching ahead waits this long. */
const FULL_RETRY_MS = 1000;
/** The origin sits this far before the first position, so earlier footage still has media time ≥ 0. */
const ORIGIN_LEAD_MS = 6 * 3_600_000;
/** Two offsets of one run closer than this are the same (the rows' ms rounding); the first is kept. */
const SAME_OFFSET_S = 0.02;

/** A segment file whose fragment index is known: its init once fetched, the groups of it in the buffer. */
interface FileState {
  segment: PlaybackSegment;
  index: RecordingFragments;
  init: Uint8Array<ArrayBuffer> | null;
  appended: Set<number>;
}

/** The media buffer refused an append although it holds only the window around the clock. */
class BufferFullError extends Error {
  override name = 'BufferFullError';
}

function aheadMs(speed: number): number {
  return Math.max(AHEAD_MIN_MS, AHEAD_REAL_MS * speed);
}

function describeTime(wall: number): string {
  return new Date(wall).toLocaleTimeString();
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Why a segment's index or bytes could not be had, as the tile's notice says it. */
function loadFailure(error: unknown): string {
  if (error instanceof RemoteError && error.code === 'not_found')
    return 'it is no longer on disk (deleted by retention)';
  if (error instanceof RemoteError && error.code === 'unsupported')
    return `it cannot be played (${error.message})`;
  return `it could not be loaded (${messageOf(error)})`;
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
  /** Segment files whose fragment index is known, by segment id (oldest first). */
  private readonly files = new Map<number, FileState>();
  private readonly indexLoads = new Set<number>();
  /** Small files fetched whole beside their index (null when that failed: the ranged read says why). */
  private readonly wholeFiles = new Map<number, Promise<Uint8Array<ArrayBuffer> | null>>();
  /** `timestampOffset` of each file in this MediaSource, and the first one of each run. */
  private readonly offsets = new Map<number, number>();
  private readonly runOffsets = new Map<number, number>();
  /** The file whose init the source buffer got last (its groups may follow without it). */
  private initOf: number | null = null;
  /** The file appended last (a decode error right after is its fault). */
  private lastAppended: PlaybackSegment | null = null;
  /** Fetching ahead waits until then after the media buffer was full. */
  private fullUntil = -Infinity;
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
    for (const file of this.files.values()) file.appended.clear();
    this.wholeFiles.clear();
    this.offsets.clear();
    this.runOffsets.clear();
    this.initOf = null;
    this.lastAppended = null;
    this.fullUntil = -Infinity;
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
    const segment = this.playable[index] ?? this.lastAppended ?? undefined;
    const message = this.video.error?.message ?? 'decode error';
    if (this.now() - this.appendFailedAt < 2000) {
      // The append that just failed caused it; that segment is already skipped.
    } else if (segment !== undefined) this.fail(segment, `it could not be decoded (${message})`);
    else this.setNotice(`The video failed: ${message}`);
    this.reset(this.origin);
  };

  private aheadMs(): number {
    return aheadMs(this.speed);
  }

  /** Starts loading the fragment indexes the window reaches (at most two at a time). */
  private loadIndexes(): void {
    for (const segment of segmentsInWindow(this.playable, this.target, this.aheadMs())) {
      if (this.indexLoads.size >= INDEX_LOADS_MAX) return;
      if (!this.files.has(segment.id) && !this.indexLoads.has(segment.id)) this.loadIndex(segment);
    }
  }

  private loadIndex(segment: PlaybackSegment): void {
    this.indexLoads.add(segment.id);
    if (segment.bytes > 0 && segment.bytes <= WHOLE_FILE_BYTES && !this.wholeFiles.has(segment.id)) {
      this.wholeFiles.set(
        segment.id,
        this.fetchRange(segment, 0, segment.bytes).catch(() => null),
      );
    }
    void this.transport
      .invoke('recordings.fragments', { cameraId: this.cameraId, segmentId: segment.id })
      .then(
        (index) => {
          if (this.destroyed) return;
          if (!MediaSource.isTypeSupported(index.mime)) {
            const codec = index.videoCodec;
            this.fail(
              segment,
              `this browser cannot decode ${/^h(vc|ev)1/.test(codec) ? 'H.265' : codec} video`,
            );
            return;
          }
          if (!index.groups.some((group) => group.keyframe)) {
            this.fail(segment, 'the file is unreadable (it has no keyframe)');
            return;
          }
          this.files.set(segment.id, { segment, index, init: null, appended: new Set() });
          this.forgetIdleFiles();
        },
        (error: unknown) => {
          if (!this.destroyed) this.fail(segment, loadFailure(error));
        },
      )
      .finally(() => {
        this.indexLoads.delete(segment.id);
        if (!this.files.has(segment.id)) this.wholeFiles.delete(segment.id);
        this.pump();
      });
  }

  /**
   * Keeps the indexes of files with something buffered, and the most recent others; small files fetched whole
   * only while the window still reaches them.
   */
  private forgetIdleFiles(): void {
    const idle = [...this.files.values()].filter((file) => file.appended.size === 0);
    for (const file of idle.slice(0, Math.max(0, idle.length - IDLE_FILES_MAX)))
      this.files.delete(file.segment.id);
    if (this.wholeFiles.size === 0) return;
    const wanted = new Set(
      segmentsInWindow(this.playable, this.target, this.aheadMs()).map((segment) => segment.id),
    );
    for (const id of this.wholeFiles.keys())
      if (!wanted.has(id) && !this.indexLoads.has(id)) this.wholeFiles.delete(id);
  }

  /** The next run of groups to fetch around the target, or null (nothing wanted, or an index is loading). */
  private nextStep(): Extract<FetchStep, { kind: 'fetch' }> | null {
    const buffered = this.isBuffered((this.target - this.origin) / 1000);
    const step = nextFetch(this.playable, (id) => this.files.get(id) ?? null, {
      target: this.target,
      aheadMs: this.aheadMs(),
      aheadBytes: AHEAD_MAX_BYTES,
      runBytes: buffered ? RUN_BYTES : FIRST_RUN_BYTES,
    });
    return step?.kind === 'fetch' ? step : null;
  }

  /** Fetches and appends runs of groups one after another while some are wanted. */
  private pump(): void {
    if (this.pumping || this.destroyed || this.mediaSource === null) return;
    this.loadIndexes();
    if (this.now() < this.fullUntil) return;
    const next = this.nextStep();
    if (next === null) return;
    this.pumping = true;
    const generation = this.generation;
    void this.fetchAndAppend(next, generation).finally(() => {
      if (generation !== this.generation) return;
      this.pumping = false;
      this.pump();
    });
  }

  private fetchRange(segment: PlaybackSegment, start: number, end: number): Promise<Uint8Array<ArrayBuffer>> {
    return this.transport
      .fetchSegment(this.cameraId, segment.id, {
        range: { start, length: end - start },
        signal: this.abort.signal,
      })
      .then((data) => {
        if (data.byteLength !== end - start) {
          throw new Error(
            `the file is shorter than its index says (${data.byteLength} of ${end - start} bytes)`,
          );
        }
        return new Uint8Array(data);
      });
  }

  /** The file's `timestampOffset` in this MediaSource (the first of its run when they agree within 20 ms). */
  private offsetOf(file: FileState): number {
    const known = this.offsets.get(file.segment.id);
    if (known !== undefined) return known;
    let offset = (file.segment.start - this.origin) / 1000 - file.index.firstMs / 1000;
    const runOffset = this.runOffsets.get(file.segment.recordingId);
    if (runOffset !== undefined && Math.abs(runOffset - offset) < SAME_OFFSET_S) offset = runOffset;
    else this.runOffsets.set(file.segment.recordingId, offset);
    this.offsets.set(file.segment.id, offset);
    return offset;
  }

  private async fetchAndAppend(
    step: Extract<FetchStep, { kind: 'fetch' }>,
    generation: number,
  ): Promise<void> {
    const stale = () => generation !== this.generation || this.destroyed;
    const { segment } = step;
    const file = this.files.get(segment.id);
    if (file === undefined) return;
    const { index } = file;
    let init = file.init;
    let media: Uint8Array<ArrayBuffer>;
    const whole = this.wholeFiles.get(segment.id);
    this.wholeFiles.delete(segment.id);
    const data = whole === undefined ? null : await whole;
    if (stale()) return;
    try {
      if (data !== null && data.byteLength === index.fileSize) {
        init ??= data.slice(0, index.initLength);
        media = data.subarray(step.start, step.end);
      } else if (init === null && step.start === index.initLength) {
        // The run follows the init: one request for both.
        const data = await this.fetchRange(segment, 0, step.end);
        init = data.slice(0, index.initLength);
        media = data.subarray(index.initLength);
      } else {
        [init, media] = await Promise.all([
          init ?? this.fetchRange(segment, 0, index.initLength),
          this.fetchRange(segment, step.start, step.end),
        ]);
      }
    } catch (error) {
      if (!stale()) this.fail(segment, loadFailure(error));
      return;
    }
    if (stale()) return;
    file.init = init;
    try {
      const buffer = await this.sourceBufferFor(index.mime, generation);
      if (buffer === null) return;
      const offset = this.offsetOf(file);
      await this.evict(generation);
      if (stale()) return;
      buffer.timestampOffset = offset;
      if (this.initOf !== segment.id) {
        await this.append(buffer, init, generation);
        if (stale()) return;
        this.initOf = segment.id;
      }
      await this.append(buffer, media, generation);
      if (stale()) return;
      for (let at = step.first; at < step.first + step.count; at += 1) file.appended.add(at);
      this.lastAppended = segment;
      const group = index.groups[step.first];
      if (group !== undefined && group.frames > 0) this.frameMs = group.durationMs / group.frames;
    } catch (error) {
      if (stale()) return;
      const first = index.groups[step.first];
      const ahead = first !== undefined && groupWallStart(segment, index, first) > this.target + 1000;
      if (error instanceof BufferFullError && ahead) {
        // Full of the window itself (a very high bit rate): fetch ahead again once playback has used some.
        this.fullUntil = this.now() + FULL_RETRY_MS;
        return;
      }
      this.appendFailedAt = this.now();
      this.fail(segment, `it could not be buffered (${messageOf(error)})`);
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
      this.initOf = null;
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

  private async append(
    buffer: SourceBuffer,
    data: Uint8Array<ArrayBuffer>,
    generation: number,
  ): Promise<void> {
    try {
      buffer.appendBuffer(data);
    } catch (error) {
      if (!isQuotaError(error)) throw error;
      // The buffer is full: keep only what is near the playhead and try once more.
      await this.evict(generation, true);
      if (generation !== this.generation) return;
      try {
        buffer.appendBuffer(data);
      } catch (again) {
        if (isQuotaError(again)) throw new BufferFullError('the media buffer is full');
        throw again;
      }
    }
    await this.whenIdle(buffer);
  }

  private lastEviction = 0;

  private evictSoon(): void {
    if (this.pumping || this.now() - this.lastEviction < 1000) return;
    this.lastEviction = this.now();
    const generation = this.generation;
    this.pumping = true;
    this.forgetDropped();
    void this.evict(generation)
      .catch(() => undefined)
      .finally(() => {
        if (generation !== this.generation) return;
        this.pumping = false;
        this.pump();
      });
  }

  /**
   * Forgets groups the browser dropped by itself (its own eviction when an append nears the quota): neither
   * their first frame nor their middle is buffered any more, so they are fetched again when wanted.
   */
  private forgetDropped(): void {
    for (const file of this.files.values()) {
      if (file.appended.size === 0) continue;
      const offset = this.offsets.get(file.segment.id);
      if (offset === undefined) continue;
      for (const at of file.appended) {
        const group = file.index.groups[at];
        if (group === undefined) continue;
        const start = offset + group.startMs / 1000;
        if (!this.isBuffered(start + 0.001) && !this.isBuffered(start + group.durationMs / 2000))
          file.appended.delete(at);
      }
    }
  }

  /**
   * Removes appended groups far behind the playhead (and far ahead, after a seek back): whole groups, from a
   * keyframe to just before the next one (`evictions` in buffer-plan.ts).
   */
  private async evict(generation: number, hard = false): Promise<void> {
    const buffer = this.sourceBuffer;
    if (buffer === null) return;
    const behind = hard ? 2000 : BEHIND_MS;
    const ahead = hard ? this.aheadMs() : this.aheadMs() * 2;
    const buffered: BufferedSegment[] = [];
    for (const file of this.files.values()) {
      const offset = this.offsets.get(file.segment.id);
      if (file.appended.size > 0 && offset !== undefined) buffered.push({ ...file, offset });
    }
    for (const removal of evictions(buffered, this.target, behind, ahead, this.origin)) {
      await this.whenIdle(buffer);
      if (generation !== this.generation) return;
      if (removal.end > removal.start) {
        buffer.remove(removal.start, removal.end);
        await this.whenIdle(buffer);
      }
      const file = this.files.get(removal.segmentId);
      for (const at of removal.groups) file?.appended.delete(at);
    }
    this.forgetIdleFiles();
  }

  setMuted(muted: boolean): void {
    this.video.muted = muted;
  }

  /** Bytes of segment files in the media buffer (for tests and diagnostics). */
  get bufferedBytes(): number {
    let bytes = 0;
    for (const file of this.files.values())
      for (const at of file.appended) bytes += file.index.groups[at]?.length ?? 0;
    return bytes;
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

function isQuotaError(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'QuotaExceededError';
}
