/**
 * The headless key source: `<dataDir>/secret.key`, 32 random bytes readable by the user only. Created once with
 * an exclusive create, read back on every later start; a file others may read or of the wrong length is
 * refused with a clear error rather than used or replaced (replacing it would lose every stored password).
 * The desktop app keeps its key sealed by Electron's safeStorage instead (`electron/shell/secret-key.ts`).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../ports.js';
import { createPrivateFile, readPrivateFile } from './private-files.js';
import { SECRET_KEY_BYTES } from './secret-box.js';

export const KEY_FILE_NAME = 'secret.key';
/** The desktop app's key, sealed by Electron's safeStorage; the headless engine cannot open it. */
export const SAFE_STORAGE_KEY_FILE_NAME = 'secret.key.safe';

const LOST_KEY_ADVICE =
  'Restore it from a backup, or delete it to start with a new key (the stored camera, MQTT and webhook passwords are then lost and must be typed again).';

/** Reads `<dataDir>/secret.key`; throws a clear error when it is not a user-only file of 32 bytes. */
export function readKeyFile(file: string): Buffer {
  const key = readPrivateFile(file);
  if (key.length !== SECRET_KEY_BYTES) {
    throw new Error(
      `${file} holds ${key.length} bytes; a secret key file holds exactly ${SECRET_KEY_BYTES}. ${LOST_KEY_ADVICE}`,
    );
  }
  return key;
}

/**
 * The data key of a headless engine: `<dataDir>/secret.key`, created on first use. Refuses to create one
 * where the desktop app's safeStorage key exists, since a new key could open none of the stored secrets.
 */
export function loadOrCreateKeyFile(dataDir: string, logger: Logger): Buffer {
  const file = path.join(dataDir, KEY_FILE_NAME);
  if (!fs.existsSync(file)) {
    const safeFile = path.join(dataDir, SAFE_STORAGE_KEY_FILE_NAME);
    if (fs.existsSync(safeFile)) {
      throw new Error(
        `The stored passwords in ${dataDir} are sealed with the desktop app's key (${safeFile}, held by the system keyring), which the headless server cannot read. Start the desktop app on this folder, or delete ${safeFile} to start with a new key (the stored passwords must then be typed again).`,
      );
    }
    if (createPrivateFile(file, randomBytes(SECRET_KEY_BYTES))) {
      logger.info({ component: 'secrets', file }, 'Created the key that encrypts stored passwords');
    }
  }
  return readKeyFile(file);
}
