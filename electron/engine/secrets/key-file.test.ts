import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSilentLogger } from '../logging/logger.js';
import type { Logger } from '../ports.js';
import { KEY_FILE_NAME, loadOrCreateKeyFile, readKeyFile, SAFE_STORAGE_KEY_FILE_NAME } from './key-file.js';
import { createPrivateFile, ensurePrivateFolder } from './private-files.js';

let dir: string;
let lines: string[];
let logger: Logger;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omnisight-key-'));
  lines = [];
  const capture = (fields: object, message: string) => lines.push(`${message} ${JSON.stringify(fields)}`);
  logger = { ...createSilentLogger(), info: capture, warn: capture, error: capture };
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const posix = process.platform !== 'win32';

describe('the key file', () => {
  it('is created once with 32 random bytes, user-only, and read back on the next start', () => {
    const key = loadOrCreateKeyFile(dir, logger);
    const file = path.join(dir, KEY_FILE_NAME);
    expect(key).toHaveLength(32);
    expect(fs.readFileSync(file).equals(key)).toBe(true);
    if (posix) expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(loadOrCreateKeyFile(dir, logger).equals(key)).toBe(true);
    expect(lines).toHaveLength(1);
    expect(lines.join('\n')).not.toContain(key.toString('hex'));
    expect(lines.join('\n')).not.toContain(key.toString('base64'));
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'omnisight-key-'));
    try {
      expect(loadOrCreateKeyFile(other, logger).equals(key)).toBe(false);
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
    }
  });

  it.runIf(posix)('is user-only whatever the umask', () => {
    const before = process.umask(0);
    try {
      loadOrCreateKeyFile(dir, logger);
    } finally {
      process.umask(before);
    }
    expect(fs.statSync(path.join(dir, KEY_FILE_NAME)).mode & 0o777).toBe(0o600);
  });

  it.runIf(posix)('refuses a key file others may read, without replacing it', () => {
    const key = loadOrCreateKeyFile(dir, logger);
    const file = path.join(dir, KEY_FILE_NAME);
    for (const mode of [0o644, 0o640, 0o602]) {
      fs.chmodSync(file, mode);
      expect(() => loadOrCreateKeyFile(dir, logger)).toThrow(
        new RegExp(`open to other users \\(mode ${mode.toString(8)}\\).*owner only.*chmod 600`),
      );
    }
    fs.chmodSync(file, 0o600);
    expect(loadOrCreateKeyFile(dir, logger).equals(key)).toBe(true);
  });

  it('refuses a key file of the wrong length and says what to do', () => {
    const file = path.join(dir, KEY_FILE_NAME);
    fs.writeFileSync(file, Buffer.alloc(31), { mode: 0o600 });
    expect(() => loadOrCreateKeyFile(dir, logger)).toThrow(/holds 31 bytes.*exactly 32.*delete it/);
    fs.writeFileSync(file, Buffer.alloc(0));
    expect(() => readKeyFile(file)).toThrow(/holds 0 bytes/);
    expect(fs.readFileSync(file)).toHaveLength(0);
  });

  it('creates no new key where the desktop app keeps its key', () => {
    fs.writeFileSync(path.join(dir, SAFE_STORAGE_KEY_FILE_NAME), 'sealed by safeStorage', { mode: 0o600 });
    expect(() => loadOrCreateKeyFile(dir, logger)).toThrow(/desktop app's key.*cannot read/);
    expect(fs.existsSync(path.join(dir, KEY_FILE_NAME))).toBe(false);
  });

  it('creates a private file only when none exists, and removes a half-written one', () => {
    const file = path.join(dir, 'private');
    expect(createPrivateFile(file, Buffer.from('one'))).toBe(true);
    expect(createPrivateFile(file, Buffer.from('two'))).toBe(false);
    expect(fs.readFileSync(file, 'utf8')).toBe('one');
    const failing = path.join(dir, 'failing');
    const spy = vi.spyOn(fs, 'fsyncSync').mockImplementationOnce(() => {
      throw new Error('disk gone');
    });
    try {
      expect(() => createPrivateFile(failing, Buffer.from('x'))).toThrow(/disk gone/);
    } finally {
      spy.mockRestore();
    }
    expect(fs.existsSync(failing)).toBe(false);
  });

  it.runIf(posix)('creates folders user-only whatever the umask, and reports an open one it finds', () => {
    const before = process.umask(0);
    try {
      const created = path.join(dir, 'a', 'b');
      expect(ensurePrivateFolder(created)).toBeNull();
      expect(fs.statSync(created).mode & 0o777).toBe(0o700);
      expect(fs.statSync(path.join(dir, 'a')).mode & 0o777).toBe(0o700);
      const open = path.join(dir, 'open');
      fs.mkdirSync(open, { mode: 0o755 });
      expect(ensurePrivateFolder(open)).toBe('755');
      expect(fs.statSync(open).mode & 0o777).toBe(0o755);
      expect(ensurePrivateFolder(created)).toBeNull();
    } finally {
      process.umask(before);
    }
  });
});
