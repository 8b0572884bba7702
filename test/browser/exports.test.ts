/**
 * Clip export as an operator does it, in Chromium against the built headless server recording a fake RTSP
 * camera with an outage: pick the camera and a range on the Exports page, watch it finish with the outage
 * listed as a gap, download the file, play it in a <video>, delete it.
 */
import fs from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeCameras, type FakeCameras } from '../fake-cameras/index.js';
import { readSegments, sleep, waitFor } from '../recording/recording-helpers.js';
import { authHeadersFor, startServer, type RunningServer } from '../support/server.js';
import { addCamera, apiRequest } from './api.js';
import { launchBrowser, openPage, screenshot } from './browser.js';

let server: RunningServer | undefined;
let browser: Browser | undefined;
let cameras: FakeCameras | undefined;

/** UTC ms as a `datetime-local` value in this machine's zone, which the browser it starts shares. */
function localInput(utcMs: number): string {
  const date = new Date(utcMs);
  const pad = (value: number) => String(value).padStart(2, '0');
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
  );
}

beforeAll(async () => {
  [server, browser, cameras] = await Promise.all([
    startServer(),
    launchBrowser(),
    startFakeCameras({ cameras: [{ name: 'gate', resolution: '360p', audio: true }] }),
  ]);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await cameras?.stopAll();
  if (server !== undefined) fs.rmSync(server.dataDir, { recursive: true, force: true });
});

describe('exports in the browser', () => {
  it('exports a range with a gap, downloads it and plays it', { timeout: 180_000 }, async () => {
    if (server === undefined || browser === undefined || cameras === undefined)
      throw new Error('setup failed');
    const { url: baseUrl, dataDir } = server;
    const chromium = browser;
    const fake = cameras.cameras[0];
    if (fake === undefined) throw new Error('no fake camera');
    const camera = await addCamera(baseUrl, {
      name: 'Gate camera',
      rtspUrl: fake.mainUrl,
      segmentSeconds: 4,
    });
    const rows = () => readSegments(dataDir, camera.id);
    await waitFor(() => rows().length >= 3, 60_000, 'three segments');
    await fake.stop();
    await sleep(8000);
    await fake.start();
    const before = rows().length;
    await waitFor(() => rows().length >= before + 3, 60_000, 'three segments after the outage');
    const segments = rows();
    // Whole seconds, as the form's inputs hold them; the range starts and ends inside segments.
    const start = Math.ceil(((segments[0]?.start_time ?? 0) + 1500) / 1000) * 1000;
    const end = Math.floor(((segments.at(-1)?.end_time ?? 0) - 1500) / 1000) * 1000;

    const watched = await openPage(chromium, `${baseUrl}/#/exports`);
    const { page } = watched;
    await page.getByTestId('exports-empty').waitFor();
    await page.getByRole('checkbox', { name: 'Gate camera' }).check();
    await page.getByLabel('Start', { exact: true }).fill(localInput(start));
    await page.getByLabel('End', { exact: true }).fill(localInput(end));
    await page.getByRole('button', { name: 'Export', exact: true }).click();

    const row = page.getByTestId('export-row').first();
    await expect.poll(() => row.getAttribute('data-status'), { timeout: 60_000 }).toBe('done');
    expect(await row.getByTestId('export-status').textContent()).toBe('Ready');
    const gaps = row.getByTestId('export-gaps').locator('li');
    expect(await gaps.count()).toBe(1);
    expect(await gaps.first().textContent()).toMatch(/^gap .+ \(\d+ s\)$/);
    await screenshot(page, 'exports-1-done');

    const id = await row.getAttribute('data-export-id');
    if (id === null) throw new Error('no export id on the row');
    const listed = (await apiRequest(baseUrl, 'POST', '/api/rpc/exports.list', {})).json as {
      id: string;
      fileName: string;
      fileSize: number;
      startTime: number;
      endTime: number;
    }[];
    const exported = listed.find((entry) => entry.id === id);
    expect(exported).toMatchObject({ startTime: start, endTime: end });

    // The download link: an attachment named from the camera id and the UTC times.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      row.getByTestId('export-download').click(),
    ]);
    expect(download.suggestedFilename()).toBe(exported?.fileName);
    expect(download.suggestedFilename()).toMatch(
      new RegExp(`^${camera.id}_\\d{8}T\\d{6}Z_\\d{8}T\\d{6}Z\\.mp4$`),
    );
    const saved = await download.path();
    expect(fs.statSync(saved).size).toBe(exported?.fileSize);

    // It plays in Chromium: a picture, and time advancing.
    const url = `/api/exports/${id}/download`;
    await page.evaluate(`(() => {
      const video = document.createElement('video');
      video.id = 'export-player';
      video.muted = true;
      video.src = ${JSON.stringify(url)};
      document.querySelector('main').prepend(video);
      void video.play();
    })()`);
    await expect
      .poll(() => page.evaluate('document.getElementById("export-player").videoWidth'), { timeout: 15_000 })
      .toBeGreaterThan(0);
    await expect
      .poll(() => page.evaluate('document.getElementById("export-player").currentTime'), { timeout: 15_000 })
      .toBeGreaterThan(1);
    expect(await page.evaluate('document.getElementById("export-player").error')).toBeNull();
    await screenshot(page, 'exports-2-playing');

    // Only ids reach files: anything else is refused before a path is built.
    const auth = { headers: authHeadersFor(baseUrl) };
    expect((await fetch(`${baseUrl}/api/exports/..%2F..%2Fomnisight.db/download`, auth)).status).toBe(400);
    expect((await fetch(`${baseUrl}/api/exports/exp-0000000000/download`, auth)).status).toBe(404);

    await row.getByRole('button', { name: /^Delete Gate camera/ }).click();
    await page.getByTestId('exports-empty').waitFor();
    expect((await fetch(`${baseUrl}${url}`, auth)).status).toBe(404);
    expect(watched.problems).toEqual([]);
    expect(await watched.cspViolations()).toEqual([]);
    await watched.close();
  });
});
