/**
 * The Storage page and the low-space banner in Chromium against the built headless server: edit the retention
 * rules (a bad value is refused beside its field, good ones persist across a reload), then, on a small tmpfs
 * that other files mostly fill, raise the free-space floor above the free space and watch the real engine
 * stop recording and the banner appear on every page, and go once the disk has room again.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StorageSettings, StorageStatus } from '../../common/contract/index.js';
import { startServer, type RunningServer } from '../support/server.js';
import { addCamera, apiRequest } from './api.js';
import { launchBrowser, openPage, screenshot } from './browser.js';

/** Mounts a tmpfs of `sizeMb` at a new folder, or says why it cannot. */
function mountTmpfs(sizeMb: number): { dir: string } | { problem: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omnisight-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m`, 'tmpfs', dir], { stdio: 'pipe' });
    return { dir };
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    return {
      problem: `cannot mount a tmpfs (needs root and mount permission): ${(error as Error).message.split('\n')[0]}`,
    };
  }
}

function unmount(dir: string): void {
  try {
    execFileSync('umount', [dir], { stdio: 'pipe' });
  } catch {
    execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

async function rpc<T>(baseUrl: string, method: string, argument: unknown = {}): Promise<T> {
  const { status, json } = await apiRequest(baseUrl, 'POST', `/api/rpc/${method}`, argument);
  if (status !== 200) throw new Error(`${method} answered ${status}: ${JSON.stringify(json)}`);
  return json as T;
}

/** The shell scrolls inside <main>, so a full-page shot shows one screen: make the screen the page's height. */
async function shot(page: Page, name: string): Promise<void> {
  const height = Number(await page.evaluate('document.querySelector("main").scrollHeight'));
  await page.setViewportSize({ width: 1360, height: Math.max(820, Math.min(height, 3000)) });
  await screenshot(page, name);
  await page.setViewportSize({ width: 1360, height: 820 });
}

let browser: Browser | undefined;

beforeAll(async () => {
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

describe('Storage page in the browser', () => {
  it(
    'edits the retention rules: refuses a bad value beside its field, keeps good ones',
    { timeout: 90_000 },
    async () => {
      if (browser === undefined) throw new Error('setup failed');
      const server = await startServer();
      try {
        const camera = await addCamera(server.url, { name: 'Gate camera', rtspUrl: 'demo:test-pattern' });
        const watched = await openPage(browser, `${server.url}/#/storage`);
        const { page } = watched;
        await expect.poll(() => page.getByTestId('storage-root-state').textContent()).toBe('OK');
        const row = page.locator(`[data-testid="retention-row"][data-camera-id="${camera.id}"]`);
        await row.waitFor();

        // Days must be whole and at least 1: the contract's message, beside the field, and nothing saved.
        await row.getByTestId('retain-days').fill('0');
        await page.getByTestId('limit-minFreePercent').fill('120');
        await page.getByRole('button', { name: 'Save', exact: true }).click();
        expect(await row.getByTestId('retain-days-error').textContent()).toBe('Must be at least 1 day');
        expect(await page.getByTestId('limit-minFreePercent-error').textContent()).toBe(
          'Must be at most 90 %',
        );
        await shot(page, 'storage-1-validation');
        const before = await rpc<StorageSettings>(server.url, 'storage.settings.get');
        expect(before.cameras.find((entry) => entry.id === camera.id)?.retainDays).toBeNull();

        await row.getByTestId('retain-days').fill('7');
        await row.getByTestId('retain-event-days').fill('30');
        await page.getByTestId('limit-minFreePercent').fill('3');
        await page.getByTestId('limit-maxTotalGb').fill('50');
        await page.getByRole('button', { name: 'Save', exact: true }).click();
        await expect.poll(() => page.getByTestId('retention-saved').textContent()).toMatch(/^Saved\./);
        await expect.poll(() => page.getByTestId('storage-limit').textContent()).toBe('46.6 GB');

        // Stored by the engine: the API and a reloaded page show them.
        const after = await rpc<StorageSettings>(server.url, 'storage.settings.get');
        expect(after.limits).toMatchObject({ maxTotalGb: 50, minFreePercent: 3 });
        expect(after.cameras.find((entry) => entry.id === camera.id)).toMatchObject({
          retainDays: 7,
          retainEventDays: 30,
        });
        await page.reload();
        await row.waitFor();
        expect(await row.getByTestId('retain-days').inputValue()).toBe('7');
        expect(await row.getByTestId('retain-event-days').inputValue()).toBe('30');
        expect(await page.getByTestId('limit-maxTotalGb').inputValue()).toBe('50');
        expect(await page.getByTestId('limit-minFreePercent').inputValue()).toBe('3');
        expect(await page.getByTestId('locked-empty').isVisible()).toBe(true);
        await shot(page, 'storage-2-saved');
        expect(await page.getByTestId('storage-banner').count()).toBe(0);
        expect(watched.problems).toEqual([]);
        expect(await watched.cspViolations()).toEqual([]);
        await watched.close();
      } finally {
        await server.stop();
        fs.rmSync(server.dataDir, { recursive: true, force: true });
      }
    },
  );

  it(
    'shows the low-space banner when the real disk is under the floor',
    { timeout: 90_000 },
    async (context) => {
      if (browser === undefined) throw new Error('setup failed');
      const mount = mountTmpfs(50);
      if ('problem' in mount) {
        console.warn(`[browser storage test] skipping the low-space banner test: ${mount.problem}`);
        context.skip();
        return;
      }
      let server: RunningServer | undefined;
      try {
        // Other files fill most of the disk; the recordings folder itself stays empty.
        const filler = path.join(mount.dir, 'other-files.bin');
        fs.writeFileSync(filler, Buffer.alloc(30 * 1024 * 1024, 1));
        server = await startServer({ env: { OMNISIGHT_RECORDINGS_DIR: path.join(mount.dir, 'recordings') } });
        // The default floor (5 GB) is larger than this whole disk: start from one of 5 % (2.6 MB).
        await rpc(server.url, 'storage.settings.set', { limits: { minFreeGb: 0, minFreePercent: 5 } });
        const watched = await openPage(browser, `${server.url}/#/storage`);
        const { page } = watched;
        await expect.poll(() => page.getByTestId('storage-state').getAttribute('data-state')).toBe('ok');
        expect(await page.getByTestId('storage-banner').count()).toBe(0);

        // The floor (40 MB) is below the disk size (50 MiB) but above what is free (about 22 MB).
        await page.getByTestId('limit-minFreeGb').fill('0.04');
        await page.getByRole('button', { name: 'Save', exact: true }).click();
        const banner = page.getByTestId('storage-banner');
        await banner.waitFor({ timeout: 20_000 });
        expect(await banner.getAttribute('data-kind')).toBe('stopped_full');
        expect(await banner.textContent()).toMatch(/^Disk full: recording stopped/);
        expect(await banner.textContent()).toMatch(/lower the free-space floor on the Storage page/);
        expect(await banner.textContent()).toMatch(/the floor keeps 38\.1 MB free/);
        await expect
          .poll(() => page.getByTestId('storage-state').getAttribute('data-state'))
          .toBe('stopped_full');
        const status = await rpc<StorageStatus>(server.url, 'storage.status');
        expect(status.freeBytes).toBeLessThan(status.floorBytes);
        await shot(page, 'storage-3-banner');

        // On every page; dismissed, it stays away on this page view, and a new view shows it while it holds.
        await page.getByTestId('nav-cameras').click();
        await banner.waitFor();
        await banner.getByRole('button', { name: 'Dismiss' }).click();
        expect(await banner.count()).toBe(0);
        await page.reload();
        await banner.waitFor();
        await shot(page, 'storage-4-banner-cameras');

        // Room again: recording resumes by itself and the banner goes (the free-space check runs every 5 s).
        fs.rmSync(filler);
        await banner.waitFor({ state: 'detached', timeout: 20_000 });
        await page.getByTestId('nav-storage').click();
        await expect.poll(() => page.getByTestId('storage-state').getAttribute('data-state')).toBe('ok');
        expect(watched.problems).toEqual([]);
        expect(await watched.cspViolations()).toEqual([]);
        await watched.close();
      } finally {
        await server?.stop();
        if (server !== undefined) fs.rmSync(server.dataDir, { recursive: true, force: true });
        unmount(mount.dir);
      }
    },
  );
});
