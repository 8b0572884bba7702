/**
 * Stream URLs are stored without credentials; user name and password live in their own columns and are put
 * back into the URL (percent-encoded) only when FFmpeg is spawned.
 */
import { ContractError } from '../../../common/contract/index.js';

export interface SplitUrl {
  /** The URL with user info removed. */
  url: string;
  username: string | null;
  password: string | null;
}

/** Removes `user:password@` from a stream URL (already checked by the contract's `StreamUrl`). */
export function splitCredentials(raw: string): SplitUrl {
  const url = new URL(raw);
  if (url.protocol === 'demo:') return { url: raw, username: null, password: null };
  const username = url.username === '' ? null : decodeURIComponent(url.username);
  const password = url.password === '' ? null : decodeURIComponent(url.password);
  url.username = '';
  url.password = '';
  return { url: url.toString(), username, password };
}

/**
 * The identity of a stream for duplicate detection: scheme and host are case-insensitive (the URL parser
 * does not lower-case hosts of non-special schemes like rtsp:), the default RTSP port is implied, the path is kept as is (cameras' paths are
 * case-sensitive).
 */
export function streamUrlKey(urlWithoutCredentials: string): string {
  const url = new URL(urlWithoutCredentials);
  if (url.protocol === 'demo:') return urlWithoutCredentials;
  const defaultPort = url.protocol === 'rtsps:' ? '322' : '554';
  const port = url.port === '' || url.port === defaultPort ? '' : `:${url.port}`;
  return `${url.protocol}//${url.hostname.toLowerCase()}${port}${url.pathname}${url.search}`;
}

export interface Credentials {
  username: string | null;
  password: string | null;
}

/**
 * Merges credentials found inside a URL with those given in fields. Both may be given only when they agree;
 * otherwise the caller gets a validation error naming the field (and never the values).
 */
export function mergeCredentials(
  field: string,
  fromUrl: Credentials,
  given: Partial<Credentials>,
): Credentials {
  const pick = (name: 'username' | 'password'): string | null => {
    const inUrl = fromUrl[name];
    const inField = given[name];
    if (inUrl !== null && inField !== undefined && inField !== null && inField !== '' && inField !== inUrl) {
      throw new ContractError(
        'validation',
        `Invalid camera: ${name}: differs from the ${name} inside ${field}`,
        {
          issues: [
            { path: name, message: `differs from the ${name} inside ${field}; give it in one place only` },
          ],
        },
      );
    }
    if (inUrl !== null) return inUrl;
    if (inField === undefined || inField === '') return null;
    return inField;
  };
  return { username: pick('username'), password: pick('password') };
}
