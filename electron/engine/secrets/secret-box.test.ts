import { randomBytes } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import {
  createSecretBox,
  isSealed,
  openOrMissing,
  SEALED_PREFIX,
  SecretBoxError,
  sealOrNull,
} from './secret-box.js';

const key = randomBytes(32);
const box = createSecretBox(key);
const SECRET = 'pässword:with/odd@chars 🙂';

function errorOf(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected it to throw');
}

describe('secret box', () => {
  it('seals into enc:v1: text and opens it again', () => {
    const sealed = box.seal(SECRET);
    expect(sealed.startsWith(SEALED_PREFIX)).toBe(true);
    expect(sealed).toMatch(/^enc:v1:[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain(SECRET);
    expect(isSealed(sealed)).toBe(true);
    expect(box.open(sealed)).toBe(SECRET);
    expect(box.open(box.seal(''))).toBe('');
  });

  it('draws a new IV for every seal', () => {
    const sealed = Array.from({ length: 20 }, () => box.seal(SECRET));
    expect(new Set(sealed).size).toBe(sealed.length);
    const ivs = sealed.map((value) =>
      Buffer.from(value.slice(SEALED_PREFIX.length), 'base64url').subarray(0, 12).toString('hex'),
    );
    expect(new Set(ivs).size).toBe(sealed.length);
  });

  it('detects a tampered value and says so without the secret', () => {
    const sealed = box.seal(SECRET);
    const bytes = Buffer.from(sealed.slice(SEALED_PREFIX.length), 'base64url');
    for (const at of [0, 12, bytes.length - 1]) {
      const altered = Buffer.from(bytes);
      altered[at] = (altered[at] ?? 0) ^ 0x01;
      const error = errorOf(() => box.open(SEALED_PREFIX + altered.toString('base64url')));
      expect(error).toBeInstanceOf(SecretBoxError);
      expect(error.message).toMatch(/could not be decrypted/);
      expect(error.message).not.toContain(SECRET);
    }
    expect(errorOf(() => box.open(`${SEALED_PREFIX}AAAA`))).toBeInstanceOf(SecretBoxError);
    expect(errorOf(() => box.open(`${sealed}!`)).message).toMatch(/malformed/);
  });

  it('refuses to open with another key', () => {
    const sealed = box.seal(SECRET);
    const error = errorOf(() => createSecretBox(randomBytes(32)).open(sealed));
    expect(error).toBeInstanceOf(SecretBoxError);
    expect(error.message).not.toContain(SECRET);
    expect(error.message).not.toContain(sealed);
  });

  it('passes legacy plain text through unchanged', () => {
    expect(isSealed('hunter2')).toBe(false);
    expect(box.open('hunter2')).toBe('hunter2');
    expect(box.open('')).toBe('');
  });

  it('wants a 32-byte key and keeps its own copy of it', () => {
    expect(() => createSecretBox(randomBytes(16))).toThrow(/32 bytes/);
    const mine = Buffer.from(key);
    const copy = createSecretBox(mine);
    const sealed = copy.seal(SECRET);
    mine.fill(0);
    expect(copy.open(sealed)).toBe(SECRET);
  });

  it('treats an unreadable secret as missing and reports why', () => {
    const onUnreadable = vi.fn();
    expect(openOrMissing(box, null, onUnreadable)).toBeNull();
    expect(openOrMissing(box, box.seal(SECRET), onUnreadable)).toBe(SECRET);
    expect(onUnreadable).not.toHaveBeenCalled();
    const foreign = createSecretBox(randomBytes(32)).seal(SECRET);
    expect(openOrMissing(box, foreign, onUnreadable)).toBeNull();
    expect(onUnreadable).toHaveBeenCalledWith(expect.any(SecretBoxError));
    expect(sealOrNull(box, null)).toBeNull();
    expect(box.open(sealOrNull(box, SECRET) ?? '')).toBe(SECRET);
  });
});
