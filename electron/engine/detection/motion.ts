/**
 * Motion detection on gray frames: pure computation, no I/O, no timers. The motion worker
 * (`workers/motion-worker.ts`) runs one `MotionDetector` per camera; tests and the benchmark call it directly.
 *
 * Per frame: box-average downscale by an integer factor (to about `targetWidth` px; this is also the blur
 * that swallows sensor noise), absolute difference against a running background average, threshold, masks,
 * changed pixels counted in cells of `cellSize` × `cellSize`, connected active cells (8-neighbour, so nearby
 * changes merge) → one box per region, kept when its changed area reaches the minimum. When more than
 * `recalibrateFraction` of the frame changes at once (IR switch, lightning, auto exposure) the background is
 * replaced by the frame and no motion is reported.
 */

/** A point in normalised frame coordinates: x and y in 0..1 from the top left. */
export type NormalisedPoint = readonly [number, number];
/** A polygon of at least three points, normalised. */
export type NormalisedPolygon = readonly NormalisedPoint[];

export interface MotionSettings {
  /** 0 (only large, strong changes) .. 100 (small, faint changes); maps to threshold and minimum area. */
  sensitivity: number;
  /** Areas never reported (trees, a road, a timestamp overlay), in normalised coordinates. */
  masks: readonly NormalisedPolygon[];
  /** Share of the background replaced by each frame (0..1); 0.05 at 5 fps forgets a change in ~4 s. */
  learningRate: number;
  /** Width the frame is reduced to (at least this, by an integer factor). */
  targetWidth: number;
  /** Cell side in downscaled pixels for merging changed pixels into regions. */
  cellSize: number;
  /** Changed share of the unmasked frame above which the background is reset instead of reporting motion. */
  recalibrateFraction: number;
}

export const DEFAULT_MOTION_SETTINGS: MotionSettings = {
  sensitivity: 50,
  masks: [],
  learningRate: 0.05,
  targetWidth: 160,
  cellSize: 4,
  recalibrateFraction: 0.6,
};

/** A region that moved, in source-frame pixels. `area` is its changed share of the whole frame (0..1). */
export interface MotionBox {
  x: number;
  y: number;
  width: number;
  height: number;
  area: number;
}

export interface MotionResult {
  boxes: MotionBox[];
  /** Changed share of the unmasked frame (0..1), before the minimum area is applied. */
  changedFraction: number;
  /** True when the background was reset on this frame (first frame, new size, global change). */
  recalibrated: boolean;
}

/** The threshold (0..255 difference) and minimum area (share of the frame) a sensitivity stands for. */
export function sensitivityParameters(sensitivity: number): { threshold: number; minArea: number } {
  const s = Math.min(100, Math.max(0, sensitivity)) / 100;
  return {
    // 50 at 0, 30 at the default 50, 10 at 100.
    threshold: Math.round(50 - 40 * s),
    // 2 % of the frame at 0, ~0.32 % at 50, 0.05 % at 100 (log scale: each step matters as much).
    minArea: 0.02 * 0.025 ** s,
  };
}

/** True when the point lies inside the polygon (even-odd rule). */
export function pointInPolygon(x: number, y: number, polygon: NormalisedPolygon): boolean {
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i, i += 1) {
    const [xi, yi] = polygon[i] ?? [0, 0];
    const [xj, yj] = polygon[j] ?? [0, 0];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Checks settings from outside (worker messages, the settings row); returns a problem or null. */
export function validateMotionSettings(settings: MotionSettings): string | null {
  const { sensitivity, learningRate, targetWidth, cellSize, recalibrateFraction, masks } = settings;
  if (!(sensitivity >= 0 && sensitivity <= 100)) return 'sensitivity must be 0..100';
  if (!(learningRate > 0 && learningRate <= 1)) return 'learningRate must be in (0, 1]';
  if (!(Number.isInteger(targetWidth) && targetWidth >= 16 && targetWidth <= 1920))
    return 'targetWidth must be an integer 16..1920';
  if (!(Number.isInteger(cellSize) && cellSize >= 1 && cellSize <= 32)) return 'cellSize must be 1..32';
  if (!(recalibrateFraction > 0 && recalibrateFraction <= 1)) return 'recalibrateFraction must be in (0, 1]';
  for (const polygon of masks) {
    if (polygon.length < 3) return 'a mask needs at least three points';
    for (const [x, y] of polygon) {
      if (!(x >= 0 && x <= 1 && y >= 0 && y <= 1)) return 'mask points must be normalised (0..1)';
    }
  }
  return null;
}

export class MotionDetector {
  #settings: MotionSettings;
  #threshold = 0;
  #minArea = 0;
  // Geometry of the current input; a new size resets the background.
  #sourceWidth = 0;
  #sourceHeight = 0;
  #factor = 1;
  #width = 0;
  #height = 0;
  #small = new Uint8Array(0);
  #rowSums = new Uint32Array(0);
  #background = new Float32Array(0);
  #hasBackground = false;
  /** 1 where a downscaled pixel is masked out. */
  #mask = new Uint8Array(0);
  #unmasked = 0;
  #cellsX = 0;
  #cellsY = 0;
  #cellCounts = new Uint16Array(0);
  #cellLabels = new Int32Array(0);
  #stack = new Int32Array(0);
  // Per changed pixel box bounds per cell (min x, min y, max x, max y), so boxes hug the pixels, not the cells.
  #cellBounds = new Int32Array(0);

  constructor(settings: Partial<MotionSettings> = {}) {
    this.#settings = { ...DEFAULT_MOTION_SETTINGS, ...settings };
    this.#applySensitivity();
  }

  get settings(): MotionSettings {
    return this.#settings;
  }

  /** Changes settings; the background is kept unless the geometry changes. */
  configure(settings: Partial<MotionSettings>): void {
    const before = this.#settings;
    const next = { ...before, ...settings };
    const problem = validateMotionSettings(next);
    if (problem !== null) throw new RangeError(`Motion settings: ${problem}`);
    this.#settings = next;
    this.#applySensitivity();
    if (before.targetWidth !== this.#settings.targetWidth || before.cellSize !== this.#settings.cellSize) {
      this.#sourceWidth = 0; // rebuild everything on the next frame
    } else if (before.masks !== this.#settings.masks && this.#width > 0) {
      this.#buildMask();
    }
  }

  /** Forgets the background: the next frame only learns. */
  reset(): void {
    this.#hasBackground = false;
  }

  /** Processes one 8-bit gray frame of `width` × `height` (row by row, no padding). */
  process(pixels: Uint8Array, width: number, height: number): MotionResult {
    if (pixels.length < width * height)
      throw new Error(`Frame has ${pixels.length} bytes for ${width}x${height}`);
    if (width !== this.#sourceWidth || height !== this.#sourceHeight) this.#setGeometry(width, height);
    this.#downscale(pixels);
    const small = this.#small;
    const background = this.#background;
    const size = this.#width * this.#height;
    if (!this.#hasBackground) {
      for (let i = 0; i < size; i += 1) background[i] = small[i] ?? 0;
      this.#hasBackground = true;
      return { boxes: [], changedFraction: 0, recalibrated: true };
    }

    const w = this.#width;
    const cell = this.#settings.cellSize;
    const cellsX = this.#cellsX;
    const counts = this.#cellCounts;
    const bounds = this.#cellBounds;
    counts.fill(0);
    const threshold = this.#threshold;
    const mask = this.#mask;
    const rate = this.#settings.learningRate;
    let changed = 0;
    for (let y = 0; y < this.#height; y += 1) {
      const row = y * w;
      const cellRow = ((y / cell) | 0) * cellsX;
      for (let x = 0; x < w; x += 1) {
        const i = row + x;
        const value = small[i] ?? 0;
        const back = background[i] ?? 0;
        const diff = value > back ? value - back : back - value;
        background[i] = back + rate * (value - back);
        if (diff <= threshold || mask[i] === 1) continue;
        changed += 1;
        const c = cellRow + ((x / cell) | 0);
        const b = c * 4;
        if (counts[c] === 0) {
          bounds[b] = x;
          bounds[b + 1] = y;
          bounds[b + 2] = x;
          bounds[b + 3] = y;
        } else {
          if (x < (bounds[b] ?? 0)) bounds[b] = x;
          if (x > (bounds[b + 2] ?? 0)) bounds[b + 2] = x;
          bounds[b + 3] = y; // rows arrive in order
        }
        counts[c] = (counts[c] ?? 0) + 1;
      }
    }
    const changedFraction = this.#unmasked === 0 ? 0 : changed / this.#unmasked;
    if (changedFraction > this.#settings.recalibrateFraction) {
      for (let i = 0; i < size; i += 1) background[i] = small[i] ?? 0;
      return { boxes: [], changedFraction, recalibrated: true };
    }
    if (changed === 0) return { boxes: [], changedFraction, recalibrated: false };
    return { boxes: this.#regions(), changedFraction, recalibrated: false };
  }

  #applySensitivity(): void {
    const problem = validateMotionSettings(this.#settings);
    if (problem !== null) throw new RangeError(`Motion settings: ${problem}`);
    const { threshold, minArea } = sensitivityParameters(this.#settings.sensitivity);
    this.#threshold = threshold;
    this.#minArea = minArea;
  }

  #setGeometry(width: number, height: number): void {
    if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0))
      throw new Error(`Frame size ${width}x${height} is not valid`);
    this.#sourceWidth = width;
    this.#sourceHeight = height;
    this.#factor = Math.max(1, Math.floor(width / this.#settings.targetWidth));
    this.#width = Math.max(1, Math.floor(width / this.#factor));
    this.#height = Math.max(1, Math.floor(height / this.#factor));
    const size = this.#width * this.#height;
    this.#small = new Uint8Array(size);
    this.#rowSums = new Uint32Array(this.#width);
    this.#background = new Float32Array(size);
    this.#hasBackground = false;
    const cell = this.#settings.cellSize;
    this.#cellsX = Math.ceil(this.#width / cell);
    this.#cellsY = Math.ceil(this.#height / cell);
    const cells = this.#cellsX * this.#cellsY;
    this.#cellCounts = new Uint16Array(cells);
    this.#cellLabels = new Int32Array(cells);
    this.#stack = new Int32Array(cells);
    this.#cellBounds = new Int32Array(cells * 4);
    this.#buildMask();
  }

  #buildMask(): void {
    const size = this.#width * this.#height;
    this.#mask = new Uint8Array(size);
    const masks = this.#settings.masks;
    let masked = 0;
    if (masks.length > 0) {
      for (let y = 0; y < this.#height; y += 1) {
        const ny = (y + 0.5) / this.#height;
        for (let x = 0; x < this.#width; x += 1) {
          const nx = (x + 0.5) / this.#width;
          if (masks.some((polygon) => pointInPolygon(nx, ny, polygon))) {
            this.#mask[y * this.#width + x] = 1;
            masked += 1;
          }
        }
      }
    }
    this.#unmasked = size - masked;
  }

  /** Box average over factor × factor blocks (the edge remainder is dropped). */
  #downscale(pixels: Uint8Array): void {
    const f = this.#factor;
    const w = this.#width;
    const sourceWidth = this.#sourceWidth;
    const small = this.#small;
    if (f === 1) {
      for (let y = 0; y < this.#height; y += 1) {
        small.set(pixels.subarray(y * sourceWidth, y * sourceWidth + w), y * w);
      }
      return;
    }
    const sums = this.#rowSums;
    const area = f * f;
    for (let y = 0; y < this.#height; y += 1) {
      sums.fill(0);
      for (let dy = 0; dy < f; dy += 1) {
        let i = (y * f + dy) * sourceWidth;
        for (let x = 0; x < w; x += 1) {
          let sum = 0;
          for (let dx = 0; dx < f; dx += 1) sum += pixels[i + dx] ?? 0;
          sums[x] = (sums[x] ?? 0) + sum;
          i += f;
        }
      }
      const row = y * w;
      for (let x = 0; x < w; x += 1) small[row + x] = ((sums[x] ?? 0) / area) | 0;
    }
  }

  /** Connected active cells → boxes in source pixels, filtered by the minimum area. */
  #regions(): MotionBox[] {
    const cellsX = this.#cellsX;
    const cellsY = this.#cellsY;
    const counts = this.#cellCounts;
    const bounds = this.#cellBounds;
    const labels = this.#cellLabels;
    const stack = this.#stack;
    labels.fill(0);
    const size = this.#width * this.#height;
    const minPixels = Math.max(2, this.#minArea * size);
    // A lone changed pixel in a cell is noise, not an edge of something moving.
    const active = (c: number): boolean => (counts[c] ?? 0) >= 2;
    const f = this.#factor;
    const boxes: MotionBox[] = [];
    let label = 0;
    for (let start = 0; start < counts.length; start += 1) {
      if (labels[start] !== 0 || !active(start)) continue;
      label += 1;
      labels[start] = label;
      let top = 0;
      stack[top++] = start;
      let area = 0;
      let minX = Infinity;
      let minY = Infinity;
      let maxX = -1;
      let maxY = -1;
      while (top > 0) {
        const c = stack[--top] ?? 0;
        area += counts[c] ?? 0;
        const b = c * 4;
        minX = Math.min(minX, bounds[b] ?? minX);
        minY = Math.min(minY, bounds[b + 1] ?? minY);
        maxX = Math.max(maxX, bounds[b + 2] ?? maxX);
        maxY = Math.max(maxY, bounds[b + 3] ?? maxY);
        const cx = c % cellsX;
        const cy = (c / cellsX) | 0;
        for (let ny = Math.max(0, cy - 1); ny <= Math.min(cellsY - 1, cy + 1); ny += 1) {
          for (let nx = Math.max(0, cx - 1); nx <= Math.min(cellsX - 1, cx + 1); nx += 1) {
            const n = ny * cellsX + nx;
            if (labels[n] === 0 && active(n)) {
              labels[n] = label;
              stack[top++] = n;
            }
          }
        }
      }
      if (area < minPixels) continue;
      const x = minX * f;
      const y = minY * f;
      boxes.push({
        x,
        y,
        width: Math.min(this.#sourceWidth, (maxX + 1) * f) - x,
        height: Math.min(this.#sourceHeight, (maxY + 1) * f) - y,
        area: area / size,
      });
    }
    return boxes.sort((a, b) => b.area - a.area);
  }
}

/** One minute of a camera's motion, for the timeline. */
export interface ActivityMinute {
  /** Start of the minute, UTC ms. */
  minute: number;
  frames: number;
  motionFrames: number;
  /** Fraction of frames with motion (0..1). */
  level: number;
  /** Average changed share of the frame over the minute's frames (0..1). */
  meanChangedArea: number;
}

/** Per-minute activity of one camera; keeps the last `keepMinutes` minutes (bounded). */
export class ActivityMeter {
  readonly #minutes: ActivityMinute[] = [];
  readonly #keep: number;
  #areaSum = 0;

  constructor(keepMinutes = 24 * 60) {
    this.#keep = keepMinutes;
  }

  /** Counts one processed frame taken at `at` (UTC ms). Frames out of order join their own minute if kept. */
  add(at: number, motion: boolean, changedArea: number): void {
    const minute = Math.floor(at / 60_000) * 60_000;
    let current = this.#minutes.at(-1);
    if (current === undefined || minute > current.minute) {
      current = { minute, frames: 0, motionFrames: 0, level: 0, meanChangedArea: 0 };
      this.#minutes.push(current);
      this.#areaSum = 0;
      if (this.#minutes.length > this.#keep) this.#minutes.shift();
    } else if (minute < current.minute) {
      return; // a straggler from a minute already closed: not worth reopening it
    }
    current.frames += 1;
    if (motion) current.motionFrames += 1;
    this.#areaSum += changedArea;
    current.level = current.motionFrames / current.frames;
    current.meanChangedArea = this.#areaSum / current.frames;
  }

  /** Minutes from `since` (UTC ms, inclusive), oldest first; copies. */
  minutes(since = 0): ActivityMinute[] {
    return this.#minutes.filter((entry) => entry.minute + 60_000 > since).map((entry) => ({ ...entry }));
  }
}
