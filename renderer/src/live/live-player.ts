/**
 * Plays one camera's live fMP4 in a `<video>` through Media Source Extensions. The engine sends the init segment
 * and the fragments since the latest keyframe at once, then each fragment (≤ 200 ms) as FFmpeg writes it.
 *
 * - Starts near the live edge of what arrived (never before the keyframe) and keeps the buffer under a second:
 *   a little faster when it lags, a jump when it lags too far (`live-policy.ts`).
 * - A new init segment (the camera's stream restarted) gets a fresh MediaSource: timestamps restart with it.
 * - Holes (fragments the server dropped for a slow connection) are jumped over; played media is evicted.
 * - A dropped connection reconnects with backoff; a stream the browser cannot decode (H.265) says so.
 */
import type { ClientTransport, LiveStreamKind } from '../transport/client-transport.js';
import {
  catchUp,
  evictRange,
  reconnectDelayMs,
  skipHole,
  startTime,
  unsupportedMessage,
} from './live-policy.js';

export type LivePlayerState =
  | { kind: 'connecting' }
  | { kind: 'playing'; mime: string }
  | { kind: 'unsupported'; message: string }
  | { kind: 'closed'; message: string };

/** Fragments waiting for the source buffer before the player gives up on it and reopens the stream. */
const MAX_QUEUED = 150;
/** No fragment for this long while playing: reopen (the engine may have lost the stream without telling). */
const SILENCE_MS = 8000;

function ranges(buffered: TimeRanges): [number, number][] {
  const list: [number, number][] = [];
  for (let index = 0; index < buffered.length; index += 1)
    list.push([buffered.start(index), buffered.end(index)]);
  return list;
}

export class LivePlayer {
  private closeStream: (() => void) | null = null;
  private mediaSource: MediaSource | null = null;
  private objectUrl: string | null = null;
  private sourceBuffer: SourceBuffer | null = null;
  private queue: Uint8Array[] = [];
  private mime = '';
  private started = false;
  private stopped = false;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private silenceTimer: ReturnType<typeof setInterval> | null = null;
  private lastDataAt = 0;
  private appends = 0;

  constructor(
    private readonly video: HTMLVideoElement,
    private readonly transport: ClientTransport,
    private readonly cameraId: string,
    private readonly stream: LiveStreamKind,
    private readonly onState: (state: LivePlayerState) => void,
  ) {
    video.addEventListener('waiting', this.onWaiting);
    video.addEventListener('error', this.onVideoError);
  }

  start(): void {
    this.open();
    this.silenceTimer = setInterval(() => {
      if (this.started && performance.now() - this.lastDataAt > SILENCE_MS) this.reopen();
    }, 1000);
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.video.removeEventListener('waiting', this.onWaiting);
    this.video.removeEventListener('error', this.onVideoError);
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    if (this.silenceTimer !== null) clearInterval(this.silenceTimer);
    this.closeStream?.();
    this.closeStream = null;
    this.teardownMedia();
  }

  private open(): void {
    this.lastDataAt = performance.now();
    this.closeStream = this.transport.openLive(this.cameraId, this.stream, {
      onInit: (mime, init) => this.onInit(mime, init),
      onFragment: (data) => this.onFragment(data),
      onClose: (reason, retry) => {
        this.closeStream = null;
        if (this.stopped) return;
        if (!retry) {
          this.onState({ kind: 'closed', message: reason });
          return;
        }
        this.onState({ kind: 'connecting' });
        this.scheduleRetry();
      },
    });
  }

  private scheduleRetry(): void {
    if (this.stopped || this.retryTimer !== null) return;
    const delay = reconnectDelayMs(this.attempt);
    this.attempt += 1;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.stopped) this.open();
    }, delay);
  }

  /** Starts over from the latest keyframe: new stream, new MediaSource. */
  private reopen(): void {
    if (this.stopped) return;
    this.closeStream?.();
    this.closeStream = null;
    this.teardownMedia();
    this.onState({ kind: 'connecting' });
    this.scheduleRetry();
  }

  private onInit(mime: string, init: Uint8Array): void {
    if (this.stopped) return;
    this.lastDataAt = performance.now();
    if (typeof MediaSource === 'undefined') {
      this.onState({
        kind: 'unsupported',
        message: 'This browser has no Media Source Extensions for live view.',
      });
      return;
    }
    if (!MediaSource.isTypeSupported(mime)) {
      this.teardownMedia();
      this.onState({ kind: 'unsupported', message: unsupportedMessage(mime) });
      return;
    }
    this.teardownMedia();
    this.mime = mime;
    this.queue = [init];
    const mediaSource = new MediaSource();
    this.mediaSource = mediaSource;
    this.objectUrl = URL.createObjectURL(mediaSource);
    mediaSource.addEventListener(
      'sourceopen',
      () => {
        if (this.mediaSource !== mediaSource) return;
        try {
          const sourceBuffer = mediaSource.addSourceBuffer(mime);
          sourceBuffer.mode = 'segments';
          sourceBuffer.addEventListener('updateend', () => this.afterAppend(sourceBuffer));
          sourceBuffer.addEventListener('error', () => this.reopen());
          this.sourceBuffer = sourceBuffer;
          this.pump();
        } catch {
          this.onState({ kind: 'unsupported', message: unsupportedMessage(mime) });
        }
      },
      { once: true },
    );
    this.video.src = this.objectUrl;
  }

  private onFragment(data: Uint8Array): void {
    if (this.stopped || this.mediaSource === null) return;
    this.lastDataAt = performance.now();
    this.queue.push(data);
    if (this.queue.length > MAX_QUEUED) {
      this.reopen();
      return;
    }
    this.pump();
  }

  private pump(): void {
    const sourceBuffer = this.sourceBuffer;
    if (sourceBuffer === null || sourceBuffer.updating || this.queue.length === 0) return;
    const next = this.queue.shift();
    if (next === undefined) return;
    try {
      sourceBuffer.appendBuffer(next as Uint8Array<ArrayBuffer>);
      this.appends += 1;
    } catch (error) {
      // QuotaExceededError: the buffer is full (eviction could not keep up); start over at the live edge.
      if (error instanceof DOMException) this.reopen();
      else throw error;
    }
  }

  private afterAppend(sourceBuffer: SourceBuffer): void {
    if (this.stopped || sourceBuffer !== this.sourceBuffer) return;
    const video = this.video;
    const buffered = ranges(sourceBuffer.buffered);
    const last = buffered.at(-1);
    if (last !== undefined) {
      if (!this.started) {
        this.started = true;
        video.currentTime = startTime(last[0], last[1]);
        void video.play().catch(() => undefined);
        this.attempt = 0;
        this.onState({ kind: 'playing', mime: this.mime });
      } else {
        const hole = skipHole(video.currentTime, buffered);
        if (hole !== null) video.currentTime = hole;
        const decision = catchUp(video.currentTime, last[1]);
        if (decision.seekTo !== null) video.currentTime = decision.seekTo;
        if (video.playbackRate !== decision.playbackRate) video.playbackRate = decision.playbackRate;
        if (video.paused && !video.ended) void video.play().catch(() => undefined);
      }
      const first = buffered[0];
      const evict =
        first === undefined || this.appends % 25 !== 0 ? null : evictRange(video.currentTime, first[0]);
      if (evict !== null) {
        sourceBuffer.remove(evict[0], evict[1]);
        return;
      }
    }
    this.pump();
  }

  private readonly onWaiting = (): void => {
    const sourceBuffer = this.sourceBuffer;
    if (sourceBuffer === null || sourceBuffer.updating) return;
    const hole = skipHole(this.video.currentTime, ranges(sourceBuffer.buffered));
    if (hole !== null) this.video.currentTime = hole;
  };

  private readonly onVideoError = (): void => {
    if (this.mediaSource !== null) this.reopen();
  };

  private teardownMedia(): void {
    this.sourceBuffer = null;
    this.queue = [];
    this.started = false;
    this.appends = 0;
    const mediaSource = this.mediaSource;
    this.mediaSource = null;
    if (mediaSource !== null && mediaSource.readyState === 'open') {
      try {
        mediaSource.endOfStream();
      } catch {
        // Already ending: nothing to do.
      }
    }
    if (this.objectUrl !== null) {
      this.video.removeAttribute('src');
      this.video.load();
      URL.revokeObjectURL(this.objectUrl);
      this.objectUrl = null;
    }
  }
}
