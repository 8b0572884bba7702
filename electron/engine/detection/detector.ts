/**
 * The object detector as the rest of the engine sees it: one `Detector` interface, whatever runs the model,
 * and a registry that picks the best backend available on this machine.
 *
 * Backends are `DetectorBackend`s: a name, a priority, an `available()` probe and a `create()` factory. The
 * registry (`DETECTOR_BACKENDS`) tries them by priority and uses the first available one. Adding a backend
 * (say onnxruntime-node running a user's YOLO model) is one new file exporting a `DetectorBackend` whose
 * `create()` returns a `Detector`, plus its entry in `DETECTOR_BACKENDS` below; nothing else changes (the
 * worker, the pool and the protocol only know this interface).
 */
import { tfjsNodeBackend, tfjsWasmBackend } from './detector-tfjs.js';

/** An axis-aligned box in pixels of the image it refers to. */
export interface DetectionBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** One detected object. */
export interface Detection {
  /** Class name, e.g. `person` (COCO names for the shipped model). */
  label: string;
  /** Class index in the model's label list. */
  classId: number;
  /** Confidence 0..1. */
  score: number;
  /** In pixels of the image passed to `detect` (or of the frame, after the pool maps crops back). */
  box: DetectionBox;
}

/** Tuning shared by all backends. */
export interface DetectOptions {
  /** Detections below this score are dropped (default 0.35). */
  scoreThreshold?: number;
  /** Boxes of one class overlapping a better one by more than this IoU are suppressed (default 0.5). */
  iouThreshold?: number;
  /** At most this many detections, best first (default 50). */
  maxDetections?: number;
}

export interface Detector {
  /** Which backend runs the model, e.g. `tfjs-wasm`, `tfjs-node`. */
  readonly backend: string;
  /** Which model, e.g. `nanodet-coco-416`. */
  readonly model: string;
  /** The model's input size in pixels; larger images are scaled down (aspect kept) to fit it. */
  readonly inputSize: { width: number; height: number };
  /** Loads the model; `detect` before `load` rejects. Idempotent. */
  load(): Promise<void>;
  /**
   * Finds objects in one packed RGB image (`width * height * 3` bytes, row-major, no padding), boxes in that
   * image's pixels, best score first.
   */
  detect(rgb: Uint8Array, width: number, height: number, options?: DetectOptions): Promise<Detection[]>;
  /** Frees the model; the detector cannot be used afterwards. */
  dispose(): Promise<void>;
}

/** Where a backend finds its model and runtime files (resolved by the caller, never downloaded). */
export interface DetectorSource {
  /** Folder holding the model (for the shipped one: `resources/models/nanodet`). */
  modelDir: string;
  /**
   * Folder holding the wasm backend's `.wasm` files. Undefined: the backend finds them next to its own
   * JavaScript in node_modules, which is right in Node and in an unpacked Electron app.
   */
  wasmDir?: string;
}

export interface DetectorBackend {
  /** Registry name, also `Detector.backend`. */
  readonly name: string;
  /** Higher is preferred when available. */
  readonly priority: number;
  /** Whether this backend can run here (its package loads); never throws. */
  available(): Promise<boolean>;
  create(source: DetectorSource): Promise<Detector>;
}

/** Every backend the app knows, in no particular order (the registry sorts by priority). */
export const DETECTOR_BACKENDS: readonly DetectorBackend[] = [tfjsNodeBackend, tfjsWasmBackend];

export class NoDetectorBackendError extends Error {
  constructor(tried: string[]) {
    super(`No object detector backend can run here (tried ${tried.join(', ')})`);
    this.name = 'NoDetectorBackendError';
  }
}

/**
 * Picks the available backend of highest priority (or the one named by `prefer`, when it is available) and
 * returns its detector, not yet loaded.
 */
export async function createDetector(
  source: DetectorSource,
  options: { prefer?: string; backends?: readonly DetectorBackend[] } = {},
): Promise<Detector> {
  const backends = [...(options.backends ?? DETECTOR_BACKENDS)].sort((a, b) => b.priority - a.priority);
  const preferred = backends.find((backend) => backend.name === options.prefer);
  const ordered =
    preferred === undefined ? backends : [preferred, ...backends.filter((b) => b !== preferred)];
  for (const backend of ordered) {
    if (await backend.available()) return backend.create(source);
  }
  throw new NoDetectorBackendError(ordered.map((backend) => backend.name));
}

/** Intersection over union of two boxes (0 when either is empty). */
export function iou(a: DetectionBox, b: DetectionBox): number {
  const x1 = Math.max(a.x, b.x);
  const y1 = Math.max(a.y, b.y);
  const x2 = Math.min(a.x + a.width, b.x + b.width);
  const y2 = Math.min(a.y + a.height, b.y + b.height);
  const inter = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
  const union = a.width * a.height + b.width * b.height - inter;
  return union <= 0 ? 0 : inter / union;
}
