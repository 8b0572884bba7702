/**
 * The browser side of the time code: an H.264 MP4 of clock-camera frames with known times plays in a
 * `<video>` on a page of the built server (its CSP in force), and readVideoTimecode reads the times back from
 * the frames Chromium shows, paused after a seek and while playing.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderClockFrame } from '../fake-cameras/clock.js';
import { makeTempDir, startServer, type RunningServer } from '../support/server.js';
import { readVideoTimecode, sampleVideoTimecode } from '../support/timecode-browser.js';
import { launchBrowser, openPage, screenshot } from './browser.js';

const WIDTH = 640;
const HEIGHT = 360;
const FPS = 25;
const FRAMES = 5 * FPS;
/** The time code of frame 0; frame n shows FIRST_MS + 40 n. */
const FIRST_MS = Date.UTC(2026, 10, 25, 12, 0, 0, 0);
const MEDIA_PATH = '/test-media/clock.mp4';

let server: RunningServer | undefined;
let browser: Browser | undefined;
let mediaDir = '';

/** Encodes FRAMES clock frames, 40 ms apart in both media time and time code, as H.264 in an MP4. */
async function makeClockMp4(file: string): Promise<void> {
  const ffmpeg = spawn(
    'ffmpeg',
    [
      ...['-hide_banner', '-loglevel', 'error', '-nostdin', '-y'],
      ...[
        '-f',
        'rawvideo',
        '-pix_fmt',
        'gray',
        '-video_size',
        `${WIDTH}x${HEIGHT}`,
        '-framerate',
        String(FPS),
      ],
      ...['-i', 'pipe:0', '-c:v', 'libx264', '-preset', 'ultrafast', '-profile:v', 'baseline'],
      ...['-pix_fmt', 'yuv420p', '-g', String(FPS), '-b:v', '500k', '-movflags', '+faststart', file],
    ],
    { stdio: ['pipe', 'ignore', 'pipe'] },
  );
  let errors = '';
  ffmpeg.stderr.setEncoding('utf8').on('data', (chunk: string) => (errors += chunk));
  const exited = new Promise<number | null>((resolve, reject) => {
    ffmpeg.once('error', reject);
    ffmpeg.once('exit', resolve);
  });
  for (let frame = 0; frame < FRAMES; frame++) {
    if (!ffmpeg.stdin.write(renderClockFrame(WIDTH, HEIGHT, FIRST_MS + frame * 40))) {
      await new Promise((resolve) => ffmpeg.stdin.once('drain', resolve));
    }
  }
  ffmpeg.stdin.end();
  const code = await exited;
  if (code !== 0) throw new Error(`ffmpeg exited with ${String(code)}: ${errors}`);
}

beforeAll(async () => {
  mediaDir = makeTempDir('omnisight-timecode-');
  [server, browser] = await Promise.all([
    startServer(),
    launchBrowser(),
    makeClockMp4(path.join(mediaDir, 'clock.mp4')),
  ]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (server !== undefined) fs.rmSync(server.dataDir, { recursive: true, force: true });
  fs.rmSync(mediaDir, { recursive: true, force: true });
});

describe('reading the time code in Chromium', () => {
  it('reads the time of the frame shown after seeks and while playing', { timeout: 60_000 }, async () => {
    if (server === undefined || browser === undefined) throw new Error('setup failed');
    const watched = await openPage(browser, `${server.url}/`);
    const { page } = watched;
    // The MP4 is answered at a path of the server's own origin, so the app's CSP (media-src 'self') admits it.
    // With range requests answered: Chromium cannot seek in a media file served without them.
    const media = fs.readFileSync(path.join(mediaDir, 'clock.mp4'));
    await page.route(`${server.url}${MEDIA_PATH}`, (route) => {
      const range = /^bytes=(\d+)-(\d*)$/.exec(route.request().headers().range ?? '');
      const headers = { 'content-type': 'video/mp4', 'accept-ranges': 'bytes' };
      if (range === null) return route.fulfill({ status: 200, headers, body: media });
      const first = Number(range[1]);
      const last = range[2] ? Math.min(Number(range[2]), media.length - 1) : media.length - 1;
      return route.fulfill({
        status: 206,
        headers: { ...headers, 'content-range': `bytes ${first}-${last}/${media.length}` },
        body: media.subarray(first, last + 1),
      });
    });
    await page.evaluate(`(() => {
      const video = document.createElement('video');
      video.id = 'clock-video';
      video.muted = true;
      video.preload = 'auto';
      video.src = ${JSON.stringify(MEDIA_PATH)};
      document.body.prepend(video);
    })()`);
    await expect
      .poll(() => page.evaluate('document.getElementById("clock-video").readyState'), { timeout: 15_000 })
      .toBeGreaterThanOrEqual(2);

    // Paused, after a seek into the middle of a frame: exactly that frame's time. 'seeked' can fire before
    // the new frame is presented (a canvas then still gets the old one); requestVideoFrameCallback cannot.
    // (The video starts at frame 0: seeking within it presents no new frame, so frame 0 comes last.)
    for (const frame of [37, 50, 112, 0]) {
      await page.evaluate(`new Promise((resolve, reject) => {
        const video = document.getElementById('clock-video');
        setTimeout(() => reject(new Error('no frame presented after seeking to frame ${frame}')), 5000);
        video.requestVideoFrameCallback(() => resolve());
        video.currentTime = ${(frame + 0.5) / FPS};
      })`);
      expect(await readVideoTimecode(page, '#clock-video'), `frame ${frame}`).toBe(FIRST_MS + frame * 40);
    }
    const sized = await sampleVideoTimecode(page, '#clock-video');
    expect(sized).toMatchObject({ width: WIDTH, height: HEIGHT, timecodeMs: FIRST_MS });

    // Playing, frame by frame: the code follows currentTime, rising.
    await page.evaluate(`(() => {
      const video = document.getElementById('clock-video');
      video.currentTime = 0;
      return video.play();
    })()`);
    const samples = [];
    for (let index = 0; index < 20; index++) {
      samples.push(await sampleVideoTimecode(page, '#clock-video', { nextFrame: true }));
    }
    const read = samples.flatMap((sample) => (sample.timecodeMs === null ? [] : [sample]));
    expect(read.length).toBe(samples.length);
    for (const sample of read) {
      // The code read is that of the frame presented (its time code is its media time), or of the next one
      // when the video moved on between the callback and the canvas draw.
      const codeMs = (sample.timecodeMs ?? 0) - FIRST_MS;
      expect(codeMs).toBeGreaterThan(sample.mediaTime * 1000 - 5);
      expect(codeMs).toBeLessThan(sample.mediaTime * 1000 + 45);
    }
    const exact = read.filter(
      (sample) => Math.abs((sample.timecodeMs ?? 0) - FIRST_MS - sample.mediaTime * 1000) < 5,
    );
    console.log(`[timecode test] ${exact.length} of ${read.length} playing samples read the frame presented`);
    expect(exact.length).toBeGreaterThan(read.length / 2);
    const times = read.map((sample) => sample.timecodeMs ?? 0);
    expect(times.slice(1).every((time, index) => time > (times[index] ?? 0))).toBe(true);
    // Display times are on the page's clock, close to this process's Date.now().
    expect(Math.abs((samples.at(-1)?.sampledAtMs ?? 0) - Date.now())).toBeLessThan(2_000);

    // A selector that matches nothing rejects instead of answering null.
    await expect(readVideoTimecode(page, '#no-such-video')).rejects.toThrow(/no <video> matches/);
    await page.evaluate('document.getElementById("clock-video").pause()');
    await screenshot(page, 'timecode-video');
    expect(watched.problems).toEqual([]);
    expect(await watched.cspViolations()).toEqual([]);
    await watched.close();
  });
});
