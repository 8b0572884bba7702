import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FrameConsumer } from '../ingest/stream-supervisor.js';
import { createSilentLogger } from '../logging/logger.js';
import type { WorkerHost, WorkerProcess } from '../ports.js';
import type { CameraRecorder } from '../recording/camera-recorder.js';
import { MotionDetector } from './motion.js';
import { MOTION_CONFIG_DEFAULT, type MotionConfig } from './motion-config.js';
import { isMotionRequest, type MotionReply } from './motion-protocol.js';
import { createMotionService, type MotionUpdate } from './motion-service.js';

const WIDTH = 640;
const HEIGHT = 360;

/** A worker process that runs the real detector in this process, answering on the next macrotask. */
class FakeWorker implements WorkerProcess {
  readonly pid: number;
  readonly received: unknown[] = [];
  /** While true, frames are taken but never answered (a busy or hung worker). */
  hold = false;
  killed = 0;
  #messages = new Set<(message: unknown) => void>();
  #exits = new Set<(code: number | null) => void>();
  #detectors = new Map<string, MotionDetector>();
  #exited = false;

  constructor(pid: number) {
    this.pid = pid;
    setTimeout(() => this.#reply({ type: 'ready', pid }), 0);
  }

  postMessage(message: unknown): void {
    if (this.#exited || !isMotionRequest(message)) return;
    this.received.push(message);
    if (message.type === 'configure') {
      this.#detectors.set(message.cameraId, new MotionDetector(message.settings));
    } else if (message.type === 'frame' && !this.hold) {
      const detector = this.#detectors.get(message.cameraId) ?? new MotionDetector();
      this.#detectors.set(message.cameraId, detector);
      const result = detector.process(message.pixels, message.width, message.height);
      const { cameraId, seq, at, width, height } = message;
      setTimeout(
        () => this.#reply({ type: 'motion', cameraId, seq, at, width, height, ...result, ms: 1 }),
        0,
      );
    }
  }

  onMessage(listener: (message: unknown) => void): () => void {
    this.#messages.add(listener);
    return () => this.#messages.delete(listener);
  }

  onExit(listener: (code: number | null) => void): () => void {
    this.#exits.add(listener);
    return () => this.#exits.delete(listener);
  }

  kill(): void {
    this.killed += 1;
    this.crash(null);
  }

  crash(code: number | null): void {
    if (this.#exited) return;
    this.#exited = true;
    for (const listener of this.#exits) listener(code);
  }

  waitForExit(): Promise<boolean> {
    return Promise.resolve(this.#exited);
  }

  frames(): number {
    return this.received.filter((message) => (message as { type: string }).type === 'frame').length;
  }

  #reply(message: MotionReply): void {
    if (this.#exited) return;
    for (const listener of this.#messages) listener(message);
  }
}

function fakeHost() {
  const workers: FakeWorker[] = [];
  const host: WorkerHost = {
    start: (entry) => {
      expect(entry).toBe('motion-worker.cjs');
      const worker = new FakeWorker(1000 + workers.length);
      workers.push(worker);
      return worker;
    },
  };
  return { host, workers };
}

function fakeRecorder() {
  const consumers: (FrameConsumer | null)[] = [];
  const recorder = {
    setFrameConsumer: (consumer: FrameConsumer | null) => consumers.push(consumer),
  } as unknown as CameraRecorder;
  return { recorder, consumers, current: () => consumers.at(-1) ?? null };
}

function grayFrame(block: { x: number } | null) {
  const pixels = Buffer.alloc(WIDTH * HEIGHT, 90);
  if (block !== null) {
    for (let y = 100; y < 200; y += 1) pixels.fill(240, y * WIDTH + block.x, y * WIDTH + block.x + 80);
  }
  return { width: WIDTH, height: HEIGHT, channels: 1 as const, pixels };
}

describe('motion service', () => {
  let monotonic = 0;
  const clock = { now: () => 1_700_000_000_000 + monotonic, monotonic: () => monotonic };

  beforeEach(() => {
    vi.useFakeTimers();
    monotonic = 0;
  });
  afterEach(() => vi.useRealTimers());

  function setup(config: Partial<MotionConfig> = {}, cameraIds = ['a', 'b']) {
    const { host, workers } = fakeHost();
    const recorders = new Map(cameraIds.map((id) => [id, fakeRecorder()]));
    const service = createMotionService({
      recording: { recorder: (id) => recorders.get(id)?.recorder },
      cameraIds: () => cameraIds,
      workerHost: host,
      config: { ...MOTION_CONFIG_DEFAULT, ...config },
      clock,
      logger: createSilentLogger(),
      stuckMs: 5_000,
    });
    const updates: MotionUpdate[] = [];
    service.onMotion((update) => updates.push(update));
    return { service, workers, recorders, updates };
  }

  it('is off by default: no consumer, no worker', () => {
    const { service, workers, recorders } = setup();
    service.start();
    expect(workers).toHaveLength(0);
    expect(recorders.get('a')?.consumers).toEqual([]);
  });

  it('attaches gray frames at the configured rate to enabled cameras and reports motion boxes', async () => {
    const { service, workers, recorders, updates } = setup({
      cameras: { a: { enabled: true, sensitivity: 60 } },
    });
    service.start();
    expect(recorders.get('b')?.consumers).toEqual([]);
    const consumer = recorders.get('a')?.current();
    expect(consumer?.output).toEqual({ fps: 5, width: 640, format: 'gray' });
    expect(workers).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1); // ready
    expect(workers[0]?.received[0]).toMatchObject({
      type: 'configure',
      cameraId: 'a',
      settings: { sensitivity: 60 },
    });
    const at = clock.now();
    consumer?.onFrame(grayFrame(null), at);
    await vi.advanceTimersByTimeAsync(1);
    consumer?.onFrame(grayFrame({ x: 200 }), at + 200);
    await vi.advanceTimersByTimeAsync(1);
    expect(updates).toHaveLength(2);
    expect(updates[0]).toMatchObject({ cameraId: 'a', boxes: [], recalibrated: true });
    expect(updates[1]).toMatchObject({ cameraId: 'a', at: at + 200, width: WIDTH, height: HEIGHT });
    expect(updates[1]?.boxes[0]).toMatchObject({ x: 200, y: 100, width: 80, height: 100 });
    expect(service.activity('a')).toEqual([
      expect.objectContaining({ frames: 2, motionFrames: 1, level: 0.5 }),
    ]);
    expect(service.stats()).toMatchObject({
      workerPid: 1000,
      cameras: [{ cameraId: 'a', received: 2, processed: 2, dropped: 0, motionFrames: 1, queued: 0 }],
    });
    await service.stop();
    expect(recorders.get('a')?.current()).toBeNull();
    expect(workers[0]?.killed).toBe(1);
  });

  it('keeps a bounded queue per camera, dropping the oldest frames and counting them', async () => {
    const { service, workers, recorders, updates } = setup({ enabled: true, queueLength: 2 });
    service.start();
    await vi.advanceTimersByTimeAsync(1);
    const worker = workers[0]!;
    worker.hold = true;
    const consumer = recorders.get('a')?.current();
    for (let i = 0; i < 10; i += 1) consumer?.onFrame(grayFrame(null), clock.now() + i);
    // One frame sits in the worker, two wait, seven were dropped; camera b is unaffected.
    expect(worker.frames()).toBe(1);
    expect(service.stats().cameras.find((camera) => camera.cameraId === 'a')).toMatchObject({
      received: 10,
      dropped: 7,
      queued: 2,
    });
    recorders.get('b')?.current()?.onFrame(grayFrame(null), clock.now());
    expect(worker.frames()).toBe(2);
    expect(updates).toHaveLength(0);
    await service.stop();
  });

  it('restarts a worker that died, counting the frame lost in it, and carries on', async () => {
    const { service, workers, recorders, updates } = setup({ cameras: { a: { enabled: true } } });
    service.start();
    await vi.advanceTimersByTimeAsync(1);
    const consumer = recorders.get('a')?.current();
    workers[0]!.hold = true;
    consumer?.onFrame(grayFrame(null), clock.now());
    workers[0]!.crash(1);
    expect(service.worker).toBeNull();
    consumer?.onFrame(grayFrame(null), clock.now()); // queued while no worker runs
    await vi.advanceTimersByTimeAsync(999);
    expect(workers).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(2);
    expect(workers).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    // The new worker got the camera's settings again, then the queued frame.
    expect(workers[1]?.received.map((message) => (message as { type: string }).type)).toEqual([
      'configure',
      'frame',
    ]);
    expect(updates).toHaveLength(1);
    expect(service.stats()).toMatchObject({
      workerPid: 1001,
      workerRestarts: 1,
      cameras: [{ lost: 1, processed: 1 }],
    });
    // Recording is never told anything: the consumer stays attached across the restart.
    expect(recorders.get('a')?.consumers).toHaveLength(1);
    // Crashing again soon doubles the wait.
    workers[1]!.crash(1);
    await vi.advanceTimersByTimeAsync(1_500);
    expect(workers).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(600);
    expect(workers).toHaveLength(3);
    await service.stop();
  });

  it('kills a worker that stops answering', async () => {
    const { service, workers, recorders } = setup({ cameras: { a: { enabled: true } } });
    service.start();
    await vi.advanceTimersByTimeAsync(1);
    workers[0]!.hold = true;
    recorders.get('a')?.current()?.onFrame(grayFrame(null), clock.now());
    monotonic += 4_000;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(workers[0]?.killed).toBe(0);
    monotonic += 2_000;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(workers[0]?.killed).toBeGreaterThan(0);
    await vi.advanceTimersByTimeAsync(1_100);
    expect(workers).toHaveLength(2);
    await service.stop();
  });

  it('follows configuration changes: settings to the worker, a new output, detaching, no worker when none', async () => {
    const { service, workers, recorders } = setup({ cameras: { a: { enabled: true } } });
    service.start();
    await vi.advanceTimersByTimeAsync(1);
    const mask = [
      [0, 0],
      [1, 0],
      [1, 1],
    ] as [number, number][];
    service.configure({ ...service.config, cameras: { a: { enabled: true, masks: [mask] } } });
    expect(workers[0]?.received.at(-1)).toMatchObject({ type: 'configure', settings: { masks: [mask] } });
    service.configure({ ...service.config, fps: 2 });
    expect(recorders.get('a')?.current()?.output).toEqual({ fps: 2, width: 640, format: 'gray' });
    service.configure({ ...service.config, cameras: {} });
    expect(recorders.get('a')?.current()).toBeNull();
    expect(workers[0]?.received.at(-1)).toMatchObject({ type: 'forget', cameraId: 'a' });
    expect(workers[0]?.killed).toBe(1);
    expect(service.worker).toBeNull();
    await service.stop();
  });

  it('re-attaches to a recorder that replaced the previous one (a camera edit)', async () => {
    const { service, workers, recorders, updates } = setup({ cameras: { a: { enabled: true } } });
    service.start();
    await vi.advanceTimersByTimeAsync(1);
    const old = recorders.get('a')!;
    const replacement = fakeRecorder();
    recorders.set('a', replacement);
    expect(replacement.current()).toBeNull();
    await vi.advanceTimersByTimeAsync(1_000); // the periodic check
    expect(replacement.current()?.output).toEqual({ fps: 5, width: 640, format: 'gray' });
    // The old recorder is stopping by itself: it is not told anything more.
    expect(old.consumers).toHaveLength(1);
    replacement.current()?.onFrame(grayFrame(null), clock.now());
    await vi.advanceTimersByTimeAsync(1);
    expect(updates).toHaveLength(1);
    expect(workers).toHaveLength(1);
    await service.stop();
  });

  it('runs without a worker host (detection off, nothing thrown)', async () => {
    const recorder = fakeRecorder();
    const service = createMotionService({
      recording: { recorder: () => recorder.recorder },
      cameraIds: () => ['a'],
      workerHost: undefined,
      config: { ...MOTION_CONFIG_DEFAULT, enabled: true },
      clock,
      logger: createSilentLogger(),
    });
    service.start();
    recorder.current()?.onFrame(grayFrame(null), clock.now());
    expect(service.stats().workerPid).toBeNull();
    await service.stop();
  });
});
