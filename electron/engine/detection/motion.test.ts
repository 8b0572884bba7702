import { describe, expect, it } from 'vitest';
import {
  ActivityMeter,
  MotionDetector,
  pointInPolygon,
  sensitivityParameters,
  validateMotionSettings,
  DEFAULT_MOTION_SETTINGS,
} from './motion.js';

const WIDTH = 640;
const HEIGHT = 360;

/** A deterministic generator, so a failing test fails the same way every time. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** A textured background (gradients and a checker), like a real scene rather than a flat gray. */
function scene(): Uint8Array {
  const frame = new Uint8Array(WIDTH * HEIGHT);
  for (let y = 0; y < HEIGHT; y += 1) {
    for (let x = 0; x < WIDTH; x += 1) {
      const checker = ((x >> 5) + (y >> 5)) % 2 === 0 ? 20 : 0;
      frame[y * WIDTH + x] = 60 + ((x * 80) / WIDTH + (y * 40) / HEIGHT + checker);
    }
  }
  return frame;
}

function fill(frame: Uint8Array, x: number, y: number, w: number, h: number, value: number): void {
  for (let row = y; row < y + h; row += 1) frame.fill(value, row * WIDTH + x, row * WIDTH + x + w);
}

/** Sensor noise: every pixel moves by a uniform amount in ±amplitude. */
function noisy(frame: Uint8Array, amplitude: number, next: () => number): Uint8Array {
  const out = new Uint8Array(frame.length);
  for (let i = 0; i < frame.length; i += 1) {
    const value = frame[i]! + Math.round((next() * 2 - 1) * amplitude);
    out[i] = Math.max(0, Math.min(255, value));
  }
  return out;
}

describe('MotionDetector', () => {
  it('finds a moving block with the right box in source pixels', () => {
    const detector = new MotionDetector();
    const background = scene();
    expect(detector.process(background, WIDTH, HEIGHT).recalibrated).toBe(true);
    for (let i = 0; i < 5; i += 1) expect(detector.process(background, WIDTH, HEIGHT).boxes).toEqual([]);
    let last = detector.process(background, WIDTH, HEIGHT);
    for (let step = 0; step < 6; step += 1) {
      const frame = Uint8Array.from(background);
      const x = 100 + step * 24;
      fill(frame, x, 120, 64, 96, 230); // a bright block walking right
      last = detector.process(frame, WIDTH, HEIGHT);
      expect(last.boxes.length).toBeGreaterThanOrEqual(1);
      const box = last.boxes[0]!;
      // The block itself must be inside the reported box, and the box no more than a cell-and-a-bit larger
      // (the trail the background has not yet forgotten is to its left).
      expect(box.x).toBeLessThanOrEqual(x);
      expect(box.y).toBeLessThanOrEqual(120);
      expect(box.x + box.width).toBeGreaterThanOrEqual(x + 64);
      expect(box.y + box.height).toBeGreaterThanOrEqual(120 + 96);
      expect(box.y).toBeGreaterThanOrEqual(120 - 8);
      expect(box.y + box.height).toBeLessThanOrEqual(120 + 96 + 8);
      expect(box.x + box.width).toBeLessThanOrEqual(x + 64 + 8);
      expect(box.x).toBeGreaterThanOrEqual(100 - 8);
    }
    expect(last.recalibrated).toBe(false);
    expect(last.changedFraction).toBeGreaterThan(0.02);
  });

  it('reports two separate movers as two boxes', () => {
    const detector = new MotionDetector();
    const background = scene();
    detector.process(background, WIDTH, HEIGHT);
    const frame = Uint8Array.from(background);
    fill(frame, 40, 40, 48, 48, 250);
    fill(frame, 480, 240, 64, 64, 0);
    const { boxes } = detector.process(frame, WIDTH, HEIGHT);
    expect(boxes).toHaveLength(2);
    const [big, small] = boxes;
    expect(big).toMatchObject({ x: 480, y: 240, width: 64, height: 64 });
    expect(small).toMatchObject({ x: 40, y: 40, width: 48, height: 48 });
  });

  it('ignores sensor noise', () => {
    const detector = new MotionDetector({ sensitivity: 100 });
    const background = scene();
    const next = random(7);
    detector.process(noisy(background, 12, next), WIDTH, HEIGHT);
    for (let i = 0; i < 40; i += 1) {
      const result = detector.process(noisy(background, 12, next), WIDTH, HEIGHT);
      expect(result.boxes).toEqual([]);
      expect(result.recalibrated).toBe(false);
    }
  });

  it('recalibrates after a global brightness jump instead of reporting motion', () => {
    const detector = new MotionDetector({ sensitivity: 100 });
    const background = scene();
    for (let i = 0; i < 5; i += 1) detector.process(background, WIDTH, HEIGHT);
    // The IR cut filter switches: everything is 70 levels brighter at once.
    const night = background.map((value) => Math.min(255, value + 70));
    const jump = detector.process(night, WIDTH, HEIGHT);
    expect(jump).toMatchObject({ boxes: [], recalibrated: true });
    expect(jump.changedFraction).toBeGreaterThan(0.6);
    // The new scene is the background now: no motion afterwards, and motion is still found in it.
    for (let i = 0; i < 5; i += 1) expect(detector.process(night, WIDTH, HEIGHT).boxes).toEqual([]);
    const frame = Uint8Array.from(night);
    fill(frame, 300, 100, 60, 60, 0);
    expect(detector.process(frame, WIDTH, HEIGHT).boxes).toHaveLength(1);
  });

  it('reports nothing inside a mask, and still reports motion outside it', () => {
    // The left half of the frame is masked (normalised coordinates).
    const detector = new MotionDetector({
      masks: [
        [
          [0, 0],
          [0.5, 0],
          [0.5, 1],
          [0, 1],
        ],
      ],
    });
    const background = scene();
    detector.process(background, WIDTH, HEIGHT);
    for (let step = 0; step < 5; step += 1) {
      const frame = Uint8Array.from(background);
      fill(frame, 40 + step * 30, 100, 80, 120, 240);
      expect(detector.process(frame, WIDTH, HEIGHT).boxes).toEqual([]);
    }
    const frame = Uint8Array.from(background);
    fill(frame, 400, 100, 80, 120, 240);
    const { boxes } = detector.process(frame, WIDTH, HEIGHT);
    expect(boxes).toHaveLength(1);
    expect(boxes[0]!.x).toBeGreaterThanOrEqual(320);
  });

  it('ignores a small swaying texture below the minimum area', () => {
    const detector = new MotionDetector();
    const background = scene();
    detector.process(background, WIDTH, HEIGHT);
    for (let step = 0; step < 30; step += 1) {
      // A leafy twig: a 20x20 patch alternating dark and bright, shifting a few pixels back and forth.
      const frame = Uint8Array.from(background);
      const sway = step % 2 === 0 ? 0 : 6;
      for (let y = 0; y < 20; y += 1) {
        for (let x = 0; x < 20; x += 1) {
          frame[(200 + y) * WIDTH + 500 + sway + x] = (x + y) % 4 < 2 ? 10 : 250;
        }
      }
      expect(detector.process(frame, WIDTH, HEIGHT).boxes).toEqual([]);
    }
    // The same texture at a higher sensitivity (smaller minimum area) is found: the test can fail.
    const sensitive = new MotionDetector({ sensitivity: 100 });
    sensitive.process(background, WIDTH, HEIGHT);
    const frame = Uint8Array.from(background);
    fill(frame, 500, 200, 20, 20, 250);
    expect(sensitive.process(frame, WIDTH, HEIGHT).boxes).toHaveLength(1);
  });

  it('learns a change that stays (a parked car) into the background', () => {
    const detector = new MotionDetector({ learningRate: 0.2 });
    const background = scene();
    detector.process(background, WIDTH, HEIGHT);
    const parked = Uint8Array.from(background);
    fill(parked, 200, 200, 100, 60, 250);
    expect(detector.process(parked, WIDTH, HEIGHT).boxes).toHaveLength(1);
    let frames = 1;
    while (detector.process(parked, WIDTH, HEIGHT).boxes.length > 0) frames += 1;
    expect(frames).toBeLessThan(30);
  });

  it('starts over on a new frame size and works at other widths', () => {
    const detector = new MotionDetector();
    detector.process(scene(), WIDTH, HEIGHT);
    const small = new Uint8Array(320 * 180).fill(80);
    expect(detector.process(small, 320, 180).recalibrated).toBe(true);
    const moved = Uint8Array.from(small);
    for (let y = 50; y < 90; y += 1) moved.fill(250, y * 320 + 100, y * 320 + 140);
    expect(detector.process(moved, 320, 180).boxes[0]).toMatchObject({
      x: 100,
      y: 50,
      width: 40,
      height: 40,
    });
    expect(() => detector.process(new Uint8Array(10), 320, 180)).toThrow(/bytes/);
  });

  it('measures its cost at the default input (640 px gray)', () => {
    const detector = new MotionDetector();
    const background = scene();
    const next = random(3);
    const frames = Array.from({ length: 20 }, (_, i) => {
      const frame = noisy(background, 6, next);
      fill(frame, 50 + i * 20, 100, 60, 100, 230);
      return frame;
    });
    for (let i = 0; i < 50; i += 1) detector.process(frames[i % frames.length]!, WIDTH, HEIGHT);
    const count = 500;
    const started = performance.now();
    for (let i = 0; i < count; i += 1) detector.process(frames[i % frames.length]!, WIDTH, HEIGHT);
    const ms = (performance.now() - started) / count;
    console.log(
      `motion: ${ms.toFixed(3)} ms per 640x360 gray frame (target <= 2 ms; checked in bench:motion)`,
    );
    expect(ms).toBeGreaterThan(0);
  });
});

describe('settings', () => {
  it('maps sensitivity to threshold and minimum area monotonically', () => {
    const low = sensitivityParameters(0);
    const mid = sensitivityParameters(50);
    const high = sensitivityParameters(100);
    expect(low.threshold).toBeGreaterThan(mid.threshold);
    expect(mid.threshold).toBeGreaterThan(high.threshold);
    expect(low.minArea).toBeGreaterThan(mid.minArea);
    expect(mid.minArea).toBeGreaterThan(high.minArea);
    expect(sensitivityParameters(500)).toEqual(high);
  });

  it('refuses settings out of range', () => {
    expect(validateMotionSettings(DEFAULT_MOTION_SETTINGS)).toBeNull();
    expect(validateMotionSettings({ ...DEFAULT_MOTION_SETTINGS, sensitivity: -1 })).toMatch(/sensitivity/);
    expect(
      validateMotionSettings({
        ...DEFAULT_MOTION_SETTINGS,
        masks: [
          [
            [0, 0],
            [2, 0],
            [0, 1],
          ],
        ],
      }),
    ).toMatch(/normalised/);
    expect(() => new MotionDetector({ learningRate: 0 })).toThrow(RangeError);
  });

  it('tests points against polygons', () => {
    const triangle = [
      [0, 0],
      [1, 0],
      [0, 1],
    ] as const;
    expect(pointInPolygon(0.2, 0.2, triangle)).toBe(true);
    expect(pointInPolygon(0.8, 0.8, triangle)).toBe(false);
  });
});

describe('ActivityMeter', () => {
  it('keeps the share of frames with motion per minute, bounded', () => {
    const meter = new ActivityMeter(2);
    const minute = 1_700_000_040_000; // a whole minute
    meter.add(minute + 1_000, true, 0.1);
    meter.add(minute + 2_000, false, 0);
    meter.add(minute + 3_000, false, 0);
    meter.add(minute + 4_000, true, 0.3);
    expect(meter.minutes()).toEqual([
      { minute, frames: 4, motionFrames: 2, level: 0.5, meanChangedArea: 0.1 },
    ]);
    meter.add(minute + 60_000, false, 0);
    meter.add(minute + 120_000, true, 0.2);
    meter.add(minute + 5_000, true, 1); // a straggler from a closed minute is ignored
    const minutes = meter.minutes();
    expect(minutes.map((entry) => entry.minute)).toEqual([minute + 60_000, minute + 120_000]);
    expect(minutes[1]).toMatchObject({ frames: 1, level: 1 });
    expect(meter.minutes(minute + 120_000)).toHaveLength(1);
  });
});
