/**
 * The TensorFlow.js backends of the `Detector` interface, running the shipped NanoDet graph model:
 *   - `tfjs-node` (priority 20): native TensorFlow, when the optional package `@tensorflow/tfjs-node` is
 *     installed (it is not a dependency: it downloads a 100+ MB native library at install time);
 *   - `tfjs-wasm` (priority 10): `@tensorflow/tfjs-backend-wasm` (SIMD, single-threaded in Node), always there.
 * Preprocessing and decoding are the library-free ones in nanodet.ts.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type * as TfCore from '@tensorflow/tfjs-core';
import type * as TfConverter from '@tensorflow/tfjs-converter';
import type { DetectOptions, Detection, Detector, DetectorBackend, DetectorSource } from './detector.js';
import { NANODET_INPUT_SIZE, decodeNanodet, nanodetLevels, preprocessNanodet } from './nanodet.js';

/** What the detector needs of a TensorFlow.js build (tfjs-core + converter, or tfjs-node's re-export). */
type Tf = Pick<typeof TfCore, 'tensor4d' | 'dispose' | 'setBackend' | 'ready' | 'getBackend' | 'io'> &
  Pick<typeof TfConverter, 'loadGraphModel'>;

export const NANODET_MODEL_NAME = 'nanodet-coco-416';

/** Reads `nanodet.json` + its weight files into memory (TF.js in Node cannot fetch file:// URLs). */
export async function readGraphModel(tf: Tf, modelDir: string): Promise<TfConverter.GraphModel> {
  const json = JSON.parse(await fs.readFile(path.join(modelDir, 'nanodet.json'), 'utf8')) as {
    modelTopology: object;
    weightsManifest: { paths: string[]; weights: TfCore.io.WeightsManifestEntry[] }[];
    format?: string;
    generatedBy?: string;
    convertedBy?: string | null;
    signature?: object;
  };
  const buffers: Buffer[] = [];
  for (const group of json.weightsManifest) {
    for (const file of group.paths) {
      // Only plain names next to the model: a manifest must not point elsewhere on disk.
      if (path.basename(file) !== file) throw new Error(`Bad weights path in the model manifest: ${file}`);
      buffers.push(await fs.readFile(path.join(modelDir, file)));
    }
  }
  const weights = Buffer.concat(buffers);
  const artifacts: TfCore.io.ModelArtifacts = {
    modelTopology: json.modelTopology,
    weightSpecs: json.weightsManifest.flatMap((group) => group.weights),
    weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy,
    signature: json.signature,
  };
  return tf.loadGraphModel(tf.io.fromMemory(artifacts));
}

/** NanoDet on one TensorFlow.js backend. */
export class TfjsNanodetDetector implements Detector {
  readonly backend: string;
  readonly model = NANODET_MODEL_NAME;
  readonly inputSize = { width: NANODET_INPUT_SIZE, height: NANODET_INPUT_SIZE };
  readonly #tf: Tf;
  readonly #tfBackend: string;
  readonly #modelDir: string;
  #graph: TfConverter.GraphModel | null = null;
  #loading: Promise<void> | null = null;
  #disposed = false;
  #buffer: Float32Array | undefined;

  constructor(options: { tf: Tf; tfBackend: string; name: string; modelDir: string }) {
    this.#tf = options.tf;
    this.#tfBackend = options.tfBackend;
    this.backend = options.name;
    this.#modelDir = options.modelDir;
  }

  load(): Promise<void> {
    if (this.#disposed) return Promise.reject(new Error('The detector was disposed'));
    this.#loading ??= (async () => {
      if (!(await this.#tf.setBackend(this.#tfBackend)))
        throw new Error(`TensorFlow.js backend ${this.#tfBackend} failed to initialise`);
      await this.#tf.ready();
      this.#graph = await readGraphModel(this.#tf, this.#modelDir);
    })();
    return this.#loading;
  }

  async detect(
    rgb: Uint8Array,
    width: number,
    height: number,
    options?: DetectOptions,
  ): Promise<Detection[]> {
    const graph = this.#graph;
    if (graph === null || this.#disposed) throw new Error('The detector is not loaded');
    const size = NANODET_INPUT_SIZE;
    const { input, letterbox } = preprocessNanodet(rgb, width, height, size, this.#buffer);
    this.#buffer = input;
    const tensor = this.#tf.tensor4d(input, [1, 3, size, size], 'float32');
    let outputs: TfCore.Tensor[] = [];
    try {
      const result = graph.execute(tensor);
      outputs = Array.isArray(result) ? result : [result];
      const data = await Promise.all(outputs.map((output) => output.data<'float32'>()));
      const levels = nanodetLevels(
        outputs.map((output, i) => ({ shape: output.shape, data: data[i] ?? new Float32Array(0) })),
      );
      return decodeNanodet(levels, letterbox, options);
    } finally {
      this.#tf.dispose([tensor, ...outputs]);
    }
  }

  async dispose(): Promise<void> {
    this.#disposed = true;
    await this.#loading?.catch(() => undefined);
    this.#graph?.dispose();
    this.#graph = null;
  }
}

/** `@tensorflow/tfjs-node` by a name the bundler cannot see, so its absence is a run-time fact, not an error. */
const TFJS_NODE = '@tensorflow/tfjs-node';
let tfjsNode: Promise<Tf | null> | undefined;

function loadTfjsNode(): Promise<Tf | null> {
  tfjsNode ??= (import(TFJS_NODE) as Promise<Tf & { default?: Tf }>).then(
    (module) => module.default ?? module,
    () => null,
  );
  return tfjsNode;
}

export const tfjsNodeBackend: DetectorBackend = {
  name: 'tfjs-node',
  priority: 20,
  async available() {
    return (await loadTfjsNode()) !== null;
  },
  async create(source: DetectorSource) {
    const tf = await loadTfjsNode();
    if (tf === null) throw new Error(`${TFJS_NODE} is not installed`);
    return new TfjsNanodetDetector({
      tf,
      tfBackend: 'tensorflow',
      name: 'tfjs-node',
      modelDir: source.modelDir,
    });
  },
};

export const tfjsWasmBackend: DetectorBackend = {
  name: 'tfjs-wasm',
  priority: 10,
  async available() {
    try {
      await import('@tensorflow/tfjs-backend-wasm');
      return true;
    } catch {
      return false;
    }
  },
  async create(source: DetectorSource) {
    const [core, converter, wasm] = await Promise.all([
      import('@tensorflow/tfjs-core'),
      import('@tensorflow/tfjs-converter'),
      import('@tensorflow/tfjs-backend-wasm'),
    ]);
    // Node finds the .wasm files next to the backend's own JavaScript; a packaged app that moves them (out of
    // the asar archive) says where.
    if (source.wasmDir !== undefined)
      wasm.setWasmPaths(source.wasmDir.endsWith('/') ? source.wasmDir : `${source.wasmDir}/`);
    const tf: Tf = { ...core, loadGraphModel: converter.loadGraphModel };
    return new TfjsNanodetDetector({ tf, tfBackend: 'wasm', name: 'tfjs-wasm', modelDir: source.modelDir });
  },
};
