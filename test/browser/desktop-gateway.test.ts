/**
 * The desktop app's "LAN access" switch, clicked through in Chromium. Electron cannot run here, so the page
 * gets what the preload gives the real window: a `window.omnisight` bridge whose calls reach a real engine (in
 * this process, as in Electron's main process) and whose events it pushes. The renderer is the built one,
 * served at an origin of its own like `app://`. The gateway it switches on is then used from a second browser.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toApiError } from '../../common/contract/index.js';
import { createEngine, type Engine } from '../../electron/engine/index.js';
import { freePort } from '../support/mosquitto.js';
import { REPO_ROOT } from '../support/server.js';
import { launchBrowser, openPage, screenshot } from './browser.js';

const RENDERER_DIR = path.join(REPO_ROOT, 'out', 'renderer');
const DESKTOP_ORIGIN = 'http://omnisight.desktop';
const ADMIN = { name: 'owner', password: 'lan access 2026' };
const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

// Runs in the page before its scripts: the preload's bridge, over two bindings the test provides.
const BRIDGE_SCRIPT = `
  const listeners = new Map();
  window.omnisightTestPush = (event, payload) => {
    for (const listener of listeners.get(event) ?? []) listener(payload);
  };
  window.omnisight = {
    invoke: (method, argument) => window.omnisightTestInvoke(method, argument),
    subscribe(event, listener) {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event).add(listener);
      return () => listeners.get(event).delete(listener);
    },
    openLive(_camera, _stream, listener) {
      listener({ type: 'close', reason: 'no live view in this test', retry: false });
      return () => undefined;
    },
    segment: async () => ({ ok: false, error: { code: 'unsupported', message: 'not in this test' } }),
  };
`;

let dataDir: string;
let engine: Engine;
let browser: Browser;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'omnisight-desktop-gateway-'));
  [engine, browser] = await Promise.all([
    createEngine({
      dataDir,
      migrationsDir: path.join(REPO_ROOT, 'drizzle'),
      version: '9.9.9',
      record: false,
      gateway: { staticDir: RENDERER_DIR },
      accounts: { scrypt: { N: 2 ** 10, r: 8, p: 1 } },
    }),
    launchBrowser(),
  ]);
});

afterAll(async () => {
  await browser.close();
  await engine.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** The desktop window: the built renderer with the bridge, signed in as nobody (the desktop needs no login). */
async function openDesktop(): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1360, height: 1100 }, colorScheme: 'dark' });
  await context.route(`${DESKTOP_ORIGIN}/**`, async (route) => {
    const name = new URL(route.request().url()).pathname.replace(/^\/+/, '') || 'index.html';
    const file = path.resolve(RENDERER_DIR, name);
    if (!file.startsWith(RENDERER_DIR + path.sep) || !fs.existsSync(file)) {
      await route.fulfill({ status: 404, body: 'not found' });
      return;
    }
    await route.fulfill({
      status: 200,
      contentType: TYPES[path.extname(file)] ?? 'application/octet-stream',
      body: fs.readFileSync(file),
    });
  });
  await context.exposeBinding('omnisightTestInvoke', async (_source, method: string, argument: unknown) => {
    try {
      return { ok: true, value: await engine.call(method, argument) };
    } catch (error) {
      return { ok: false, error: toApiError(error) };
    }
  });
  await context.addInitScript({ content: BRIDGE_SCRIPT });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  const stop = engine.onAny((event, payload) => {
    const call = `window.omnisightTestPush(${JSON.stringify(event)}, ${JSON.stringify(payload)})`;
    void page.evaluate(call).catch(() => undefined);
  });
  page.on('close', stop);
  await page.goto(`${DESKTOP_ORIGIN}/index.html#/system`);
  return { context, page, problems };
}

describe('LAN access in the desktop app', () => {
  it('switches the gateway on with its first admin account, is used from a browser, and off again', async () => {
    const desktop = await openDesktop();
    const { page } = desktop;
    await page.getByTestId('gateway-section').waitFor();
    await expect.poll(() => page.getByTestId('gateway-status').textContent()).toMatch(/^Off/);

    const port = await freePort();
    await page.getByTestId('gateway-enabled').check();
    // No account yet: switching on asks for the admin account in the same step.
    await page.getByTestId('gateway-admin').waitFor();
    await page.getByTestId('gateway-host').selectOption('127.0.0.1');
    await page.getByTestId('gateway-port').fill('80');
    await page.getByTestId('gateway-admin-name').fill(ADMIN.name);
    await page.getByTestId('gateway-admin-password').fill(ADMIN.password);
    await page.getByTestId('gateway-admin-repeat').fill('something else');
    await page.getByTestId('gateway-save').click();
    await page.getByText('does not match the password').waitFor();
    expect(await engine.call('users.list', {})).toEqual([]);

    await page.getByTestId('gateway-admin-repeat').fill(ADMIN.password);
    await page.getByTestId('gateway-save').click();
    // Port 80 is refused by the contract's schema before anything is made or started.
    await page.getByText('must be at least 1024').waitFor();
    expect(await engine.call('users.list', {})).toEqual([]);
    expect(await engine.call('gateway.settings.get', {})).toMatchObject({ enabled: false });
    await screenshot(page, 'desktop-gateway-1-refused');

    await page.getByTestId('gateway-port').fill(String(port));
    await page.getByTestId('gateway-save').click();
    const url = `http://127.0.0.1:${port}`;
    await expect.poll(() => page.getByTestId('gateway-url').textContent()).toBe(url);
    expect(await page.getByTestId('gateway-admin').count()).toBe(0);
    await screenshot(page, 'desktop-gateway-2-running');

    // Another device: the web UI asks for a sign-in (no setup code: the admin exists) and lets the admin in,
    // without the switch that only the desktop app has.
    const web = await openPage(browser, `${url}/#/system`, {
      signedIn: false,
      tolerate: [/401 \(Unauthorized\)/],
    });
    await web.page.getByTestId('sign-in-page').waitFor();
    await web.page.getByTestId('sign-in-name').fill(ADMIN.name);
    await web.page.getByTestId('sign-in-password').fill(ADMIN.password);
    await web.page.getByTestId('sign-in-submit').click();
    await web.page.getByTestId('signed-in-as').waitFor();
    await web.page.getByRole('heading', { name: 'Notifications' }).waitFor();
    expect(await web.page.getByTestId('gateway-section').count()).toBe(0);
    await screenshot(web.page, 'desktop-gateway-3-web-admin');
    expect(web.problems).toEqual([]);
    await web.close();

    await page.getByTestId('gateway-enabled').uncheck();
    await page.getByTestId('gateway-save').click();
    await expect.poll(() => page.getByTestId('gateway-status').textContent()).toMatch(/^Off/);
    await expect
      .poll(async () => {
        try {
          await fetch(`${url}/api/health`);
          return 'answered';
        } catch {
          return 'refused';
        }
      })
      .toBe('refused');
    expect(desktop.problems).toEqual([]);
    await desktop.context.close();
  }, 90_000);
});
