/**
 * Recorded playback of a long, large segment file in Chromium: a 4-minute file of about 250 MB (8 Mb/s), more
 * than Chromium's media buffer takes for video (about 150 MB), followed by a 24 s file of the same run. The
 * player reads it in groups of pictures (byte ranges), so it must start in the middle of the file within a
 * couple of seconds, keep only its window buffered, seek far into the file without reading it all, and play on
 * into the next file.
 *
 * The files are made as the recorder's are (fragmented MP4, `+frag_keyframe+empty_moov+default_base_moof`,
 * fragments of at most 200 ms, a keyframe every second) by remuxing an 8 s clip looped with `-stream_loop`, and
 * are indexed by the engine's reconciliation of files without rows. Each frame of the clip carries its time
 * within the clip as a time code (test/support/timecode.ts), so the frame shown after a seek tells where in
 * the file it is (modulo 8 s: the clip repeats).
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Camera } from '../../common/contract/index.js';
import { segmentRelativePath } from '../../electron/engine/recording/segment-path.js';
import { makeTempDir, startServer, type RunningServer } from '../support/server.js';
import { sampleVideoTimecode } from '../support/timecode-browser.js';
import { drawTimecode, freeArea } from '../support/timecode.js';
import { addCamera, apiRequest } from './api.js';
import { launchBrowser, screenshot } from './browser.js';
import { clickTimelineAt, countWaiting, openPlayback, tiles, waitUntilPlaying } from './playback-page.js';

const WIDTH = 960;
const HEIGHT = 540;
const FPS = 25;
/** The clip: a whole number of 1 s GOPs, so looped copies meet without a hole in the timestamps. */
const CLIP_MS = 8000;
const LONG_LOOPS = 30;
const LONG_MS = LONG_LOOPS * CLIP_MS;
const NEXT_MS = 3 * CLIP_MS;
/** Chromium's media buffer quota for video (kDefaultVideoMemoryLimit). */
const CHROMIUM_VIDEO_QUOTA = 150 * 1024 * 1024;

let server: RunningServer;
let browser: Browser;
let camera: Camera;
let workDir: string;
/** Start of the long file (UTC ms, a whole second: file names hold seconds). */
let t0 = 0;
let longBytes = 0;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function run(args: string[], input?: (stdin: NodeJS.WritableStream) => Promise<void>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', ...args], {
      stdio: [input === undefined ? 'ignore' : 'pipe', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`ffmpeg ${args.join(' ')} exited with ${code}: ${stderr}`)),
    );
    if (input !== undefined && child.stdin !== null) {
      const stdin = child.stdin;
      input(stdin).then(
        () => stdin.end(),
        (error: unknown) => {
          child.kill();
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    }
  });
}

/**
 * The 8 s clip: gray frames with the time within the clip as a time code, and noise below it so the picture
 * costs about what a busy camera's does (8 Mb/s, H.264 baseline, a keyframe every second).
 */
async function makeClip(file: string): Promise<void> {
  const { y0 } = freeArea(WIDTH, HEIGHT);
  await run(
    [
      ...['-f', 'rawvideo', '-pix_fmt', 'gray', '-video_size', `${WIDTH}x${HEIGHT}`],
      ...['-framerate', String(FPS), '-i', 'pipe:0'],
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-profile:v', 'baseline', '-pix_fmt', 'yuv420p'],
      ...['-g', String(FPS), '-keyint_min', String(FPS), '-sc_threshold', '0'],
      ...['-b:v', '8M', '-maxrate', '8M', '-bufsize', '8M', '-movflags', '+faststart', '-f', 'mp4', file],
    ],
    async (stdin) => {
      for (let frame = 0; frame < (CLIP_MS / 1000) * FPS; frame++) {
        const pixels = new Uint8Array(WIDTH * HEIGHT);
        drawTimecode({ data: pixels, width: WIDTH, height: HEIGHT }, (frame * 1000) / FPS);
        crypto.randomFillSync(pixels.subarray(y0 * WIDTH));
        if (!stdin.write(pixels)) await new Promise((resolve) => stdin.once('drain', resolve));
      }
    },
  );
}

/** The clip looped `loops` times into one segment file laid out as the recorder writes them. */
async function makeSegment(clip: string, loops: number, file: string): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await run([
    ...['-stream_loop', String(loops - 1), '-i', clip, '-c', 'copy'],
    ...['-movflags', '+frag_keyframe+empty_moov+default_base_moof', '-frag_duration', '200000'],
    ...['-f', 'mp4', file],
  ]);
}

interface Row {
  id: number;
  start: number;
  end: number;
  bytes: number;
  recordingId: number;
}

beforeAll(async () => {
  workDir = makeTempDir('omnisight-long-');
  [server, browser] = await Promise.all([startServer(), launchBrowser()]);
  // Disabled: nothing records; the footage is the two files below.
  camera = await addCamera(server.url, {
    name: 'Long segments',
    rtspUrl: 'demo:test-pattern',
    enabled: false,
  });
  // Ten minutes ago, so the whole footage lies in the past (and, but near midnight, on today's timeline).
  t0 = Math.floor((Date.now() - 10 * 60_000) / 1000) * 1000;
  const recordings = path.join(server.dataDir, 'recordings');
  const longFile = path.join(recordings, segmentRelativePath(camera.id, t0));
  const nextFile = path.join(recordings, segmentRelativePath(camera.id, t0 + LONG_MS));
  const clip = path.join(workDir, 'clip.mp4');
  await makeClip(clip);
  await makeSegment(clip, LONG_LOOPS, longFile);
  await makeSegment(clip, NEXT_MS / CLIP_MS, nextFile);
  longBytes = fs.statSync(longFile).size;
  // Reconciliation while the engine runs leaves files younger than an hour alone (they may be about to get
  // their row): these are older.
  const old = new Date(Date.now() - 2 * 3_600_000);
  for (const file of [longFile, nextFile]) fs.utimesSync(file, old, old);
  const { status, json } = await apiRequest(server.url, 'POST', '/api/rpc/storage.reconcile', {});
  if (status !== 200) throw new Error(`storage.reconcile answered ${status}: ${JSON.stringify(json)}`);
}, 120_000);

afterAll(async () => {
  await browser.close();
  await server.stop();
  fs.rmSync(server.dataDir, { recursive: true, force: true });
  fs.rmSync(workDir, { recursive: true, force: true });
});

/** The clip time a wall-clock time of the footage shows (the clip repeats every 8 s from `t0`). */
function clipTime(wall: number): number {
  return (((wall - t0) % CLIP_MS) + CLIP_MS) % CLIP_MS;
}

/** `a − b` for two clip times, around the loop: in [−4 s, 4 s). */
function clipSigned(a: number, b: number): number {
  return ((((a - b) % CLIP_MS) + CLIP_MS * 1.5) % CLIP_MS) - CLIP_MS / 2;
}

/** How far apart two clip times are, around the loop. */
function clipDistance(a: number, b: number): number {
  const difference = Math.abs(a - b) % CLIP_MS;
  return Math.min(difference, CLIP_MS - difference);
}

describe('recorded playback of a long, large segment file', () => {
  it('starts in the middle, stays within its buffer window, seeks far into the file and plays into the next', async () => {
    const { json } = await apiRequest(server.url, 'POST', '/api/rpc/recordings.segments', {
      cameraId: camera.id,
      start: t0 - 60_000,
      end: t0 + LONG_MS + NEXT_MS + 60_000,
    });
    const rows = (json as { segments: Row[] }).segments;
    expect(rows.map((row) => [row.start - t0, row.end - t0])).toEqual([
      [0, LONG_MS],
      [LONG_MS, LONG_MS + NEXT_MS],
    ]);
    // One run: the next file continues the long one.
    expect(rows[1]!.recordingId).toBe(rows[0]!.recordingId);
    expect(rows[0]!.bytes).toBe(longBytes);
    expect(longBytes).toBeGreaterThan(CHROMIUM_VIDEO_QUOTA * 1.5);
    const bytesPerSecond = longBytes / (LONG_MS / 1000);
    console.log(
      `[playback-long] long file ${Math.round(longBytes / 1e6)} MB, ${LONG_MS / 1000} s, ${((bytesPerSecond * 8) / 1e6).toFixed(1)} Mb/s`,
    );

    const watched = await openPlayback(browser, server.url, [camera]);
    const { page } = watched;
    const selector = `[data-testid="playback-tile"][data-camera-id="${camera.id}"] video`;

    const origin = async () =>
      Number(
        await page
          .locator(`[data-testid="playback-tile"][data-camera-id="${camera.id}"]`)
          .getAttribute('data-origin'),
      );

    /**
     * Clicks a time and waits for the first frame with a readable code once the tile is ready. Answers how long
     * that took, how far the frame's code is from the player's position (the frame is the footage of that
     * moment), and how far after the time clicked it is (negative: earlier; the keyframe before the time
     * clicked, 0.7 s earlier here, would read −700).
     */
    const seekTo = async (time: number, name: string) => {
      const clicked = await clickTimelineAt(page, camera, time);
      const clickedAt = Date.now();
      for (;;) {
        const state = (await tiles(page))[camera.id]!;
        const sample = await sampleVideoTimecode(page, selector);
        if (sample.timecodeMs !== null && state.state === 'ready') {
          const shownMs = Date.now() - clickedAt;
          const frameWall = (await origin()) + sample.mediaTime * 1000;
          const positionError = clipDistance(sample.timecodeMs, clipTime(frameWall));
          const afterClick = clipSigned(sample.timecodeMs, clipTime(clicked));
          console.log(
            `[playback-long] ${name}: clicked ${Math.round((clicked - t0) / 100) / 10} s into the file; first frame after ${shownMs} ms, ${Math.round(afterClick)} ms after the time clicked, its code ${Math.round(positionError)} ms from the player's position`,
          );
          return { clicked, shownMs, positionError, afterClick };
        }
        if (Date.now() - clickedAt > 15_000)
          throw new Error(`${name}: no frame of the time clicked within 15 s`);
        await sleep(30);
      }
    };

    /** What the video buffers, in seconds around the playhead (and the whole). */
    const bufferState = async () => {
      const state = (await tiles(page))[camera.id]!;
      const total = state.buffered.reduce((sum, [start, end]) => sum + end - start, 0);
      return {
        state,
        total,
        text: state.buffered
          .map(([s, e]) => `${(s - state.currentTime).toFixed(1)}..${(e - state.currentTime).toFixed(1)}`)
          .join(' '),
      };
    };

    // The middle of the long file, 0.7 s after a keyframe.
    const middle = await seekTo(t0 + 60_700, 'middle');
    expect(middle.shownMs).toBeLessThan(3000);
    // The frame shown is the footage at the player's position (a frame is 40 ms; the canvas may get the next),
    // and that is the time clicked, not the keyframe before it (the click lands on a whole pixel, ~130 ms at a
    // two-minute view; the video may have played a few polls on).
    expect(middle.positionError).toBeLessThan(100);
    expect(middle.afterClick).toBeGreaterThan(-150);
    expect(middle.afterClick).toBeLessThan(600);
    await waitUntilPlaying(page, camera);
    await countWaiting(page);
    let most = 0;
    for (let second = 0; second < 8; second++) {
      await sleep(1000);
      const { total } = await bufferState();
      most = Math.max(most, total);
    }
    const afterMiddle = await bufferState();
    console.log(
      `[playback-long] after 8 s in the middle: buffered ${afterMiddle.total.toFixed(1)} s (${Math.round((afterMiddle.total * bytesPerSecond) / 1e6)} MB), ranges from the playhead: ${afterMiddle.text}; most ${most.toFixed(1)} s`,
    );
    // The window: 20 s behind, 30 s ahead (and the group being played); never the file.
    expect(most).toBeLessThan(20 + 30 + 4);
    expect(most * bytesPerSecond).toBeLessThan(CHROMIUM_VIDEO_QUOTA);
    expect(afterMiddle.state.waiting).toBe(0);
    await screenshot(page, 'playback-long-1-middle');

    // 16×: 8 s of real time ahead is 128 s of footage (134 MB here), more than the 48 MB cap ahead: the buffer
    // stays under the quota while a minute of footage plays in four seconds.
    await page.getByTestId('speed').selectOption('16');
    const fastFrom = { wall: (await tiles(page))[camera.id]!.wall!, at: Date.now() };
    expect(fastFrom.wall).not.toBeNull();
    let fastMost = 0;
    // The rate is read from the last sample with a frame shown: under load the player can be waiting for the
    // next group at the moment of a sample (no current frame, so no position to read).
    let fastTo = fastFrom;
    for (let step = 0; step < 8 || (fastTo === fastFrom && step < 16); step++) {
      await sleep(500);
      const sample = await bufferState();
      fastMost = Math.max(fastMost, sample.total);
      if (sample.state.wall !== null) fastTo = { wall: sample.state.wall, at: Date.now() };
    }
    const fast = await bufferState();
    expect(fastTo.at - fastFrom.at).toBeGreaterThan(2500);
    const fastRate = (fastTo.wall - fastFrom.wall) / (fastTo.at - fastFrom.at);
    console.log(
      `[playback-long] at 16x: ${fastRate.toFixed(1)}x over 4 s; buffered at most ${fastMost.toFixed(1)} s (${Math.round((fastMost * bytesPerSecond) / 1e6)} MB), ranges: ${fast.text}`,
    );
    expect(fastRate).toBeGreaterThan(10);
    expect(fastMost * bytesPerSecond).toBeLessThan(CHROMIUM_VIDEO_QUOTA);
    await page.getByTestId('speed').selectOption('1');

    // Far into the file (about 90 s past what 16× reached): only the groups there are read; what was buffered
    // before goes.
    const far = await seekTo(t0 + 222_700, 'far seek');
    expect(far.shownMs).toBeLessThan(3000);
    expect(far.positionError).toBeLessThan(100);
    expect(far.afterClick).toBeGreaterThan(-150);
    expect(far.afterClick).toBeLessThan(600);
    await waitUntilPlaying(page, camera);
    await expect
      .poll(
        async () => {
          const { state } = await bufferState();
          return state.buffered.filter(([, end]) => end < state.currentTime - 25).length;
        },
        { timeout: 5000 },
      )
      .toBe(0);
    const afterFar = await bufferState();
    console.log(
      `[playback-long] after the far seek: buffered ${afterFar.total.toFixed(1)} s, ranges: ${afterFar.text}`,
    );
    expect(afterFar.total).toBeLessThan(20 + 30 + 4);
    await screenshot(page, 'playback-long-2-far-seek');

    // On across the end of the long file into the next one, a second of footage per second, no stall.
    await countWaiting(page);
    const walls: number[] = [];
    const boundary = t0 + LONG_MS;
    while (walls.length < 4 || walls.at(-1)! < boundary + 3000) {
      walls.push((await tiles(page))[camera.id]!.wall!);
      if (walls.length > 40) throw new Error(`did not reach the next file: at ${walls.at(-1)! - t0} ms`);
      await sleep(1000);
    }
    const steps = walls.slice(1).map((wall, index) => wall - walls[index]!);
    console.log(
      `[playback-long] across the boundary, per-second steps (ms): ${steps.map(Math.round).join(' ')}`,
    );
    for (const step of steps) {
      expect(step).toBeGreaterThan(800);
      expect(step).toBeLessThan(1250);
    }
    const after = (await tiles(page))[camera.id]!;
    expect(after.waiting).toBe(0);
    expect(after.state).toBe('ready');
    // In the next file, its frames show the footage of the time played.
    await page.getByTestId('play-pause').click();
    await sleep(500);
    const paused = await sampleVideoTimecode(page, selector);
    const wall = (await origin()) + paused.currentTime * 1000;
    expect(wall).toBeGreaterThan(boundary + 2000);
    expect(paused.timecodeMs).not.toBeNull();
    expect(clipDistance(paused.timecodeMs!, clipTime(wall))).toBeLessThan(100);
    await screenshot(page, 'playback-long-3-next-file');
    expect(await page.getByTestId('playback-notice').count()).toBe(0);
    expect(watched.problems).toEqual([]);
    await watched.close();
  }, 120_000);
});
