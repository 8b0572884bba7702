import { describe, expect, it } from 'vitest';
import { decodeTimecode, drawTimecode, freeArea, timecodeCodec, type GrayFrame } from './timecode.js';

const TIME = Date.UTC(2026, 10, 25, 15, 42, 57, 123);

function grayFrame(width: number, height: number, background = 128): GrayFrame {
  return { data: new Uint8Array(width * height).fill(background), width, height };
}

function coded(width: number, height: number, timeMs = TIME): GrayFrame {
  const frame = grayFrame(width, height);
  drawTimecode(frame, timeMs);
  return frame;
}

const gray = (frame: GrayFrame) => ({ ...frame, channels: 1 as const });

/** Nearest-neighbour resize, as a scaler without filtering would. */
function resize(frame: GrayFrame, width: number, height: number): GrayFrame {
  const out = grayFrame(width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const sx = Math.floor((x * frame.width) / width);
      const sy = Math.floor((y * frame.height) / height);
      out.data[y * width + x] = frame.data[sy * frame.width + sx] ?? 0;
    }
  }
  return out;
}

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32), so a failure reproduces. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fills one cell of the 16 x 9 grid with `level`. */
function paintCell(frame: GrayFrame, column: number, row: number, level: number): void {
  const cellWidth = frame.width / 16;
  const cellHeight = frame.height / 9;
  for (let y = Math.round(row * cellHeight); y < Math.round((row + 1) * cellHeight); y++) {
    const start = y * frame.width;
    frame.data.fill(
      level,
      start + Math.round(column * cellWidth),
      start + Math.round((column + 1) * cellWidth),
    );
  }
}

describe('time code', () => {
  it('round-trips times across the 48-bit range', () => {
    for (const time of [0, 1, TIME, Date.now(), 2 ** 48 - 1, 0xaaaaaaaaaaaa, 0x555555555555]) {
      expect(decodeTimecode(gray(coded(640, 360, time)))).toBe(time);
    }
  });

  it('reads the code at other frame sizes and from RGBA pixels', () => {
    expect(decodeTimecode(gray(coded(1920, 1080)))).toBe(TIME);
    expect(decodeTimecode(gray(resize(coded(640, 360), 1280, 720)))).toBe(TIME);
    expect(decodeTimecode(gray(resize(coded(640, 360), 320, 180)))).toBe(TIME);
    expect(decodeTimecode(gray(coded(64, 36)))).toBe(TIME);
    const frame = coded(640, 360);
    const rgba = new Uint8ClampedArray(640 * 360 * 4);
    frame.data.forEach((level, index) => {
      // Limited-range levels with a tint, as a decoded and colour-converted video frame gives.
      const value = 16 + (level * 219) / 255;
      rgba.set([value + 6, value, value - 6, 255], index * 4);
    });
    expect(decodeTimecode({ data: rgba, width: 640, height: 360, channels: 4 })).toBe(TIME);
  });

  it('reads through noise and blur at the cell edges', () => {
    const next = random(7);
    const frame = coded(640, 360);
    for (let index = 0; index < frame.data.length; index++) {
      const noisy = (frame.data[index] ?? 0) + (next() - 0.5) * 120;
      frame.data[index] = Math.max(0, Math.min(255, Math.round(noisy)));
    }
    // Smear the first and last 8 px of every 40 px cell column to mid-gray, as ringing would.
    for (let y = 0; y < 360; y++) {
      for (let x = 0; x < 640; x++) if (x % 40 < 8 || x % 40 >= 32) frame.data[y * 640 + x] = 128;
    }
    expect(decodeTimecode(gray(frame))).toBe(TIME);
  });

  it('rejects a frame with one data cell flipped, one washed out, or no marker', () => {
    const codec = timecodeCodec();
    const bits = codec.cells(TIME);
    for (const index of [16, 40, 63, 79]) {
      const frame = coded(640, 360);
      paintCell(frame, index % 16, Math.floor(index / 16), bits[index] === 1 ? 0 : 255);
      expect(decodeTimecode(gray(frame)), `cell ${index} flipped`).toBeNull();
    }
    const washed = coded(640, 360);
    paintCell(washed, 5, 2, 128);
    expect(decodeTimecode(gray(washed))).toBeNull();
    const noMarker = coded(640, 360);
    paintCell(noMarker, 3, 0, 255);
    expect(decodeTimecode(gray(noMarker))).toBeNull();
  });

  it('finds nothing in pictures without a code', () => {
    expect(decodeTimecode(gray(grayFrame(640, 360, 0)))).toBeNull();
    expect(decodeTimecode(gray(grayFrame(640, 360, 255)))).toBeNull();
    const next = random(11);
    const noise = grayFrame(640, 360);
    for (let index = 0; index < noise.data.length; index++) noise.data[index] = Math.floor(next() * 256);
    expect(decodeTimecode(gray(noise))).toBeNull();
    expect(decodeTimecode({ data: new Uint8Array(10), width: 640, height: 360, channels: 1 })).toBeNull();
  });

  it('refuses times it cannot carry', () => {
    const frame = grayFrame(640, 360);
    expect(() => drawTimecode(frame, -1)).toThrow(RangeError);
    expect(() => drawTimecode(frame, 2 ** 48)).toThrow(RangeError);
    expect(() => drawTimecode(frame, 1.5)).toThrow(RangeError);
  });

  it('leaves the bottom four rows free', () => {
    const frame = coded(640, 360);
    const { y0, y1 } = freeArea(640, 360);
    expect([y0, y1]).toEqual([200, 360]);
    expect(frame.data.subarray(y0 * 640).every((level) => level === 128)).toBe(true);
  });

  it('is self-contained, so its source runs in a page', () => {
    // What timecode-browser.ts does in the page, here in a fresh scope that sees only globals.
    const rebuilt = (0, eval)(`(${timecodeCodec.toString()})()`) as ReturnType<typeof timecodeCodec>;
    expect(rebuilt.decode(gray(coded(640, 360)))).toBe(TIME);
  });
});
