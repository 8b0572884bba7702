import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Tests scripts/start-electron.mjs (the shell's launcher) by running it. ELECTRON_OVERRIDE_DIST_PATH is read by
// the electron package's index.js, so the test decides which "binary" exists on every machine alike.
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SCRIPT = path.join(ROOT, 'scripts', 'start-electron.mjs');

function run(env: Record<string, string>, args: string[] = []) {
  const result = spawnSync(process.execPath, [SCRIPT, ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('scripts/start-electron.mjs', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omnisight-start-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('prints one line and exits 1 when the binary is missing', () => {
    const result = run({ ELECTRON_OVERRIDE_DIST_PATH: path.join(dir, 'nothing-here') });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      'OmniSight: the Electron binary is not installed (ELECTRON_SKIP_BINARY_DOWNLOAD?). ' +
        'Run the headless server instead: npm run server\n',
    );
  });

  it.skipIf(process.platform === 'win32')(
    'starts the binary with the app folder and arguments (no shell) and forwards its exit code',
    () => {
      const distDir = path.join(dir, 'dist');
      const record = path.join(dir, 'argv.json');
      // electron/index.js appends the name from its path.txt (written by a successful download) or 'electron'.
      const pathTxt = path.join(ROOT, 'node_modules', 'electron', 'path.txt');
      const fake = path.join(distDir, fs.existsSync(pathTxt) ? fs.readFileSync(pathTxt, 'utf8') : 'electron');
      fs.mkdirSync(path.dirname(fake), { recursive: true });
      // A stand-in "Electron": records what it was given and exits with a code the launcher must pass on.
      fs.writeFileSync(
        fake,
        `#!${process.execPath}\n` +
          `require('fs').writeFileSync(${JSON.stringify(record)}, JSON.stringify({ argv: process.argv.slice(2), runAsNode: process.env.ELECTRON_RUN_AS_NODE ?? null }));\n` +
          'process.exit(7);\n',
      );
      fs.chmodSync(fake, 0o755);
      const result = run({ ELECTRON_OVERRIDE_DIST_PATH: distDir, ELECTRON_RUN_AS_NODE: '1' }, [
        '--hidden',
        '$(touch x); *',
      ]);
      expect(result.status).toBe(7);
      expect(JSON.parse(fs.readFileSync(record, 'utf8'))).toEqual({
        argv: [ROOT, '--hidden', '$(touch x); *'],
        runAsNode: null,
      });
    },
  );
});
