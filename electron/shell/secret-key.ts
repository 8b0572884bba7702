/**
 * The desktop app's key source: the engine's 32-byte data key, sealed by Electron's `safeStorage` (Keychain,
 * DPAPI, or the Linux keyring) in `<dataDir>/secret.key.safe`, user-only. Made once; a headless key file
 * found there on the first run is moved in, so what it sealed stays readable. Called after `ready`, when
 * safeStorage works. See electron/engine/secrets/README.md.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { SafeStorage } from 'electron';
import type { Logger } from '../engine/ports.js';
import { KEY_FILE_NAME, readKeyFile, SAFE_STORAGE_KEY_FILE_NAME } from '../engine/secrets/key-file.js';
import { createPrivateFile, ensurePrivateFolder, readPrivateFile } from '../engine/secrets/private-files.js';
import { SECRET_KEY_BYTES } from '../engine/secrets/secret-box.js';

/** What is used of Electron's `safeStorage`; `getSelectedStorageBackend` exists on Linux only. */
export type SafeStorageLike = Pick<
  SafeStorage,
  'isEncryptionAvailable' | 'encryptString' | 'decryptString'
> & {
  getSelectedStorageBackend?: () => string;
};

export interface SafeStorageKeyOptions {
  dataDir: string;
  safeStorage: SafeStorageLike;
  logger: Logger;
  platform?: NodeJS.Platform;
}

/**
 * The data key for `createEngine({ secretKey })`; undefined when safeStorage cannot encrypt here and no key
 * was sealed with it yet (the engine then uses its key file). Throws a clear error when the sealed key
 * exists but cannot be read.
 */
export function loadSafeStorageKey(options: SafeStorageKeyOptions): Buffer | undefined {
  const { dataDir, safeStorage, logger } = options;
  const file = path.join(dataDir, SAFE_STORAGE_KEY_FILE_NAME);
  if (!safeStorage.isEncryptionAvailable()) {
    if (fs.existsSync(file)) {
      throw new Error(
        `The key to the stored passwords (${file}) is sealed by the system keyring, which is not available now. Unlock or start the keyring (Keychain, the Secret Service or KWallet) and start OmniSight again.`,
      );
    }
    logger.warn(
      { dataDir },
      `safeStorage cannot encrypt here: stored passwords are sealed with ${KEY_FILE_NAME} instead, as safe as its file permissions`,
    );
    return undefined;
  }
  if ((options.platform ?? process.platform) === 'linux') {
    const backend = safeStorage.getSelectedStorageBackend?.();
    if (backend === 'basic_text') {
      logger.warn(
        { dataDir, backend },
        'No keyring was found (safeStorage uses its plain-text backend): stored passwords are only as safe as the file permissions of the data folder',
      );
    }
  }
  if (fs.existsSync(file)) return openSealedKey(file, safeStorage);

  ensurePrivateFolder(dataDir);
  const keyFile = path.join(dataDir, KEY_FILE_NAME);
  const adopted = fs.existsSync(keyFile);
  const key = adopted ? readKeyFile(keyFile) : randomBytes(SECRET_KEY_BYTES);
  if (!createPrivateFile(file, safeStorage.encryptString(key.toString('base64')))) {
    return openSealedKey(file, safeStorage);
  }
  if (adopted) {
    // The plain key beside the sealed one would make the keyring pointless; the headless server then says
    // clearly that it cannot read this folder's key.
    fs.rmSync(keyFile);
    logger.info(
      { file },
      `Moved the key of the stored passwords from ${KEY_FILE_NAME} into the system keyring`,
    );
  } else {
    logger.info({ file }, 'Created the key that encrypts stored passwords, sealed by the system keyring');
  }
  return key;
}

function openSealedKey(file: string, safeStorage: SafeStorageLike): Buffer {
  const sealed = readPrivateFile(file);
  let text: string;
  try {
    text = safeStorage.decryptString(sealed);
  } catch {
    throw new Error(
      `${file} could not be decrypted by the system keyring (safeStorage). If the keyring was reset, its key is lost: delete the file to start with a new key (the stored camera, MQTT and webhook passwords must then be typed again).`,
    );
  }
  const key = Buffer.from(text, 'base64');
  if (key.length !== SECRET_KEY_BYTES || key.toString('base64') !== text) {
    throw new Error(
      `${file} does not hold a ${SECRET_KEY_BYTES}-byte key; restore it from a backup, or delete it`,
    );
  }
  return key;
}
