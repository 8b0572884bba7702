/**
 * The secret box: seals a secret (a camera password, the MQTT password, a webhook secret) into text that can be
 * stored, with AES-256-GCM under the engine's 32-byte data key. A sealed value reads
 * `enc:v1:<base64url of iv (12 bytes) | tag (16 bytes) | ciphertext>`; every seal draws a fresh IV.
 *
 * `open()` returns a value without the prefix unchanged: databases written before secrets were encrypted keep
 * working until the start-up pass (`seal-legacy.ts`) seals them. Errors never carry the value, sealed or not.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export const SEALED_PREFIX = 'enc:v1:';
export const SECRET_KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A stored secret could not be opened: the wrong key, or a damaged or altered value. Names neither. */
export class SecretBoxError extends Error {
  override readonly name = 'SecretBoxError';
}

export interface SecretBox {
  /** `enc:v1:…` text for storing; a different text every call for the same secret. */
  seal(plaintext: string): string;
  /** The secret in a sealed value; a value without the prefix (legacy plain text) as it is. Throws `SecretBoxError`. */
  open(stored: string): string;
}

/** Whether a stored value is sealed (as opposed to legacy plain text). */
export function isSealed(stored: string): boolean {
  return stored.startsWith(SEALED_PREFIX);
}

export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== SECRET_KEY_BYTES) {
    throw new Error(`A secret key must be ${SECRET_KEY_BYTES} bytes, not ${key.length}`);
  }
  // A copy: the caller may wipe or reuse its buffer.
  const ownKey = Buffer.from(key);
  return {
    seal(plaintext) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', ownKey, iv);
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return SEALED_PREFIX + Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64url');
    },
    open(stored) {
      if (!isSealed(stored)) return stored;
      const body = stored.slice(SEALED_PREFIX.length);
      const bytes = Buffer.from(body, 'base64url');
      // Buffer.from skips characters outside the alphabet; a round trip tells a clean value from a mangled one.
      if (bytes.length < IV_BYTES + TAG_BYTES || bytes.toString('base64url') !== body) {
        throw new SecretBoxError('The stored secret is malformed (not a sealed value this version can read)');
      }
      const decipher = createDecipheriv('aes-256-gcm', ownKey, bytes.subarray(0, IV_BYTES));
      decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      try {
        return Buffer.concat([
          decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)),
          decipher.final(),
        ]).toString('utf8');
      } catch {
        throw new SecretBoxError(
          'The stored secret could not be decrypted: it was sealed with another key, or it was altered',
        );
      }
    },
  };
}

/**
 * Opens a stored secret the engine can live without: null stays null, and one that cannot be opened is
 * reported to `onUnreadable` and treated as missing (null) instead of failing the caller.
 */
export function openOrMissing(
  box: SecretBox,
  stored: string | null,
  onUnreadable: (error: SecretBoxError) => void,
): string | null {
  if (stored === null) return null;
  try {
    return box.open(stored);
  } catch (error) {
    if (!(error instanceof SecretBoxError)) throw error;
    onUnreadable(error);
    return null;
  }
}

/** Seals a nullable secret for storing; null stays null. */
export function sealOrNull(box: SecretBox, plaintext: string | null): string | null {
  return plaintext === null ? null : box.seal(plaintext);
}
