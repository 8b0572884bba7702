/**
 * The recording modes' trim on a real SQLite file and real files: which segments of a `motion` or `events`
 * camera go, and which stay (motion or events with their rolls, doubt, unwatched time, locks and leases).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { STORAGE_LIMITS_DEFAULT } from '../../../common/contract/index.js';
import { openDatabase, type OpenedDatabase } from '../db/open-database.js';
import { cameras, events as eventsTable } from '../db/schema.js';
import { createSilentLogger } from '../logging/logger.js';
import { segmentRelativePath, toAbsolute } from '../recording/segment-path.js';
import { ActivityWindows } from './activity-windows.js';
import { createLeaseRegistry, type LeaseRegistry } from './leases.js';
import { createRetention, type TrimCamera } from './retention.js';

const MIGRATIONS = path.resolve(import.meta.dirname, '../../../drizzle');
const A = 'cam-00000000aa';
const T0 = Date.UTC(2026, 4, 10, 12, 0);
const S = 1_000;

let dir: string;
let root: string;
let database: OpenedDatabase;
let leases: LeaseRegistry;
let activity: ActivityWindows;

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omnisight-trim-'));
  root = path.join(dir, 'recordings');
  database = await openDatabase({
    file: path.join(dir, 'omnisight.db'),
    migrationsDir: MIGRATIONS,
    logger: createSilentLogger(),
    clock: { now: () => T0 },
  });
  database.db
    .insert(cameras)
    .values({
      id: A,
      name: A,
      rtspUrl: 'rtsp://h/a',
      rtspUrlKey: 'a',
      status: 'recording',
      createdAt: 0,
      updatedAt: 0,
    })
    .run();
  leases = createLeaseRegistry();
  activity = new ActivityWindows();
});

afterEach(() => {
  database.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Ten-second segments over [T0, T0 + seconds), in one recording. */
function record(seconds: number): void {
  const recordingId = database.sqlite
    .prepare(
      `INSERT INTO recordings (camera_id, start_time, end_time, duration_ms, status) VALUES (?, ?, ?, ?, 'recording')`,
    )
    .run(A, T0, T0 + seconds * S, seconds * S).lastInsertRowid;
  for (let start = 0; start < seconds; start += 10) {
    const filePath = segmentRelativePath(A, T0 + start * S);
    fs.mkdirSync(path.dirname(toAbsolute(root, filePath)), { recursive: true });
    fs.writeFileSync(toAbsolute(root, filePath), 'x');
    database.sqlite
      .prepare(
        `INSERT INTO segments (recording_id, camera_id, file_path, start_time, end_time, duration_ms, file_size)
         VALUES (?, ?, ?, ?, ?, ?, 1000)`,
      )
      .run(recordingId, A, filePath, T0 + start * S, T0 + (start + 10) * S, 10 * S);
  }
}

/** Seconds (from T0) at which the kept segments start. */
function kept(): number[] {
  return (
    database.sqlite
      .prepare('SELECT start_time FROM segments WHERE camera_id = ? ORDER BY start_time')
      .pluck(true)
      .all(A) as number[]
  ).map((start) => (start - T0) / S);
}

/** Detection watched [from, to) seconds at 5 fps; motion where `moving` says (seconds). */
function watch(from: number, to: number, moving: (second: number) => boolean = () => false, objects = true) {
  for (let at = T0 + from * S; at < T0 + to * S; at += 200) {
    activity.frame(A, at, { motion: moving((at - T0) / S), objectsWatched: objects });
  }
}

function trim(mode: TrimCamera['mode'], nowSeconds: number, pre = 5, post = 5) {
  const retention = createRetention({
    sqlite: database.sqlite,
    recordingsDir: root,
    leases,
    logger: createSilentLogger(),
  });
  return retention.trim({
    now: T0 + nowSeconds * S,
    limits: STORAGE_LIMITS_DEFAULT,
    cameras: [{ id: A, mode, preRollMs: pre * S, postRollMs: post * S }],
    activity,
    settleMs: 5 * S,
  });
}

describe('recording modes: retention trim', () => {
  it('motion mode keeps the segments motion and its rolls touch, and deletes the rest', async () => {
    record(120);
    // Motion at 44-46 s: with 5 s rolls it keeps 39-51 s, the segments 30, 40 and 50.
    watch(0, 120, (second) => second >= 44 && second < 46);
    const result = await trim('motion', 120);
    // Judged: segments from 5 s (coverage starts at 0 + post-roll) ending by 120 - 5 - 5 = 110 s.
    expect(kept()).toEqual([0, 30, 40, 50, 110]);
    expect(result).toMatchObject({ deletedSegments: 7, failed: 0 });
    const file = segmentRelativePath(A, T0 + 20 * S);
    expect(fs.existsSync(toAbsolute(root, file))).toBe(false);
    // The recording row shrinks to what is left.
    const row = database.sqlite.prepare('SELECT duration_ms FROM recordings').get() as {
      duration_ms: number;
    };
    expect(row.duration_ms).toBe(50 * S);
  });

  it('honours the rolls: a longer pre-roll keeps the segment before', async () => {
    record(120);
    watch(0, 120, (second) => second >= 44 && second < 46);
    await trim('motion', 120, 15, 0);
    // 44 - 15 = 29 s reaches into the segment at 20; the post-roll of 0 ends at 46 s (segment 40). With no
    // post-roll the first segment can be judged; the last judged one must end by 120 - 15 - 5 = 100 s.
    expect(kept()).toEqual([20, 30, 40, 100, 110]);
  });

  it('keeps everything where detection was not watching', async () => {
    record(120);
    // Watching only from 60 s, and a 4 s break at 90 s (a worker restart).
    watch(60, 90);
    watch(94, 120);
    await trim('motion', 120);
    // 0-50 were never watched; 60 starts before coverage plus the post-roll; 70 (65-85 watched) and 100
    // (95-115) go; 80 and 90 touch the break; 110 has not settled.
    expect(kept()).toEqual([0, 10, 20, 30, 40, 50, 60, 80, 90, 110]);
    expect(await trim('events', 120)).toMatchObject({ deletedSegments: 0 });
  });

  it('events mode keeps only around object events and doubt, not bare motion', async () => {
    record(120);
    watch(0, 120, (second) => second >= 20 && second < 100);
    database.db
      .insert(eventsTable)
      .values({
        cameraId: A,
        type: 'person',
        timestamp: T0 + 62 * S,
        startTime: T0 + 61 * S,
        endTime: T0 + 64 * S,
      })
      .run();
    activity.doubt(A, T0 + 31 * S);
    await trim('events', 120);
    // Event 61-64 s with rolls: 56-69 s (segments 50 and 60); doubt at 31 s: 26-36 s (20 and 30).
    expect(kept()).toEqual([0, 20, 30, 50, 60, 110]);
  });

  it('events mode needs frames decoded for objects', async () => {
    record(120);
    watch(0, 120, () => false, false);
    expect(await trim('events', 120)).toMatchObject({ deletedSegments: 0 });
    expect(await trim('motion', 120)).toMatchObject({ deletedSegments: 10 });
  });

  it('an event still open keeps everything after its start', async () => {
    record(120);
    watch(0, 120);
    database.db
      .insert(eventsTable)
      .values({ cameraId: A, type: 'car', timestamp: T0 + 72 * S, startTime: T0 + 72 * S, endTime: null })
      .run();
    await trim('events', 120);
    expect(kept()).toEqual([0, 60, 70, 80, 90, 100, 110]);
  });

  it('never deletes leased segments or footage of a locked event', async () => {
    record(120);
    watch(0, 120);
    const leased = database.sqlite
      .prepare('SELECT id FROM segments WHERE start_time = ?')
      .pluck(true)
      .get(T0 + 20 * S) as number;
    leases.acquire([leased], 'test');
    database.db
      .insert(eventsTable)
      .values({
        cameraId: A,
        type: 'motion',
        timestamp: T0 + 85 * S,
        startTime: T0 + 85 * S,
        endTime: T0 + 86 * S,
        locked: true,
      })
      .run();
    await trim('motion', 120);
    // The locked row (a motion type, so not an object event) keeps 75-96 s by the storage-wide 10 s rolls.
    expect(kept()).toEqual([0, 20, 70, 80, 90, 110]);
  });

  it('waits for a segment to settle: nothing newer than now - pre-roll - settle is judged', async () => {
    record(120);
    watch(0, 120);
    await trim('motion', 60);
    // Judged: ending by 60 - 10 = 50 s.
    expect(kept()).toEqual([0, 50, 60, 70, 80, 90, 100, 110]);
  });
});
