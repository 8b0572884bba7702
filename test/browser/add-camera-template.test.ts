/**
 * Adding a camera by make and address (issue 7, the manual path), in Chromium against the built headless
 * server: a fake camera that serves Hikvision's paths, "Camera make" fills the URLs from the host typed,
 * "Test connection" shows what ffprobe found (and a wrong password its own message, with no password in the
 * page), then the camera is saved and records.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeCameras, type FakeCameras } from '../fake-cameras/index.js';
import { startServer, type RunningServer } from '../support/server.js';
import { launchBrowser, openPage, screenshot, type WatchedPage } from './browser.js';
import { listCameras } from './api.js';
import type { Browser } from 'playwright-core';

const PASSWORD = 'Tpl-Secret-42';
let fakes: FakeCameras;
let server: RunningServer;
let browser: Browser;
let watched: WatchedPage | undefined;

beforeAll(async () => {
  fakes = await startFakeCameras({
    cameras: [
      {
        name: 'hik',
        sub: true,
        audio: true,
        auth: { method: 'digest', username: 'admin', password: PASSWORD },
        paths: { main: 'Streaming/Channels/101', sub: 'Streaming/Channels/102' },
      },
    ],
  });
  [server, browser] = await Promise.all([startServer(), launchBrowser()]);
}, 120_000);

afterAll(async () => {
  await watched?.close();
  await browser.close();
  await server.stop();
  await fakes.stopAll();
  fs.rmSync(server.dataDir, { recursive: true, force: true });
});

describe('Add camera with a vendor template', () => {
  it('fills the URLs from make and address, tests the connection, saves, and records', async () => {
    const hik = fakes.camera('hik');
    watched = await openPage(browser, `${server.url}/#/cameras`);
    const { page } = watched;
    await page.getByRole('heading', { name: 'Cameras' }).waitFor();
    await page.getByRole('button', { name: 'Add camera' }).click();
    const form = page.getByRole('dialog', { name: 'Add camera' });
    await form.getByLabel('Name', { exact: true }).fill('Driveway');
    await form.getByLabel('Camera make').selectOption({ label: 'Hikvision (and most OEM versions)' });

    // A host with user info in it is refused before any URL is made.
    await form.getByLabel('Camera address').fill('admin@127.0.0.1');
    await expect.poll(() => form.getByTestId('template-error').textContent()).toContain('Host must be');
    await form.getByLabel('Camera address').fill('127.0.0.1');
    await form.getByLabel('RTSP port').fill(String(hik.port));
    await expect
      .poll(() => form.getByLabel('RTSP URL', { exact: true }).inputValue())
      .toBe(`rtsp://127.0.0.1:${hik.port}/Streaming/Channels/101`);
    expect(await form.getByLabel('Sub-stream URL', { exact: true }).inputValue()).toBe(
      `rtsp://127.0.0.1:${hik.port}/Streaming/Channels/102`,
    );
    await screenshot(page, 'add-template-1-filled');

    // A wrong password: its own message, and the password shows nowhere in the page.
    await form.getByLabel('Username', { exact: true }).fill('admin');
    await form.getByLabel('Password', { exact: true }).fill(`${PASSWORD}-wrong`);
    await form.getByTestId('test-connection').click();
    const result = form.getByTestId('probe-result');
    await result.waitFor({ timeout: 30_000 });
    expect(await form.getByTestId('probe-main').textContent()).toContain(
      'refused the user name or password (401 Unauthorized)',
    );
    expect(await form.getByTestId('probe-main').getAttribute('data-ok')).toBe('false');
    expect(await result.innerHTML()).not.toContain(PASSWORD);
    await screenshot(page, 'add-template-2-wrong-password');

    // Typing clears the stale result; the right password gives the figures.
    await form.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await result.waitFor({ state: 'detached' });
    await form.getByTestId('test-connection').click();
    await result.waitFor({ timeout: 30_000 });
    const main = await form.getByTestId('probe-main').textContent();
    expect(main).toMatch(/H\.264 \(.+\), 1920×1080, 25 fps, keyframe every 1 s; audio AAC 48 kHz mono/);
    expect(await form.getByTestId('probe-sub').textContent()).toContain('640×360');
    expect(await form.getByTestId('advice-roles').textContent()).toContain('sub stream (640×360 H.264');
    // The password is in its own field only: not in the result, nor anywhere else the page shows.
    expect(await result.innerHTML()).not.toContain(PASSWORD);
    expect(await page.locator('body').innerText()).not.toContain(PASSWORD);
    await screenshot(page, 'add-template-3-tested');

    await form.getByRole('button', { name: 'Add camera' }).click();
    await form.waitFor({ state: 'detached' });
    const [camera] = await listCameras(server.url);
    expect(camera).toMatchObject({
      name: 'Driveway',
      rtspUrl: `rtsp://127.0.0.1:${hik.port}/Streaming/Channels/101`,
      subStreamUrl: `rtsp://127.0.0.1:${hik.port}/Streaming/Channels/102`,
      username: 'admin',
      hasPassword: true,
    });
    const row = page.getByTestId('camera-row').filter({ hasText: 'Driveway' });
    await expect
      .poll(() => row.getByTestId('camera-status').locator('[data-status]').getAttribute('data-status'), {
        timeout: 30_000,
      })
      .toBe('recording');
    // Frames are arriving: the row's health figures show the camera's 25 fps.
    await expect.poll(() => row.textContent(), { timeout: 30_000 }).toMatch(/(^|\D)2[45](\.\d+)? fps/);
    await screenshot(page, 'add-template-4-recording');
    expect(watched.problems).toEqual([]);
    expect(await watched.cspViolations()).toEqual([]);
  }, 120_000);
});
