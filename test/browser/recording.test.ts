/**
 * Recording as a new user sees it, in Chromium against the built headless server: "Add demo camera" records
 * the built-in test pattern, the Cameras page shows its health, and the System page the totals.
 */
import fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../support/server.js';
import { addCamera, listCameras } from './api.js';
import { launchBrowser, openPage, screenshot } from './browser.js';

let server: RunningServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startServer(), launchBrowser()]);
});

afterAll(async () => {
  await browser.close();
  await server.stop();
  fs.rmSync(server.dataDir, { recursive: true, force: true });
});

function row(page: Page, name: string) {
  return page
    .getByTestId('camera-row')
    .filter({ has: page.getByTestId('camera-name').getByText(name, { exact: true }) });
}

/** `15 fps` → 15, `2.35 Mbit/s` → 2350 (kbit/s), `1.50 MB` → bytes; NaN for a dash. */
function numberIn(text: string | null): number {
  const match = /([\d.]+)\s*(fps|kbit\/s|Mbit\/s|B|KB|MB|GB)?/.exec(text ?? '');
  if (match?.[1] === undefined) return Number.NaN;
  const value = Number(match[1]);
  const scale: Record<string, number> = { 'Mbit/s': 1000, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 };
  return value * (scale[match[2] ?? ''] ?? 1);
}

const RECORDING_TIMEOUT_MS = 30_000;

describe('recording in the browser', () => {
  it('adds a demo camera that records, with its health on the Cameras and System pages', async () => {
    const watched = await openPage(browser, `${server.url}/#/cameras`);
    const { page } = watched;
    const empty = page.getByTestId('cameras-empty');
    await empty.waitFor();
    expect(await empty.textContent()).toContain(
      'No cameras yet — add one, or add a demo camera to see OmniSight work.',
    );

    // An unreachable camera beside it: its status counts down to the next attempt and shows the last error.
    // Long name, URL and login, so the screenshot shows the table still fits at 1360 px.
    await addCamera(server.url, {
      name: 'Unreachable loading-bay camera, north-east corner',
      rtspUrl: 'rtsp://192.0.2.10:554/Streaming/Channels/101?transportmode=unicast&profile=Profile_1',
      subStreamUrl: 'rtsp://192.0.2.10:554/Streaming/Channels/102?transportmode=unicast&profile=Profile_2',
      username: 'operator-with-a-long-name',
      password: 'secret',
    });

    await page.getByRole('button', { name: 'Add demo camera' }).click();
    const demo = row(page, 'Demo camera');
    await demo.waitFor();
    expect((await listCameras(server.url)).find((camera) => camera.name === 'Demo camera')?.rtspUrl).toBe(
      'demo:test-pattern',
    );

    // The first segment closes after the segment length: make it short through the form, so this test need
    // not wait the default minute for "recorded today".
    await page.getByRole('button', { name: 'Edit Demo camera' }).click();
    const edit = page.getByRole('dialog', { name: 'Edit camera' });
    expect(await edit.getByLabel('Segment length', { exact: true }).inputValue()).toBe('60');
    expect(await edit.getByLabel('RTSP transport', { exact: true }).inputValue()).toBe('tcp');
    await edit.getByLabel('Segment length', { exact: true }).fill('1');
    await edit.getByRole('button', { name: 'Save changes' }).click();
    await expect
      .poll(() => edit.getByTestId('field-error-segmentSeconds').textContent())
      .toBe('Segment length must be at least 2 seconds');
    await edit.getByLabel('Segment length', { exact: true }).fill('4');
    await edit.getByRole('button', { name: 'Save changes' }).click();
    await edit.waitFor({ state: 'detached' });
    expect((await listCameras(server.url)).find((camera) => camera.name === 'Demo camera')).toMatchObject({
      segmentSeconds: 4,
      rtspTransport: 'tcp',
    });

    // Saving restarts its recorder (closing the partial segment, which counts today), so wait for a segment
    // of the new one first: figures read before then may still describe the old one.
    await expect
      .poll(() => demo.getByTestId('health-last-segment').textContent(), { timeout: RECORDING_TIMEOUT_MS })
      .toMatch(/^\d+ s ago$/);
    const badge = demo.getByTestId('camera-status').locator('[data-status]');
    await expect
      .poll(() => badge.getAttribute('data-status'), { timeout: RECORDING_TIMEOUT_MS })
      .toBe('recording');
    expect(await badge.textContent()).toBe('Recording');
    for (const figure of ['health-fps', 'health-bitrate', 'health-today']) {
      await expect
        .poll(async () => numberIn(await demo.getByTestId(figure).textContent()), {
          timeout: RECORDING_TIMEOUT_MS,
        })
        .toBeGreaterThan(0);
    }
    expect(await demo.getByTestId('health-reconnects').textContent()).toBe('0');

    // A second demo camera takes the next name and URL.
    await page.getByRole('button', { name: 'Add demo camera' }).click();
    await row(page, 'Demo camera 2').waitFor();
    expect((await listCameras(server.url)).find((camera) => camera.name === 'Demo camera 2')?.rtspUrl).toBe(
      'demo:test-pattern-2',
    );

    const unreachable = row(page, 'Unreachable loading-bay camera, north-east corner');
    await expect
      .poll(
        () => unreachable.getByTestId('camera-status').locator('[data-status]').getAttribute('data-status'),
        {
          timeout: RECORDING_TIMEOUT_MS,
        },
      )
      .toBe('reconnecting');
    await unreachable.getByTestId('status-retry').waitFor();
    expect(await unreachable.getByTestId('status-retry').textContent()).toMatch(/^retrying (in \d+|now)/);
    expect(await unreachable.getByTestId('camera-status').textContent()).toContain('Last error: ');
    await expect
      .poll(async () => numberIn(await row(page, 'Demo camera 2').getByTestId('health-fps').textContent()), {
        timeout: RECORDING_TIMEOUT_MS,
      })
      .toBeGreaterThan(0);
    await screenshot(page, 'recording-1-cameras');

    // The table stays within the window at 1360 px: no horizontal scrolling.
    const overflow = await page.evaluate(
      '(() => { const wrap = document.querySelector(".table-wrap"); return wrap.scrollWidth - wrap.clientWidth; })()',
    );
    expect(overflow).toBe(0);

    await page.getByRole('link', { name: 'System' }).click();
    const recording = page.getByTestId('recording');
    await recording.waitFor();
    const demoRow = page
      .getByTestId('recording-row')
      .filter({ has: page.getByTestId('recording-name').getByText('Demo camera', { exact: true }) });
    await expect
      .poll(async () => numberIn(await demoRow.getByTestId('recording-fps').textContent()), {
        timeout: RECORDING_TIMEOUT_MS,
      })
      .toBeGreaterThan(0);
    expect(numberIn(await demoRow.getByTestId('recording-today').textContent())).toBeGreaterThan(0);
    expect(await page.getByTestId('total-recording').textContent()).toMatch(/^2 of 3 recording$/);
    expect(numberIn(await page.getByTestId('total-today').textContent())).toBeGreaterThan(0);
    expect(await page.getByTestId('system-ffmpeg').textContent()).toMatch(/\S/);
    // FFmpeg's CPU once the page polled twice (the figure covers the time between); the demo source encodes
    // in FFmpeg, so it is clearly above zero. No detection here: nothing decoded for it.
    await expect
      .poll(async () => numberIn(await demoRow.getByTestId('recording-cpu').textContent()), {
        timeout: 15_000,
      })
      .toBeGreaterThan(0);
    expect(await demoRow.getByTestId('recording-decode').textContent()).toBe('no decoding');
    expect(await page.getByTestId('total-cpu').textContent()).toMatch(/^\d+(\.\d)? %$/);
    await screenshot(page, 'recording-2-system');

    expect(watched.problems).toEqual([]);
    expect(await watched.cspViolations()).toEqual([]);
    expect(watched.dialogs).toEqual([]);
    await watched.close();
  }, 150_000);
});
