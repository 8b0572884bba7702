/**
 * Supervises one camera stream: one FFmpeg at a time, restarted with backoff (1 s doubling to 60 s, with
 * jitter) when it ends, and two watchdogs: bytes arriving (a camera that keeps TCP open but sends nothing) and
 * segments advancing (no keyframe). Every state change carries a reason.
 *
 * The main stream records; every stream feeds its live hub. Recording never depends on anything downstream:
 * fragments go to the segment writer first, then to the hub, which drops for slow viewers.
 */
import type { CameraStatus } from '../../../common/contract/index.js';
import { monotonicOf, type Clock, type Logger } from '../ports.js';
import type { Readable } from 'node:stream';
import {
  buildIngestArgs,
  FRAMES_FD,
  withCredentials,
  type FrameOutput,
  type IngestInput,
} from './ffmpeg-args.js';
import { FrameReader, type DecodedFrame } from './frame-reader.js';
import { Fmp4Reader, type Fragment, type InitSegment } from './fmp4.js';
import { LiveHub } from './live-hub.js';
import { pidFileName, removePidFile, writePidFile } from './pid-files.js';
import type { ProcessRunner, RunningProcess, StdoutReader } from './process-runner.js';
import { createRedactor, redactArgs, type Redactor } from './redact.js';
import { classifyFailure, inputAudioCodec, type Failure } from './stderr-reason.js';

export interface StreamSource {
  /** `rtsp://…` or `rtsps://…` without credentials, or `demo:name`. */
  url: string;
  username: string | null;
  password: string | null;
  transport: 'tcp' | 'udp';
}

export interface StreamStatus {
  status: CameraStatus;
  reason: string | null;
  nextAttemptAt: number | null;
}

/** What the supervisor tells its owner; the owner (camera recorder) writes rows and segment files. */
export interface StreamSessionHooks {
  /** A new FFmpeg session starts; returns a per-session sink for its media. */
  sessionStarted(): SessionSink;
}

export interface SessionSink {
  init(init: InitSegment): void;
  /** `startTime` is the fragment's first sample on the wall clock (UTC ms). */
  fragment(fragment: Fragment, startTime: number): void;
  /** The session ended; resolves when its files and rows are final. */
  ended(reason: string): Promise<void>;
  /**
   * Monotonic ms since the last segment closed (or since the session started), for the segments-advancing
   * watchdog; null for sessions that do not record.
   */
  segmentProgressAgeMs(): number | null;
}

export interface StreamSupervisorOptions {
  cameraId: string;
  kind: 'main' | 'sub';
  source: StreamSource;
  ffmpegPath: string;
  runner: ProcessRunner;
  clock: Clock;
  logger: Logger;
  hooks: StreamSessionHooks;
  onStatus: (status: StreamStatus) => void;
  /** FFmpeg read timeout: a silent connection fails after this long. */
  readTimeoutMs?: number;
  /** Watchdog: no fMP4 bytes for this long restarts the session. */
  stallMs?: number;
  /** Watchdog: no segment closed for this long (no keyframe to cut at, disk trouble) restarts the session. */
  maxSegmentAgeMs: number;
  fragmentMs?: number;
  /** Folder for FFmpeg pid files (see pid-files.ts); none are written when absent. */
  pidDir?: string;
  /** Deterministic tests pass `() => 0.5` (no jitter). */
  random?: () => number;
}

export const BACKOFF_START_MS = 1000;
export const BACKOFF_MAX_MS = 60_000;
/** A session that recorded this long counts as healthy: the next failure starts the backoff over. */
const HEALTHY_SESSION_MS = 60_000;
/** After a 401 the next try waits at least this long, so the camera does not lock the account out. */
const AUTH_RETRY_MS = 60_000;
/** SIGTERM, then SIGKILL after this grace. */
const STOP_GRACE_MS = 5000;
const STDERR_LINES_KEPT = 40;

/** Delay before attempt `failures` (1-based): 1 s, 2 s, 4 s … 60 s, ±20 % jitter. */
export function backoffDelay(failures: number, random: () => number): number {
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_START_MS * 2 ** Math.max(0, failures - 1));
  return Math.round(base * (0.8 + 0.4 * random()));
}

export function demoInput(url: string): IngestInput {
  const name = url.slice('demo:'.length);
  return { kind: 'demo', width: 1280, height: 720, fps: 15, tone: name.endsWith('-tone') };
}

/** Someone who wants decoded frames of this stream (detection). */
export interface FrameConsumer {
  output: FrameOutput;
  /** Called for every frame; `at` is the wall clock (UTC ms) it arrived. Must not block: queue or drop. */
  onFrame(frame: DecodedFrame, at: number): void;
}

export interface StreamCounters {
  /** Video frames and bytes in the last 10 s, for fps and bit rate (`at` on the monotonic clock). */
  recent: { at: number; frames: number; bytes: number }[];
  restarts: number[];
  lastDataAt: number | null;
  fragments: number;
  decodedFrames: number;
}

/**
 * Stream time (ms) from a session's first fragment during which the wall-clock anchor may still tighten: the
 * shortest segment (2 s), so the anchor is final before any segment closes.
 */
const ANCHOR_SETTLE_MS = 2000;

export class StreamSupervisor {
  readonly hub = new LiveHub();
  readonly counters: StreamCounters = {
    recent: [],
    restarts: [],
    lastDataAt: null,
    fragments: 0,
    decodedFrames: 0,
  };
  private process: RunningProcess | null = null;
  private stopping = false;
  private failures = 0;
  private audio: 'copy' | 'aac' = 'copy';
  private wake: (() => void) | null = null;
  private frameConsumer: FrameConsumer | null = null;
  private restartRequested = false;
  private loop: Promise<void> | null = null;
  private readonly redact: Redactor;
  private readonly logger: Logger;
  private status: StreamStatus = { status: 'connecting', reason: null, nextAttemptAt: null };
  /** Monotonic milliseconds: durations, rates and watchdogs never follow wall-clock jumps. */
  readonly monotonic: () => number;

  constructor(private readonly options: StreamSupervisorOptions) {
    this.redact = createRedactor([options.source.password, options.source.username]);
    this.monotonic = monotonicOf(options.clock);
    this.logger = options.logger.child({
      component: 'ingest',
      cameraId: options.cameraId,
      stream: options.kind,
    });
  }

  get currentStatus(): StreamStatus {
    return this.status;
  }

  start(): void {
    if (this.loop !== null) return;
    this.stopping = false;
    this.loop = this.run();
  }

  /** Stops FFmpeg (SIGTERM, then SIGKILL) and waits until the session's files and rows are final. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.process?.stop();
    await this.loop;
    this.loop = null;
  }

  /**
   * Starts (or stops, with null) the decoded frame output. Decoding costs CPU (a 1080p H.264 main stream far
   * more than a sub stream), so it is off until a consumer asks; the session restarts once to add or drop the
   * output (the sub stream when the camera has one, so recording is not touched).
   */
  setFrameConsumer(consumer: FrameConsumer | null): void {
    const changed =
      JSON.stringify(consumer?.output ?? null) !== JSON.stringify(this.frameConsumer?.output ?? null);
    this.frameConsumer = consumer;
    if (changed && this.process !== null) {
      this.restartRequested = true;
      void this.process.stop(STOP_GRACE_MS);
    }
  }

  /** The decoded frame output FFmpeg is asked for, null when none. */
  get frameOutput(): FrameConsumer['output'] | null {
    return this.frameConsumer?.output ?? null;
  }

  /** Sends a signal to the running FFmpeg (tests use it to simulate a crash). */
  get pid(): number | undefined {
    return this.process?.pid;
  }

  private isStopping(): boolean {
    return this.stopping;
  }

  private setStatus(status: StreamStatus): void {
    this.status = status;
    this.options.onStatus(status);
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      const startedAt = this.monotonic();
      const failure = await this.runSession();
      // stop() may have been called while the session ran.
      if (this.isStopping()) break;
      if (this.restartRequested) {
        // Asked for (frame output added or dropped): straight back, no backoff, not a failure.
        this.restartRequested = false;
        continue;
      }
      this.counters.restarts.push(this.monotonic());
      if (failure.kind === 'unsupported_audio' && this.audio === 'copy') {
        // The camera sends audio MP4 cannot hold as is (G.711, …): convert it and try again at once.
        this.audio = 'aac';
        this.logger.info({}, 'Audio is not AAC; converting it to AAC from now on');
        continue;
      }
      const recordedLong =
        this.counters.lastDataAt !== null && this.counters.lastDataAt - startedAt >= HEALTHY_SESSION_MS;
      this.failures = recordedLong ? 1 : this.failures + 1;
      const backoff = backoffDelay(this.failures, this.options.random ?? Math.random);
      const delay = failure.kind === 'auth' ? Math.max(backoff, AUTH_RETRY_MS) : backoff;
      const nextAttemptAt = this.options.clock.now() + delay;
      this.setStatus({
        status:
          failure.kind === 'auth' ? 'auth_failed' : failure.kind === 'stream' ? 'error' : 'reconnecting',
        reason: failure.reason,
        nextAttemptAt,
      });
      this.logger.warn(
        { delayMs: delay },
        `${failure.reason}; reconnecting in ${Math.round(delay / 1000)} s`,
      );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
    this.setStatus({ status: 'disabled', reason: null, nextAttemptAt: null });
  }

  private async runSession(): Promise<Failure> {
    const { source, clock } = this.options;
    const input: IngestInput = source.url.startsWith('demo:')
      ? demoInput(source.url)
      : {
          kind: 'rtsp',
          url: withCredentials(source.url, source.username, source.password),
          transport: source.transport,
          timeoutMs: this.options.readTimeoutMs ?? 10_000,
        };
    const consumer = this.frameConsumer;
    const args = buildIngestArgs({
      input,
      audio: this.audio,
      fragmentMs: this.options.fragmentMs ?? 200,
      ...(consumer === null ? {} : { frames: consumer.output }),
    });
    if (this.status.status !== 'reconnecting' && this.status.status !== 'auth_failed') {
      this.setStatus({ status: 'connecting', reason: null, nextAttemptAt: null });
    }
    const sink = this.options.hooks.sessionStarted();
    let child: RunningProcess | null = null;
    let logger = this.logger;
    // Set from callbacks while FFmpeg runs, read once it exited.
    const outcome: { watchdogReason: string | null; streamError: string | null } = {
      watchdogReason: null,
      streamError: null,
    };
    let anchor: number | null = null;
    // Stream time of the session's first fragment; the anchor may tighten only within ANCHOR_SETTLE_MS of it.
    let firstStartMs: number | null = null;
    let recording = false;
    const reader = new Fmp4Reader(
      {
        onInit: (init) => {
          if (!init.tracks.some((track) => track.kind === 'video')) {
            outcome.streamError = 'The stream has no video track';
            void child?.stop();
            return;
          }
          this.hub.setInit(init);
          sink.init(init);
        },
        onFragment: (fragment) => {
          const now = clock.now();
          const tick = this.monotonic();
          this.counters.lastDataAt = tick;
          this.counters.fragments += 1;
          this.counters.recent.push({ at: tick, frames: fragment.videoFrames, bytes: fragment.byteLength });
          while ((this.counters.recent[0]?.at ?? tick) < tick - 10_000) this.counters.recent.shift();
          if (Number.isNaN(fragment.startMs)) return;
          // Wall clock of the fragment's first sample: it arrived once complete, so subtract its duration.
          const candidate = now - fragment.startMs - fragment.durationMs;
          if (anchor === null || Math.abs(candidate - anchor) > 3000) {
            if (anchor !== null)
              logger.warn(
                { driftMs: Math.round(candidate - anchor) },
                'Stream clock jumped; re-anchoring to the wall clock',
              );
            anchor = candidate;
          } else if (
            candidate < anchor &&
            fragment.startMs - (firstStartMs ?? fragment.startMs) < ANCHOR_SETTLE_MS
          ) {
            // A fragment that arrives sooner after its media time than any before bounds the anchor tighter:
            // the first fragments wait in FFmpeg's probe buffer (about a second), later ones come as captured.
            // Only ever lowered, by less than the jump limit, and only over the session's first seconds of media:
            // no segment can close before then (2 s at least), so every row of a run is placed by one anchor.
            anchor = candidate;
          }
          firstStartMs ??= fragment.startMs;
          const startTime: number = anchor + fragment.startMs;
          if (!recording) {
            recording = true;
            this.failures = 0;
            this.setStatus({ status: 'recording', reason: null, nextAttemptAt: null });
            logger.info({}, 'Receiving video');
          }
          sink.fragment(fragment, startTime);
          this.hub.push(fragment);
        },
      },
      // Fragments are written to disk and, when someone watches, copied before the next read reuses the
      // memory; the GOP stays in the reader's buffer for the next viewer.
      { reuseBuffer: true, keepGop: true },
    );
    // FFmpeg's stdout is read straight into the reader's buffer (no copy, no allocation per read).
    const stdout: StdoutReader = {
      readBuffer: () => reader.readBuffer(),
      written: (bytes) => {
        if (outcome.streamError !== null) return;
        try {
          reader.written(bytes);
        } catch (error) {
          outcome.streamError = `Unreadable stream from FFmpeg: ${(error as Error).message}`;
          void child?.stop();
        }
      },
    };
    this.hub.setGopSource(() => reader.currentGop());
    const running = await this.options.runner.start(this.options.ffmpegPath, args, {
      env: { ...process.env, TZ: 'UTC' },
      extraPipes: consumer === null ? 0 : 1,
      stdout,
    });
    child = running;
    this.process = running;
    // stop(), a frame-output change or a bad stream may have come while the process was being set up.
    if (this.stopping || outcome.streamError !== null) void running.stop(STOP_GRACE_MS);
    else if (
      JSON.stringify(this.frameConsumer?.output ?? null) !== JSON.stringify(consumer?.output ?? null)
    ) {
      this.restartRequested = true;
      void running.stop(STOP_GRACE_MS);
    }
    const pidFile = pidFileName(this.options.cameraId, this.options.kind);
    if (this.options.pidDir !== undefined && running.pid !== undefined)
      writePidFile(this.options.pidDir, pidFile, running.pid);
    logger = this.logger.child({ pid: running.pid });
    logger.info({ argv: redactArgs(args, this.redact) }, 'FFmpeg started');

    const stderr: string[] = [];
    let partial = '';
    running.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (partial + chunk).split(/\r?\n/);
      partial = lines.pop() ?? '';
      for (const line of lines) {
        stderr.push(this.redact(line));
        if (stderr.length > STDERR_LINES_KEPT) stderr.shift();
      }
    });

    if (consumer !== null) {
      const frames = new FrameReader((frame) => {
        this.counters.decodedFrames += 1;
        consumer.onFrame(frame, clock.now());
      });
      // Always drained, whatever the consumer does with the frames.
      (running.child.stdio[FRAMES_FD] as Readable | null)?.on('data', (chunk: Buffer) => {
        try {
          frames.push(chunk);
        } catch (error) {
          outcome.streamError = `Unreadable frames from FFmpeg: ${(error as Error).message}`;
          void running.stop();
        }
      });
    }

    const sessionStart = this.monotonic();
    const stallMs = this.options.stallMs ?? 15_000;
    const watchdog = setInterval(() => {
      const now = this.monotonic();
      const lastData =
        this.counters.lastDataAt !== null && this.counters.lastDataAt >= sessionStart
          ? this.counters.lastDataAt
          : sessionStart;
      const progressAge = sink.segmentProgressAgeMs();
      if (now - lastData > stallMs) {
        outcome.watchdogReason = `No video for ${Math.round((now - lastData) / 1000)} s (stalled stream); restarting`;
      } else if (progressAge !== null && progressAge > this.options.maxSegmentAgeMs) {
        outcome.watchdogReason = `Segments not advancing (none closed for ${Math.round(progressAge / 1000)} s); restarting`;
      }
      if (outcome.watchdogReason !== null) {
        clearInterval(watchdog);
        logger.warn({}, outcome.watchdogReason);
        // Say so at once: a stalled FFmpeg may take the whole SIGTERM grace to exit.
        this.setStatus({ status: 'reconnecting', reason: outcome.watchdogReason, nextAttemptAt: null });
        void running.stop(STOP_GRACE_MS);
      }
    }, 1000);

    const { code } = await running.exited;
    // What FFmpeg wrote just before it exited is still on its way; a grandchild holding stdout must not hang us.
    await Promise.race([running.stdoutDone, new Promise((resolve) => setTimeout(resolve, 2000))]);
    clearInterval(watchdog);
    if (this.options.pidDir !== undefined) removePidFile(this.options.pidDir, pidFile);
    if (partial !== '') stderr.push(this.redact(partial));
    this.process = null;
    this.hub.reset();
    this.hub.setGopSource(null);
    const audioCodec = inputAudioCodec(stderr);
    const failure: Failure =
      outcome.watchdogReason !== null
        ? { kind: 'network', reason: outcome.watchdogReason }
        : outcome.streamError !== null
          ? { kind: 'stream', reason: outcome.streamError }
          : this.isStopping()
            ? { kind: 'other', reason: 'stopped' }
            : this.restartRequested
              ? { kind: 'other', reason: 'restarted to change the frame output' }
              : classifyFailure(stderr, code);
    if (failure.kind === 'unsupported_audio' && audioCodec !== null) {
      failure.reason = `Audio codec ${audioCodec} cannot be stored in MP4 as is; converting to AAC`;
    }
    logger.info({ code, reason: failure.reason }, `FFmpeg ended: ${failure.reason}`);
    await sink.ended(failure.reason);
    return failure;
  }
}
