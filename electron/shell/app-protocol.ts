import path from 'node:path';
import { CONTENT_SECURITY_POLICY } from './security.js';

/**
 * The renderer is served from `app://omnisight/` instead of `file://`: a standard, secure scheme gives the page
 * a real origin, so the IPC bridge can check senders against it, the CSP `'self'` means exactly our files, and
 * `file://`'s extra privileges are never needed.
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'omnisight';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
/** The URL the main window loads. */
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/**
 * Privileges for `protocol.registerSchemesAsPrivileged`: `standard` for origin and relative URL semantics,
 * `secure` so it counts as a secure context, `supportFetchAPI` for module scripts and `fetch('./x')`, `stream`
 * for media elements, `codeCache` so V8 caches our bundles. No `bypassCSP`, no `corsEnabled`.
 */
export const APP_SCHEME_PRIVILEGES = {
  standard: true,
  secure: true,
  supportFetchAPI: true,
  stream: true,
  codeCache: true,
} as const;

/** True when `url` belongs to our app origin (`app://omnisight/...`). Anything unparsable is not ours. */
export function isAppUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  // `URL.origin` is the string "null" for non-special schemes, so compare scheme and host instead.
  // Chromium lowercases the host of a standard scheme; Node's parser keeps it, so compare case-insensitively.
  return (
    parsed.protocol === `${APP_SCHEME}:` &&
    parsed.host.toLowerCase() === APP_HOST &&
    parsed.username === '' &&
    parsed.password === ''
  );
}

/**
 * Maps a request URL to a file inside `rendererDir`, or `null` when the URL is not ours or would leave the
 * folder. The URL parser already folds `.`/`..` (also `%2e`); decoding afterwards can produce new separators
 * (`%2f`, `%5c`), so the decoded path is resolved again and must still lie inside the folder.
 */
export function resolveRendererPath(rendererDir: string, requestUrl: string): string | null {
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return null;
  }
  if (!isAppUrl(requestUrl)) return null;
  let relative: string;
  try {
    relative = decodeURIComponent(url.pathname);
  } catch {
    return null;
  }
  // No built file has a NUL or a backslash in its name; on Windows a backslash would be a separator.
  if (relative.includes('\0') || relative.includes('\\')) return null;
  if (relative === '/' || relative === '') relative = '/index.html';
  const root = path.resolve(rendererDir);
  const resolved = path.resolve(root, `.${path.sep}${relative}`);
  if (!resolved.startsWith(root + path.sep)) return null;
  return resolved;
}

/** Content types of what Vite emits; anything else is served as bytes (and `nosniff` keeps it that way). */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

export function contentTypeFor(filePath: string): string {
  return CONTENT_TYPES[path.extname(filePath).toLowerCase()] ?? 'application/octet-stream';
}

/** Headers on every app:// response; the CSP here is the one that counts (a meta tag can only add to it). */
export const APP_RESPONSE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cache-Control': 'no-cache',
};

/** Reads one file; Electron's `fs` reads inside the asar archive too. */
export type ReadFile = (filePath: string) => Promise<Uint8Array>;

/**
 * The `protocol.handle('app', ...)` handler: serves files from `rendererDir` only, GET and HEAD only, with the
 * security headers. Plain `Request` in, `Response` out, so it runs under Node in tests.
 */
export function createAppProtocolHandler(options: {
  rendererDir: string;
  readFile: ReadFile;
  onError?: (error: unknown, url: string) => void;
  /**
   * An event's snapshot or thumbnail file (the engine's `eventSnapshot`), so the page's
   * `api/events/<id>/thumbnail.jpg` works in the desktop app as it does over HTTP. Throws when there is none.
   */
  eventSnapshot?: (id: string, kind: 'snapshot' | 'thumbnail') => Promise<string> | string;
}): (request: Request) => Promise<Response> {
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return textResponse(405, 'Method not allowed', { Allow: 'GET, HEAD' });
    }
    const snapshot = isAppUrl(request.url)
      ? /^\/api\/events\/([1-9]\d{0,15})\/(snapshot|thumbnail)\.jpg$/.exec(new URL(request.url).pathname)
      : null;
    if (snapshot !== null && options.eventSnapshot !== undefined) {
      let body: Uint8Array;
      try {
        const file = await options.eventSnapshot(
          snapshot[1] ?? '',
          snapshot[2] === 'snapshot' ? 'snapshot' : 'thumbnail',
        );
        body = await options.readFile(file);
      } catch {
        return textResponse(404, 'Not found');
      }
      const headers = { ...APP_RESPONSE_HEADERS, 'Content-Type': 'image/jpeg' };
      return new Response(request.method === 'HEAD' ? null : body, { status: 200, headers });
    }
    const filePath = resolveRendererPath(options.rendererDir, request.url);
    if (filePath === null) return textResponse(404, 'Not found');
    let body: Uint8Array;
    try {
      body = await options.readFile(filePath);
    } catch (error) {
      if (!isMissingFile(error)) options.onError?.(error, request.url);
      return textResponse(404, 'Not found');
    }
    const headers = { ...APP_RESPONSE_HEADERS, 'Content-Type': contentTypeFor(filePath) };
    return new Response(request.method === 'HEAD' ? null : body, { status: 200, headers });
  };
}

function textResponse(status: number, text: string, extra: Record<string, string> = {}): Response {
  return new Response(text, {
    status,
    headers: { ...APP_RESPONSE_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', ...extra },
  });
}

function isMissingFile(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR';
}
