import { describe, expect, it } from 'vitest';
import { COCO_LABELS } from './coco-labels.js';
import { iou } from './detector.js';
import {
  NANODET_REG_MAX,
  decodeNanodet,
  nanodetLevels,
  preprocessNanodet,
  type Letterbox,
  type NanodetLevel,
} from './nanodet.js';

const BINS = NANODET_REG_MAX + 1;
const CLASSES = COCO_LABELS.length;

/** Empty raw outputs for the three strides of a 416 input. */
function emptyLevels(): NanodetLevel[] {
  return [8, 16, 32].map((stride) => {
    const cells = (416 / stride) ** 2;
    return {
      stride,
      scores: new Float32Array(cells * CLASSES),
      distances: new Float32Array(cells * 4 * BINS).fill(-20),
    };
  });
}

/** Puts one object in a cell: a score for `classId` and each side's distance (in strides) as a sharp bin. */
function place(
  level: NanodetLevel,
  col: number,
  row: number,
  classId: number,
  score: number,
  sides: number[],
) {
  const side = 416 / level.stride;
  const cell = row * side + col;
  level.scores[cell * CLASSES + classId] = score;
  sides.forEach((bin, i) => {
    level.distances[cell * 4 * BINS + i * BINS + bin] = 20;
  });
}

const IDENTITY: Letterbox = { scale: 1, padX: 0, padY: 0, width: 416, height: 416 };

describe('preprocessNanodet', () => {
  it('letterboxes, swaps to BGR planes and normalises with the NanoDet mean and std', () => {
    // 4x2 image: left half pure red, right half pure blue.
    const rgb = new Uint8Array(4 * 2 * 3);
    for (let y = 0; y < 2; y++)
      for (let x = 0; x < 4; x++) rgb.set(x < 2 ? [255, 0, 0] : [0, 0, 255], (y * 4 + x) * 3);
    const { input, letterbox } = preprocessNanodet(rgb, 4, 2, 8);
    expect(letterbox).toEqual({ scale: 2, padX: 0, padY: 2, width: 4, height: 2 });
    const at = (plane: number, x: number, y: number): number => input[plane * 64 + y * 8 + x]!;
    // Padding rows are the mean: 0 after normalisation.
    expect(at(0, 3, 0)).toBe(0);
    expect(at(2, 3, 7)).toBe(0);
    // Red pixel (row 3, column 0): plane 2 is red.
    expect(at(2, 0, 3)).toBeCloseTo((255 - 123.675) / 58.395, 4);
    expect(at(0, 0, 3)).toBeCloseTo((0 - 103.53) / 57.375, 4);
    // Blue pixel (column 7): plane 0 is blue.
    expect(at(0, 7, 4)).toBeCloseTo((255 - 103.53) / 57.375, 4);
  });

  it('rejects a buffer of the wrong length', () => {
    expect(() => preprocessNanodet(new Uint8Array(10), 4, 2)).toThrow(/Expected 24 bytes/);
  });
});

describe('decodeNanodet', () => {
  it('decodes a cell and its distance bins into a box around the cell centre', () => {
    const levels = emptyLevels();
    // Stride 32, cell (6, 6): centre (208, 208); distances 2, 3, 4, 5 strides.
    place(levels[2]!, 6, 6, 0, 0.9, [2, 3, 4, 5]);
    const [detection, ...rest] = decodeNanodet(levels, IDENTITY);
    expect(rest).toEqual([]);
    expect(detection).toMatchObject({ label: 'person', classId: 0 });
    expect(detection!.score).toBeCloseTo(0.9);
    expect(detection!.box.x).toBeCloseTo(208 - 64, 1);
    expect(detection!.box.y).toBeCloseTo(208 - 96, 1);
    expect(detection!.box.width).toBeCloseTo(64 + 128, 1);
    expect(detection!.box.height).toBeCloseTo(96 + 160, 1);
  });

  it('drops scores under the threshold and suppresses overlaps of the same class only', () => {
    const levels = emptyLevels();
    place(levels[1]!, 10, 10, 2, 0.8, [3, 3, 3, 3]); // car at (168, 168)
    place(levels[1]!, 11, 10, 2, 0.7, [3, 3, 3, 3]); // same car, one cell over: suppressed
    place(levels[1]!, 11, 11, 0, 0.6, [3, 3, 3, 3]); // a person overlapping the car: kept
    place(levels[0]!, 2, 2, 16, 0.2, [1, 1, 1, 1]); // a dog under the threshold
    const detections = decodeNanodet(levels, IDENTITY);
    expect(detections.map((d) => d.label)).toEqual(['car', 'person']);
    expect(decodeNanodet(levels, IDENTITY, { scoreThreshold: 0.1 }).map((d) => d.label)).toEqual([
      'car',
      'person',
      'dog',
    ]);
    expect(decodeNanodet(levels, IDENTITY, { iouThreshold: 0.99 })).toHaveLength(3);
    expect(decodeNanodet(levels, IDENTITY, { maxDetections: 1 })).toHaveLength(1);
  });

  it('maps boxes from the letterboxed input back to the image and clamps them', () => {
    const levels = emptyLevels();
    place(levels[2]!, 6, 6, 0, 0.9, [2, 2, 2, 2]); // input box 144..272 both ways
    // An 832x416 image: scale 0.5, padded 104 px above and below.
    const letterbox: Letterbox = { scale: 0.5, padX: 0, padY: 104, width: 832, height: 416 };
    const [detection] = decodeNanodet(levels, letterbox);
    expect(iou(detection!.box, { x: 288, y: 80, width: 256, height: 256 })).toBeGreaterThan(0.99);
    // A car reaching past the left edge is clamped to the image; one wholly in the padding is dropped.
    place(levels[2]!, 0, 6, 2, 0.95, [5, 1, 1, 1]);
    place(levels[2]!, 6, 0, 7, 0.95, [1, 1, 1, 1]);
    const detections = decodeNanodet(levels, letterbox);
    const car = detections.find((d) => d.label === 'car');
    expect(car!.box.x).toBe(0);
    expect(car!.box.y).toBeCloseTo((208 - 32 - 104) / 0.5, 1);
    expect(detections.map((d) => d.label)).not.toContain('truck');
  });

  it('sorts outputs into levels by shape, whatever their order', () => {
    const levels = emptyLevels();
    const outputs = levels.flatMap((level) => [
      { shape: [1, level.distances.length / (4 * BINS), 4 * BINS], data: level.distances },
      { shape: [1, level.scores.length / CLASSES, CLASSES], data: level.scores },
    ]);
    const sorted = nanodetLevels(outputs.reverse());
    expect(sorted.map((level) => level.stride)).toEqual([8, 16, 32]);
    expect(sorted[0]!.scores).toBe(levels[0]!.scores);
    expect(() => nanodetLevels([{ shape: [1, 169, 7], data: new Float32Array(169 * 7) }])).toThrow(
      /Unexpected NanoDet output/,
    );
  });
});
