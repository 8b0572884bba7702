/**
 * The real detector (NanoDet on the tfjs-wasm backend, or tfjs-node where installed) on real photographs
 * from Debian's python3-skimage: the right label with a box close to one drawn by hand, and no person where
 * there is none. Prints the inference time.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDetector,
  iou,
  NoDetectorBackendError,
  type Detector,
  type DetectorBackend,
  type DetectionBox,
} from './detector.js';
import { readSkimagePhoto, skimagePhotosAvailable } from './detector-photos.js';

const MODEL_DIR = path.resolve(import.meta.dirname, '../../../resources/models/nanodet');
let detector: Detector;

beforeAll(async () => {
  if (!skimagePhotosAvailable())
    throw new Error('The skimage photos are missing: apt-get install python3-skimage');
  detector = await createDetector({ modelDir: MODEL_DIR });
  await detector.load();
}, 60_000);

afterAll(async () => {
  await (detector as Detector | undefined)?.dispose();
});

/** Boxes drawn by hand on the photos (pixels of the full image). */
const CASES: { photo: string; label: string; box: DetectionBox }[] = [
  { photo: 'astronaut.png', label: 'person', box: { x: 0, y: 15, width: 370, height: 497 } },
  { photo: 'motorcycle_left.png', label: 'motorcycle', box: { x: 90, y: 76, width: 590, height: 374 } },
  { photo: 'chelsea.png', label: 'cat', box: { x: 0, y: 0, width: 451, height: 300 } },
  { photo: 'camera.png', label: 'person', box: { x: 0, y: 60, width: 330, height: 452 } },
];

describe('NanoDet detector on real photos', () => {
  it.each(CASES)('finds the $label in $photo', async ({ photo, label, box }) => {
    const image = await readSkimagePhoto(photo);
    const started = performance.now();
    const detections = await detector.detect(image.rgb, image.width, image.height);
    const ms = performance.now() - started;
    console.log(
      `${detector.backend} ${photo} ${image.width}x${image.height}: ${ms.toFixed(0)} ms,`,
      detections.map((d) => `${d.label} ${d.score.toFixed(2)}`).join(', '),
    );
    const best = detections[0];
    expect(best?.label).toBe(label);
    expect(best!.score).toBeGreaterThan(0.5);
    expect(iou(best!.box, box)).toBeGreaterThan(0.75);
  });

  it.each(['brick.png', 'grass.png', 'rocket.jpg'])('finds nothing in %s', async (photo) => {
    const image = await readSkimagePhoto(photo);
    const detections = await detector.detect(image.rgb, image.width, image.height);
    expect(detections.filter((d) => d.label === 'person')).toEqual([]);
    expect(detections).toEqual([]);
  });

  it('finds the astronaut again in a crop, with the box in the crop pixels', async () => {
    const image = await readSkimagePhoto('astronaut.png');
    // The left 400x512 of the photo, as the pool would cut it.
    const crop = new Uint8Array(400 * 512 * 3);
    for (let y = 0; y < 512; y++) crop.set(image.rgb.subarray(y * 512 * 3, (y * 512 + 400) * 3), y * 400 * 3);
    const [best] = await detector.detect(crop, 400, 512);
    expect(best?.label).toBe('person');
    expect(iou(best!.box, { x: 0, y: 15, width: 370, height: 497 })).toBeGreaterThan(0.75);
  });

  it('says which backend and model it runs', () => {
    expect(['tfjs-wasm', 'tfjs-node']).toContain(detector.backend);
    expect(detector.model).toBe('nanodet-coco-416');
    expect(detector.inputSize).toEqual({ width: 416, height: 416 });
  });
});

describe('backend registry', () => {
  const fake = (name: string, priority: number, available: boolean): DetectorBackend => ({
    name,
    priority,
    available: () => Promise.resolve(available),
    create: () => Promise.resolve({ backend: name } as Detector),
  });

  it('picks the available backend of highest priority, or the preferred one', async () => {
    const backends = [fake('low', 1, true), fake('high', 9, true), fake('absent', 20, false)];
    expect((await createDetector({ modelDir: MODEL_DIR }, { backends })).backend).toBe('high');
    expect((await createDetector({ modelDir: MODEL_DIR }, { backends, prefer: 'low' })).backend).toBe('low');
    expect((await createDetector({ modelDir: MODEL_DIR }, { backends, prefer: 'absent' })).backend).toBe(
      'high',
    );
  });

  it('fails clearly when nothing can run', async () => {
    await expect(
      createDetector({ modelDir: MODEL_DIR }, { backends: [fake('absent', 1, false)] }),
    ).rejects.toBeInstanceOf(NoDetectorBackendError);
  });
});
