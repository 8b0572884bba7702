/**
 * What the playback browser tests do on the Playback page: choose cameras, click a time on a camera's timeline
 * band, and read each tile's position and buffer. A player's wall-clock position is `data-origin` of its tile +
 * `video.currentTime` × 1000 (the player maps media time to the wall clock with a fixed origin), so positions of
 * different players compare directly.
 */
import type { Browser, Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import type { Camera } from '../../common/contract/index.js';
import { openPage, type WatchedPage } from './browser.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Opens the Playback page with exactly these cameras chosen. */
export async function openPlayback(
  browser: Browser,
  serverUrl: string,
  cameras: Camera[],
): Promise<WatchedPage> {
  const watched = await openPage(browser, `${serverUrl}/#/playback`);
  const { page } = watched;
  await page.getByTestId('playback-camera').first().waitFor();
  for (const camera of cameras) {
    await page.locator(`[data-testid="playback-camera"][data-camera-id="${camera.id}"]`).check();
  }
  await expect.poll(() => page.getByTestId('playback-tile').count()).toBe(cameras.length);
  return watched;
}

interface View {
  start: number;
  end: number;
}

async function viewOf(timeline: Locator): Promise<View> {
  return {
    start: Number(await timeline.getAttribute('data-view-start')),
    end: Number(await timeline.getAttribute('data-view-end')),
  };
}

/**
 * Clicks the timeline band of `camera` at `time`. When the time is outside the view, zooms out with the wheel
 * (up to the whole day) and steps to the previous or next day until it is inside; then zooms in with the wheel
 * around that time until the view is at most two minutes wide (a day is ~86 s per pixel), and clicks at the x of
 * `time` (the band is linear in time). Answers the time actually clicked (whole pixels).
 */
export async function clickTimelineAt(page: Page, camera: Camera, time: number): Promise<number> {
  const timeline = page.getByTestId('timeline');
  const band = page.locator(`[data-testid="timeline-band"][data-camera-id="${camera.id}"]`);
  await band.waitFor();
  await band.scrollIntoViewIfNeeded();
  const xOf = async (view: View) => {
    const box = (await band.boundingBox())!;
    return {
      x: Math.round(box.x + ((time - view.start) / (view.end - view.start)) * box.width),
      y: box.y + box.height / 2,
      box,
    };
  };
  let view = await viewOf(timeline);
  for (let step = 0; step < 60 && (time < view.start || time >= view.end); step++) {
    const before = view;
    const box = (await band.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, 300);
    await sleep(30);
    view = await viewOf(timeline);
    if (view.start === before.start && view.end === before.end) {
      // The whole day is shown: the time is on another day.
      await page.getByTestId(time < view.start ? 'prev-day' : 'next-day').click();
      await expect.poll(async () => (await viewOf(timeline)).start).not.toBe(before.start);
      view = await viewOf(timeline);
    }
  }
  for (let notch = 0; notch < 60 && view.end - view.start > 2 * 60_000; notch++) {
    const point = await xOf(view);
    await page.mouse.move(point.x, point.y);
    await page.mouse.wheel(0, -300);
    await sleep(30);
    view = await viewOf(timeline);
  }
  expect(view.end - view.start).toBeLessThanOrEqual(2 * 60_000);
  const point = await xOf(view);
  expect(point.x).toBeGreaterThan(point.box.x);
  expect(point.x).toBeLessThan(point.box.x + point.box.width);
  await page.mouse.click(point.x, point.y);
  return view.start + ((point.x - point.box.x) / point.box.width) * (view.end - view.start);
}

export interface TileState {
  wall: number | null;
  state: string | null;
  currentTime: number;
  playbackRate: number;
  muted: boolean;
  videoWidth: number;
  waiting: number;
  /** `video.buffered`, in seconds of media time. */
  buffered: [number, number][];
}

/** Each tile's wall position, read in one evaluation so they are comparable. */
export async function tiles(page: Page): Promise<Record<string, TileState>> {
  return await page.evaluate<Record<string, TileState>>(`(() => {
    const out = {};
    for (const tile of document.querySelectorAll('[data-testid="playback-tile"]')) {
      const video = tile.querySelector('video');
      const origin = Number(tile.dataset.origin);
      const buffered = [];
      for (let i = 0; i < video.buffered.length; i++) buffered.push([video.buffered.start(i), video.buffered.end(i)]);
      out[tile.dataset.cameraId] = {
        wall: video.readyState >= 2 && origin > 0 ? origin + video.currentTime * 1000 : null,
        state: tile.dataset.state ?? null,
        currentTime: video.currentTime,
        playbackRate: video.playbackRate,
        muted: video.muted,
        videoWidth: video.videoWidth,
        waiting: video.omnisightWaiting ?? 0,
        buffered,
      };
    }
    return out;
  })()`);
}

/** Counts `waiting` events (the video ran out of data) per video from now on. */
export async function countWaiting(page: Page): Promise<void> {
  await page.evaluate(`(() => {
    for (const video of document.querySelectorAll('[data-testid="playback-tile"] video')) {
      video.omnisightWaiting = 0;
      if (!video.omnisightWatched) {
        video.omnisightWatched = true;
        video.addEventListener('waiting', () => { video.omnisightWaiting = (video.omnisightWaiting ?? 0) + 1; });
      }
    }
  })()`);
}

/** The master clock's position as the page shows it (wall ms). */
export async function clockTime(page: Page): Promise<number> {
  return Number(await page.getByTestId('playback-time').getAttribute('data-time'));
}

/** Waits until the camera's tile is ready and its video advances. */
export async function waitUntilPlaying(page: Page, camera: Camera): Promise<TileState> {
  await expect.poll(async () => (await tiles(page))[camera.id]?.state, { timeout: 15_000 }).toBe('ready');
  const first = (await tiles(page))[camera.id]!;
  await expect
    .poll(async () => (await tiles(page))[camera.id]!.currentTime, { timeout: 10_000 })
    .toBeGreaterThan(first.currentTime + 0.2);
  return (await tiles(page))[camera.id]!;
}
