/**
 * Messages between the detector pool (`detector-pool.ts`) and a detector worker (`workers/detector-worker.ts`),
 * apart from the entry so importing them starts nothing. Structured clones under both worker hosts: the RGB
 * pixels travel as a `Uint8Array` (a 416x416 crop is 519 KB).
 */
import type { DetectOptions, Detection } from './detector.js';

/** First message to a new worker: where the model is and which backend to prefer. */
export interface DetectorInit {
  type: 'init';
  modelDir: string;
  wasmDir?: string;
  /** Backend name to prefer when available (default: the registry's best). */
  prefer?: string;
}

/** One image (a crop or a whole frame) to run the detector on. `id` is echoed in the answer. */
export interface DetectorRequest {
  type: 'detect';
  id: number;
  width: number;
  height: number;
  rgb: Uint8Array;
  options?: DetectOptions;
}

export type DetectorMessage = DetectorInit | DetectorRequest;

/** The model is loaded: requests may come. */
export interface DetectorReady {
  type: 'ready';
  pid: number;
  backend: string;
  model: string;
  inputSize: { width: number; height: number };
  loadMs: number;
}

/** The model could not be loaded; the worker exits after sending this. */
export interface DetectorFailed {
  type: 'failed';
  message: string;
}

export interface DetectorAnswer {
  type: 'detections';
  id: number;
  detections: Detection[];
  /** Time in the detector (preprocessing, inference, decoding). */
  ms: number;
}

/** A request the worker could not run (bad size); the pool counts and logs it. */
export interface DetectorProblem {
  type: 'problem';
  id: number | null;
  message: string;
}

export type DetectorReply = DetectorReady | DetectorFailed | DetectorAnswer | DetectorProblem;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

export function isDetectorMessage(message: unknown): message is DetectorMessage {
  if (!isRecord(message)) return false;
  if (message.type === 'init') return typeof message.modelDir === 'string';
  return (
    message.type === 'detect' &&
    typeof message.id === 'number' &&
    Number.isInteger(message.width) &&
    Number.isInteger(message.height) &&
    message.rgb instanceof Uint8Array
  );
}

export function isDetectorReply(message: unknown): message is DetectorReply {
  if (!isRecord(message)) return false;
  switch (message.type) {
    case 'ready':
      return typeof message.pid === 'number' && typeof message.backend === 'string';
    case 'failed':
      return typeof message.message === 'string';
    case 'detections':
      return typeof message.id === 'number' && Array.isArray(message.detections);
    case 'problem':
      return typeof message.message === 'string';
    default:
      return false;
  }
}
