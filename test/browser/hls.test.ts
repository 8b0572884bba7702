/**
 * HLS for other players, in Chromium: hls.js plays the server's VOD playlist over recorded footage of the
 * fake clock camera that has a gap in it (the camera was disabled for a few seconds), across the gap, with no
 * error event. The time codes in the frames shown say it plays the footage recorded on both sides of the gap.
 *
 * The app's pages cannot host hls.js: their CSP (script-src 'self', no inline script) blocks what
 * page.addScriptTag injects, and hls.js's worker (a blob: URL) too. The player is another page, as it would
 * be for any other player: Playwright answers its HTML and scripts at paths of the server's origin (so the
 * playlist and segments are same-origin fetches) without touching the app or its CSP. That page has its
 * own strict CSP, which admits hls.js's blob: worker and MSE.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeCameras, type FakeCameras } from '../fake-cameras/index.js';
import { readSegments, sleep, waitFor, type SegmentRow } from '../recording/recording-helpers.js';
import { authHeadersFor, REPO_ROOT, startServer, type RunningServer } from '../support/server.js';
import { sampleVideoTimecode } from '../support/timecode-browser.js';
import { addCamera, apiRequest } from './api.js';
import { launchBrowser, openPage, screenshot } from './browser.js';

const HLS_JS = path.join(REPO_ROOT, 'node_modules', 'hls.js', 'dist', 'hls.min.js');
const PLAYER_PATH = '/test-hls-player/';
const SEGMENT_SECONDS = 4;
const GAP_MS = 4_000;

const PLAYER_HTML = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="UTF-8" />
    <meta http-equiv="Content-Security-Policy"
      content="default-src 'self'; script-src 'self'; worker-src blob:; media-src 'self' blob:; style-src 'self'" />
    <title>hls.js player</title>
    <script src="hls.min.js"></script>
    <script src="player.js" defer></script>
  </head>
  <body>
    <video id="player" muted playsinline width="640" height="360"></video>
  </body>
</html>
`;

// The player: every hls.js ERROR event and every fragment change is kept in window.hlsTest.
const PLAYER_JS = `
  const params = new URLSearchParams(location.search);
  const video = document.getElementById('player');
  const state = { errors: [], fragments: [], parsed: false };
  window.hlsTest = state;
  const hls = new Hls({ startPosition: Number(params.get('startPosition')) });
  window.hls = hls;
  hls.on(Hls.Events.ERROR, (_event, data) => {
    state.errors.push({ type: data.type, details: data.details, fatal: data.fatal,
      reason: String(data.reason ?? data.error?.message ?? ''), url: data.frag?.url ?? data.url ?? '' });
  });
  hls.on(Hls.Events.FRAG_CHANGED, (_event, data) => {
    state.fragments.push({ sn: data.frag.sn, cc: data.frag.cc, start: data.frag.start,
      duration: data.frag.duration, programDateTime: data.frag.programDateTime });
  });
  hls.on(Hls.Events.MANIFEST_PARSED, () => {
    state.parsed = true;
    void video.play();
  });
  hls.loadSource(params.get('src'));
  hls.attachMedia(video);
`;

interface HlsError {
  type: string;
  details: string;
  fatal: boolean;
  reason: string;
  url: string;
}

interface Fragment {
  sn: number;
  cc: number;
  start: number;
  duration: number;
  programDateTime: number | null;
}

let server: RunningServer | undefined;
let browser: Browser | undefined;
let cameras: FakeCameras | undefined;

beforeAll(async () => {
  [server, browser, cameras] = await Promise.all([
    startServer(),
    launchBrowser(),
    startFakeCameras({ cameras: [{ name: 'clock', clock: true }] }),
  ]);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await cameras?.stopAll();
  if (server !== undefined) fs.rmSync(server.dataDir, { recursive: true, force: true });
});

describe('hls.js', () => {
  it(
    'plays the VOD playlist over a range that contains a gap with no error event',
    { timeout: 180_000 },
    async () => {
      if (server === undefined || browser === undefined || cameras === undefined)
        throw new Error('setup failed');
      const { url: baseUrl, dataDir } = server;
      const clock = cameras.camera('clock');
      const camera = await addCamera(baseUrl, {
        name: 'Clock camera',
        rtspUrl: clock.mainUrl,
        segmentSeconds: SEGMENT_SECONDS,
      });
      const rows = (): SegmentRow[] => readSegments(dataDir, camera.id);
      // Two closed segments, then the camera is disabled (its open file is closed and indexed) for GAP_MS.
      await waitFor(() => rows().length >= 2, 60_000, 'two segments');
      expect(
        (await apiRequest(baseUrl, 'PATCH', `/api/cameras/${camera.id}`, { enabled: false })).status,
      ).toBe(200);
      await waitFor(() => rows().length >= 3, 15_000, 'the open segment closed');
      await sleep(GAP_MS);
      const beforeGap = rows();
      expect(
        (await apiRequest(baseUrl, 'PATCH', `/api/cameras/${camera.id}`, { enabled: true })).status,
      ).toBe(200);
      await waitFor(() => rows().length >= beforeGap.length + 2, 60_000, 'two segments after the gap');
      const segments = rows();
      const gapStart = beforeGap.at(-1)?.end_time ?? 0;
      const gapEnd = segments[beforeGap.length]?.start_time ?? 0;
      expect(gapEnd - gapStart).toBeGreaterThan(GAP_MS - 500);
      const start = segments[0]?.start_time ?? 0;
      const end = segments.at(-1)?.end_time ?? 0;
      const playlistUrl = `/api/cameras/${camera.id}/vod.m3u8?start=${start}&end=${end}`;
      const playlist = await (
        await fetch(baseUrl + playlistUrl, { headers: authHeadersFor(baseUrl) })
      ).text();
      expect(playlist.match(/^#EXT-X-DISCONTINUITY$/gm)).toHaveLength(1);
      // Where the gap falls on the playlist's timeline, which runs on across it (hls.js skips it).
      const beforeDiscontinuity = playlist.slice(0, playlist.search(/^#EXT-X-DISCONTINUITY$/m));
      const gapPoint = [...beforeDiscontinuity.matchAll(/^#EXTINF:([\d.]+),$/gm)].reduce(
        (sum, match) => sum + Number(match[1]),
        0,
      );
      const total = [...playlist.matchAll(/^#EXTINF:([\d.]+),$/gm)].reduce(
        (sum, match) => sum + Number(match[1]),
        0,
      );
      expect(gapPoint).toBeGreaterThan(2 * SEGMENT_SECONDS - 1);

      const watched = await openPage(browser, `${baseUrl}/`);
      const { page } = watched;
      const files: Record<string, { contentType: string; body: string | Buffer }> = {
        '': { contentType: 'text/html', body: PLAYER_HTML },
        'hls.min.js': { contentType: 'text/javascript', body: fs.readFileSync(HLS_JS) },
        'player.js': { contentType: 'text/javascript', body: PLAYER_JS },
      };
      await page.route(`${baseUrl}${PLAYER_PATH}**`, (route) => {
        const name = new URL(route.request().url()).pathname.slice(PLAYER_PATH.length);
        const file = files[name];
        return file === undefined
          ? route.fulfill({ status: 404, body: 'not found' })
          : route.fulfill({ status: 200, contentType: file.contentType, body: file.body });
      });
      // Start 3 s before the gap, so the test sees a few seconds on each side of it.
      const startPosition = Math.max(0, gapPoint - 3);
      const query = new URLSearchParams({ src: playlistUrl, startPosition: String(startPosition) });
      await page.goto(`${baseUrl}${PLAYER_PATH}?${query.toString()}`);
      await expect
        .poll(() => page.evaluate('window.hlsTest?.parsed === true'), { timeout: 10_000 })
        .toBe(true);
      await expect
        .poll(() => page.evaluate('document.getElementById("player").videoWidth'), { timeout: 15_000 })
        .toBeGreaterThan(0);

      // Before the gap: the frames shown were recorded before it began.
      const before = await sampleVideoTimecode(page, '#player', { nextFrame: true });
      expect(before.mediaTime).toBeLessThan(gapPoint);
      expect(before.timecodeMs).not.toBeNull();
      expect(before.timecodeMs ?? Infinity).toBeLessThan(gapStart + 1_000);

      // Across it: currentTime passes the gap point and goes on; the frames are from after the gap.
      await expect
        .poll(() => page.evaluate('document.getElementById("player").currentTime'), { timeout: 20_000 })
        .toBeGreaterThan(Math.min(gapPoint + 3, total - 0.5));
      const after = await sampleVideoTimecode(page, '#player', { nextFrame: true });
      expect(after.mediaTime).toBeGreaterThan(gapPoint);
      expect(after.timecodeMs ?? 0).toBeGreaterThan(gapEnd - 1_000);
      // hls.js dates the playing position by EXT-X-PROGRAM-DATE-TIME: against the time code of the frame just
      // read (a few ms earlier), it is off by the camera's latency, never by seconds.
      const playingDate = await page.evaluate<number | null>('window.hls.playingDate?.getTime() ?? null');
      console.log(
        `[hls test] gap ${gapEnd - gapStart} ms at ${gapPoint.toFixed(2)} s of ${total.toFixed(2)} s; ` +
          `time codes ${before.timecodeMs === null ? '?' : new Date(before.timecodeMs).toISOString()} before, ` +
          `${after.timecodeMs === null ? '?' : new Date(after.timecodeMs).toISOString()} after; ` +
          `hls.playingDate - frame time code ${playingDate === null || after.timecodeMs === null ? '?' : playingDate - after.timecodeMs} ms`,
      );
      expect(Math.abs((playingDate ?? 0) - (after.timecodeMs ?? 0))).toBeLessThan(1_000);

      const state = await page.evaluate<{ errors: HlsError[]; fragments: Fragment[] }>('window.hlsTest');
      expect(state.errors).toEqual([]);
      // Fragments from both sides of the discontinuity were played.
      expect(new Set(state.fragments.map((fragment) => fragment.cc))).toEqual(new Set([0, 1]));
      expect(await page.evaluate('document.getElementById("player").error')).toBeNull();
      await screenshot(page, 'hls-player-across-gap');
      expect(watched.problems).toEqual([]);
      expect(await watched.cspViolations()).toEqual([]);
      await watched.close();
    },
  );
});
