/**
 * The motion worker: one `MotionDetector` per camera, fed gray frames by the engine's motion service
 * (`electron/engine/detection/motion-service.ts`), answering each frame with its motion boxes. Runs under both
 * worker hosts (utilityProcess in the desktop app, fork headless); the engine restarts it when it dies.
 */
import { MotionDetector } from '../electron/engine/detection/motion.js';
import {
  isMotionRequest,
  type MotionAnswer,
  type MotionProblem,
  type MotionReady,
} from '../electron/engine/detection/motion-protocol.js';
import { connectToHost } from './runtime.js';

const host = connectToHost();
const detectors = new Map<string, MotionDetector>();

function problem(cameraId: string, seq: number | null, error: unknown): void {
  const message: MotionProblem = {
    type: 'problem',
    cameraId,
    seq,
    message: error instanceof Error ? error.message : String(error),
  };
  host.postMessage(message);
}

host.onMessage((message) => {
  if (!isMotionRequest(message)) return;
  const { cameraId } = message;
  if (message.type === 'forget') {
    detectors.delete(cameraId);
    return;
  }
  if (message.type === 'configure') {
    try {
      const existing = detectors.get(cameraId);
      if (existing === undefined) detectors.set(cameraId, new MotionDetector(message.settings));
      else existing.configure(message.settings);
    } catch (error) {
      problem(cameraId, null, error);
    }
    return;
  }
  let detector = detectors.get(cameraId);
  if (detector === undefined) {
    detector = new MotionDetector();
    detectors.set(cameraId, detector);
  }
  const started = performance.now();
  try {
    const result = detector.process(message.pixels, message.width, message.height);
    const answer: MotionAnswer = {
      type: 'motion',
      cameraId,
      seq: message.seq,
      at: message.at,
      width: message.width,
      height: message.height,
      ...result,
      ms: performance.now() - started,
    };
    host.postMessage(answer);
  } catch (error) {
    problem(cameraId, message.seq, error);
  }
});

const ready: MotionReady = { type: 'ready', pid: process.pid };
host.postMessage(ready);
