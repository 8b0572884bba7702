import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventName } from '../../../common/contract/index.js';
import { openDatabase, type OpenedDatabase } from '../db/open-database.js';
import { cameras, events as eventsTable } from '../db/schema.js';
import { createEventBus } from '../events/event-bus.js';
import { createSilentLogger } from '../logging/logger.js';
import { QUARANTINE_DIR } from '../recording/quarantine.js';
import { segmentRelativePath, toAbsolute } from '../recording/segment-path.js';
import { createLeaseRegistry, type LeaseRegistry } from './leases.js';
import { IntervalSet, DAY_MS } from './retention.js';
import { ROOT_MARKER_FILE } from './root-marker.js';
import { createStorageService, type DiskSpace, type StorageService } from './storage-service.js';

const MIGRATIONS = path.resolve(import.meta.dirname, '../../../drizzle');
const A = 'cam-00000000aa';
const B = 'cam-00000000bb';
const NOW = Date.UTC(2026, 4, 10, 12, 0);
const MB = 1_000_000;

let dir: string;
let root: string;
let database: OpenedDatabase;
let leases: LeaseRegistry;
let disk: DiskSpace;
let blocked: (string | null)[];
let pushed: { event: EventName; payload: unknown }[];
let service: StorageService;
let now: number;

function insertCamera(id: string): void {
  database.db
    .insert(cameras)
    .values({
      id,
      name: id,
      rtspUrl: `rtsp://h/${id}`,
      rtspUrlKey: id,
      status: 'recording',
      createdAt: 0,
      updatedAt: 0,
    })
    .run();
}

/** One segment row and its file (`bytes` of filler: retention reads sizes from the row, never the disk). */
function addSegment(
  cameraId: string,
  start: number,
  durationMs: number,
  bytes = MB,
  inRecording: number | null = null,
): number {
  const filePath = segmentRelativePath(cameraId, start);
  fs.mkdirSync(path.dirname(toAbsolute(root, filePath)), { recursive: true });
  fs.writeFileSync(toAbsolute(root, filePath), 'x');
  const recordingId =
    inRecording ??
    database.sqlite
      .prepare(
        `INSERT INTO recordings (camera_id, start_time, end_time, duration_ms, status) VALUES (?, ?, ?, ?, 'complete')`,
      )
      .run(cameraId, start, start + durationMs, durationMs).lastInsertRowid;
  return Number(
    database.sqlite
      .prepare(
        `INSERT INTO segments (recording_id, camera_id, file_path, start_time, end_time, duration_ms, file_size)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(recordingId, cameraId, filePath, start, start + durationMs, durationMs, bytes).lastInsertRowid,
  );
}

function segmentStarts(cameraId: string): number[] {
  return database.sqlite
    .prepare('SELECT start_time FROM segments WHERE camera_id = ? ORDER BY start_time')
    .pluck(true)
    .all(cameraId) as number[];
}

function insertEvent(cameraId: string, start: number, end: number, locked: boolean): number {
  return database.db
    .insert(eventsTable)
    .values({ cameraId, type: 'person', timestamp: start, startTime: start, endTime: end, locked })
    .returning({ id: eventsTable.id })
    .get().id;
}

function makeService(): StorageService {
  const bus = createEventBus(createSilentLogger());
  bus.onAny((event, payload) => pushed.push({ event, payload }));
  return createStorageService({
    db: database.db,
    sqlite: database.sqlite,
    recordingsDir: root,
    clock: { now: () => now },
    logger: createSilentLogger(),
    events: bus,
    leases,
    recording: () => ({
      setBlocked: (reason) => {
        blocked.push(reason);
        return Promise.resolve();
      },
      setNotice: () => undefined,
      openFiles: () => [],
    }),
    diskSpace: () => disk,
  });
}

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omnisight-storage-'));
  root = path.join(dir, 'recordings');
  now = NOW;
  database = await openDatabase({
    file: path.join(dir, 'omnisight.db'),
    migrationsDir: MIGRATIONS,
    logger: createSilentLogger(),
    clock: { now: () => NOW },
  });
  insertCamera(A);
  insertCamera(B);
  leases = createLeaseRegistry();
  disk = { totalBytes: 1_000_000 * MB, freeBytes: 900_000 * MB };
  blocked = [];
  pushed = [];
  service = makeService();
});

afterEach(async () => {
  await service.stop();
  database.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('IntervalSet', () => {
  it('merges overlapping intervals and answers overlap at the edges', () => {
    const set = new IntervalSet([
      [10, 20],
      [15, 30],
      [50, 60],
    ]);
    expect(set.size).toBe(2);
    expect(set.overlaps(0, 10)).toBe(false);
    expect(set.overlaps(29, 40)).toBe(true);
    expect(set.overlaps(30, 50)).toBe(false);
    expect(set.overlaps(59, 70)).toBe(true);
  });
});

describe('root marker', () => {
  it('marks a fresh root on first start and accepts it again', () => {
    expect(service.checkRootAtStart().state).toBe('ok');
    expect(fs.existsSync(path.join(root, ROOT_MARKER_FILE))).toBe(true);
    expect(makeService().checkRootAtStart().state).toBe('ok');
  });

  it('refuses a missing root once footage was indexed there, and creates nothing', () => {
    service.checkRootAtStart();
    addSegment(A, NOW - 60_000, 60_000);
    fs.rmSync(root, { recursive: true });
    const second = makeService();
    const check = second.checkRootAtStart();
    expect(check.state).toBe('missing');
    expect(check.problem).toMatch(/missing/);
    expect(fs.existsSync(root)).toBe(false);
    expect(blocked.at(-1)).toMatch(/missing/);
    expect(second.status().state).toBe('root_problem');
  });

  it('refuses a root whose marker is gone or belongs to another installation', () => {
    service.checkRootAtStart();
    fs.rmSync(path.join(root, ROOT_MARKER_FILE));
    expect(makeService().checkRootAtStart().state).toBe('marker_missing');
    fs.writeFileSync(path.join(root, ROOT_MARKER_FILE), JSON.stringify({ id: 'someone-else' }));
    expect(makeService().checkRootAtStart().state).toBe('marker_mismatch');
  });

  it('never cleans up under a root that is not ours', async () => {
    service.checkRootAtStart();
    addSegment(A, NOW - 40 * DAY_MS, 60_000);
    service.setSettings({ cameras: [{ id: A, retainDays: 1, retainEventDays: null }] });
    fs.rmSync(path.join(root, ROOT_MARKER_FILE));
    const second = makeService();
    second.checkRootAtStart();
    expect(await second.cleanup('scheduled')).toBeNull();
    expect(segmentStarts(A)).toHaveLength(1);
    await second.stop();
  });
});

describe('retention', () => {
  beforeEach(() => {
    service.checkRootAtStart();
  });

  it('deletes by age per camera, file first then row, and keeps footage around events longer', async () => {
    const old = NOW - 10 * DAY_MS;
    const first = addSegment(A, old, 60_000);
    addSegment(A, old + 60_000, 60_000);
    addSegment(A, old + 120_000, 60_000);
    addSegment(A, NOW - DAY_MS, 60_000);
    addSegment(B, old, 60_000);
    insertEvent(A, old + 125_000, old + 140_000, false);
    service.setSettings({ cameras: [{ id: A, retainDays: 7, retainEventDays: 30 }] });
    const firstPath = segmentRelativePath(A, old);
    const summary = await service.cleanup('scheduled');
    expect(summary?.deletedSegments).toBe(1);
    expect(fs.existsSync(toAbsolute(root, firstPath))).toBe(false);
    expect(database.sqlite.prepare('SELECT 1 FROM segments WHERE id = ?').get(first)).toBeUndefined();
    // The event at old+125 s with 10 s of pre-roll reaches back into the segment at old+60 s.
    expect(segmentStarts(A)).toEqual([old + 60_000, old + 120_000, NOW - DAY_MS]);
    // Camera B has no age limit.
    expect(segmentStarts(B)).toEqual([old]);
    // Empty recordings rows go with their last segment.
    expect(
      database.sqlite.prepare('SELECT count(*) FROM recordings WHERE camera_id = ?').pluck(true).get(A),
    ).toBe(3);
  });

  it('frees space oldest first across cameras down to the floor, skipping locked and leased footage', async () => {
    const base = NOW - 5 * DAY_MS;
    const ids: number[] = [];
    for (let minute = 0; minute < 10; minute += 1) {
      ids.push(addSegment(A, base + minute * 120_000, 60_000, 10 * MB));
      ids.push(addSegment(B, base + minute * 120_000 + 60_000, 60_000, 10 * MB));
    }
    // Floor 100 MB (10 %), free 75 MB: need 25 MB + 10 MB headroom = four 10 MB segments.
    disk = { totalBytes: 1000 * MB, freeBytes: 75 * MB };
    service.setSettings({ limits: { minFreeGb: 0, minFreePercent: 10 } });
    const lockedId = insertEvent(A, base + 5_000, base + 10_000, true);
    const lease = leases.acquire([ids[1] ?? 0], 'test export');
    const summary = await service.cleanup('low_space');
    expect(summary?.deletedSegments).toBe(4);
    expect(summary?.skippedProtected).toBe(2);
    // A's first (locked) and B's first (leased) stay; the next four oldest went.
    expect(segmentStarts(A).slice(0, 2)).toEqual([base, base + 3 * 120_000]);
    expect(segmentStarts(B).slice(0, 2)).toEqual([base + 60_000, base + 3 * 120_000 + 60_000]);
    lease.release();
    expect(service.setLocked(lockedId, false)).toEqual({ id: lockedId, locked: false });
  });

  it('lists locked events newest first with the footage their window keeps', () => {
    const base = NOW - DAY_MS;
    addSegment(A, base, 60_000, 3 * MB);
    addSegment(A, base + 60_000, 60_000, 5 * MB);
    addSegment(A, base + 120_000, 60_000, 7 * MB);
    addSegment(B, base, 60_000, 11 * MB);
    // Default pre- and post-roll of 10 s: 65-70 s reaches 55-80 s, the first two segments of A.
    const older = insertEvent(A, base + 65_000, base + 70_000, true);
    insertEvent(B, base + 10_000, base + 20_000, false);
    const newer = insertEvent(A, base + 170_000, base + 175_000, true);
    expect(service.lockedEvents()).toEqual([
      {
        id: newer,
        cameraId: A,
        cameraName: A,
        type: 'person',
        startTime: base + 170_000,
        endTime: base + 175_000,
        bytes: 7 * MB,
      },
      {
        id: older,
        cameraId: A,
        cameraName: A,
        type: 'person',
        startTime: base + 65_000,
        endTime: base + 70_000,
        bytes: 8 * MB,
      },
    ]);
    service.setLocked(newer, false);
    expect(service.lockedEvents().map((event) => event.id)).toEqual([older]);
  });

  it('shortens a run whose oldest segments went, and keeps its row', async () => {
    const first = addSegment(A, NOW - 3 * DAY_MS, 60_000);
    const recordingId = database.sqlite
      .prepare('SELECT recording_id FROM segments WHERE id = ?')
      .pluck(true)
      .get(first) as number;
    addSegment(A, NOW - 3 * DAY_MS + 60_000, 60_000, MB, recordingId);
    addSegment(A, NOW - DAY_MS, 60_000, MB, recordingId);
    service.setSettings({ cameras: [{ id: A, retainDays: 2, retainEventDays: null }] });
    await service.cleanup('settings');
    expect(segmentStarts(A)).toEqual([NOW - DAY_MS]);
    expect(
      database.sqlite.prepare('SELECT start_time, duration_ms FROM recordings WHERE id = ?').get(recordingId),
    ).toEqual({
      start_time: NOW - DAY_MS,
      duration_ms: 60_000,
    });
  });

  it('keeps within the size limit', async () => {
    for (let index = 0; index < 10; index += 1)
      addSegment(A, NOW - DAY_MS + index * 60_000, 60_000, 100 * MB);
    service.setSettings({ limits: { maxTotalGb: 0.5, minFreeGb: 0, minFreePercent: 0 } });
    await service.cleanup('scheduled');
    expect(service.status().usedBytes).toBe(500 * MB);
    expect(segmentStarts(A)[0]).toBe(NOW - DAY_MS + 5 * 60_000);
  });

  it('stops recording when the disk is under the floor and everything is locked, and resumes when space is back', async () => {
    addSegment(A, NOW - DAY_MS, 60_000, 10 * MB);
    insertEvent(A, NOW - DAY_MS, NOW - DAY_MS + 1000, true);
    disk = { totalBytes: 1000 * MB, freeBytes: 10 * MB };
    service.setSettings({ limits: { minFreeGb: 0.05, minFreePercent: 0 } });
    await service.cleanup('low_space');
    expect(service.status().state).toBe('stopped_full');
    expect(blocked.at(-1)).toMatch(/nothing more can be deleted/);
    expect(pushed.some((entry) => entry.event === 'storage.lowSpace')).toBe(true);
    disk = { totalBytes: 1000 * MB, freeBytes: 500 * MB };
    service.start();
    await service.cleanup('scheduled');
    expect(service.status().state).toBe('ok');
    expect(blocked.at(-1)).toBeNull();
  });

  it('answers a write failing for lack of space with an emergency cleanup and storage.lowSpace', async () => {
    addSegment(A, NOW - 2 * DAY_MS, 60_000, 30 * MB);
    addSegment(A, NOW - DAY_MS, 60_000, 30 * MB);
    // Free space looks fine (no floor): the failed write alone asks for the headroom (1 % of the disk).
    disk = { totalBytes: 1000 * MB, freeBytes: 900 * MB };
    service.setSettings({ limits: { minFreeGb: 0, minFreePercent: 0 } });
    await service.cleanup('settings');
    expect(segmentStarts(A)).toHaveLength(2);
    service.writeFailed(A, Object.assign(new Error('no space'), { code: 'ENOSPC' }));
    const summary = await service.cleanup('scheduled');
    expect(pushed.find((entry) => entry.event === 'storage.lowSpace')?.payload).toMatchObject({
      reason: 'write_error',
    });
    expect(summary).not.toBeNull();
    expect(segmentStarts(A)).toEqual([NOW - DAY_MS]);
  });

  it('refuses impossible settings with a clear error', () => {
    expect(() => service.setSettings({ limits: { minFreeGb: 5000 } })).toThrow(/below the disk size/);
    expect(() =>
      service.setSettings({ cameras: [{ id: 'cam-ffffffffff', retainDays: 1, retainEventDays: 2 }] }),
    ).toThrow(/No camera/);
    expect(() => service.setLocked(999, true)).toThrow(/No event/);
  });
});

describe('timeline', () => {
  it('merges contiguous segments into spans clipped to the range', () => {
    const day = Date.UTC(2026, 4, 9);
    addSegment(A, day - 30_000, 60_000);
    addSegment(A, day + 30_000, 60_000);
    addSegment(A, day + 90_500, 60_000);
    addSegment(A, day + 600_000, 60_000);
    addSegment(B, day + DAY_MS + 10, 1000);
    const result = service.timelineDay({ start: day, end: day + DAY_MS, joinGapMs: 1000 });
    expect(result.cameras).toEqual([
      {
        cameraId: A,
        spans: [
          [day, day + 150_500],
          [day + 600_000, day + 660_000],
        ],
      },
    ]);
    const strict = service.timelineDay({ cameraIds: [A, B], start: day, end: day + DAY_MS, joinGapMs: 0 });
    expect(strict.cameras[0]?.spans).toHaveLength(3);
    expect(strict.cameras[1]).toEqual({ cameraId: B, spans: [] });
  });
  it('tells which days have footage, for all cameras or the given ones', () => {
    const day = Date.UTC(2026, 4, 9);
    addSegment(A, day - 30_000, 60_000); // reaches 30 s into the second day
    addSegment(B, day + 2 * DAY_MS + 5000, 60_000);
    const boundaries = [day - DAY_MS, day, day + DAY_MS, day + 2 * DAY_MS, day + 3 * DAY_MS];
    const flags = (cameraIds?: string[]) =>
      service.timelineDays({ boundaries, ...(cameraIds ? { cameraIds } : {}) }).days.map((d) => d.hasFootage);
    expect(flags()).toEqual([true, true, false, true]);
    expect(flags([A])).toEqual([true, true, false, false]);
    expect(flags([B])).toEqual([false, false, false, true]);
    expect(service.timelineDays({ boundaries }).days[1]).toEqual({
      start: day,
      end: day + DAY_MS,
      hasFootage: true,
    });
  });

  it('lists the segments of one camera overlapping a range, oldest first', () => {
    const day = Date.UTC(2026, 4, 9);
    addSegment(A, day - 30_000, 60_000);
    addSegment(A, day + 60_000, 60_000);
    addSegment(A, day + 3_600_000, 60_000);
    addSegment(B, day + 60_000, 60_000);
    const result = service.segments({ cameraId: A, start: day, end: day + 3_600_000 });
    expect(result.cameraId).toBe(A);
    expect(result.segments.map((segment) => [segment.start, segment.end])).toEqual([
      [day - 30_000, day + 30_000],
      [day + 60_000, day + 120_000],
    ]);
    expect(result.segments[0]!.bytes).toBeGreaterThan(0);
  });
});

describe('reconciliation', () => {
  beforeEach(() => {
    service.checkRootAtStart();
  });

  it('removes rows of missing files and quarantines junk', () => {
    for (let index = 0; index < 4; index += 1) addSegment(A, NOW - DAY_MS + index * 60_000, 60_000);
    fs.rmSync(toAbsolute(root, segmentRelativePath(A, NOW - DAY_MS)));
    fs.writeFileSync(path.join(root, A, 'notes.txt'), 'junk');
    service.reconcileAtStart();
    expect(segmentStarts(A)).toHaveLength(3);
    expect(fs.existsSync(path.join(root, QUARANTINE_DIR, A, 'notes.txt'))).toBe(true);
    expect(service.status().reconcile).toMatchObject({ removedRows: 1, quarantined: 1, refused: false });
  });

  it('changes nothing when more than half of the index would go', async () => {
    for (let index = 0; index < 4; index += 1) addSegment(A, NOW - DAY_MS + index * 60_000, 60_000);
    for (let index = 0; index < 3; index += 1) {
      fs.rmSync(toAbsolute(root, segmentRelativePath(A, NOW - DAY_MS + index * 60_000)));
    }
    service.reconcileAtStart();
    expect(segmentStarts(A)).toHaveLength(4);
    const status = service.status();
    expect(status.reconcile?.refused).toBe(true);
    expect(status.message).toMatch(/more than half/);
    // Retention holds too: rows of missing files are not "deleted" as if they were footage.
    expect(await service.cleanup('scheduled')).toBeNull();
    const accepted = await service.reconcile({ acceptLoss: true });
    expect(accepted.reconcile).toMatchObject({ refused: false, removedRows: 3 });
    expect(segmentStarts(A)).toHaveLength(1);
  });
});
