import { describe, expect, it } from 'vitest';
import { createSilentLogger } from '../logging/logger.js';
import type { WorkerHost } from '../ports.js';
import type { Detection, DetectionBox } from './detector.js';
import type { DetectOutcome, DetectorPool } from './detector-pool.js';
import type { EventStore } from './event-store.js';
import { MOTION_CONFIG_DEFAULT, type MotionConfig } from './motion-config.js';
import type { MotionUpdate } from './motion-service.js';
import { createObjectService, trackerConfigFor } from './object-service.js';

const CAMERA = 'cam-00000000b1';
const T = Date.UTC(2026, 5, 1, 9, 0, 0);

function harness(config: Partial<MotionConfig> = {}) {
  const listeners = new Set<(update: MotionUpdate) => void>();
  const calls: { regions: DetectionBox[]; resolve: (outcome: DetectOutcome) => void }[] = [];
  const log: string[] = [];
  const motionConfig: MotionConfig = { ...MOTION_CONFIG_DEFAULT, enabled: true, objects: true, ...config };
  const pool = {
    start: () => undefined,
    stop: () => Promise.resolve(),
    detectRegions: (_frame: unknown, regions: DetectionBox[]) =>
      new Promise<DetectOutcome>((resolve) => calls.push({ regions, resolve })),
    stats: () => ({ workers: [], queued: 0, dropped: 0, lost: 0, failed: 0, done: 0, meanMs: 0 }),
  } as unknown as DetectorPool;
  let nextId = 1;
  const store: EventStore = {
    cameraOf: () => undefined,
    start: (cameraId, object) => {
      log.push(`start ${cameraId} ${object.label}`);
      return nextId++;
    },
    update: (id, _object, frame) => log.push(`update ${id}${frame === undefined ? '' : ' frame'}`),
    end: (id, _object, endAt) => log.push(`end ${id} at +${endAt - T}`),
    list: () => [],
    snapshotFile: () => undefined,
    idle: () => Promise.resolve(),
  };
  const service = createObjectService({
    motion: {
      onMotion: (listener) => (listeners.add(listener), () => listeners.delete(listener)),
      config: motionConfig,
    },
    store,
    workerHost: {} as WorkerHost,
    modelDir: '/model',
    logger: createSilentLogger(),
    now: () => T + 60_000,
    createPool: () => pool,
  });
  service.start();
  const emit = (at: number, boxes: DetectionBox[], rgb = true) => {
    const update: MotionUpdate = {
      cameraId: CAMERA,
      at,
      width: 640,
      height: 360,
      boxes: boxes.map((box) => ({ ...box, area: 0.01 })),
      changedFraction: boxes.length > 0 ? 0.01 : 0,
      recalibrated: false,
      ...(rgb ? { rgb: new Uint8Array(640 * 360 * 3) } : {}),
    };
    for (const listener of listeners) listener(update);
  };
  return { service, calls, log, emit };
}

const person = (x: number, score = 0.8): Detection => ({
  label: 'person',
  classId: 0,
  score,
  box: { x, y: 100, width: 60, height: 150 },
});
const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('object service', () => {
  it('detects where it moved, makes an event after three sightings and ends it after the object left', async () => {
    const { service, calls, log, emit } = harness();
    for (let frame = 0; frame < 5; frame += 1) {
      const x = 50 + frame * 30;
      emit(T + frame * 200, [{ x, y: 100, width: 60, height: 150 }]);
      // One request per camera in flight: a second frame meanwhile is skipped.
      emit(T + frame * 200 + 100, [{ x, y: 100, width: 60, height: 150 }]);
      expect(calls).toHaveLength(frame + 1);
      calls[frame]?.resolve({
        status: 'done',
        detections: [person(x, 0.7 + frame * 0.02)],
        ms: 50,
        backend: 'fake',
      });
      await flush();
    }
    expect(log.filter((line) => !line.startsWith('update'))).toEqual([`start ${CAMERA} person`]);
    // The tracked person's box goes along with the next frame's motion boxes.
    emit(T + 1_000, [{ x: 400, y: 50, width: 30, height: 30 }]);
    expect(calls.at(-1)?.regions).toHaveLength(2);
    calls.at(-1)?.resolve({ status: 'dropped' });
    await flush();
    // Nothing moves any more. The person's last box is still looked at (a person who stops stays seen) until
    // the track is lost after 3 s without a sighting; then no request at all, and the event ends 5 s after
    // the last sighting.
    for (let at = T + 1_200; at <= T + 6_000; at += 200) {
      const before = calls.length;
      emit(at, []);
      if (calls.length > before) {
        calls.at(-1)?.resolve({ status: 'done', detections: [], ms: 50, backend: 'fake' });
        await flush();
      }
      if (at > T + 3_800) expect(calls.length).toBe(before);
    }
    expect(log.at(-1)).toBe('end 1 at +5800');
    const stats = service.stats().cameras[0];
    expect(stats).toMatchObject({ skipped: 1, openEvents: 0 });
    expect(stats?.requests).toBe(calls.length);
  });

  it('asks nothing when objects are off for the camera or the frame has no RGB, and ends open events on stop', async () => {
    const off = harness({ cameras: { [CAMERA]: { objects: false } } });
    off.emit(T, [{ x: 0, y: 0, width: 50, height: 50 }]);
    expect(off.calls).toHaveLength(0);
    const gray = harness();
    gray.emit(T, [{ x: 0, y: 0, width: 50, height: 50 }], false);
    expect(gray.calls).toHaveLength(0);

    const open = harness();
    for (let frame = 0; frame < 3; frame += 1) {
      open.emit(T + frame * 200, [{ x: 100, y: 100, width: 60, height: 150 }]);
      open.calls[frame]?.resolve({
        status: 'done',
        detections: [person(100 + frame * 20)],
        ms: 1,
        backend: 'fake',
      });
      await flush();
    }
    await open.service.stop();
    expect(open.log).toEqual([`start ${CAMERA} person`, 'end 1 at +5400']);
  });

  it('builds each camera tracker configuration from the settings: labels, zones, alerting zones', () => {
    const config = trackerConfigFor(
      {
        ...MOTION_CONFIG_DEFAULT,
        labels: { person: { minScore: 0.6 } },
        minHits: 4,
        endAfterSeconds: 10,
        cameras: {
          [CAMERA]: {
            zones: [
              {
                name: 'porch',
                polygon: [
                  [0, 0],
                  [1, 0],
                  [1, 1],
                ],
                alert: true,
              },
              {
                name: 'street',
                polygon: [
                  [0, 0],
                  [1, 0],
                  [0, 1],
                ],
              },
            ],
          },
        },
      },
      CAMERA,
    );
    expect(Object.keys(config.labels)).toEqual(['person']);
    expect(config.labels.person?.minScore).toBe(0.6);
    expect(config.zones.map((zone) => zone.name)).toEqual(['porch', 'street']);
    expect(config.alertZones).toEqual(['porch']);
    expect([config.minHits, config.endAfterMs]).toEqual([4, 10_000]);
  });
});
