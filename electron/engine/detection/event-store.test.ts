/**
 * Detection events in a real SQLite file with real FFmpeg snapshots: rows in `events` and `detected_objects`
 * linked to the recording running at the start, clean JPEGs (snapshot and thumbnail), pushes, the list's
 * filters (camera, label, zone, time, score) and the end.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DetectionEvent } from '../../../common/contract/index.js';
import { openDatabase, type OpenedDatabase } from '../db/open-database.js';
import { cameras, detectedObjects, events, recordings } from '../db/schema.js';
import { createEventBus } from '../events/event-bus.js';
import { createSilentLogger } from '../logging/logger.js';
import { createEventStore, type EventObject, type EventStore } from './event-store.js';

const MIGRATIONS = path.resolve(import.meta.dirname, '../../../drizzle');
const CAMERA = 'cam-00000000e1';
const OTHER = 'cam-00000000e2';
const T = Date.UTC(2026, 5, 1, 14, 0, 0);
const FFMPEG = 'ffmpeg';

let dir: string;
let database: OpenedDatabase;
let store: EventStore;
let pushed: { name: string; event: DetectionEvent }[];

function frame(width = 320, height = 180) {
  const rgb = new Uint8Array(width * height * 3);
  for (let index = 0; index < width * height; index += 1) {
    rgb[index * 3] = index % width;
    rgb[index * 3 + 1] = Math.floor(index / width);
    rgb[index * 3 + 2] = 128;
  }
  return { rgb, width, height };
}

function object(patch: Partial<EventObject> = {}): EventObject {
  return {
    id: 1,
    label: 'person',
    firstSeen: T,
    bestAt: T + 400,
    bestScore: 0.82,
    bestBox: { x: 32, y: 18, width: 64, height: 90 },
    zones: new Set(['porch']),
    ...patch,
  };
}

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omnisight-events-'));
  database = await openDatabase({
    file: path.join(dir, 'omnisight.db'),
    migrationsDir: MIGRATIONS,
    logger: createSilentLogger(),
    clock: { now: () => T },
  });
  for (const id of [CAMERA, OTHER]) {
    database.db
      .insert(cameras)
      .values({
        id,
        name: id,
        rtspUrl: `demo:${id}`,
        rtspUrlKey: `demo:${id}`,
        status: 'recording',
        createdAt: T,
        updatedAt: T,
      })
      .run();
  }
  database.db
    .insert(recordings)
    // As the segment index keeps it: a running recording ends where its last closed segment ended, which is
    // before the event (the event is in the segment being written).
    .values({ cameraId: CAMERA, startTime: T - 60_000, endTime: T - 2_000, status: 'recording' })
    .run();
  const bus = createEventBus(createSilentLogger());
  pushed = [];
  for (const name of ['events.created', 'events.updated', 'events.ended'] as const) {
    bus.on(name, (event) => pushed.push({ name, event }));
  }
  store = createEventStore({
    db: database.db,
    dataDir: dir,
    ffmpegPath: FFMPEG,
    events: bus,
    logger: createSilentLogger(),
  });
});

afterEach(() => {
  database.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('EventStore', () => {
  it('links the recording that started after the object appeared when the event ends, not a finished one', () => {
    database.db.update(recordings).set({ status: 'complete' }).run();
    const id = store.start(CAMERA, object({ firstSeen: T + 1_000 }), frame());
    expect(database.db.select().from(events).where(eq(events.id, id)).get()?.recordingId).toBeNull();
    const next = database.db
      .insert(recordings)
      .values({ cameraId: CAMERA, startTime: T + 1_500, endTime: T + 1_500, status: 'recording' })
      .returning({ id: recordings.id })
      .get();
    store.end(id, object({ firstSeen: T + 1_000 }), T + 9_000);
    expect(database.db.select().from(events).where(eq(events.id, id)).get()?.recordingId).toBe(next.id);
  });

  it('stores an event with its object row, recording link and snapshots, and ends it', async () => {
    const id = store.start(CAMERA, object(), frame());
    const row = database.db.select().from(events).where(eq(events.id, id)).get();
    expect(row).toMatchObject({
      cameraId: CAMERA,
      type: 'person',
      startTime: T,
      endTime: null,
      confidence: 0.82,
    });
    expect(row?.recordingId).toBe(database.db.select().from(recordings).get()?.id);
    const objects = database.db.select().from(detectedObjects).where(eq(detectedObjects.eventId, id)).all();
    expect(objects).toHaveLength(1);
    expect(objects[0]?.boundingBox).toEqual({ x: 0.1, y: 0.1, width: 0.2, height: 0.5 });
    expect(pushed.map((entry) => entry.name)).toEqual(['events.created']);

    await store.idle();
    const snapshot = store.snapshotFile(id, 'snapshot');
    const thumbnail = store.snapshotFile(id, 'thumbnail');
    expect(snapshot).toBe(path.join(dir, 'snapshots', CAMERA, `${id}.jpg`));
    for (const file of [snapshot, thumbnail]) {
      expect(fs.readFileSync(file ?? '').subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    }
    const size = (file: string) =>
      execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', file])
        .toString()
        .trim();
    expect(size(snapshot ?? '')).toBe('320,180');
    expect(size(thumbnail ?? '')).toBe('240,136');
    // The snapshot written, the event says so.
    expect(pushed.at(-1)).toMatchObject({ name: 'events.updated', event: { id, hasSnapshot: true } });

    store.update(
      id,
      object({ bestScore: 0.9, bestAt: T + 3_000, zones: new Set(['porch', 'path']) }),
      frame(),
    );
    store.end(id, object(), T + 9_000);
    await store.idle();
    expect(pushed.at(-1)).toMatchObject({
      name: 'events.ended',
      event: { id, endTime: T + 9_000, score: 0.9, bestTime: T + 3_000, zones: ['porch', 'path'] },
    });
  });

  it('lists newest first with the camera, label, zone, time and score filters', () => {
    const first = store.start(CAMERA, object(), frame());
    store.end(first, object(), T + 10_000);
    const car = store.start(
      CAMERA,
      object({ id: 2, label: 'car', firstSeen: T + 60_000, bestScore: 0.6, zones: new Set() }),
      frame(),
    );
    const elsewhere = store.start(OTHER, object({ id: 3, firstSeen: T + 120_000 }), frame());
    const ids = (input: Parameters<EventStore['list']>[0]) => store.list(input).map((event) => event.id);
    expect(ids({})).toEqual([elsewhere, car, first]);
    expect(ids({ cameraIds: [CAMERA] })).toEqual([car, first]);
    expect(ids({ labels: ['person'] })).toEqual([elsewhere, first]);
    expect(ids({ zone: 'porch' })).toEqual([elsewhere, first]);
    expect(ids({ minScore: 0.7 })).toEqual([elsewhere, first]);
    // Overlapping [from, to): the first ended at T + 10 s; the car is still open.
    expect(ids({ from: T + 20_000, to: T + 100_000 })).toEqual([car]);
    expect(ids({ before: T + 120_000, limit: 1 })).toEqual([car]);
    expect(store.list({ cameraIds: [OTHER] })[0]).toMatchObject({
      label: 'person',
      cameraId: OTHER,
      endTime: null,
      box: { x: 0.1, y: 0.1, width: 0.2, height: 0.5 },
      locked: false,
    });
  });

  it('keeps the event without a snapshot when FFmpeg fails', async () => {
    const broken = createEventStore({
      db: database.db,
      dataDir: dir,
      ffmpegPath: path.join(dir, 'no-such-ffmpeg'),
      events: createEventBus(createSilentLogger()),
      logger: createSilentLogger(),
    });
    const id = broken.start(CAMERA, object(), frame());
    await broken.idle();
    expect(broken.snapshotFile(id, 'snapshot')).toBeUndefined();
    expect(broken.list({})[0]).toMatchObject({ id, hasSnapshot: false });
  });
});
