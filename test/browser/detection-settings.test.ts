/**
 * Per-camera detection settings in Chromium against the built headless server (issue 6 item 5): the dialog
 * opens from the Cameras page over a still of a recording demo camera; a mask and a zone are drawn by clicking
 * corners; a crossing shape is refused; the zone is renamed (a markup name renders as text) and set to alert;
 * saving stores it in the engine, and the dialog shows it again when reopened. Screenshots saved.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator } from 'playwright-core';
import type { DetectionSettings } from '../../common/contract/index.js';
import { startServer, type RunningServer } from '../support/server.js';
import { addCamera, apiRequest } from './api.js';
import { launchBrowser, openPage, screenshot, type WatchedPage } from './browser.js';

let server: RunningServer;
let browser: Browser;
let watched: WatchedPage | undefined;

beforeAll(async () => {
  [server, browser] = await Promise.all([startServer(), launchBrowser()]);
}, 60_000);

afterAll(async () => {
  await watched?.close();
  await browser.close();
  await server.stop();
  fs.rmSync(server.dataDir, { recursive: true, force: true });
});

/** Clicks the picture at fractions (x, y) of its box. */
async function clickAt(picture: Locator, x: number, y: number): Promise<void> {
  const box = await picture.boundingBox();
  if (box === null) throw new Error('the picture has no box');
  await picture.click({ position: { x: x * box.width, y: y * box.height } });
}

describe('detection settings dialog', () => {
  it('draws a mask and an alerting zone over a still, refuses a crossing shape, and saves them', async () => {
    const camera = await addCamera(server.url, { name: 'Yard', rtspUrl: 'demo:yard', segmentSeconds: 2 });
    // A still needs one recorded segment.
    await expect
      .poll(
        async () =>
          (await apiRequest(server.url, 'POST', '/api/rpc/cameras.snapshot', { id: camera.id })).status,
        { timeout: 30_000, interval: 500 },
      )
      .toBe(200);

    watched = await openPage(browser, `${server.url}/#/cameras`);
    const { page } = watched;
    await page.getByRole('button', { name: 'Detection settings of Yard' }).click();
    const dialog = page.getByRole('dialog', { name: 'Detection: Yard' });
    const picture = dialog.getByTestId('detection-picture');
    const image = picture.locator('img');
    await expect
      .poll(
        () =>
          image.evaluate(
            (element: { complete: boolean; naturalWidth: number }) =>
              element.complete && element.naturalWidth,
          ),
        {
          timeout: 15_000,
        },
      )
      .toBeGreaterThan(100);
    expect(await dialog.getByTestId('detection-summary').textContent()).toBe(
      'Detection is off for this camera.',
    );
    await dialog.getByTestId('detection-motion').selectOption('on');
    await dialog.getByTestId('detection-objects').selectOption('on');
    expect(await dialog.getByTestId('detection-summary').textContent()).toContain(
      'people, vehicles and animals',
    );

    // A mask over the top-left corner (a clock, say).
    await dialog.getByTestId('draw-mask').click();
    await clickAt(picture, 0.02, 0.02);
    await clickAt(picture, 0.3, 0.02);
    await clickAt(picture, 0.3, 0.15);
    expect(await dialog.getByTestId('detection-corner').count()).toBe(3);
    await dialog.getByTestId('drawing-finish').click();
    expect(await dialog.getByTestId('detection-mask').count()).toBe(1);

    // A crossing zone is refused until the last corner is undone and placed elsewhere.
    await dialog.getByTestId('draw-zone').click();
    await clickAt(picture, 0.4, 0.5);
    await clickAt(picture, 0.9, 0.9);
    await clickAt(picture, 0.9, 0.5);
    await clickAt(picture, 0.4, 0.9);
    await dialog.getByTestId('drawing-finish').click();
    expect(await dialog.getByTestId('drawing-problem').textContent()).toMatch(/edges cross/);
    for (let undo = 0; undo < 3; undo++) await dialog.getByTestId('drawing-undo').click();
    expect(await dialog.getByTestId('detection-corner').count()).toBe(1);
    await clickAt(picture, 0.9, 0.5);
    await clickAt(picture, 0.9, 0.9);
    await clickAt(picture, 0.4, 0.9);
    await screenshot(page, 'detection-1-drawing');
    await dialog.getByTestId('drawing-finish').click();
    const zone = dialog.getByTestId('detection-zone');
    expect(await zone.count()).toBe(1);
    expect(await zone.getByTestId('zone-name').inputValue()).toBe('Zone 1');

    // A markup name is text, never markup; an empty name is refused with the engine's message.
    await zone.getByTestId('zone-name').fill('');
    await dialog.getByTestId('detection-save').click();
    expect(await dialog.getByTestId('zone-name-error').textContent()).toBe('a zone needs a name');
    const name = 'Drive <img src=x onerror=alert(1)>';
    await zone.getByTestId('zone-name').fill(name);
    await zone.getByTestId('zone-alert').check();
    expect(await dialog.locator('.detection-editor__label').textContent()).toBe(name);
    expect(await dialog.locator('.detection-editor__picture img').count()).toBe(1);
    await screenshot(page, 'detection-2-shapes');
    await dialog.getByTestId('detection-save').click();
    await dialog.waitFor({ state: 'detached' });

    const { json } = await apiRequest(server.url, 'POST', '/api/rpc/detection.settings.get', {});
    const saved = (json as DetectionSettings).cameras[camera.id];
    expect(saved).toMatchObject({ motion: true, objects: true, sensitivity: 50 });
    expect(saved?.masks).toHaveLength(1);
    expect(saved?.masks[0]?.[1]?.[0]).toBeCloseTo(0.3, 1);
    expect(saved?.zones).toMatchObject([{ name, alert: true }]);
    expect(saved?.zones[0]?.polygon).toHaveLength(4);

    // Reopened: what was saved is drawn again.
    await page.getByRole('button', { name: 'Detection settings of Yard' }).click();
    await dialog.getByTestId('detection-zone').waitFor();
    expect(await dialog.getByTestId('zone-name').inputValue()).toBe(name);
    expect(await dialog.locator('polygon').count()).toBe(2);
    await screenshot(page, 'detection-3-reopened');
    expect(watched.problems).toEqual([]);
    expect(await watched.cspViolations()).toEqual([]);
  }, 120_000);
});
