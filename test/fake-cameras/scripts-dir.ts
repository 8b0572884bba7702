import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder holding the harness's Python scripts. Found upward from this module, so the harness also works
 * when bundled elsewhere (the benchmarks are built into out/bench/).
 */
export function fakeCameraScriptsDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    for (const candidate of [dir, path.join(dir, 'test', 'fake-cameras')]) {
      if (fs.existsSync(path.join(candidate, 'rtsp_server.py'))) return candidate;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('Cannot find test/fake-cameras/rtsp_server.py');
    dir = parent;
  }
}
