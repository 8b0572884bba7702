/**
 * Detection settings and camera stills through the engine's contract (issue 6 item 5), on a real SQLite file
 * and a recording demo camera with real FFmpeg: what is set is in effect at once, stored across a restart,
 * validated with clear messages, and the still is a JPEG of the newest segment.
 */
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ContractError,
  toApiError,
  type CameraSnapshot,
  type DetectionSettings,
} from '../../common/contract/index.js';
import { makeTempDir } from '../support/server.js';
import { startTestEngine, type TestEngine } from '../recording/recording-helpers.js';

let rig: TestEngine | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const square: [number, number][] = [
  [0.1, 0.1],
  [0.4, 0.1],
  [0.4, 0.4],
  [0.1, 0.4],
];

async function failure(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    return toApiError(error);
  }
  throw new Error('expected a failure');
}

describe('detection settings', () => {
  it('applies, stores and validates per-camera masks and zones', async () => {
    const dataDir = makeTempDir('omnisight-detect-');
    rig = await startTestEngine({ dataDir, record: false });
    const camera = await rig.add({ name: 'Drive', rtspUrl: 'demo:drive' });
    const initial = (await rig.engine.call('detection.settings.get', undefined)) as DetectionSettings;
    expect(initial).toMatchObject({ motion: false, objects: false, fps: 5, width: 640, minHits: 3 });
    expect(initial.labels['person']).toEqual({ minScore: 0.5, minArea: 0.0005, maxArea: 0.9 });
    expect(initial.cameras[camera.id]).toEqual({
      motion: null,
      objects: null,
      sensitivity: 50,
      masks: [],
      zones: [],
    });

    const answer = (await rig.engine.call('detection.settings.set', {
      cameras: {
        [camera.id]: {
          motion: true,
          objects: true,
          sensitivity: 70,
          masks: [square],
          zones: [{ name: 'Driveway', polygon: square, alert: true }],
        },
      },
    })) as DetectionSettings;
    expect(answer.cameras[camera.id]).toEqual({
      motion: true,
      objects: true,
      sensitivity: 70,
      masks: [square],
      zones: [{ name: 'Driveway', polygon: square, alert: true }],
    });
    // In effect at once: the motion service's configuration is the one the tracker and the worker read.
    expect(rig.engine.motion.config.cameras[camera.id]).toMatchObject({ enabled: true, sensitivity: 70 });

    // Bad input: a clear message naming the field, and nothing changed.
    const crossing = await failure(
      rig.engine.call('detection.settings.set', {
        cameras: {
          [camera.id]: {
            masks: [
              [
                [0.1, 0.1],
                [0.5, 0.5],
                [0.5, 0.1],
                [0.1, 0.5],
              ],
            ],
          },
        },
      }),
    );
    expect(crossing.code).toBe('validation');
    expect(crossing.message).toContain('the polygon crosses itself');
    const unknown = await failure(
      rig.engine.call('detection.settings.set', { cameras: { 'cam-0000000000': {} } }),
    );
    expect(unknown).toMatchObject({
      code: 'not_found',
      message: 'cameras.cam-0000000000: there is no such camera',
    });
    expect(
      ((await rig.engine.call('detection.settings.get', undefined)) as DetectionSettings).cameras[camera.id]
        ?.sensitivity,
    ).toBe(70);

    // A global change keeps the camera's own settings; both survive a restart.
    await rig.engine.call('detection.settings.set', {
      motion: true,
      fps: 4,
      labels: { person: { minScore: 0.6 } },
    });
    await rig.engine.stop();
    rig = await startTestEngine({ dataDir, record: false });
    const after = (await rig.engine.call('detection.settings.get', undefined)) as DetectionSettings;
    expect(after).toMatchObject({
      motion: true,
      fps: 4,
      labels: { person: { minScore: 0.6, minArea: 0.0005 } },
    });
    expect(Object.keys(after.labels)).toEqual(['person']);
    expect(after.cameras[camera.id]?.zones).toEqual([{ name: 'Driveway', polygon: square, alert: true }]);
    expect(fs.existsSync(dataDir)).toBe(true);
  });

  it('gives a still of the newest segment, and says why there is none before one is written', async () => {
    rig = await startTestEngine();
    const camera = await rig.add({ name: 'Demo', rtspUrl: 'demo:still', segmentSeconds: 2 });
    const none = await failure(rig.engine.call('cameras.snapshot', { id: camera.id }));
    expect(none.code).toBe('not_found');
    expect(none.message).toContain('no recorded footage yet');
    expect((await failure(rig.engine.call('cameras.snapshot', { id: 'cam-0000000000' }))).code).toBe(
      'not_found',
    );
    expect((await failure(rig.engine.call('cameras.snapshot', { id: '../etc' }))).code).toBe('validation');

    let still: CameraSnapshot | undefined;
    for (const deadline = Date.now() + 30_000; still === undefined;) {
      try {
        still = (await rig.engine.call('cameras.snapshot', { id: camera.id })) as CameraSnapshot;
      } catch (error) {
        if (!(error instanceof ContractError && error.code === 'not_found') || Date.now() > deadline)
          throw error;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
    expect(still.cameraId).toBe(camera.id);
    expect(still.width).toBeGreaterThan(100);
    expect(still.width).toBeLessThanOrEqual(1280);
    expect(still.height).toBeGreaterThan(50);
    expect(still.time).toBeLessThanOrEqual(Date.now());
    const jpeg = Buffer.from(still.image.replace(/^data:image\/jpeg;base64,/, ''), 'base64');
    expect(jpeg.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    expect(jpeg.length).toBeGreaterThan(2000);
  }, 60_000);
});
