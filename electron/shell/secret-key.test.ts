import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSilentLogger } from '../engine/logging/logger.js';
import type { Logger } from '../engine/ports.js';
import { loadSafeStorageKey, type SafeStorageLike } from './secret-key.js';

// Electron cannot run here: safeStorage is a stand-in that "encrypts" by XOR with a keyring byte, enough to
// tell sealed from plain and to fail like the real one when the keyring changed.
function fakeSafeStorage(options: { available?: boolean; backend?: string; keyring?: number } = {}) {
  const keyring = options.keyring ?? 0x5a;
  const calls = { encrypt: 0 };
  const storage: SafeStorageLike = {
    isEncryptionAvailable: () => options.available ?? true,
    encryptString: (plain) => {
      calls.encrypt += 1;
      return Buffer.concat([
        Buffer.from([keyring]),
        Buffer.from(plain, 'utf8').map((byte) => byte ^ keyring),
      ]);
    },
    decryptString: (sealed) => {
      if (sealed[0] !== keyring)
        throw new Error('Error while decrypting the ciphertext provided to safeStorage');
      return Buffer.from(sealed.subarray(1).map((byte) => byte ^ keyring)).toString('utf8');
    },
    ...(options.backend === undefined ? {} : { getSelectedStorageBackend: () => options.backend ?? '' }),
  };
  return { storage, calls };
}

let dataDir: string;
let warnings: string[];
let logger: Logger;
const posix = process.platform !== 'win32';

beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'omnisight-safe-key-'));
  warnings = [];
  logger = { ...createSilentLogger(), warn: (_fields, message) => warnings.push(message) };
});

afterEach(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const safeFile = () => path.join(dataDir, 'secret.key.safe');

describe('the safeStorage key', () => {
  it('is made once, kept sealed and user-only in secret.key.safe, and read back after', () => {
    const { storage, calls } = fakeSafeStorage();
    const key = loadSafeStorageKey({ dataDir, safeStorage: storage, logger, platform: 'darwin' });
    expect(key).toHaveLength(32);
    const stored = fs.readFileSync(safeFile());
    expect(stored.includes(Buffer.from(key!.toString('base64')))).toBe(false);
    if (posix) expect(fs.statSync(safeFile()).mode & 0o777).toBe(0o600);
    expect(fs.existsSync(path.join(dataDir, 'secret.key'))).toBe(false);
    const again = loadSafeStorageKey({ dataDir, safeStorage: storage, logger, platform: 'darwin' });
    expect(again?.equals(key!)).toBe(true);
    expect(calls.encrypt).toBe(1);
    expect(warnings).toEqual([]);
  });

  it('warns on Linux when safeStorage falls back to its plain-text backend', () => {
    const basic = fakeSafeStorage({ backend: 'basic_text' }).storage;
    loadSafeStorageKey({ dataDir, safeStorage: basic, logger, platform: 'linux' });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/plain-text backend.*only as safe as the file permissions/);
    warnings.length = 0;
    const keyring = fakeSafeStorage({ backend: 'gnome_libsecret' }).storage;
    loadSafeStorageKey({ dataDir, safeStorage: keyring, logger, platform: 'linux' });
    expect(warnings).toEqual([]);
  });

  it('leaves the key to the engine when safeStorage cannot encrypt, and refuses once a key is sealed', () => {
    const unavailable = fakeSafeStorage({ available: false }).storage;
    expect(loadSafeStorageKey({ dataDir, safeStorage: unavailable, logger })).toBeUndefined();
    expect(warnings[0]).toMatch(/secret\.key instead/);
    expect(fs.existsSync(safeFile())).toBe(false);
    loadSafeStorageKey({ dataDir, safeStorage: fakeSafeStorage().storage, logger });
    expect(() => loadSafeStorageKey({ dataDir, safeStorage: unavailable, logger })).toThrow(
      /sealed by the system keyring, which is not available now/,
    );
  });

  it('moves in the key of an earlier headless run, so what it sealed stays readable', () => {
    const headless = randomBytes(32);
    fs.writeFileSync(path.join(dataDir, 'secret.key'), headless, { mode: 0o600 });
    const key = loadSafeStorageKey({ dataDir, safeStorage: fakeSafeStorage().storage, logger });
    expect(key?.equals(headless)).toBe(true);
    expect(fs.existsSync(path.join(dataDir, 'secret.key'))).toBe(false);
    expect(
      loadSafeStorageKey({ dataDir, safeStorage: fakeSafeStorage().storage, logger })?.equals(headless),
    ).toBe(true);
  });

  it('refuses a sealed key the keyring cannot open, or one others may read, and keeps the file', () => {
    loadSafeStorageKey({ dataDir, safeStorage: fakeSafeStorage().storage, logger });
    const before = fs.readFileSync(safeFile());
    const otherKeyring = fakeSafeStorage({ keyring: 0x33 }).storage;
    expect(() => loadSafeStorageKey({ dataDir, safeStorage: otherKeyring, logger })).toThrow(
      /could not be decrypted by the system keyring.*delete the file to start with a new key/,
    );
    expect(fs.readFileSync(safeFile()).equals(before)).toBe(true);
    if (posix) {
      fs.chmodSync(safeFile(), 0o644);
      expect(() => loadSafeStorageKey({ dataDir, safeStorage: fakeSafeStorage().storage, logger })).toThrow(
        /open to other users/,
      );
    }
  });
});
