// Builds everything `npm start`, `npm run server` and the tests run:
//   out/server/server.js   headless entry (ESM; npm packages stay in node_modules)
//   out/shell/main.cjs     Electron main process (CJS; 'electron' and npm packages external)
//   out/preload/index.cjs  sandboxed preload (CJS; may only require 'electron', so everything else is bundled)
//   out/workers/*.js       worker entries, identical under utilityProcess and fork
//   out/bench/*.js         benchmarks
//   out/renderer/          the React UI (Vite), served by the gateway and loaded by the Electron window
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build as esbuild } from 'esbuild';
import { build as viteBuild } from 'vite';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const quiet = process.argv.includes('--quiet');

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  absWorkingDir: root,
};

const started = Date.now();
const jobs = [
  esbuild({
    ...common,
    entryPoints: ['electron/server.ts'],
    outfile: 'out/server/server.js',
    format: 'esm',
    packages: 'external',
  }),
];

if (fs.existsSync(path.join(root, 'electron/shell/main.ts'))) {
  jobs.push(
    esbuild({
      ...common,
      entryPoints: ['electron/shell/main.ts'],
      outfile: 'out/shell/main.cjs',
      format: 'cjs',
      packages: 'external',
      external: ['electron'],
    }),
  );
}
if (fs.existsSync(path.join(root, 'electron/preload/index.ts'))) {
  jobs.push(
    esbuild({
      ...common,
      entryPoints: ['electron/preload/index.ts'],
      outfile: 'out/preload/index.cjs',
      format: 'cjs',
      external: ['electron'],
    }),
  );
}
const workerEntries = fs.existsSync(path.join(root, 'workers'))
  ? fs
      .readdirSync(path.join(root, 'workers'))
      .filter((name) => name.endsWith('-worker.ts') && !name.endsWith('.test.ts'))
      .map((name) => `workers/${name}`)
  : [];
if (workerEntries.length > 0) {
  jobs.push(
    esbuild({
      ...common,
      entryPoints: workerEntries,
      outdir: 'out/workers',
      format: 'cjs',
      outExtension: { '.js': '.cjs' },
      packages: 'external',
    }),
  );
}

// Benchmarks: each bench/<name>.ts with a main becomes out/bench/<name>.js (npm run bench:<name>).
const benchEntries = [
  'bench/record.ts',
  'bench/storage.ts',
  'bench/live.ts',
  'bench/motion.ts',
  'bench/detect.ts',
].filter((entry) => fs.existsSync(path.join(root, entry)));
if (benchEntries.length > 0) {
  jobs.push(
    esbuild({
      ...common,
      entryPoints: benchEntries,
      outdir: 'out/bench',
      format: 'esm',
      packages: 'external',
    }),
  );
}

jobs.push(
  viteBuild({
    configFile: path.join(root, 'vite.config.ts'),
    logLevel: quiet ? 'error' : 'warn',
  }),
);

await Promise.all(jobs);
if (!quiet) process.stdout.write(`Built out/ in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
