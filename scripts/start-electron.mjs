// Starts the desktop app from the checkout (`npm start` runs the build first). The Electron binary is a separate
// download that fails on machines without GitHub access (ELECTRON_SKIP_BINARY_DOWNLOAD); then this says so in
// one line and points at the headless server instead of printing a stack trace.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const appDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MISSING =
  'OmniSight: the Electron binary is not installed (ELECTRON_SKIP_BINARY_DOWNLOAD?). Run the headless server instead: npm run server';

/** The binary's path, or null when the package has none (its index.js throws, or names a file that is absent). */
function electronBinary() {
  try {
    const binary = createRequire(import.meta.url)('electron');
    return typeof binary === 'string' && fs.existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

const binary = electronBinary();
if (binary === null) {
  process.stderr.write(`${MISSING}\n`);
  process.exit(1);
}

const env = { ...process.env };
// Set in the environment, it would make the binary run as plain Node and ignore the app.
delete env.ELECTRON_RUN_AS_NODE;

const child = spawn(binary, [appDir, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env,
  windowsHide: false,
});

// Ctrl+C in the terminal reaches Electron too; it quits gracefully and its exit code is forwarded below.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (child.exitCode === null) child.kill(signal);
  });
}

child.on('error', (error) => {
  process.stderr.write(`OmniSight: could not start Electron (${error.message})\n`);
  process.exit(1);
});
child.on('exit', (code, signal) => {
  if (code === null) {
    process.stderr.write(`OmniSight: Electron ended by ${signal}\n`);
    process.exit(1);
  }
  process.exit(code);
});
