/** The app shell and the System page in Chromium against the built headless server. */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, startServer, type RunningServer } from '../support/server.js';
import { addCamera } from './api.js';
import { launchBrowser, openPage, screenshot } from './browser.js';

let server: RunningServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startServer(), launchBrowser()]);
});

afterAll(async () => {
  await browser.close();
  await server.stop();
  // Demo cameras record real segments; leave nothing behind in the temp folder.
  fs.rmSync(server.dataDir, { recursive: true, force: true });
});

describe('shell in the browser', () => {
  it('is built without inline script or style, so the strict CSP needs no exception', () => {
    const html = fs.readFileSync(path.join(REPO_ROOT, 'out', 'renderer', 'index.html'), 'utf8');
    expect(html).toContain('http-equiv="Content-Security-Policy"');
    expect(html).toMatch(/<script type="module" crossorigin src="\.\/assets\/[^"]+\.js"><\/script>/);
    // Every script has a src, there is no <style> element and no style attribute.
    expect(html.match(/<script(?![^>]*\ssrc=)[^>]*>/g)).toBeNull();
    expect(html).not.toMatch(/<style|\sstyle=/);
  });

  it('loads every page with no console error, exception or CSP violation', async () => {
    const watched = await openPage(browser, `${server.url}/`);
    const { page } = watched;
    // A fresh install opens on Live, which says how to add the first camera.
    await page.getByText('No cameras yet. Add one on the Cameras page.').waitFor();
    await screenshot(page, 'shell-live');

    await page.getByRole('link', { name: 'Playback' }).click();
    await page.getByRole('heading', { name: 'Playback' }).waitFor();
    expect(await page.getByRole('link', { name: 'Playback' }).getAttribute('aria-current')).toBe('page');
    await page.getByRole('link', { name: 'Events' }).click();
    // No events on a fresh install: the page says when they appear.
    await page
      .getByTestId('events-empty')
      .getByText(/No events match/)
      .waitFor();
    expect(await page.getByRole('link', { name: 'Events' }).getAttribute('aria-current')).toBe('page');
    await page.getByRole('link', { name: 'Cameras' }).click();
    await page.getByRole('heading', { name: 'Cameras' }).waitFor();
    await page.getByRole('link', { name: 'System' }).click();
    await page.getByTestId('system-version').waitFor();
    // A reload keeps the page (the hash names it).
    await page.reload();
    await page.getByTestId('system-version').waitFor();

    expect(watched.problems).toEqual([]);
    expect(await watched.cspViolations()).toEqual([]);
    expect(watched.dialogs).toEqual([]);
    await watched.close();
  });

  it('shows version, uptime, directories, database size and camera count on the System page', async () => {
    await addCamera(server.url, { name: 'Counted', rtspUrl: 'demo:counted' });
    const watched = await openPage(browser, `${server.url}/#/system`);
    const { page } = watched;
    const version = page.getByTestId('system-version');
    await version.waitFor();
    expect(await version.textContent()).toMatch(/^\d+\.\d+\.\d+/);
    expect(await page.getByTestId('system-data-dir').textContent()).toBe(server.dataDir);
    expect(await page.getByTestId('system-recordings-dir').textContent()).toMatch(/\S/);
    expect(await page.getByTestId('system-database-size').textContent()).toMatch(/^\d+(\.\d+)? (B|KB|MB)$/);
    expect(await page.getByTestId('system-camera-count').textContent()).toBe('1');

    // The uptime ticks without a reload.
    const uptime = page.getByTestId('system-uptime');
    const before = await uptime.textContent();
    await expect.poll(() => uptime.textContent(), { timeout: 5000 }).not.toBe(before);
    await screenshot(page, 'system');

    expect(watched.problems).toEqual([]);
    expect(await watched.cspViolations()).toEqual([]);
    await watched.close();
  });
});
