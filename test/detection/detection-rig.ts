/** What the real-camera detection tests share: the built worker entries and a fork host for them. */
import fs from 'node:fs';
import path from 'node:path';
import { createSilentLogger } from '../../electron/engine/logging/logger.js';
import { ForkWorkerHost } from '../../electron/engine/workers/fork-worker-host.js';
import { REPO_ROOT } from '../support/server.js';

export const WORKERS_DIR = path.join(REPO_ROOT, 'out', 'workers');

/** Throws, saying how to build them, when the motion or detector worker is not built. */
export function assertBuiltWorkers(): void {
  for (const worker of ['motion-worker.cjs', 'detector-worker.cjs']) {
    if (!fs.existsSync(path.join(WORKERS_DIR, worker))) {
      throw new Error(
        `${worker} is missing from out/workers: run \`node scripts/build.mjs\` (npm test does)`,
      );
    }
  }
}

/** Forks the built workers as the headless engine does. */
export function detectionWorkerHost(): ForkWorkerHost {
  return new ForkWorkerHost({ workersDir: WORKERS_DIR, logger: createSilentLogger(), killGraceMs: 2_000 });
}
