/**
 * bench:motion: the cost of motion detection per frame at the default input (640x360 gray, as FFmpeg decodes
 * a 16:9 sub stream at 640 px), against a plain copy of the same frame measured in the same run:
 *   - in process: `MotionDetector.process` on synthetic frames (a textured scene with sensor noise and a
 *     block walking across it), median of batches after a warm-up;
 *   - through the real motion worker (out/workers/motion-worker.cjs forked by ForkWorkerHost, as the headless
 *     engine runs it): the worker's own time per frame and the round trip engine → worker → engine at 5 fps
 *     for 8 cameras (the load), with frames dropped by the bounded queue counted.
 * Prints one JSON object.
 *
 *   npm run bench:motion -- --json [--frames 2000]
 */
import fs from 'node:fs';
import path from 'node:path';
import { MotionDetector } from '../electron/engine/detection/motion.js';
import { MOTION_CONFIG_DEFAULT } from '../electron/engine/detection/motion-config.js';
import { isMotionReply, type MotionFrame } from '../electron/engine/detection/motion-protocol.js';
import { createSilentLogger } from '../electron/engine/logging/logger.js';
import { ForkWorkerHost } from '../electron/engine/workers/fork-worker-host.js';
import { cpuSeconds } from './proc-cpu.js';
import { benchLogger, percentile, repoRoot } from './support.js';

const WIDTH = 640;
const HEIGHT = 360;
const CAMERAS = 8;
const FPS = 5;
/** The service's default queue length per camera (motion-config.ts). */
const QUEUE = MOTION_CONFIG_DEFAULT.queueLength;
const json = process.argv.includes('--json');
const framesIndex = process.argv.indexOf('--frames');
const frameCount = framesIndex === -1 ? 2_000 : Number(process.argv[framesIndex + 1]);
if (!Number.isInteger(frameCount) || frameCount < 100)
  throw new Error('--frames must be a whole number >= 100');
const log = benchLogger(json);

/** Resident memory of a process in MiB (Linux), NaN where /proc cannot tell. */
function residentMb(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? NaN : Number(match[1]) / 1024;
  } catch {
    return NaN;
  }
}

const round = (value: number): number => Math.round(value * 1000) / 1000;

/** Synthetic frames: textured scene, ±6 noise, a 60x100 block walking right 20 px per frame. */
function makeFrames(count: number): Uint8Array[] {
  let state = 12345;
  const next = (): number => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  return Array.from({ length: count }, (_, index) => {
    const frame = new Uint8Array(WIDTH * HEIGHT);
    for (let y = 0; y < HEIGHT; y += 1) {
      for (let x = 0; x < WIDTH; x += 1) {
        const checker = ((x >> 5) + (y >> 5)) % 2 === 0 ? 20 : 0;
        frame[y * WIDTH + x] =
          60 + (x * 80) / WIDTH + (y * 40) / HEIGHT + checker + Math.round((next() * 2 - 1) * 6);
      }
    }
    const left = (index * 20) % (WIDTH - 60);
    for (let y = 120; y < 220; y += 1) frame.fill(230, y * WIDTH + left, y * WIDTH + left + 60);
    return frame;
  });
}

/** Milliseconds per call of `run`, median of 10 batches after one warm-up batch. */
function timePerFrame(frames: Uint8Array[], run: (frame: Uint8Array) => void): number {
  const batch = Math.max(10, Math.floor(frameCount / 10));
  const batches: number[] = [];
  for (let b = 0; b <= 10; b += 1) {
    const started = performance.now();
    for (let i = 0; i < batch; i += 1) run(frames[(b * batch + i) % frames.length] ?? new Uint8Array(0));
    if (b > 0) batches.push((performance.now() - started) / batch);
  }
  return percentile(batches, 0.5);
}

async function throughWorker(frames: Uint8Array[]): Promise<Record<string, number>> {
  const workersDir = path.join(repoRoot(), 'out', 'workers');
  if (!fs.existsSync(path.join(workersDir, 'motion-worker.cjs'))) {
    throw new Error('out/workers/motion-worker.cjs is missing: run node scripts/build.mjs first');
  }
  const host = new ForkWorkerHost({ workersDir, logger: createSilentLogger() });
  const worker = host.start('motion-worker.cjs', { name: 'motion-bench' });
  const sentAt = new Map<number, number>();
  const roundTrips: number[] = [];
  const workerMs: number[] = [];
  /** Frames sent and not yet answered, per camera. */
  const pending = new Map<string, number>();
  let dropped = 0;
  let ready: () => void = () => undefined;
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  worker.onMessage((message) => {
    if (!isMotionReply(message)) return;
    if (message.type === 'ready') ready();
    if (message.type !== 'motion') return;
    const sent = sentAt.get(message.seq);
    if (sent !== undefined) roundTrips.push(performance.now() - sent);
    workerMs.push(message.ms);
    pending.set(message.cameraId, (pending.get(message.cameraId) ?? 1) - 1);
  });
  await isReady;
  // 8 cameras at 5 fps for `seconds`. The service keeps one frame in the worker and `QUEUE` waiting per
  // camera; a frame that finds that many of its camera's frames unanswered is one the service would drop.
  const seconds = Math.max(4, Math.round(frameCount / (CAMERAS * FPS)));
  let seq = 0;
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  const workerCpuStart = worker.pid === undefined ? null : cpuSeconds(worker.pid);
  for (let tick = 0; tick < seconds * FPS; tick += 1) {
    for (let camera = 0; camera < CAMERAS; camera += 1) {
      const cameraId = `bench-${camera}`;
      if ((pending.get(cameraId) ?? 0) > QUEUE) {
        dropped += 1;
        continue;
      }
      seq += 1;
      const message: MotionFrame = {
        type: 'frame',
        cameraId,
        seq,
        at: Date.now(),
        width: WIDTH,
        height: HEIGHT,
        pixels: frames[(tick + camera * 7) % frames.length] ?? new Uint8Array(0),
      };
      sentAt.set(seq, performance.now());
      pending.set(cameraId, (pending.get(cameraId) ?? 0) + 1);
      worker.postMessage(message);
    }
    const due = started + ((tick + 1) * 1000) / FPS;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
  const engineCpu = process.cpuUsage(cpuStart);
  const workerCpuEnd = worker.pid === undefined ? null : cpuSeconds(worker.pid);
  const workerRssMb = worker.pid === undefined ? NaN : residentMb(worker.pid);
  const elapsed = performance.now() - started;
  worker.kill();
  await worker.waitForExit(5_000);
  const steady = workerMs.slice(Math.floor(workerMs.length / 4)); // after the worker's JIT warm-up
  return {
    worker_motion_ms_median: round(percentile(steady, 0.5)),
    worker_motion_ms_p95: round(percentile(steady, 0.95)),
    worker_roundtrip_ms_median: round(percentile(roundTrips, 0.5)),
    worker_roundtrip_ms_p95: round(percentile(roundTrips, 0.95)),
    worker_frames: workerMs.length,
    worker_dropped_frames: dropped,
    worker_cpu_pct_8_cameras:
      workerCpuStart === null || workerCpuEnd === null
        ? NaN
        : round(((workerCpuEnd - workerCpuStart) * 1000 * 100) / elapsed),
    worker_rss_mb: round(workerRssMb),
    engine_side_cpu_pct_8_cameras: round(((engineCpu.user + engineCpu.system) / 1000 / elapsed) * 100),
  };
}

async function main(): Promise<void> {
  const frames = makeFrames(40);
  log(`${frames.length} synthetic ${WIDTH}x${HEIGHT} gray frames; ${frameCount} per measurement`);
  const copy = new Uint8Array(WIDTH * HEIGHT);
  const baseline = timePerFrame(frames, (frame) => copy.set(frame));
  const detector = new MotionDetector();
  let boxes = 0;
  const motion = timePerFrame(frames, (frame) => {
    boxes += detector.process(frame, WIDTH, HEIGHT).boxes.length;
  });
  if (boxes === 0)
    throw new Error('The detector found no motion in frames that move: the measurement is void');
  log(`in process: motion ${motion.toFixed(3)} ms/frame, frame copy ${baseline.toFixed(4)} ms/frame`);
  const worker = await throughWorker(frames);
  const result = {
    motion_ms_per_frame: round(motion),
    baseline_copy_ms_per_frame: round(baseline),
    motion_vs_copy: Math.round(motion / baseline),
    input: `${WIDTH}x${HEIGHT} gray`,
    // Share of one core for 8 cameras at 5 fps, from the in-process cost.
    motion_core_pct_8_cameras_5fps: round((motion * CAMERAS * FPS) / 10),
    ...worker,
  };
  process.stdout.write(`${JSON.stringify(result, null, json ? 0 : 2)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
