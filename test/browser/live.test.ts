/**
 * The live grid in Chromium against the built headless server, with fake RTSP cameras: four tiles play (sub
 * streams) without stalling and stay under a second behind, the layout is remembered, full screen switches to the
 * main stream, snapshots save a JPEG, and cameras that cannot be watched say why.
 */
import fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeCameras, type FakeCameras } from '../fake-cameras/index.js';
import { startServer, type RunningServer } from '../support/server.js';
import { addCamera, apiRequest } from './api.js';
import { launchBrowser, openPage, screenshot, type WatchedPage } from './browser.js';

let server: RunningServer;
let browser: Browser;
let fake: FakeCameras;
const ids: Record<string, string> = {};
const NAMES = ['Front door', 'Gate', 'Yard', 'Driveway'];

/** test/ is typechecked without the DOM library: the video properties read in the page. */
interface VideoLike {
  videoWidth: number;
  muted: boolean;
}

interface TileSample {
  id: string;
  width: number;
  time: number;
  lag: number;
  stream: string;
}

async function sampleTiles(page: Page): Promise<TileSample[]> {
  return page.$$eval('[data-testid="live-tile"]', (tiles) =>
    tiles.map((tile) => {
      const video = tile.querySelector('video');
      const end =
        video !== null && video.buffered.length > 0 ? video.buffered.end(video.buffered.length - 1) : 0;
      return {
        id: tile.getAttribute('data-camera-id') ?? '',
        width: video?.videoWidth ?? 0,
        time: video?.currentTime ?? 0,
        lag: video === null ? 0 : end - video.currentTime,
        stream: tile.getAttribute('data-stream') ?? '',
      };
    }),
  );
}

beforeAll(async () => {
  [fake, server, browser] = await Promise.all([
    startFakeCameras({
      cameras: [
        ...NAMES.map((_name, index) => ({ name: `cam${index}`, sub: true, audio: index === 0 })),
        { name: 'hevc', codec: 'h265', resolution: '360p' },
      ],
    }),
    startServer(),
    launchBrowser(),
  ]);
  for (const [index, name] of NAMES.entries()) {
    const camera = fake.camera(`cam${index}`);
    const added = await addCamera(server.url, {
      name,
      rtspUrl: camera.mainUrl,
      subStreamUrl: camera.subUrl,
      segmentSeconds: 10,
    });
    ids[name] = added.id;
  }
  // Cameras that cannot be watched: an H.265 one (recorded, but Chromium cannot decode it), one nobody answers,
  // one turned off.
  ids.Garage = (
    await addCamera(server.url, { name: 'Garage', rtspUrl: fake.camera('hevc').mainUrl, segmentSeconds: 2 })
  ).id;
  ids.Unreachable = (
    await addCamera(server.url, { name: 'Unreachable', rtspUrl: 'rtsp://127.0.0.1:9/none' })
  ).id;
  const off = await addCamera(server.url, { name: 'Turned off', rtspUrl: 'rtsp://127.0.0.1:9/off' });
  await apiRequest(server.url, 'PATCH', `/api/cameras/${off.id}`, { enabled: false });
  ids['Turned off'] = off.id;
}, 90_000);

afterAll(async () => {
  await browser.close();
  await server.stop();
  await fake.stopAll();
  fs.rmSync(server.dataDir, { recursive: true, force: true });
});

describe('live grid', () => {
  let watched: WatchedPage;

  it('plays four cameras in a 2x2 grid from their sub streams, without a stall over 20 s', async () => {
    watched = await openPage(browser, `${server.url}/#/live`);
    const { page } = watched;
    await page.getByTestId('layout-4').click();
    await page.locator('[data-testid="live-grid"][data-layout="4"]').waitFor();
    expect(await page.getByTestId('live-tile').count()).toBe(4);
    await expect
      .poll(async () => (await sampleTiles(page)).filter((tile) => tile.width > 0).length, {
        timeout: 30_000,
      })
      .toBe(4);

    const samples: TileSample[][] = [];
    for (let second = 0; second <= 20; second += 1) {
      samples.push(await sampleTiles(page));
      await page.waitForTimeout(1000);
    }
    for (const [index, name] of NAMES.entries()) {
      const series = samples.map((sample) => sample.find((tile) => tile.id === ids[name])!);
      expect(series.every((tile) => tile.stream === 'sub')).toBe(true);
      // The sub stream is 640x360; every second the picture moved on (no stall), and the buffer stayed under 1 s.
      expect(series.every((tile) => tile.width === 640)).toBe(true);
      const steps = series.slice(1).map((tile, i) => tile.time - series[i]!.time);
      expect(
        Math.min(...steps),
        `${name} (tile ${index}) steps ${steps.map((s) => s.toFixed(2)).join(' ')}`,
      ).toBeGreaterThan(0.5);
      expect(Math.max(...series.map((tile) => tile.lag))).toBeLessThan(1.0);
    }
    await screenshot(page, 'live-grid-2x2');
    expect(watched.problems).toEqual([]);
    expect(await watched.cspViolations()).toEqual([]);
  }, 90_000);

  it('remembers the layout and shows why a camera cannot be watched', async () => {
    const { page } = watched;
    await page.getByTestId('layout-9').click();
    await page.reload();
    await page.locator('[data-testid="live-grid"][data-layout="9"]').waitFor();
    expect(await page.getByTestId('live-tile').count()).toBe(7);
    const unreachable = page.locator(`[data-testid="live-tile"][data-camera-id="${ids.Unreachable}"]`);
    await expect
      .poll(() => unreachable.getByTestId('tile-overlay').textContent(), { timeout: 20_000 })
      .toMatch(/^Reconnecting \(.+\)$/);
    // H.265: never a black tile without a word; the camera records normally all the same.
    const garage = page.locator(`[data-testid="live-tile"][data-camera-id="${ids.Garage}"]`);
    await expect.poll(() => garage.getAttribute('data-state'), { timeout: 20_000 }).toBe('unsupported');
    expect(await garage.getByTestId('tile-overlay').textContent()).toMatch(/sends H\.265.*recorded normally/);
    await expect
      .poll(
        async () => {
          const { json } = await apiRequest(server.url, 'POST', '/api/rpc/recordings.segments', {
            cameraId: ids.Garage,
            start: Date.now() - 600_000,
            end: Date.now(),
          });
          return (json as { segments: unknown[] }).segments.length;
        },
        { timeout: 20_000 },
      )
      .toBeGreaterThan(0);
    const off = page.locator(`[data-testid="live-tile"][data-camera-id="${ids['Turned off']}"]`);
    expect(await off.getByTestId('tile-overlay').textContent()).toBe('Offline: this camera is turned off.');
    await expect
      .poll(async () => (await sampleTiles(page)).filter((tile) => tile.width > 0).length, {
        timeout: 30_000,
      })
      .toBe(4);
    await screenshot(page, 'live-grid-3x3');
  }, 60_000);

  it('switches to the main stream in full screen and for a single camera, and saves a snapshot', async () => {
    const { page } = watched;
    const front = page.locator(`[data-testid="live-tile"][data-camera-id="${ids['Front door']}"]`);
    await front.dblclick();
    await expect.poll(() => front.getAttribute('data-stream')).toBe('main');
    await expect
      .poll(() => front.locator('video').evaluate((video) => (video as unknown as VideoLike).videoWidth), {
        timeout: 20_000,
      })
      .toBe(1920);
    await page.evaluate('document.exitFullscreen()');
    await expect.poll(() => front.getAttribute('data-stream')).toBe('sub');

    await page.getByTestId('layout-1').click();
    const single = page.getByTestId('live-tile');
    expect(await single.count()).toBe(1);
    await expect.poll(() => single.getAttribute('data-stream')).toBe('main');
    await expect
      .poll(() => single.locator('video').evaluate((video) => (video as unknown as VideoLike).videoWidth), {
        timeout: 20_000,
      })
      .toBe(1920);

    // Sound: the first camera has audio; the tile starts muted and unmutes on request.
    await single.hover();
    await single.getByTestId('tile-mute').click();
    expect(await single.locator('video').evaluate((video) => (video as unknown as VideoLike).muted)).toBe(
      false,
    );

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      single.getByTestId('tile-snapshot').click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^Front door \d{4}-\d\d-\d\d \d\d-\d\d-\d\d\.jpg$/);
    const file = await download.path();
    const bytes = fs.readFileSync(file);
    expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    expect(bytes.length).toBeGreaterThan(20_000);
    await screenshot(page, 'live-single');
    await page.getByTestId('layout-4').click();
    expect(watched.problems).toEqual([]);
    await watched.close();
  }, 90_000);
});
