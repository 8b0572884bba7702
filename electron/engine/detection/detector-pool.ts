/**
 * The engine's side of object detection: a pool of detector worker processes (`workers/detector-worker.ts`)
 * shared by all cameras, fed from one bounded queue.
 *
 * - Size: `cores − 1`, at least 1 (each worker runs one inference at a time on one core; the wasm backend is
 *   single-threaded in Node).
 * - Queue: FIFO, at most `queueLength` requests waiting. A request beyond that drops the oldest waiting one,
 *   which resolves `{ status: 'dropped' }` and is counted: under overload the newest frames win and memory
 *   stays bounded.
 * - Supervision: a worker that exits (crash, OOM, kill, failed model load) loses its request
 *   (`{ status: 'lost' }`, counted) and starts again after a backoff (1 s doubling to 30 s, back to 1 s after
 *   a minute of health); a request unanswered for `stuckMs` kills its worker.
 * - Crops: `detectRegions` cuts a square around the union of a frame's motion boxes (with a margin and a
 *   minimum size), so the detector sees the region that moved at its input resolution instead of a whole
 *   frame shrunk to 416 px, and maps the detections back to frame pixels.
 */
import os from 'node:os';
import type { Logger, WorkerHost, WorkerProcess } from '../ports.js';
import type { DetectOptions, Detection, DetectionBox } from './detector.js';
import { isDetectorReply, type DetectorInit, type DetectorRequest } from './detector-protocol.js';

export type DetectOutcome =
  | { status: 'done'; detections: Detection[]; ms: number; backend: string }
  | { status: 'dropped' }
  | { status: 'lost' }
  | { status: 'failed'; message: string };

export interface DetectorPoolOptions {
  workerHost: WorkerHost;
  /** Folder of the shipped model (`resources/models/nanodet`). */
  modelDir: string;
  /** Folder of the wasm backend's .wasm files, when they are not next to its JavaScript (packaged app). */
  wasmDir?: string;
  /** Backend to prefer when available (e.g. `tfjs-wasm` to ignore an installed tfjs-node). */
  preferBackend?: string;
  /** Worker count; default `cores − 1`, at least 1. */
  size?: number;
  /** Requests waiting beyond those in the workers; default 2 per worker, at least 4. */
  queueLength?: number;
  logger: Logger;
  /** Built worker entry, relative to the host's workers folder. */
  entry?: string;
  /** A request unanswered for this long means its worker hangs: it is killed and restarted. */
  stuckMs?: number;
  /** First restart delay (doubles while the worker keeps dying, up to 30 s). */
  restartDelayMs?: number;
}

export interface DetectorPoolStats {
  workers: { pid: number | null; ready: boolean; busy: boolean; restarts: number }[];
  backend: string | null;
  queued: number;
  submitted: number;
  completed: number;
  dropped: number;
  lost: number;
  failed: number;
  restarts: number;
  /** Mean time in the detector per request, ms. */
  meanMs: number;
}

export interface DetectorPool {
  start(): void;
  stop(): Promise<void>;
  /**
   * Runs the detector on one packed RGB image; resolves once, whatever happens to the request. With a `key`
   * (a camera id), a newer request replaces that key's request still waiting in the queue (the older one is
   * dropped and counted), so one busy camera holds at most one place in the queue and cannot starve others.
   */
  detect(
    rgb: Uint8Array,
    width: number,
    height: number,
    options?: DetectOptions & { key?: string },
  ): Promise<DetectOutcome>;
  /**
   * Crops around the union of `boxes` (frame pixels), detects in the crop and maps the boxes back to the frame.
   * No boxes: resolves `done` with nothing, without running the detector.
   */
  detectRegions(
    frame: { rgb: Uint8Array; width: number; height: number },
    boxes: DetectionBox[],
    options?: DetectOptions & CropOptions & { key?: string },
  ): Promise<DetectOutcome & { crop?: DetectionBox }>;
  stats(): DetectorPoolStats;
  /** The worker processes (tests kill them). */
  readonly workers: readonly (WorkerProcess | null)[];
}

export interface CropOptions {
  /** Added on each side of the union, as a share of its larger side (default 0.25). */
  margin?: number;
  /** Smallest crop side in frame pixels (default 160, or the frame's smaller side when less). */
  minSize?: number;
}

/** The default pool size: one core is left to the engine and FFmpeg. */
export function defaultPoolSize(cores = os.availableParallelism()): number {
  return Math.max(1, cores - 1);
}

/**
 * The region to run the detector on: the union of the boxes grown by `margin`, made square (the model's input
 * is square, so a square crop wastes no input on padding), at least `minSize`, moved inside the frame. Where
 * the frame is narrower than the square the crop is cut to the frame (the letterbox pads it). Integer pixels.
 */
export function cropAround(
  boxes: DetectionBox[],
  frameWidth: number,
  frameHeight: number,
  options: CropOptions = {},
): DetectionBox | null {
  if (boxes.length === 0) return null;
  let x1 = Infinity;
  let y1 = Infinity;
  let x2 = -Infinity;
  let y2 = -Infinity;
  for (const box of boxes) {
    x1 = Math.min(x1, box.x);
    y1 = Math.min(y1, box.y);
    x2 = Math.max(x2, box.x + box.width);
    y2 = Math.max(y2, box.y + box.height);
  }
  const margin = options.margin ?? 0.25;
  const minSize = Math.min(options.minSize ?? 160, frameWidth, frameHeight);
  const side = Math.max(minSize, Math.max(x2 - x1, y2 - y1) * (1 + 2 * margin));
  const width = Math.round(Math.min(frameWidth, side));
  const height = Math.round(Math.min(frameHeight, side));
  const cx = (x1 + x2) / 2;
  const cy = (y1 + y2) / 2;
  const x = Math.round(Math.min(frameWidth - width, Math.max(0, cx - width / 2)));
  const y = Math.round(Math.min(frameHeight - height, Math.max(0, cy - height / 2)));
  return { x, y, width, height };
}

/** Copies a rectangle out of a packed RGB frame. */
export function cropRgb(rgb: Uint8Array, frameWidth: number, crop: DetectionBox): Uint8Array {
  const out = new Uint8Array(crop.width * crop.height * 3);
  const rowBytes = crop.width * 3;
  for (let row = 0; row < crop.height; row++) {
    const from = ((crop.y + row) * frameWidth + crop.x) * 3;
    out.set(rgb.subarray(from, from + rowBytes), row * rowBytes);
  }
  return out;
}

interface Pending {
  id: number;
  key: string | undefined;
  message: DetectorRequest;
  resolve: (outcome: DetectOutcome) => void;
}

interface Slot {
  index: number;
  process: WorkerProcess | null;
  ready: boolean;
  busy: (Pending & { sentAt: number }) | null;
  startedAt: number;
  failures: number;
  restarts: number;
  restartTimer: NodeJS.Timeout | null;
}

const BACKOFF_MAX_MS = 30_000;
const HEALTHY_MS = 60_000;

export function createDetectorPool(options: DetectorPoolOptions): DetectorPool {
  const logger = options.logger.child({ component: 'detector' });
  const size = Math.max(1, options.size ?? defaultPoolSize());
  const queueLength = Math.max(1, options.queueLength ?? Math.max(4, 2 * size));
  const entry = options.entry ?? 'detector-worker.cjs';
  const stuckMs = options.stuckMs ?? 30_000;
  const restartDelayMs = options.restartDelayMs ?? 1_000;
  const slots: Slot[] = Array.from({ length: size }, (_, index) => ({
    index,
    process: null,
    ready: false,
    busy: null,
    startedAt: 0,
    failures: 0,
    restarts: 0,
    restartTimer: null,
  }));
  const queue: Pending[] = [];
  const counts = { submitted: 0, completed: 0, dropped: 0, lost: 0, failed: 0, restarts: 0, msSum: 0 };
  let backend: string | null = null;
  let running = false;
  let nextId = 0;
  let watchdog: NodeJS.Timeout | null = null;

  function pump(): void {
    for (const slot of slots) {
      if (queue.length === 0) return;
      if (!slot.ready || slot.busy !== null || slot.process === null) continue;
      const pending = queue.shift();
      if (pending === undefined) return;
      slot.busy = { ...pending, sentAt: performance.now() };
      slot.process.postMessage(pending.message);
    }
  }

  function startSlot(slot: Slot): void {
    if (!running || slot.process !== null || slot.restartTimer !== null) return;
    slot.ready = false;
    slot.startedAt = performance.now();
    const started = options.workerHost.start(entry, { name: `detector-${slot.index}` });
    slot.process = started;
    started.onMessage((message) => {
      if (slot.process !== started || !isDetectorReply(message)) return;
      switch (message.type) {
        case 'ready':
          slot.ready = true;
          backend = message.backend;
          logger.info(
            { pid: message.pid, backend: message.backend, loadMs: Math.round(message.loadMs) },
            'Detector worker ready',
          );
          pump();
          return;
        case 'failed':
          logger.error({ pid: started.pid }, `Detector worker could not load the model: ${message.message}`);
          return;
        case 'detections':
        case 'problem': {
          const busy = slot.busy;
          if (busy === null || busy.id !== message.id) return;
          slot.busy = null;
          if (message.type === 'detections') {
            counts.completed += 1;
            counts.msSum += message.ms;
            busy.resolve({
              status: 'done',
              detections: message.detections,
              ms: message.ms,
              backend: backend ?? 'unknown',
            });
          } else {
            counts.failed += 1;
            logger.warn({ pid: started.pid }, `Detector worker: ${message.message}`);
            busy.resolve({ status: 'failed', message: message.message });
          }
          pump();
        }
      }
    });
    started.onExit((code) => {
      if (slot.process !== started) return;
      slot.process = null;
      slot.ready = false;
      if (slot.busy !== null) {
        counts.lost += 1;
        slot.busy.resolve({ status: 'lost' });
        slot.busy = null;
      }
      if (!running) return;
      slot.failures = performance.now() - slot.startedAt >= HEALTHY_MS ? 1 : slot.failures + 1;
      const delay = Math.min(BACKOFF_MAX_MS, restartDelayMs * 2 ** (slot.failures - 1));
      slot.restarts += 1;
      counts.restarts += 1;
      logger.warn({ code, delayMs: delay }, `Detector worker exited (code ${String(code)}); restarting`);
      slot.restartTimer = setTimeout(() => {
        slot.restartTimer = null;
        startSlot(slot);
      }, delay);
      // Requests wait for the other workers (or this one once restarted); the queue keeps its bound.
      pump();
    });
    const init: DetectorInit = {
      type: 'init',
      modelDir: options.modelDir,
      ...(options.wasmDir === undefined ? {} : { wasmDir: options.wasmDir }),
      ...(options.preferBackend === undefined ? {} : { prefer: options.preferBackend }),
    };
    started.postMessage(init);
  }

  function checkStuck(): void {
    const now = performance.now();
    for (const slot of slots) {
      if (slot.busy !== null && slot.process !== null && now - slot.busy.sentAt > stuckMs) {
        logger.warn(
          { pid: slot.process.pid },
          `Detector worker has not answered for ${stuckMs} ms; killing it`,
        );
        // Twice: SIGTERM would wait out the grace period of a process that is not listening.
        slot.process.kill();
        slot.process.kill();
      }
    }
  }

  function detect(
    rgb: Uint8Array,
    width: number,
    height: number,
    detectOptions: DetectOptions & { key?: string } = {},
  ): Promise<DetectOutcome> {
    const { key, ...modelOptions } = detectOptions;
    if (rgb.length !== width * height * 3)
      return Promise.resolve({ status: 'failed', message: `Expected ${width * height * 3} bytes of RGB` });
    if (!running) return Promise.resolve({ status: 'dropped' });
    counts.submitted += 1;
    nextId += 1;
    const id = nextId;
    return new Promise((resolve) => {
      if (key !== undefined) {
        const index = queue.findIndex((pending) => pending.key === key);
        const replaced = index === -1 ? undefined : queue.splice(index, 1)[0];
        if (replaced !== undefined) {
          counts.dropped += 1;
          replaced.resolve({ status: 'dropped' });
        }
      }
      queue.push({
        id,
        key,
        resolve,
        message: {
          type: 'detect',
          id,
          width,
          height,
          rgb,
          ...(Object.keys(modelOptions).length === 0 ? {} : { options: modelOptions }),
        },
      });
      while (queue.length > queueLength) {
        const oldest = queue.shift();
        counts.dropped += 1;
        oldest?.resolve({ status: 'dropped' });
      }
      pump();
    });
  }

  return {
    start() {
      if (running) return;
      running = true;
      for (const slot of slots) startSlot(slot);
      watchdog = setInterval(checkStuck, Math.min(1_000, stuckMs / 2));
      watchdog.unref();
    },

    async stop() {
      if (!running) return;
      running = false;
      if (watchdog !== null) clearInterval(watchdog);
      watchdog = null;
      for (const pending of queue.splice(0)) pending.resolve({ status: 'dropped' });
      const stopping: WorkerProcess[] = [];
      for (const slot of slots) {
        if (slot.restartTimer !== null) clearTimeout(slot.restartTimer);
        slot.restartTimer = null;
        if (slot.process !== null) {
          stopping.push(slot.process);
          slot.process.kill();
        }
      }
      await Promise.all(
        stopping.map(async (process) => {
          if (!(await process.waitForExit(3_000))) {
            process.kill();
            await process.waitForExit(2_000);
          }
        }),
      );
      for (const slot of slots) {
        slot.busy?.resolve({ status: 'lost' });
        slot.busy = null;
        slot.process = null;
        slot.ready = false;
      }
    },

    detect,

    async detectRegions(frame, boxes, detectOptions = {}) {
      const { margin, minSize, ...rest } = detectOptions;
      const crop = cropAround(boxes, frame.width, frame.height, {
        ...(margin === undefined ? {} : { margin }),
        ...(minSize === undefined ? {} : { minSize }),
      });
      if (crop === null) return { status: 'done', detections: [], ms: 0, backend: backend ?? 'none' };
      const outcome = await detect(cropRgb(frame.rgb, frame.width, crop), crop.width, crop.height, rest);
      if (outcome.status !== 'done') return { ...outcome, crop };
      return {
        ...outcome,
        crop,
        detections: outcome.detections.map((detection) => ({
          ...detection,
          box: { ...detection.box, x: detection.box.x + crop.x, y: detection.box.y + crop.y },
        })),
      };
    },

    stats() {
      return {
        workers: slots.map((slot) => ({
          pid: slot.process?.pid ?? null,
          ready: slot.ready,
          busy: slot.busy !== null,
          restarts: slot.restarts,
        })),
        backend,
        queued: queue.length,
        submitted: counts.submitted,
        completed: counts.completed,
        dropped: counts.dropped,
        lost: counts.lost,
        failed: counts.failed,
        restarts: counts.restarts,
        meanMs: counts.completed === 0 ? 0 : counts.msSum / counts.completed,
      };
    },

    get workers() {
      return slots.map((slot) => slot.process);
    },
  };
}
