/**
 * bench:detect: the object detector's cost per inference on real photographs (Debian python3-skimage), in
 * process, with the backend the registry picks (tfjs-node when installed, else tfjs-wasm), against a baseline
 * measured in the same run: the preprocessing alone (letterbox to 416 + normalisation, pure JavaScript), so
 * the ratio says what the model itself costs on this machine at this moment.
 *
 * Then the whole pipeline on the generated scene clips (bench/detect-clips.ts): recall and event latency on
 * the person and vehicle clips (`--seconds`, default 90), false events on the four negative clips
 * (`--negative-seconds`, default 90), motion_ms_per_frame, decode_cpu_pct_per_camera, and 8 still cameras
 * sustained at 5 fps (`--sustain`, default 60); `--inference-only` skips all that. Prints one JSON object with
 * `--json`.
 *
 * With `--pool SECONDS`, also the real pool (out/workers/detector-worker.cjs forked by ForkWorkerHost, the
 * default size) under the load: 8 cameras at 5 fps each sending one motion crop per frame, for that
 * long: answers per second, drops, and latency from submit to answer.
 *
 *   npm run bench:detect -- --json [--runs 40] [--backend tfjs-wasm] [--pool 20] [--seconds 90] [--negative-seconds 90]
 *     [--sustain 60]
 */
import os from 'node:os';
import path from 'node:path';
import { createDetector } from '../electron/engine/detection/detector.js';
import { createDetectorPool, defaultPoolSize } from '../electron/engine/detection/detector-pool.js';
import { createSilentLogger } from '../electron/engine/logging/logger.js';
import { ForkWorkerHost } from '../electron/engine/workers/fork-worker-host.js';
import {
  readSkimagePhoto,
  skimagePhotosAvailable,
  SKIMAGE_DATA_DIR,
  type RgbPhoto,
} from '../electron/engine/detection/detector-photos.js';
import { NANODET_INPUT_SIZE, preprocessNanodet } from '../electron/engine/detection/nanodet.js';
import { clipBench } from './detect-clips.js';
import { benchLogger, percentile, repoRoot } from './support.js';

const PHOTOS = ['astronaut.png', 'motorcycle_left.png', 'chelsea.png', 'camera.png', 'brick.png'];
const json = process.argv.includes('--json');
const argument = (name: string): string | undefined => {
  const index = process.argv.indexOf(name);
  return index === -1 ? undefined : process.argv[index + 1];
};
const runs = Number(argument('--runs') ?? 40);
if (!Number.isInteger(runs) || runs < 5) throw new Error('--runs must be a whole number >= 5');
const log = benchLogger(json);

const CAMERAS = 8;
const FPS = 5;

/** 8 cameras x 5 fps of motion crops through the real pool for `seconds`. */
async function poolLoad(photos: RgbPhoto[], seconds: number, prefer: string | undefined) {
  const root = repoRoot();
  const pool = createDetectorPool({
    workerHost: new ForkWorkerHost({
      workersDir: path.join(root, 'out/workers'),
      logger: createSilentLogger(),
    }),
    modelDir: path.join(root, 'resources/models/nanodet'),
    ...(prefer === undefined ? {} : { preferBackend: prefer }),
    logger: createSilentLogger(),
  });
  pool.start();
  const readyBy = Date.now() + 60_000;
  while (!pool.stats().workers.every((worker) => worker.ready)) {
    if (Date.now() > readyBy) throw new Error('The detector workers did not start');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const latencies: number[] = [];
  const answers: Promise<void>[] = [];
  const started = performance.now();
  let tick = 0;
  while (performance.now() - started < seconds * 1000) {
    for (let camera = 0; camera < CAMERAS; camera++) {
      const photo = photos[(tick + camera) % photos.length]!;
      // A motion box on the middle third of the photo, as the motion service would report it.
      const box = {
        x: photo.width / 3,
        y: photo.height / 3,
        width: photo.width / 3,
        height: photo.height / 3,
      };
      const sent = performance.now();
      answers.push(
        pool.detectRegions(photo, [box], { key: `camera-${camera}` }).then((outcome) => {
          if (outcome.status === 'done') latencies.push(performance.now() - sent);
        }),
      );
    }
    tick += 1;
    const next = started + (tick * 1000) / FPS;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - performance.now())));
  }
  const elapsed = (performance.now() - started) / 1000;
  const stats = pool.stats();
  await pool.stop();
  await Promise.all(answers);
  return {
    pool_workers: stats.workers.length,
    pool_backend: stats.backend,
    pool_load: `${CAMERAS} cameras x ${FPS} fps, one crop per frame (keyed by camera), ${seconds} s`,
    pool_submitted: stats.submitted,
    pool_detections_per_s: round(stats.completed / elapsed, 2),
    pool_dropped: stats.dropped,
    pool_latency_ms_median: round(percentile(latencies, 0.5), 0),
    pool_latency_ms_p95: round(percentile(latencies, 0.95), 0),
    pool_worker_ms_mean: round(stats.meanMs, 1),
  };
}

const round = (value: number, digits = 2): number => Number(value.toFixed(digits));

async function main(): Promise<void> {
  if (!skimagePhotosAvailable())
    throw new Error(`No photos in ${SKIMAGE_DATA_DIR}: apt-get install python3-skimage`);
  const photos: RgbPhoto[] = [];
  for (const name of PHOTOS) photos.push(await readSkimagePhoto(name));
  const prefer = argument('--backend');
  const detector = await createDetector(
    { modelDir: path.join(repoRoot(), 'resources/models/nanodet') },
    prefer === undefined ? {} : { prefer },
  );
  const loadStarted = performance.now();
  await detector.load();
  const loadMs = performance.now() - loadStarted;
  log(
    `${detector.backend} ${detector.model}: loaded in ${loadMs.toFixed(0)} ms; ${runs} runs over ${photos.length} photos`,
  );

  // Warm-up: the first inferences set up kernels and memory.
  for (const photo of photos) await detector.detect(photo.rgb, photo.width, photo.height);

  const inference: number[] = [];
  const baseline: number[] = [];
  let detections = 0;
  let buffer: Float32Array | undefined;
  const cpuStarted = process.cpuUsage();
  const wallStarted = performance.now();
  for (let i = 0; i < runs; i++) {
    const photo = photos[i % photos.length]!;
    // Baseline and detector alternate, so load on the shared machine hits both alike.
    let started = performance.now();
    buffer = preprocessNanodet(photo.rgb, photo.width, photo.height, NANODET_INPUT_SIZE, buffer).input;
    baseline.push(performance.now() - started);
    started = performance.now();
    detections += (await detector.detect(photo.rgb, photo.width, photo.height)).length;
    inference.push(performance.now() - started);
  }
  const wallMs = performance.now() - wallStarted;
  const cpu = process.cpuUsage(cpuStarted);
  await detector.dispose();

  const median = percentile(inference, 0.5);
  const baselineMedian = percentile(baseline, 0.5);
  const result = {
    backend: detector.backend,
    model: detector.model,
    input: `${detector.inputSize.width}x${detector.inputSize.height}`,
    photos: PHOTOS.length,
    runs,
    load_ms: round(loadMs, 0),
    inference_ms_median: round(median, 1),
    inference_ms_p95: round(percentile(inference, 0.95), 1),
    detections_per_s: round(1000 / median, 2),
    pool_workers_default: defaultPoolSize(),
    pool_detections_per_s_estimate: round((1000 / median) * defaultPoolSize(), 2),
    baseline: 'preprocess (letterbox + normalise) alone',
    baseline_ms_median: round(baselineMedian, 2),
    inference_to_baseline_ratio: round(median / baselineMedian, 1),
    objects_found_per_inference: round(detections / runs, 2),
    cpu_pct_of_one_core: round(((cpu.user + cpu.system) / 1000 / wallMs) * 100, 0),
    cores: os.availableParallelism(),
    load_average_1m: round(os.loadavg()[0] ?? NaN, 2),
  };
  const poolSeconds = argument('--pool');
  const pool = poolSeconds === undefined ? {} : await poolLoad(photos, Number(poolSeconds), prefer);
  const seconds = Number(argument('--seconds') ?? 90);
  const negativeSeconds = Number(argument('--negative-seconds') ?? 90);
  const sustainSeconds = Number(argument('--sustain') ?? 60);
  if (!(seconds >= 30) || !(negativeSeconds >= 30) || !(sustainSeconds >= 10))
    throw new Error('--seconds and --negative-seconds must be at least 30, --sustain at least 10');
  const clips = process.argv.includes('--inference-only')
    ? {}
    : await clipBench({ seconds, negativeSeconds, sustainSeconds, preferBackend: prefer, log });
  const full = { ...result, ...pool, ...clips };
  if (json) process.stdout.write(`${JSON.stringify(full)}\n`);
  else for (const [key, value] of Object.entries(full)) process.stdout.write(`${key}: ${String(value)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:detect failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
