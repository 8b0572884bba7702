/**
 * A detector worker: loads the object detector once (the registry's best backend: tfjs-node when installed,
 * else tfjs-wasm) from the model folder the pool names in its `init` message, then answers `detect` requests
 * one at a time. The engine's detector pool (`electron/engine/detection/detector-pool.ts`) runs several and
 * restarts any that dies. Runs under both worker hosts.
 */
import { createDetector, type Detector } from '../electron/engine/detection/detector.js';
import {
  isDetectorMessage,
  type DetectorAnswer,
  type DetectorFailed,
  type DetectorProblem,
  type DetectorReady,
  type DetectorRequest,
} from '../electron/engine/detection/detector-protocol.js';
import { connectToHost } from './runtime.js';

const host = connectToHost();
let detector: Detector | null = null;
let loading = false;
// Requests are run one after the other (the pool sends one at a time; this keeps a second one safe).
let chain: Promise<void> = Promise.resolve();

async function run(request: DetectorRequest): Promise<void> {
  if (detector === null) {
    const problem: DetectorProblem = { type: 'problem', id: request.id, message: 'The model is not loaded' };
    host.postMessage(problem);
    return;
  }
  const started = performance.now();
  try {
    const detections = await detector.detect(request.rgb, request.width, request.height, request.options);
    const answer: DetectorAnswer = {
      type: 'detections',
      id: request.id,
      detections,
      ms: performance.now() - started,
    };
    host.postMessage(answer);
  } catch (error) {
    const problem: DetectorProblem = {
      type: 'problem',
      id: request.id,
      message: error instanceof Error ? error.message : String(error),
    };
    host.postMessage(problem);
  }
}

host.onMessage((message) => {
  if (!isDetectorMessage(message)) return;
  if (message.type === 'detect') {
    chain = chain.then(() => run(message));
    return;
  }
  if (loading || detector !== null) return;
  loading = true;
  const started = performance.now();
  void (async () => {
    try {
      const created = await createDetector(
        { modelDir: message.modelDir, wasmDir: message.wasmDir },
        { prefer: message.prefer },
      );
      await created.load();
      // One inference on a blank image before `ready`: the first one sets up kernels and memory (about a
      // second on the wasm backend), which would otherwise land on the first real request.
      const side = created.inputSize.width;
      await created.detect(new Uint8Array(side * side * 3), side, side);
      detector = created;
      const ready: DetectorReady = {
        type: 'ready',
        pid: process.pid,
        backend: created.backend,
        model: created.model,
        inputSize: created.inputSize,
        loadMs: performance.now() - started,
      };
      host.postMessage(ready);
    } catch (error) {
      const failed: DetectorFailed = {
        type: 'failed',
        message: error instanceof Error ? error.message : String(error),
      };
      host.postMessage(failed);
      // Let the message leave before exiting; the pool restarts the worker with a backoff.
      setTimeout(() => process.exit(2), 100);
    }
  })();
});
