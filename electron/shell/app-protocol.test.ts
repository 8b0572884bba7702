import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  APP_ENTRY_URL,
  APP_ORIGIN,
  APP_SCHEME_PRIVILEGES,
  contentTypeFor,
  createAppProtocolHandler,
  isAppUrl,
  resolveRendererPath,
} from './app-protocol.js';
import { CONTENT_SECURITY_POLICY } from './security.js';

const ROOT = path.resolve('/opt/omnisight/out/renderer');

describe('isAppUrl', () => {
  it.each([
    APP_ENTRY_URL,
    `${APP_ORIGIN}/`,
    APP_ORIGIN,
    'app://OMNISIGHT/assets/x.js',
    `${APP_ORIGIN}/index.html#/live`,
  ])('accepts %s', (url) => expect(isAppUrl(url)).toBe(true));

  it.each([
    'https://omnisight/',
    'app://omnisight.example/',
    'app://omnisight:8080/',
    'app://x@omnisight/',
    'app://evil/omnisight/',
    'file:///omnisight/index.html',
    'about:blank',
    'devtools://devtools/bundled/inspector.html',
    '',
    'omnisight',
  ])('refuses %s', (url) => expect(isAppUrl(url)).toBe(false));
});

describe('resolveRendererPath', () => {
  it('maps the root and files to paths inside the renderer folder', () => {
    expect(resolveRendererPath(ROOT, `${APP_ORIGIN}/`)).toBe(path.join(ROOT, 'index.html'));
    expect(resolveRendererPath(ROOT, APP_ENTRY_URL)).toBe(path.join(ROOT, 'index.html'));
    expect(resolveRendererPath(ROOT, `${APP_ORIGIN}/assets/index-abc.js?v=1#x`)).toBe(
      path.join(ROOT, 'assets', 'index-abc.js'),
    );
    expect(resolveRendererPath(ROOT, `${APP_ORIGIN}/assets/a%20b.css`)).toBe(
      path.join(ROOT, 'assets', 'a b.css'),
    );
  });

  it.each([
    ['an encoded slash', `${APP_ORIGIN}/..%2f..%2fetc%2fpasswd`],
    ['an encoded backslash', `${APP_ORIGIN}/..%5c..%5cwindows%5cwin.ini`],
    ['a sibling folder with the same prefix', `${APP_ORIGIN}/..%2frenderer-secrets%2fkey`],
    ['a NUL byte', `${APP_ORIGIN}/index.html%00.png`],
    ['broken escapes', `${APP_ORIGIN}/%E0%A4%A`],
    ['another host', 'app://other/index.html'],
    ['another scheme', 'https://omnisight/index.html'],
    ['garbage', 'not a url'],
  ])('refuses %s', (_what, url) => {
    expect(resolveRendererPath(ROOT, url)).toBeNull();
  });

  it('keeps dot segments, plain or encoded, inside the folder (the URL parser folds them first)', () => {
    expect(resolveRendererPath(ROOT, `${APP_ORIGIN}/../../etc/passwd`)).toBe(
      path.join(ROOT, 'etc', 'passwd'),
    );
    expect(resolveRendererPath(ROOT, `${APP_ORIGIN}/%2e%2e/%2E%2E/etc/passwd`)).toBe(
      path.join(ROOT, 'etc', 'passwd'),
    );
  });
});

describe('contentTypeFor', () => {
  it('knows what Vite emits and falls back to bytes', () => {
    expect(contentTypeFor('/x/index.html')).toBe('text/html; charset=utf-8');
    expect(contentTypeFor('/x/a.JS')).toBe('text/javascript; charset=utf-8');
    expect(contentTypeFor('/x/a.css')).toBe('text/css; charset=utf-8');
    expect(contentTypeFor('/x/font.woff2')).toBe('font/woff2');
    expect(contentTypeFor('/x/unknown.bin')).toBe('application/octet-stream');
  });
});

describe('APP_SCHEME_PRIVILEGES', () => {
  it('makes the scheme a standard secure origin without bypassing CSP', () => {
    expect(APP_SCHEME_PRIVILEGES).toMatchObject({ standard: true, secure: true, supportFetchAPI: true });
    expect(APP_SCHEME_PRIVILEGES).not.toHaveProperty('bypassCSP');
    expect(APP_SCHEME_PRIVILEGES).not.toHaveProperty('corsEnabled');
  });
});

describe('createAppProtocolHandler', () => {
  let dir: string;
  let rendererDir: string;
  const errors: unknown[] = [];

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omnisight-protocol-'));
    rendererDir = path.join(dir, 'renderer');
    fs.mkdirSync(path.join(rendererDir, 'assets'), { recursive: true });
    fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>OmniSight</title>');
    fs.writeFileSync(path.join(rendererDir, 'assets', 'app.js'), 'console.log(1);');
    fs.writeFileSync(path.join(dir, 'secret.txt'), 'not for the page');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const handler = () =>
    createAppProtocolHandler({
      rendererDir,
      readFile: (file) => fs.promises.readFile(file),
      onError: (error) => errors.push(error),
    });

  it('serves index.html with the CSP and hardening headers', async () => {
    const response = await handler()(new Request(`${APP_ORIGIN}/`));
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<title>OmniSight</title>');
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it("serves an event's snapshot through the engine, and 404 for anything else under api/events", async () => {
    const jpeg = path.join(dir, 'event-7.jpg');
    fs.writeFileSync(jpeg, Buffer.from([0xff, 0xd8, 0xff, 0xd9]));
    const asked: string[] = [];
    const withEvents = createAppProtocolHandler({
      rendererDir,
      readFile: (file) => fs.promises.readFile(file),
      eventSnapshot: (id, kind) => {
        asked.push(`${id} ${kind}`);
        if (id !== '7') throw new Error('no such event');
        return jpeg;
      },
    });
    const found = await withEvents(new Request(`${APP_ORIGIN}/api/events/7/thumbnail.jpg`));
    expect(found.status).toBe(200);
    expect(found.headers.get('content-type')).toBe('image/jpeg');
    expect(new Uint8Array(await found.arrayBuffer())).toEqual(new Uint8Array([0xff, 0xd8, 0xff, 0xd9]));
    expect((await withEvents(new Request(`${APP_ORIGIN}/api/events/8/snapshot.jpg`))).status).toBe(404);
    expect(
      (await withEvents(new Request(`${APP_ORIGIN}/api/events/..%2f..%2fsecret.txt/x.jpg`))).status,
    ).toBe(404);
    expect(asked).toEqual(['7 thumbnail', '8 snapshot']);
  });

  it('serves assets with their content type', async () => {
    const response = await handler()(new Request(`${APP_ORIGIN}/assets/app.js`));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await response.text()).toBe('console.log(1);');
  });

  it('answers HEAD without a body', async () => {
    const response = await handler()(new Request(`${APP_ORIGIN}/assets/app.js`, { method: 'HEAD' }));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
  });

  it('answers 404 for missing files, folders and anything outside the folder', async () => {
    for (const url of [
      `${APP_ORIGIN}/missing.js`,
      `${APP_ORIGIN}/assets`,
      `${APP_ORIGIN}/..%2fsecret.txt`,
      `${APP_ORIGIN}/%2e%2e/secret.txt`,
    ]) {
      const response = await handler()(new Request(url));
      expect(response.status, url).toBe(404);
      expect(await response.text()).not.toContain('not for the page');
      // Even error pages carry the policy.
      expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    }
    expect(errors).toEqual([]);
  });

  it('refuses methods other than GET and HEAD', async () => {
    const response = await handler()(new Request(`${APP_ORIGIN}/index.html`, { method: 'POST', body: 'x' }));
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
  });

  it('reports read errors other than a missing file', async () => {
    const failing = createAppProtocolHandler({
      rendererDir,
      readFile: () => Promise.reject(Object.assign(new Error('EACCES'), { code: 'EACCES' })),
      onError: (error) => errors.push(error),
    });
    const response = await failing(new Request(APP_ENTRY_URL));
    expect(response.status).toBe(404);
    expect(errors).toHaveLength(1);
  });
});
