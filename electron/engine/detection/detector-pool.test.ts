import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSilentLogger } from '../logging/logger.js';
import type { WorkerHost, WorkerProcess } from '../ports.js';
import type { Detection } from './detector.js';
import {
  cropAround,
  cropRgb,
  createDetectorPool,
  defaultPoolSize,
  type DetectorPool,
} from './detector-pool.js';
import type { DetectorMessage, DetectorReply, DetectorRequest } from './detector-protocol.js';

/** A worker process that answers `init` with `ready` and keeps `detect` requests for the test to answer. */
class FakeWorker implements WorkerProcess {
  static nextPid = 100;
  readonly pid = FakeWorker.nextPid++;
  readonly requests: DetectorRequest[] = [];
  killed = false;
  #messages = new Set<(message: unknown) => void>();
  #exits = new Set<(code: number | null) => void>();

  postMessage(message: unknown): void {
    const request = message as DetectorMessage;
    if (request.type === 'init') {
      queueMicrotask(() =>
        this.reply({
          type: 'ready',
          pid: this.pid,
          backend: 'fake',
          model: 'fake',
          inputSize: { width: 416, height: 416 },
          loadMs: 1,
        }),
      );
    } else this.requests.push(request);
  }
  onMessage(listener: (message: unknown) => void): () => void {
    this.#messages.add(listener);
    return () => this.#messages.delete(listener);
  }
  onExit(listener: (code: number | null) => void): () => void {
    this.#exits.add(listener);
    return () => this.#exits.delete(listener);
  }
  reply(message: DetectorReply): void {
    for (const listener of [...this.#messages]) listener(message);
  }
  answer(detections: Detection[] = []): void {
    const request = this.requests.shift();
    if (request === undefined) throw new Error('no request to answer');
    this.reply({ type: 'detections', id: request.id, detections, ms: 5 });
  }
  crash(code = 1): void {
    for (const listener of [...this.#exits]) listener(code);
    this.#exits.clear();
    this.#messages.clear();
  }
  kill(): void {
    if (this.killed) return;
    this.killed = true;
    queueMicrotask(() => this.crash(0));
  }
  waitForExit(): Promise<boolean> {
    return Promise.resolve(true);
  }
}

function fakeHost() {
  const started: FakeWorker[] = [];
  const host: WorkerHost = {
    start: () => {
      const worker = new FakeWorker();
      started.push(worker);
      return worker;
    },
  };
  return { host, started };
}

const PERSON: Detection = {
  label: 'person',
  classId: 0,
  score: 0.9,
  box: { x: 10, y: 20, width: 30, height: 40 },
};
const tiny = (): Uint8Array => new Uint8Array(2 * 2 * 3);

let pool: DetectorPool | undefined;

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(async () => {
  await pool?.stop();
  pool = undefined;
  vi.useRealTimers();
});

describe('detector pool', () => {
  it('defaults to cores − 1 workers, at least 1', () => {
    expect(defaultPoolSize(8)).toBe(7);
    expect(defaultPoolSize(2)).toBe(1);
    expect(defaultPoolSize(1)).toBe(1);
  });

  it('spreads requests over its workers and answers each once', async () => {
    const { host, started } = fakeHost();
    pool = createDetectorPool({ workerHost: host, modelDir: '/m', size: 2, logger: createSilentLogger() });
    pool.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(started).toHaveLength(2);
    const first = pool.detect(tiny(), 2, 2);
    const second = pool.detect(tiny(), 2, 2);
    expect(started.map((worker) => worker.requests.length)).toEqual([1, 1]);
    started[1]!.answer([PERSON]);
    started[0]!.answer();
    await expect(second).resolves.toMatchObject({ status: 'done', detections: [PERSON], backend: 'fake' });
    await expect(first).resolves.toMatchObject({ status: 'done', detections: [] });
    expect(pool.stats()).toMatchObject({
      submitted: 2,
      completed: 2,
      dropped: 0,
      queued: 0,
      backend: 'fake',
    });
  });

  it('keeps its queue bounded by dropping the oldest waiting request, and counts the drops', async () => {
    const { host, started } = fakeHost();
    pool = createDetectorPool({
      workerHost: host,
      modelDir: '/m',
      size: 1,
      queueLength: 3,
      logger: createSilentLogger(),
    });
    pool.start();
    await vi.advanceTimersByTimeAsync(0);
    const outcomes = Array.from({ length: 10 }, () => pool!.detect(tiny(), 2, 2));
    // One in the worker, three waiting: requests 2..7 were dropped, oldest first.
    expect(pool.stats()).toMatchObject({ queued: 3, dropped: 6, submitted: 10 });
    for (const dropped of outcomes.slice(1, 7)) await expect(dropped).resolves.toEqual({ status: 'dropped' });
    for (let i = 0; i < 4; i++) {
      started[0]!.answer();
      await vi.advanceTimersByTimeAsync(0);
    }
    for (const kept of [outcomes[0], ...outcomes.slice(7)])
      await expect(kept).resolves.toMatchObject({ status: 'done' });
    // The first request went to the worker, then 8, 9, 10 in order.
    expect(pool.stats()).toMatchObject({ queued: 0, dropped: 6, completed: 4 });
  });

  it('keeps one waiting request per key: a newer crop of a camera replaces its older one', async () => {
    const { host, started } = fakeHost();
    pool = createDetectorPool({
      workerHost: host,
      modelDir: '/m',
      size: 1,
      queueLength: 8,
      logger: createSilentLogger(),
    });
    pool.start();
    await vi.advanceTimersByTimeAsync(0);
    const busy = pool.detect(tiny(), 2, 2, { key: 'front' });
    const frontOld = pool.detect(tiny(), 2, 2, { key: 'front' });
    const back = pool.detect(tiny(), 2, 2, { key: 'back' });
    const frontNew = pool.detect(tiny(), 2, 2, { key: 'front', scoreThreshold: 0.6 });
    await expect(frontOld).resolves.toEqual({ status: 'dropped' });
    expect(pool.stats()).toMatchObject({ queued: 2, dropped: 1 });
    for (let i = 0; i < 3; i++) {
      started[0]!.answer();
      await vi.advanceTimersByTimeAsync(0);
    }
    for (const outcome of [busy, back, frontNew])
      await expect(outcome).resolves.toMatchObject({ status: 'done' });
    // The key stays in the pool; the model options travel to the worker.
    void pool.detect(tiny(), 2, 2, { key: 'front', scoreThreshold: 0.6 });
    expect(started[0]!.requests[0]!.options).toEqual({ scoreThreshold: 0.6 });
  });

  it('restarts a crashed worker after a backoff; its request is lost, the queue waits for it', async () => {
    const { host, started } = fakeHost();
    pool = createDetectorPool({
      workerHost: host,
      modelDir: '/m',
      size: 1,
      restartDelayMs: 1_000,
      logger: createSilentLogger(),
    });
    pool.start();
    await vi.advanceTimersByTimeAsync(0);
    const inWorker = pool.detect(tiny(), 2, 2);
    const waiting = pool.detect(tiny(), 2, 2);
    started[0]!.crash(139);
    await expect(inWorker).resolves.toEqual({ status: 'lost' });
    expect(pool.stats()).toMatchObject({ lost: 1, restarts: 1, queued: 1 });
    await vi.advanceTimersByTimeAsync(999);
    expect(started).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(started).toHaveLength(2);
    expect(started[1]!.requests).toHaveLength(1);
    started[1]!.answer([PERSON]);
    await expect(waiting).resolves.toMatchObject({ status: 'done', detections: [PERSON] });
    // A second crash soon after doubles the delay.
    started[1]!.crash(1);
    await vi.advanceTimersByTimeAsync(1_999);
    expect(started).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(started).toHaveLength(3);
  });

  it('kills a worker that does not answer', async () => {
    const { host, started } = fakeHost();
    pool = createDetectorPool({
      workerHost: host,
      modelDir: '/m',
      size: 1,
      stuckMs: 5_000,
      logger: createSilentLogger(),
    });
    pool.start();
    await vi.advanceTimersByTimeAsync(0);
    const outcome = pool.detect(tiny(), 2, 2);
    await vi.advanceTimersByTimeAsync(6_000);
    expect(started[0]!.killed).toBe(true);
    await expect(outcome).resolves.toEqual({ status: 'lost' });
  });

  it('crops around the motion boxes and maps detections back to the frame', async () => {
    const { host, started } = fakeHost();
    pool = createDetectorPool({ workerHost: host, modelDir: '/m', size: 1, logger: createSilentLogger() });
    pool.start();
    await vi.advanceTimersByTimeAsync(0);
    const width = 640;
    const height = 360;
    const rgb = new Uint8Array(width * height * 3);
    for (let i = 0; i < width * height; i++) rgb[i * 3] = i % width; // red = column (mod 256)
    const outcome = pool.detectRegions({ rgb, width, height }, [
      { x: 300, y: 100, width: 40, height: 60 },
      { x: 360, y: 150, width: 20, height: 30 },
    ]);
    const request = started[0]!.requests[0]!;
    // Union 300..380 x 100..180 (80x80), grown by 25 % per side: 120, below the 160 minimum; centred.
    expect([request.width, request.height]).toEqual([160, 160]);
    expect(request.rgb[0]).toBe(260 % 256); // the crop starts at column 260
    started[0]!.answer([PERSON]);
    await expect(outcome).resolves.toMatchObject({
      status: 'done',
      crop: { x: 260, y: 60, width: 160, height: 160 },
      detections: [{ label: 'person', box: { x: 270, y: 80, width: 30, height: 40 } }],
    });
    await expect(pool.detectRegions({ rgb, width, height }, [])).resolves.toMatchObject({ detections: [] });
    expect(started[0]!.requests).toHaveLength(0);
  });
});

describe('cropAround', () => {
  it('squares the union with a margin, keeps it inside the frame, and cuts it to a narrow frame', () => {
    expect(cropAround([{ x: 0, y: 0, width: 100, height: 50 }], 640, 360)).toEqual({
      x: 0,
      y: 0,
      width: 160,
      height: 160,
    });
    expect(cropAround([{ x: 600, y: 300, width: 40, height: 60 }], 640, 360)).toEqual({
      x: 480,
      y: 200,
      width: 160,
      height: 160,
    });
    // Wider than the frame is tall: the full height, the square's width.
    expect(cropAround([{ x: 100, y: 100, width: 400, height: 100 }], 640, 360)).toEqual({
      x: 0,
      y: 0,
      width: 600,
      height: 360,
    });
    expect(cropAround([], 640, 360)).toBeNull();
  });

  it('copies the crop rows out of the frame', () => {
    const rgb = Uint8Array.from({ length: 4 * 3 * 3 }, (_, i) => i);
    expect([...cropRgb(rgb, 4, { x: 1, y: 1, width: 2, height: 2 })]).toEqual([
      15, 16, 17, 18, 19, 20, 27, 28, 29, 30, 31, 32,
    ]);
  });
});
