/**
 * Reads the time code (timecode.ts) from a `<video>` in a Playwright page: draws the frame it shows into a
 * canvas at its own size (videoWidth x videoHeight), reads the pixels back and decodes them in the page.
 *
 * The decoder travels as source text inside a `page.evaluate` expression. Playwright evaluates that through
 * the DevTools protocol, which the page's CSP does not govern, so it works on the app's pages (no inline
 * script, no eval) without weakening their policy; nothing is added to the page's DOM.
 */
import type { Page } from 'playwright-core';
import { timecodeCodec } from './timecode.js';

export interface VideoTimecodeSample {
  /** The time code of the frame drawn (ms since the epoch), or null when none could be read. */
  timecodeMs: number | null;
  /**
   * When that frame was on screen, as ms since the epoch on the page's clock (the same machine's clock as
   * the fake camera's): with `nextFrame`, the compositor's expected display time of the frame; otherwise the
   * moment it was drawn into the canvas. `sampledAtMs - timecodeMs` is the glass-to-glass latency. While
   * playing, the canvas sometimes gets the frame after the one presented (the video moved on before the
   * draw): the latency then reads up to one frame (40 ms at 25 fps) low.
   */
  sampledAtMs: number;
  /** The video's `currentTime` when it was sampled (seconds). */
  currentTime: number;
  /**
   * The media time of the frame read (seconds): with `nextFrame`, the frame's own presentation timestamp
   * (`currentTime` can lag the frame just presented by a frame or two); otherwise `currentTime`.
   */
  mediaTime: number;
  /** The video's intrinsic size; 0 x 0 before it has a frame (then `timecodeMs` is null). */
  width: number;
  height: number;
}

export interface SampleOptions {
  /**
   * Wait for the next frame the video presents (requestVideoFrameCallback) and read that one, with its
   * display time: the way to measure latency. Default false: read the frame showing now (paused video).
   */
  nextFrame?: boolean;
  /** How long to wait for that frame; default 5 s (then the promise rejects). */
  timeoutMs?: number;
}

// Runs in the page. A string, because test/ is typechecked without the DOM library.
const SAMPLE_IN_PAGE = `async (selector, makeCodec, nextFrame, timeoutMs) => {
  const video = document.querySelector(selector);
  if (!(video instanceof HTMLVideoElement)) throw new Error('no <video> matches ' + selector);
  const sample = (sampledAtMs, mediaTime) => {
    const width = video.videoWidth;
    const height = video.videoHeight;
    const base = { sampledAtMs, currentTime: video.currentTime, mediaTime, width, height };
    if (width === 0 || height === 0 || video.readyState < 2) return { ...base, timecodeMs: null };
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    const context = canvas.getContext('2d', { willReadFrequently: true });
    context.drawImage(video, 0, 0, width, height);
    const pixels = context.getImageData(0, 0, width, height);
    return { ...base, timecodeMs: makeCodec().decode({ data: pixels.data, width, height, channels: 4 }) };
  };
  if (!nextFrame) return sample(Date.now(), video.currentTime);
  return await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no new frame on ' + selector + ' in ' + timeoutMs + ' ms')), timeoutMs);
    video.requestVideoFrameCallback((_now, metadata) => {
      clearTimeout(timer);
      try {
        resolve(sample(performance.timeOrigin + metadata.expectedDisplayTime, metadata.mediaTime));
      } catch (error) {
        reject(error);
      }
    });
  });
}`;

/**
 * Samples the `<video>` matching `selector` (a CSS selector; the first match): its time code and when its
 * frame was shown. Rejects when nothing matches or, with `nextFrame`, no frame comes in time.
 */
export async function sampleVideoTimecode(
  page: Page,
  selector: string,
  options: SampleOptions = {},
): Promise<VideoTimecodeSample> {
  const args = [
    JSON.stringify(selector),
    timecodeCodec.toString(),
    String(options.nextFrame ?? false),
    String(options.timeoutMs ?? 5_000),
  ];
  return page.evaluate<VideoTimecodeSample>(`(${SAMPLE_IN_PAGE})(${args.join(', ')})`);
}

/** The time code (ms since the epoch) of the frame the `<video>` matching `selector` shows, or null. */
export async function readVideoTimecode(page: Page, selector: string): Promise<number | null> {
  return (await sampleVideoTimecode(page, selector)).timecodeMs;
}
