/**
 * Messages between the motion service and the motion worker (`workers/motion-worker.ts`), apart from the
 * entry so importing them starts nothing. Messages are structured clones under both worker hosts: the pixels
 * travel as a `Uint8Array` (copied once over the IPC channel; 230 KB per 640x360 gray frame).
 */
import type { MotionBox, MotionSettings } from './motion.js';

/** Sets (or replaces) a camera's settings; a camera's first frame without one uses the defaults. */
export interface MotionConfigure {
  type: 'configure';
  cameraId: string;
  settings: Partial<MotionSettings>;
}

/** One gray frame of one camera. `seq` is the engine's counter, echoed in the result. */
export interface MotionFrame {
  type: 'frame';
  cameraId: string;
  seq: number;
  /** Wall clock (UTC ms) the frame was decoded. */
  at: number;
  width: number;
  height: number;
  pixels: Uint8Array;
}

/** Drops a camera's state (its detection was turned off or the camera removed). */
export interface MotionForget {
  type: 'forget';
  cameraId: string;
}

export type MotionRequest = MotionConfigure | MotionFrame | MotionForget;

/** The worker is up and listening (sent once at start). */
export interface MotionReady {
  type: 'ready';
  pid: number;
}

/** The answer to one frame. */
export interface MotionAnswer {
  type: 'motion';
  cameraId: string;
  seq: number;
  at: number;
  width: number;
  height: number;
  boxes: MotionBox[];
  changedFraction: number;
  recalibrated: boolean;
  /** Time spent in the detector for this frame. */
  ms: number;
}

/** A request the worker could not use (bad settings, a frame of the wrong size); the engine logs it. */
export interface MotionProblem {
  type: 'problem';
  cameraId: string;
  seq: number | null;
  message: string;
}

export type MotionReply = MotionReady | MotionAnswer | MotionProblem;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

export function isMotionRequest(message: unknown): message is MotionRequest {
  if (!isRecord(message) || typeof message.cameraId !== 'string') return false;
  switch (message.type) {
    case 'configure':
      return isRecord(message.settings);
    case 'forget':
      return true;
    case 'frame':
      return (
        typeof message.seq === 'number' &&
        typeof message.at === 'number' &&
        Number.isInteger(message.width) &&
        Number.isInteger(message.height) &&
        message.pixels instanceof Uint8Array
      );
    default:
      return false;
  }
}

export function isMotionReply(message: unknown): message is MotionReply {
  if (!isRecord(message)) return false;
  switch (message.type) {
    case 'ready':
      return typeof message.pid === 'number';
    case 'motion':
      return (
        typeof message.cameraId === 'string' &&
        typeof message.seq === 'number' &&
        Array.isArray(message.boxes) &&
        typeof message.changedFraction === 'number'
      );
    case 'problem':
      return typeof message.cameraId === 'string' && typeof message.message === 'string';
    default:
      return false;
  }
}
