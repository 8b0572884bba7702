/**
 * bench:live: the operator's four waits, measured in Debian's Chromium against the built headless server with a
 * fake *clock* camera (its picture carries the wall-clock time as a machine-readable code, test/support/timecode.ts):
 *
 *   - ttff_ms: click on "Live" to the first live frame presented (median of 7);
 *   - live_latency_ms: glass to glass: the time drawn into the picture at the source against the time the frame
 *     was shown in Chromium (requestVideoFrameCallback's expected display time), median of 40 frames;
 *   - seek_ms: click on the timeline to the first frame of that time presented (median of 7 clicks at different
 *     times; each frame's code is checked to be the clicked time);
 *   - timeline_load_ms: click on "Playback" to a day's coverage drawn for 16 cameras (15 with synthetic rows for
 *     the whole day so far, with gaps, plus the clock camera), median of 7.
 *
 * Targets (issue 5): ttff ≤ 1000, live latency ≤ 800, seek ≤ 500, timeline load ≤ 300.
 *
 *   npm run bench:live -- --json
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Page } from 'playwright-core';
import { startFakeCameras } from '../test/fake-cameras/index.js';
import { launchBrowser, signInContext } from '../test/browser/browser.js';
import { authHeadersFor, startServer } from '../test/support/server.js';
import { sampleVideoTimecode } from '../test/support/timecode-browser.js';
import { benchLogger, median, percentile } from './support.js';

const json = process.argv.includes('--json');
const log = benchLogger(json);

const round = (value: number): number => Math.round(value);

async function api(base: string, method: string, route: string, body?: unknown): Promise<unknown> {
  const response = await fetch(base + route, {
    method,
    ...(body === undefined
      ? { headers: authHeadersFor(base) }
      : {
          headers: { ...authHeadersFor(base), 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }),
  });
  const value: unknown = await response.json();
  if (!response.ok)
    throw new Error(`${method} ${route} answered ${response.status}: ${JSON.stringify(value)}`);
  return value;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Local midnight today (the page shows today in the machine's zone, which the bench shares). */
function localMidnight(now: number): number {
  const date = new Date(now);
  return new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();
}

/** Fills the day so far of each camera with 60 s segment rows, a 10-minute gap every two hours. */
function seedCoverage(databaseFile: string, cameraIds: string[], from: number, to: number): number {
  const sqlite = new Database(databaseFile);
  sqlite.pragma('busy_timeout = 5000');
  const insertRecording = sqlite.prepare(
    "INSERT INTO recordings (camera_id, start_time, end_time, duration_ms, status) VALUES (?, ?, ?, ?, 'closed')",
  );
  const insertSegment = sqlite.prepare(
    `INSERT INTO segments (recording_id, camera_id, file_path, start_time, end_time, duration_ms, file_size)
     VALUES (?, ?, ?, ?, ?, 60000, 7500000)`,
  );
  let rows = 0;
  sqlite.transaction(() => {
    for (const cameraId of cameraIds) {
      let recordingId: number | bigint = 0;
      for (let start = from; start + 60_000 <= to; start += 60_000) {
        const minute = Math.floor((start - from) / 60_000);
        if (minute % 120 >= 110) continue;
        if (minute % 120 === 0 || recordingId === 0) {
          recordingId = insertRecording.run(
            cameraId,
            start,
            start + 110 * 60_000,
            110 * 60_000,
          ).lastInsertRowid;
        }
        insertSegment.run(recordingId, cameraId, `${cameraId}/synthetic/${start}.mp4`, start, start + 60_000);
        rows += 1;
      }
    }
  })();
  sqlite.close();
  return rows;
}

/**
 * Seven times, from the Cameras page: click `nav` and wait in the page for `until` (a promise expression that
 * resolves with performance.now() once the wait is over); the page's own clock measures each.
 */
async function timeFromCamerasPage(page: Page, nav: string, until: string): Promise<number[]> {
  const times: number[] = [];
  for (let round = 0; round < 7; round += 1) {
    await page.click('[data-testid="nav-cameras"]');
    await page.getByRole('heading', { name: 'Cameras' }).waitFor();
    await sleep(300);
    const t0 = await page.evaluate<number>('performance.now()');
    await page.click(nav);
    times.push((await page.evaluate<number>(until)) - t0);
  }
  return times;
}

async function main(): Promise<void> {
  log('starting the fake clock camera, the server and Chromium');
  const [fake, server, browser] = await Promise.all([
    startFakeCameras({ cameras: [{ name: 'clock', clock: true }] }),
    startServer(),
    launchBrowser(),
  ]);
  try {
    const clockCamera = (await api(server.url, 'POST', '/api/cameras', {
      name: 'Clock',
      rtspUrl: fake.camera('clock').mainUrl,
      segmentSeconds: 4,
    })) as { id: string };
    const others: string[] = [];
    for (let index = 1; index < 16; index += 1) {
      const camera = (await api(server.url, 'POST', '/api/cameras', {
        name: `Synthetic ${String(index).padStart(2, '0')}`,
        rtspUrl: `rtsp://127.0.0.1:9/synthetic-${index}`,
        enabled: false,
      })) as { id: string };
      others.push(camera.id);
    }
    const now = Date.now();
    const rows = seedCoverage(
      path.join(server.dataDir, 'omnisight.db'),
      others,
      localMidnight(now),
      Math.max(localMidnight(now) + 60_000, now - 120_000),
    );
    log(`seeded ${rows} synthetic segment rows for 15 cameras`);

    const context = await browser.newContext({ viewport: { width: 1360, height: 820 } });
    await signInContext(context, server.url);
    await context.addInitScript({
      content: `localStorage.setItem('omnisight.live.layout', '1'); localStorage.setItem('omnisight.playback.cameras', '[]');`,
    });
    const page = await context.newPage();
    await page.goto(`${server.url}/#/cameras`);
    await page.getByTestId('nav-live').waitFor();

    // Wait until the clock camera records (its hub has a keyframe) and some footage exists for seeking.
    log('waiting for 30 s of footage');
    const recordedFrom = Date.now();
    await sleep(30_000);

    // --- ttff: Cameras page → click Live → first frame presented.
    const firstFrame = `new Promise((resolve) => {
      const check = () => {
        const video = document.querySelector('[data-testid="live-tile"] video');
        if (video && video.videoWidth > 0 && video.readyState >= 2 && video.currentTime > 0) resolve(performance.now());
        else requestAnimationFrame(check);
      };
      check();
    })`;
    const ttff = await timeFromCamerasPage(page, '[data-testid="nav-live"]', firstFrame);
    log(`ttff ms: ${ttff.map(round).join(' ')}`);

    // --- live latency: the code in each presented frame against its display time.
    await sleep(3000);
    const latency: number[] = [];
    let unreadable = 0;
    while (latency.length < 40 && unreadable < 40) {
      const sample = await sampleVideoTimecode(page, '[data-testid="live-tile"] video', { nextFrame: true });
      if (sample.timecodeMs === null) unreadable += 1;
      else latency.push(sample.sampledAtMs - sample.timecodeMs);
      await sleep(150);
    }
    log(
      `live latency ms: median ${round(median(latency))}, p90 ${round(percentile(latency, 0.9))}, unreadable ${unreadable}`,
    );

    // --- seek: Playback with the clock camera, click a time on its band, first frame of that time presented.
    await page.evaluate(
      `localStorage.setItem('omnisight.playback.cameras', ${JSON.stringify(JSON.stringify([clockCamera.id]))})`,
    );
    await page.click('[data-testid="nav-playback"]');
    const band = page.locator(`[data-testid="timeline-band"][data-camera-id="${clockCamera.id}"]`);
    await band.waitFor();
    const seek: number[] = [];
    const seekErrors: number[] = [];
    for (let round = 0; round < 7; round += 1) {
      // Times inside the recorded 30 s, in a different place each round, away from the live edge.
      const target = recordedFrom + 4000 + round * 3000;
      // Day view: a pixel is about 90 s, so the time compared is the clicked pixel's, not the target.
      const timeline = page.getByTestId('timeline');
      const viewStart = Number(await timeline.getAttribute('data-view-start'));
      const viewEnd = Number(await timeline.getAttribute('data-view-end'));
      const box = await band.boundingBox();
      if (box === null) throw new Error('the timeline band is not visible');
      const x = box.x + ((target - viewStart) / (viewEnd - viewStart)) * box.width;
      const t0 = await page.evaluate<number>('performance.now()');
      await page.mouse.click(x, box.y + box.height / 2);
      const clicked = viewStart + ((x - box.x) / box.width) * (viewEnd - viewStart);
      const shownAt = await page.evaluate<number>(`new Promise((resolve) => {
        const started = performance.now();
        const check = () => {
          const video = document.querySelector('[data-testid="playback-tile"] video');
          const time = Number(document.querySelector('[data-testid="playback-time"]')?.getAttribute('data-time'));
          if (video && video.readyState >= 2 && !video.seeking && Math.abs(time - ${clicked}) < 1500) {
            video.requestVideoFrameCallback(() => resolve(performance.now()));
          } else if (performance.now() - started > 10000) resolve(-1);
          else requestAnimationFrame(check);
        };
        check();
      })`);
      if (shownAt < 0) throw new Error(`no frame within 10 s of clicking ${new Date(clicked).toISOString()}`);
      seek.push(shownAt - t0);
      const sample = await sampleVideoTimecode(page, '[data-testid="playback-tile"] video');
      if (sample.timecodeMs !== null) seekErrors.push(sample.timecodeMs - clicked);
      await sleep(500);
    }
    log(
      `seek ms: ${seek.map(round).join(' ')}; shown minus clicked (ms): ${seekErrors.map(round).join(' ')}`,
    );

    // --- timeline load: Cameras page → click Playback → coverage drawn for all 16 cameras.
    await page.evaluate(`localStorage.setItem('omnisight.playback.cameras', '[]')`);
    const allDrawn = `new Promise((resolve) => {
      const check = () => {
        const bands = [...document.querySelectorAll('[data-testid="timeline-band"]')];
        const drawn = bands.filter((band) => band.querySelector('[data-testid="coverage-block"]') !== null);
        if (bands.length >= 16 && drawn.length >= 16) resolve(performance.now());
        else requestAnimationFrame(check);
      };
      check();
    })`;
    const timelineLoad = await timeFromCamerasPage(page, '[data-testid="nav-playback"]', allDrawn);
    log(`timeline load ms: ${timelineLoad.map(round).join(' ')}`);

    const result = {
      ttff_ms: round(median(ttff)),
      live_latency_ms: round(median(latency)),
      seek_ms: round(median(seek)),
      timeline_load_ms: round(median(timelineLoad)),
    };
    const details = {
      live_latency_p90_ms: round(percentile(latency, 0.9)),
      latency_samples: latency.length,
      seek_frame_error_ms: round(median(seekErrors.map(Math.abs))),
      synthetic_rows: rows,
    };
    if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else process.stdout.write(`${JSON.stringify({ ...result, ...details }, null, 2)}\n`);
    log(JSON.stringify(details));
    await context.close();
  } finally {
    await browser.close();
    await server.stop();
    await fake.stopAll();
    fs.rmSync(server.dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
