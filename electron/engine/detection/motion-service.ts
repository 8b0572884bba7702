/**
 * The engine's side of motion detection. For every camera with motion on it subscribes a `FrameConsumer` to
 * the camera's recorder (gray frames at the configured rate and width, from the sub stream when there is one),
 * queues the frames per camera (bounded: the oldest is dropped and counted), and feeds them to one motion
 * worker process started through the `WorkerHost` port. Results come back as `MotionUpdate`s to listeners and
 * into a per-minute activity level per camera.
 *
 * The worker is supervised: when it exits for any reason other than `stop()` it is started again after a
 * backoff (1 s doubling to 30 s; back to 1 s after a minute of health), and a frame stuck in it for longer
 * than `stuckMs` kills it. Recording never depends on it: frames are only ever queued or dropped here.
 */
import type { CameraRecorder } from '../recording/camera-recorder.js';
import type { DecodedFrame } from '../ingest/frame-reader.js';
import type { FrameConsumer } from '../ingest/stream-supervisor.js';
import { monotonicOf, type Clock, type Logger, type WorkerHost, type WorkerProcess } from '../ports.js';
import { isMotionReply, type MotionAnswer, type MotionFrame, type MotionRequest } from './motion-protocol.js';
import { ActivityMeter, type ActivityMinute, type MotionBox, type MotionSettings } from './motion.js';
import type { Db } from '../db/open-database.js';
import type { EventBus } from '../events/event-bus.js';
import {
  motionEnabledFor,
  objectsEnabledFor,
  parseMotionConfig,
  readMotionSetting,
  type MotionConfig,
} from './motion-config.js';

/** One processed frame of one camera. */
export interface MotionUpdate {
  cameraId: string;
  /** Wall clock (UTC ms) the frame was decoded. */
  at: number;
  /** Size of the decoded frame the boxes refer to. */
  width: number;
  height: number;
  boxes: MotionBox[];
  changedFraction: number;
  recalibrated: boolean;
  /** The frame in RGB (width × height × 3) when the camera has object detection on. */
  rgb?: Uint8Array;
}

export interface MotionCameraStats {
  cameraId: string;
  /** Frames decoded for this camera and handed to the service. */
  received: number;
  /** Frames answered by the worker. */
  processed: number;
  /** Frames dropped from the full queue (oldest first). */
  dropped: number;
  /** Frames lost inside a worker that died. */
  lost: number;
  queued: number;
  /** Mean detector time per frame in the worker, ms. */
  meanMs: number;
  /** Frames with at least one motion box. */
  motionFrames: number;
}

export interface MotionStats {
  workerPid: number | null;
  workerRestarts: number;
  cameras: MotionCameraStats[];
}

export interface MotionServiceOptions {
  /** The camera's current recorder (replaced when the camera is edited). */
  recording: { recorder(cameraId: string): CameraRecorder | undefined };
  /** Ids of the configured cameras. */
  cameraIds: () => string[];
  /** Undefined: motion detection cannot run (logged once), everything else is unaffected. */
  workerHost: WorkerHost | undefined;
  config: MotionConfig;
  clock: Clock;
  logger: Logger;
  /** Built worker entry, relative to the host's workers folder. */
  entry?: string;
  /** A frame unanswered for this long means the worker hangs: it is killed and restarted. */
  stuckMs?: number;
  /** How often attachments are checked against the recorders (a recorder restarted by a camera edit). */
  syncIntervalMs?: number;
}

export interface MotionService {
  start(): void;
  stop(): Promise<void>;
  /** Replaces the configuration (the stored row changed); attachments and worker settings follow. */
  configure(config: MotionConfig): void;
  readonly config: MotionConfig;
  /** Checks one camera (or all) against its recorder now; the timer does the same every second. */
  sync(cameraId?: string): void;
  onMotion(listener: (update: MotionUpdate) => void): () => void;
  /** Per-minute activity of a camera since `since` (UTC ms), oldest first. */
  activity(cameraId: string, since?: number): ActivityMinute[];
  stats(): MotionStats;
  /** The running worker (tests kill it). */
  readonly worker: WorkerProcess | null;
}

interface Attachment {
  recorder: CameraRecorder;
  output: string;
  /** RGB frames by `at` while they are in the queue or the worker (object detection reads them). */
  rgb: Map<number, Uint8Array>;
  queue: MotionFrame[];
  /** The frame in the worker, with the monotonic time it was sent. */
  inFlight: { seq: number; sentAt: number } | null;
  stats: MotionCameraStats;
  msSum: number;
}

const BACKOFF_START_MS = 1_000;
const BACKOFF_MAX_MS = 30_000;
const HEALTHY_MS = 60_000;

export function createMotionService(options: MotionServiceOptions): MotionService {
  const logger = options.logger.child({ component: 'motion' });
  const monotonic = monotonicOf(options.clock);
  const entry = options.entry ?? 'motion-worker.cjs';
  const stuckMs = options.stuckMs ?? 10_000;
  let config = options.config;
  const attachments = new Map<string, Attachment>();
  const activity = new Map<string, ActivityMeter>();
  const listeners = new Set<(update: MotionUpdate) => void>();
  let worker: WorkerProcess | null = null;
  let ready = false;
  let workerStartedAt = 0;
  let restarts = 0;
  let failures = 0;
  let restartTimer: NodeJS.Timeout | null = null;
  let syncTimer: NodeJS.Timeout | null = null;
  let running = false;
  let seq = 0;
  let warnedNoHost = false;

  function settingsFor(cameraId: string): Partial<MotionSettings> {
    const camera = config.cameras[cameraId];
    return {
      learningRate: config.learningRate,
      sensitivity: camera?.sensitivity ?? 50,
      masks: camera?.masks ?? [],
    };
  }

  function send(message: MotionRequest): void {
    worker?.postMessage(message);
  }

  function consumerFor(cameraId: string): FrameConsumer {
    return {
      // One decoded output per stream: RGB when objects are detected too (gray is computed here from it).
      output: {
        fps: config.fps,
        width: config.width,
        format: objectsEnabledFor(config, cameraId) ? 'rgb24' : 'gray',
      },
      onFrame: (frame, at) => enqueue(cameraId, frame, at),
    };
  }

  function enqueue(cameraId: string, frame: DecodedFrame, at: number): void {
    const attachment = attachments.get(cameraId);
    if (attachment === undefined) return;
    attachment.stats.received += 1;
    let pixels: Buffer | Uint8Array = frame.pixels;
    if (frame.channels === 3) {
      const rgb = Uint8Array.from(frame.pixels);
      attachment.rgb.set(at, rgb);
      while (attachment.rgb.size > config.queueLength + 2) {
        const oldest = attachment.rgb.keys().next().value;
        if (oldest === undefined) break;
        attachment.rgb.delete(oldest);
      }
      pixels = grayOf(rgb);
    }
    seq += 1;
    attachment.queue.push({
      type: 'frame',
      cameraId,
      seq,
      at,
      width: frame.width,
      height: frame.height,
      // The reader gives each frame its own buffer; a view into a larger one (a small frame from Node's pool)
      // is copied, because structured clone (utilityProcess) sends a view's whole backing buffer.
      pixels:
        pixels.byteOffset === 0 && pixels.byteLength === pixels.buffer.byteLength
          ? new Uint8Array(pixels.buffer, 0, pixels.byteLength)
          : Uint8Array.from(pixels),
    });
    while (attachment.queue.length > config.queueLength) {
      attachment.queue.shift();
      attachment.stats.dropped += 1;
    }
    pump(attachment);
  }

  function pump(attachment: Attachment): void {
    if (!ready || worker === null || attachment.inFlight !== null) return;
    const next = attachment.queue.shift();
    if (next === undefined) return;
    attachment.inFlight = { seq: next.seq, sentAt: monotonic() };
    send(next);
  }

  function answered(answer: MotionAnswer): void {
    const attachment = attachments.get(answer.cameraId);
    if (attachment === undefined || attachment.inFlight?.seq !== answer.seq) return;
    attachment.inFlight = null;
    const { stats } = attachment;
    stats.processed += 1;
    attachment.msSum += answer.ms;
    stats.meanMs = attachment.msSum / stats.processed;
    const moved = answer.boxes.length > 0;
    if (moved) stats.motionFrames += 1;
    let meter = activity.get(answer.cameraId);
    if (meter === undefined) {
      meter = new ActivityMeter();
      activity.set(answer.cameraId, meter);
    }
    meter.add(answer.at, moved, answer.recalibrated ? 0 : answer.changedFraction);
    const rgb = attachment.rgb.get(answer.at);
    for (const at of [...attachment.rgb.keys()]) if (at <= answer.at) attachment.rgb.delete(at);
    const update: MotionUpdate = {
      cameraId: answer.cameraId,
      at: answer.at,
      width: answer.width,
      height: answer.height,
      boxes: answer.boxes,
      changedFraction: answer.changedFraction,
      recalibrated: answer.recalibrated,
      ...(rgb === undefined ? {} : { rgb }),
    };
    for (const listener of [...listeners]) {
      try {
        listener(update);
      } catch (error) {
        logger.error({ err: error, cameraId: answer.cameraId }, 'A motion listener threw');
      }
    }
    pump(attachment);
  }

  function startWorker(): void {
    // A restart already waits out its backoff: the periodic sync must not start one early.
    if (worker !== null || restartTimer !== null || !running || attachments.size === 0) return;
    if (options.workerHost === undefined) {
      if (!warnedNoHost) logger.warn({}, 'No worker host: motion detection cannot run');
      warnedNoHost = true;
      return;
    }
    ready = false;
    workerStartedAt = monotonic();
    const started = options.workerHost.start(entry, { name: 'motion' });
    worker = started;
    started.onMessage((message) => {
      if (worker !== started || !isMotionReply(message)) return;
      if (message.type === 'ready') {
        ready = true;
        logger.info({ pid: message.pid }, 'Motion worker ready');
        for (const cameraId of attachments.keys()) {
          send({ type: 'configure', cameraId, settings: settingsFor(cameraId) });
        }
        for (const attachment of attachments.values()) pump(attachment);
      } else if (message.type === 'motion') {
        answered(message);
      } else {
        logger.warn({ cameraId: message.cameraId }, `Motion worker: ${message.message}`);
        const attachment = attachments.get(message.cameraId);
        if (attachment !== undefined && message.seq !== null && attachment.inFlight?.seq === message.seq) {
          attachment.inFlight = null;
          pump(attachment);
        }
      }
    });
    started.onExit((code) => {
      if (worker !== started) return;
      worker = null;
      ready = false;
      for (const attachment of attachments.values()) {
        if (attachment.inFlight !== null) attachment.stats.lost += 1;
        attachment.inFlight = null;
      }
      if (!running) return;
      failures = monotonic() - workerStartedAt >= HEALTHY_MS ? 1 : failures + 1;
      const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_START_MS * 2 ** (failures - 1));
      restarts += 1;
      logger.warn({ code, delayMs: delay }, `Motion worker exited (code ${String(code)}); restarting`);
      restartTimer = setTimeout(() => {
        restartTimer = null;
        startWorker();
      }, delay);
    });
  }

  function stopWorker(): WorkerProcess | null {
    const current = worker;
    worker = null;
    ready = false;
    current?.kill();
    return current;
  }

  function detach(cameraId: string, attachment: Attachment): void {
    attachments.delete(cameraId);
    // Only the recorder we attached to: a replaced one is already stopping with its consumer.
    if (options.recording.recorder(cameraId) === attachment.recorder)
      attachment.recorder.setFrameConsumer(null);
    send({ type: 'forget', cameraId });
  }

  function syncCamera(cameraId: string, wanted: boolean): void {
    const recorder = wanted ? options.recording.recorder(cameraId) : undefined;
    const existing = attachments.get(cameraId);
    const output = JSON.stringify([config.fps, config.width, objectsEnabledFor(config, cameraId)]);
    if (existing !== undefined && existing.recorder === recorder && existing.output === output) return;
    if (existing !== undefined && recorder === undefined) {
      detach(cameraId, existing);
      return;
    }
    if (recorder === undefined) return;
    const attachment: Attachment = existing ?? {
      recorder,
      output,
      rgb: new Map(),
      queue: [],
      inFlight: null,
      msSum: 0,
      stats: {
        cameraId,
        received: 0,
        processed: 0,
        dropped: 0,
        lost: 0,
        queued: 0,
        meanMs: 0,
        motionFrames: 0,
      },
    };
    attachment.recorder = recorder;
    attachment.output = output;
    attachments.set(cameraId, attachment);
    recorder.setFrameConsumer(consumerFor(cameraId));
    if (existing === undefined) send({ type: 'configure', cameraId, settings: settingsFor(cameraId) });
    logger.info({ cameraId, fps: config.fps, width: config.width }, 'Motion detection attached');
  }

  function sync(cameraId?: string): void {
    if (!running) return;
    // Off everywhere (the default): nothing to look up once a second.
    const anyWanted =
      config.enabled || Object.values(config.cameras).some((camera) => camera.enabled === true);
    if (!anyWanted && attachments.size === 0) return;
    const known = options.cameraIds();
    const ids = cameraId === undefined ? new Set([...known, ...attachments.keys()]) : [cameraId];
    for (const id of ids) syncCamera(id, known.includes(id) && motionEnabledFor(config, id));
    if (attachments.size > 0) startWorker();
    else if (worker !== null) stopWorker();
  }

  function checkStuck(): void {
    const current = worker;
    if (current === null || !ready) return;
    const now = monotonic();
    for (const attachment of attachments.values()) {
      if (attachment.inFlight !== null && now - attachment.inFlight.sentAt > stuckMs) {
        logger.warn({ pid: current.pid }, `Motion worker has not answered for ${stuckMs} ms; killing it`);
        // Kill twice: SIGTERM would wait out the grace period of a process that is not listening.
        current.kill();
        current.kill();
        return;
      }
    }
  }

  return {
    start() {
      if (running) return;
      running = true;
      sync();
      syncTimer = setInterval(() => {
        sync();
        checkStuck();
      }, options.syncIntervalMs ?? 1_000);
      syncTimer.unref();
    },

    async stop() {
      if (!running) return;
      running = false;
      if (syncTimer !== null) clearInterval(syncTimer);
      if (restartTimer !== null) clearTimeout(restartTimer);
      syncTimer = null;
      restartTimer = null;
      for (const [cameraId, attachment] of [...attachments]) detach(cameraId, attachment);
      const stopped = stopWorker();
      if (stopped !== null && !(await stopped.waitForExit(3_000))) {
        stopped.kill();
        await stopped.waitForExit(2_000);
      }
    },

    configure(next) {
      const before = config;
      config = next;
      for (const cameraId of attachments.keys()) {
        if (
          JSON.stringify(before.cameras[cameraId]) !== JSON.stringify(next.cameras[cameraId]) ||
          before.learningRate !== next.learningRate
        ) {
          send({ type: 'configure', cameraId, settings: settingsFor(cameraId) });
        }
      }
      sync();
    },

    get config() {
      return config;
    },

    sync,

    onMotion(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    activity(cameraId, since) {
      return activity.get(cameraId)?.minutes(since) ?? [];
    },

    stats() {
      return {
        workerPid: worker?.pid ?? null,
        workerRestarts: restarts,
        cameras: [...attachments.values()].map((attachment) => ({
          ...attachment.stats,
          queued: attachment.queue.length,
        })),
      };
    },

    get worker() {
      return worker;
    },
  };
}

/**
 * The service as `createEngine` wires it: configuration from the `detection.motion` settings row with the
 * engine's `overrides` on top, camera ids from the camera service, and a check of a camera's attachment
 * whenever the camera changes (its recorder may have been replaced).
 */
export function createEngineMotionService(deps: {
  db: Db;
  cameras: { list(): { id: string }[] };
  recording: MotionServiceOptions['recording'];
  events: EventBus;
  workerHost: WorkerHost | undefined;
  overrides: Partial<MotionConfig> | undefined;
  clock: Clock;
  logger: Logger;
}): MotionService {
  const stored = parseMotionConfig(readMotionSetting(deps.db));
  if (stored.problem !== null) {
    deps.logger.warn(
      { component: 'motion' },
      `The motion detection settings are invalid and were ignored: ${stored.problem}`,
    );
  }
  const service = createMotionService({
    recording: deps.recording,
    cameraIds: () => deps.cameras.list().map((camera) => camera.id),
    workerHost: deps.workerHost,
    config: { ...stored.config, ...deps.overrides },
    clock: deps.clock,
    logger: deps.logger,
  });
  for (const event of [
    'cameras.added',
    'cameras.updated',
    'cameras.statusChanged',
    'cameras.removed',
  ] as const) {
    deps.events.on(event, ({ id }) => service.sync(id));
  }
  return service;
}

/** Luma (BT.601, integer weights 77/150/29 of 256) of a packed RGB frame. */
export function grayOf(rgb: Uint8Array): Uint8Array {
  const gray = new Uint8Array(rgb.length / 3);
  for (let index = 0, source = 0; index < gray.length; index += 1, source += 3) {
    gray[index] = ((rgb[source] ?? 0) * 77 + (rgb[source + 1] ?? 0) * 150 + (rgb[source + 2] ?? 0) * 29) >> 8;
  }
  return gray;
}
