/**
 * The detector pool with real worker processes: the detector worker bundled the way scripts/build.mjs bundles
 * workers, forked by ForkWorkerHost as the headless engine does, loading the shipped NanoDet model on the wasm
 * backend. A skimage photo with a motion box over the astronaut yields a person in frame coordinates; a killed
 * worker is replaced and answers again.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { iou } from '../../electron/engine/detection/detector.js';
import { createDetectorPool, type DetectorPool } from '../../electron/engine/detection/detector-pool.js';
import { readSkimagePhoto, skimagePhotosAvailable } from '../../electron/engine/detection/detector-photos.js';
import { createSilentLogger } from '../../electron/engine/logging/logger.js';
import { ForkWorkerHost } from '../../electron/engine/workers/fork-worker-host.js';
import { REPO_ROOT } from '../support/server.js';

let workersDir: string;
let pool: DetectorPool | undefined;

beforeAll(async () => {
  if (!skimagePhotosAvailable())
    throw new Error('The skimage photos are missing: apt-get install python3-skimage');
  workersDir = fs.mkdtempSync(path.join(os.tmpdir(), 'omnisight-detector-workers-'));
  // Bundled whole (the temp folder has no node_modules), so the wasm files are located explicitly.
  await build({
    absWorkingDir: REPO_ROOT,
    entryPoints: { 'detector-worker': 'workers/detector-worker.ts' },
    outdir: workersDir,
    outExtension: { '.js': '.cjs' },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'error',
  });
});

afterAll(async () => {
  await pool?.stop();
  fs.rmSync(workersDir, { recursive: true, force: true });
});

async function waitUntil(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('detector pool with real workers', () => {
  it('finds the astronaut in a crop around a motion box, and survives a killed worker', async () => {
    pool = createDetectorPool({
      workerHost: new ForkWorkerHost({ workersDir, logger: createSilentLogger(), killGraceMs: 2_000 }),
      modelDir: path.join(REPO_ROOT, 'resources/models/nanodet'),
      wasmDir: path.join(REPO_ROOT, 'node_modules/@tensorflow/tfjs-backend-wasm/dist'),
      preferBackend: 'tfjs-wasm',
      size: 1,
      logger: createSilentLogger(),
    });
    const started = Date.now();
    pool.start();
    await waitUntil(() => pool!.stats().workers.every((worker) => worker.ready), 30_000, 'the worker');
    const readyMs = Date.now() - started;

    // The photo as a frame, with a motion box on the astronaut's face and suit.
    const photo = await readSkimagePhoto('astronaut.png');
    const frame = { rgb: photo.rgb, width: photo.width, height: photo.height };
    const motion = [{ x: 80, y: 40, width: 220, height: 300 }];
    const first = await pool.detectRegions(frame, motion);
    expect(first.status).toBe('done');
    if (first.status !== 'done') return;
    const person = first.detections.find((detection) => detection.label === 'person');
    expect(person).toBeDefined();
    expect(iou(person!.box, { x: 0, y: 15, width: 370, height: 497 })).toBeGreaterThan(0.6);
    expect(first.backend).toBe('tfjs-wasm');

    // Kill the worker: it is replaced, and the next request is answered.
    const killed = pool.workers[0]!;
    const oldPid = killed.pid;
    killed.kill();
    killed.kill();
    await waitUntil(
      () => pool!.stats().restarts === 1 && pool!.stats().workers.every((worker) => worker.ready),
      30_000,
      'the restarted worker',
    );
    expect(pool.workers[0]!.pid).not.toBe(oldPid);
    const again = await pool.detect(photo.rgb, photo.width, photo.height);
    expect(again).toMatchObject({ status: 'done' });
    if (again.status === 'done') expect(again.detections[0]?.label).toBe('person');
    console.log(
      `detector worker ready in ${readyMs} ms; crop ${first.crop?.width}x${first.crop?.height} in ${first.ms.toFixed(0)} ms, whole photo ${again.status === 'done' ? again.ms.toFixed(0) : '-'} ms`,
    );
  }, 90_000);
});
