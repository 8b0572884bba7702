/**
 * NanoDet (COCO, 80 classes), the shipped model, without any tensor library: preprocessing into the model's
 * input and decoding of its raw outputs, so any runtime that can execute the graph (tfjs-wasm, tfjs-node,
 * onnxruntime with an ONNX export) shares them.
 *
 * The model (`resources/models/nanodet`, a TF.js conversion of RangiLyu's NanoDet with a RepVGG-style
 * backbone and the GFL head) takes `1×3×416×416` float, channels first, and has two outputs per stride
 * (8, 16, 32: grids of 52², 26², 13² cells):
 *   - class scores `[1, cells, 80]`, already through a sigmoid;
 *   - box distances `[1, cells, 4 × 11]`: for each side (left, top, right, bottom) 11 logits of a discrete
 *     distribution over 0..10 strides (Generalized Focal Loss); the distance is the softmax expectation × stride,
 *     measured from the cell centre.
 *
 * Preprocessing follows the original NanoDet: BGR channel order, `(pixel − mean) / std` with mean
 * (103.53, 116.28, 123.675) and std (57.375, 57.12, 58.395) in BGR. (The human library feeds the same model
 * RGB / 255; on the skimage photos that turns a cup into a toilet and a motorcycle into a vase, while the
 * NanoDet normalisation labels them right, see nanodet.test.ts.) The image is scaled to fit 416×416 with its
 * aspect ratio kept and centred on padding equal to the mean (0 after normalisation): a letterbox.
 */
import { COCO_LABELS } from './coco-labels.js';
import type { DetectOptions, Detection, DetectionBox } from './detector.js';

export const NANODET_INPUT_SIZE = 416;
export const NANODET_STRIDES = [8, 16, 32] as const;
/** Distance bins per side minus one (the GFL head's `reg_max`). */
export const NANODET_REG_MAX = 10;
const MEAN_BGR = [103.53, 116.28, 123.675] as const;
const STD_BGR = [57.375, 57.12, 58.395] as const;

export const DEFAULT_SCORE_THRESHOLD = 0.35;
export const DEFAULT_IOU_THRESHOLD = 0.5;
export const DEFAULT_MAX_DETECTIONS = 50;

/** How an image was placed in the model's input: input = image × scale + pad. */
export interface Letterbox {
  scale: number;
  padX: number;
  padY: number;
  /** The original image's size (boxes are clamped to it). */
  width: number;
  height: number;
}

/**
 * Letterboxes a packed RGB image into a `3 × size × size` Float32Array (channels first, B, G, R, normalised),
 * with bilinear sampling. `into` is reused when given (the right length), saving 2 MB of garbage per frame.
 */
export function preprocessNanodet(
  rgb: Uint8Array,
  width: number,
  height: number,
  size = NANODET_INPUT_SIZE,
  into?: Float32Array,
): { input: Float32Array; letterbox: Letterbox } {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1)
    throw new Error(`Bad image size ${width}x${height}`);
  if (rgb.length !== width * height * 3)
    throw new Error(`Expected ${width * height * 3} bytes of RGB for ${width}x${height}, got ${rgb.length}`);
  const plane = size * size;
  const input = into !== undefined && into.length === 3 * plane ? into : new Float32Array(3 * plane);
  input.fill(0);
  const scale = Math.min(size / width, size / height);
  const scaledWidth = Math.max(1, Math.min(size, Math.round(width * scale)));
  const scaledHeight = Math.max(1, Math.min(size, Math.round(height * scale)));
  const padX = Math.floor((size - scaledWidth) / 2);
  const padY = Math.floor((size - scaledHeight) / 2);
  // Source coordinates of each output column, computed once (half-pixel centres, like cv2.resize).
  const x0s = new Int32Array(scaledWidth);
  const x1s = new Int32Array(scaledWidth);
  const fxs = new Float32Array(scaledWidth);
  for (let x = 0; x < scaledWidth; x++) {
    const sx = Math.min(width - 1, Math.max(0, (x + 0.5) / scale - 0.5));
    const x0 = Math.floor(sx);
    x0s[x] = x0 * 3;
    x1s[x] = Math.min(width - 1, x0 + 1) * 3;
    fxs[x] = sx - x0;
  }
  const invStd = [1 / STD_BGR[0], 1 / STD_BGR[1], 1 / STD_BGR[2]];
  for (let y = 0; y < scaledHeight; y++) {
    const sy = Math.min(height - 1, Math.max(0, (y + 0.5) / scale - 0.5));
    const y0 = Math.floor(sy);
    const fy = sy - y0;
    const row0 = y0 * width * 3;
    const row1 = Math.min(height - 1, y0 + 1) * width * 3;
    const out = (y + padY) * size + padX;
    for (let x = 0; x < scaledWidth; x++) {
      const a = row0 + (x0s[x] ?? 0);
      const b = row0 + (x1s[x] ?? 0);
      const c = row1 + (x0s[x] ?? 0);
      const d = row1 + (x1s[x] ?? 0);
      const fx = fxs[x] ?? 0;
      const wa = (1 - fx) * (1 - fy);
      const wb = fx * (1 - fy);
      const wc = (1 - fx) * fy;
      const wd = fx * fy;
      for (let channel = 0; channel < 3; channel++) {
        // RGB in, BGR out: output plane 0 is blue (source channel 2).
        const source = 2 - channel;
        const value =
          (rgb[a + source] ?? 0) * wa +
          (rgb[b + source] ?? 0) * wb +
          (rgb[c + source] ?? 0) * wc +
          (rgb[d + source] ?? 0) * wd;
        input[channel * plane + out + x] = (value - (MEAN_BGR[channel] ?? 0)) * (invStd[channel] ?? 0);
      }
    }
  }
  return { input, letterbox: { scale, padX, padY, width, height } };
}

/** The two raw outputs of one stride, as flat row-major arrays. */
export interface NanodetLevel {
  stride: number;
  /** `cells × classes` sigmoid scores. */
  scores: Float32Array;
  /** `cells × 4 × (regMax + 1)` distance logits. */
  distances: Float32Array;
}

/**
 * Sorts the model's outputs (any order, any names) into levels by their shapes: a `[1, cells, 80]` output is
 * a level's scores and the `[1, cells, 44]` output with the same cell count its distances.
 */
export function nanodetLevels(
  outputs: { shape: readonly number[]; data: Float32Array }[],
  size = NANODET_INPUT_SIZE,
  classes = COCO_LABELS.length,
): NanodetLevel[] {
  const byCells = new Map<number, { scores?: Float32Array; distances?: Float32Array }>();
  for (const output of outputs) {
    const cells = output.shape[output.shape.length - 2] ?? 0;
    const channels = output.shape[output.shape.length - 1] ?? 0;
    const entry = byCells.get(cells) ?? {};
    if (channels === classes) entry.scores = output.data;
    else if (channels === 4 * (NANODET_REG_MAX + 1)) entry.distances = output.data;
    else throw new Error(`Unexpected NanoDet output shape [${output.shape.join(', ')}]`);
    byCells.set(cells, entry);
  }
  const levels: NanodetLevel[] = [];
  for (const [cells, { scores, distances }] of byCells) {
    const side = Math.round(Math.sqrt(cells));
    if (side * side !== cells || scores === undefined || distances === undefined)
      throw new Error(`NanoDet outputs for ${cells} cells are incomplete or not a square grid`);
    levels.push({ stride: size / side, scores, distances });
  }
  return levels.sort((a, b) => a.stride - b.stride);
}

interface Candidate {
  classId: number;
  score: number;
  /** Corners in model-input pixels. */
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/** Softmax expectation of one side's `bins` logits starting at `offset`. */
function expectedBin(distances: Float32Array, offset: number, bins: number): number {
  let max = -Infinity;
  for (let i = 0; i < bins; i++) max = Math.max(max, distances[offset + i] ?? 0);
  let sum = 0;
  let weighted = 0;
  for (let i = 0; i < bins; i++) {
    const e = Math.exp((distances[offset + i] ?? 0) - max);
    sum += e;
    weighted += e * i;
  }
  return weighted / sum;
}

function candidateIou(a: Candidate, b: Candidate): number {
  const w = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const h = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / ((a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter);
}

/**
 * Turns the raw outputs into detections: every (cell, class) above the score threshold becomes a box from
 * its cell centre and distances, then greedy per-class non-maximum suppression, then the boxes are mapped
 * from the letterboxed input back to the original image (clamped to it). Best score first.
 */
export function decodeNanodet(
  levels: NanodetLevel[],
  letterbox: Letterbox,
  options: DetectOptions = {},
  labels: readonly string[] = COCO_LABELS,
): Detection[] {
  const threshold = options.scoreThreshold ?? DEFAULT_SCORE_THRESHOLD;
  const iouThreshold = options.iouThreshold ?? DEFAULT_IOU_THRESHOLD;
  const maxDetections = options.maxDetections ?? DEFAULT_MAX_DETECTIONS;
  const classes = labels.length;
  const bins = NANODET_REG_MAX + 1;
  const candidates: Candidate[] = [];
  for (const { stride, scores, distances } of levels) {
    const cells = scores.length / classes;
    const side = Math.round(Math.sqrt(cells));
    for (let cell = 0; cell < cells; cell++) {
      let box: [number, number, number, number] | null = null;
      for (let classId = 0; classId < classes; classId++) {
        const score = scores[cell * classes + classId] ?? 0;
        if (score < threshold) continue;
        if (box === null) {
          const cx = ((cell % side) + 0.5) * stride;
          const cy = (Math.floor(cell / side) + 0.5) * stride;
          const base = cell * 4 * bins;
          box = [
            cx - expectedBin(distances, base, bins) * stride,
            cy - expectedBin(distances, base + bins, bins) * stride,
            cx + expectedBin(distances, base + 2 * bins, bins) * stride,
            cy + expectedBin(distances, base + 3 * bins, bins) * stride,
          ];
        }
        candidates.push({ classId, score, x1: box[0], y1: box[1], x2: box[2], y2: box[3] });
      }
    }
  }
  candidates.sort((a, b) => b.score - a.score);
  const kept: Candidate[] = [];
  for (const candidate of candidates) {
    if (kept.length >= maxDetections) break;
    if (
      kept.every(
        (other) => other.classId !== candidate.classId || candidateIou(other, candidate) <= iouThreshold,
      )
    )
      kept.push(candidate);
  }
  const { scale, padX, padY, width, height } = letterbox;
  const clampX = (v: number): number => Math.min(width, Math.max(0, (v - padX) / scale));
  const clampY = (v: number): number => Math.min(height, Math.max(0, (v - padY) / scale));
  const detections: Detection[] = [];
  for (const candidate of kept) {
    const x = clampX(candidate.x1);
    const y = clampY(candidate.y1);
    const box: DetectionBox = { x, y, width: clampX(candidate.x2) - x, height: clampY(candidate.y2) - y };
    if (box.width <= 0 || box.height <= 0) continue;
    detections.push({
      label: labels[candidate.classId] ?? `class ${candidate.classId}`,
      classId: candidate.classId,
      score: candidate.score,
      box,
    });
  }
  return detections;
}
