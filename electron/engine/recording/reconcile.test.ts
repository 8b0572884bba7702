import { makeSampleFmp4, readSample } from '../ingest/sample-media.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type OpenedDatabase } from '../db/open-database.js';
import { cameras, recordings, segments, streams } from '../db/schema.js';
import type { Fragment, InitSegment } from '../ingest/fmp4.js';
import { createSilentLogger } from '../logging/logger.js';
import { QUARANTINE_DIR } from './quarantine.js';
import { reconcileAfterCrash, summariseSegmentFile } from './reconcile.js';
import { createSegmentIndex, type SegmentIndex } from './segment-index.js';
import { segmentRelativePath, toAbsolute } from './segment-path.js';

const MIGRATIONS = path.resolve(import.meta.dirname, '../../../drizzle');
const CAMERA = 'cam-0123456789';
const OTHER_CAMERA = 'cam-abcdef0123';
const NOW = Date.UTC(2026, 3, 2, 8, 30);

let init: InitSegment;
let fragments: Fragment[];
/** A segment file as the writer leaves it: init segment and whole fragments (3 s of video, 25 fps). */
let segmentBytes: Buffer;

beforeAll(() => {
  ({ init, fragments } = readSample(makeSampleFmp4({ width: 160, height: 120, fps: 25, seconds: 3 })));
  segmentBytes = Buffer.concat([init.data, ...fragments.map((fragment) => fragment.data)]);
});

let dir: string;
let recordingsDir: string;
let database: OpenedDatabase;
let index: SegmentIndex;

function insertCamera(id: string, url: string): void {
  database.db
    .insert(cameras)
    .values({
      id,
      name: id,
      rtspUrl: url,
      rtspUrlKey: url,
      status: 'recording',
      createdAt: NOW,
      updatedAt: NOW,
    })
    .run();
}

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omnisight-reconcile-'));
  recordingsDir = path.join(dir, 'recordings');
  fs.mkdirSync(recordingsDir);
  database = await openDatabase({
    file: path.join(dir, 'omnisight.db'),
    migrationsDir: MIGRATIONS,
    logger: createSilentLogger(),
    clock: { now: () => NOW },
  });
  insertCamera(CAMERA, 'rtsp://cam.local/a');
  insertCamera(OTHER_CAMERA, 'rtsp://cam.local/b');
  index = createSegmentIndex(database.db);
});

afterEach(() => {
  database.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function writeSegment(relative: string, bytes: Buffer | string): string {
  const file = toAbsolute(recordingsDir, relative);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, bytes);
  return file;
}

/** Indexes a file the way a live session does (a row per closed segment). */
function indexSegment(relative: string, startTime: number, durationMs: number, recordingId?: number): number {
  const id = recordingId ?? index.beginRecording(CAMERA, startTime);
  index.addSegment({
    recordingId: id,
    streamId: null,
    cameraId: CAMERA,
    segment: {
      filePath: relative,
      startTime,
      endTime: startTime + durationMs,
      durationMs,
      fileSize: fs.statSync(toAbsolute(recordingsDir, relative)).size,
      videoFrames: durationMs / 40,
    },
  });
  return id;
}

function reconcile(cameraIds = [CAMERA, OTHER_CAMERA]) {
  return reconcileAfterCrash({
    db: database.db,
    index,
    recordingsDir,
    cameraIds,
    now: NOW,
    logger: createSilentLogger(),
  });
}

describe('summariseSegmentFile', () => {
  it('counts the video of whole fragments only', () => {
    const whole = writeSegment('whole.mp4', segmentBytes);
    expect(summariseSegmentFile(whole)).toEqual({
      durationMs: expect.closeTo(3000, 6),
      videoFrames: 75,
      bytes: segmentBytes.length,
    });
    // A crash in the middle of the last fragment: it does not count.
    const cut = writeSegment('cut.mp4', segmentBytes.subarray(0, segmentBytes.length - 100));
    const last = fragments.at(-1)!;
    expect(summariseSegmentFile(cut)).toMatchObject({
      durationMs: expect.closeTo(3000 - last.durationMs, 6),
      videoFrames: 75 - last.videoFrames,
    });
    expect(summariseSegmentFile(writeSegment('init.mp4', init.data))).toMatchObject({
      videoFrames: 0,
      durationMs: 0,
    });
    expect(summariseSegmentFile(writeSegment('empty.mp4', ''))).toEqual({
      durationMs: 0,
      videoFrames: 0,
      bytes: 0,
    });
  });
});

describe('reconcileAfterCrash', () => {
  it('closes what the crash left open, indexes valid orphans and quarantines broken ones', () => {
    // Before the crash: one segment indexed in a finished run, a session and a run still open.
    const knownStart = NOW - 3_600_000;
    const known = segmentRelativePath(CAMERA, knownStart);
    const knownFile = writeSegment(known, segmentBytes);
    const knownRecording = indexSegment(known, knownStart, 3000);
    index.endRecording(knownRecording, 'complete');
    const openStream = index.beginStream(CAMERA, 'main', NOW - 120_000);
    const openRecording = index.beginRecording(CAMERA, NOW - 120_000);
    const knownMtime = fs.statSync(knownFile).mtimeMs;

    // On disk without a row: a valid file, and files with no whole video fragment.
    const validStart = NOW - 60_000;
    const valid = segmentRelativePath(CAMERA, validStart);
    writeSegment(valid, segmentBytes);
    const initOnly = segmentRelativePath(CAMERA, NOW - 50_000);
    writeSegment(initOnly, init.data);
    const empty = segmentRelativePath(CAMERA, NOW - 40_000);
    writeSegment(empty, '');
    const garbage = segmentRelativePath(CAMERA, NOW - 30_000);
    writeSegment(garbage, Buffer.from([0, 0, 0, 4, 0x6d, 0x6f, 0x6f, 0x76, 1, 2, 3]));
    const foreign = `${CAMERA}/2026-04-02/08/holiday.mp4`;
    writeSegment(foreign, segmentBytes);

    const result = reconcile();

    expect(result.closedStreams).toBe(1);
    expect(result.indexed).toEqual([valid]);
    expect(result.quarantined.sort()).toEqual(
      [initOnly, empty, garbage, foreign].map((relative) => `${QUARANTINE_DIR}/${relative}`).sort(),
    );

    // Quarantined files are moved with their bytes, never deleted.
    for (const relative of [initOnly, empty, garbage, foreign]) {
      expect(fs.existsSync(toAbsolute(recordingsDir, relative))).toBe(false);
      expect(fs.existsSync(toAbsolute(recordingsDir, `${QUARANTINE_DIR}/${relative}`))).toBe(true);
    }
    expect(
      fs.readFileSync(toAbsolute(recordingsDir, `${QUARANTINE_DIR}/${initOnly}`)).equals(init.data),
    ).toBe(true);

    // The valid orphan has its own recovered run, timed from its name and its fragments.
    const row = database.db.select().from(segments).where(eq(segments.filePath, valid)).get();
    expect(row).toMatchObject({
      cameraId: CAMERA,
      streamId: null,
      startTime: validStart,
      endTime: validStart + 3000,
      durationMs: 3000,
      fileSize: segmentBytes.length,
    });
    expect(
      database.db.select().from(recordings).where(eq(recordings.id, row!.recordingId)).get(),
    ).toMatchObject({
      cameraId: CAMERA,
      startTime: validStart,
      endTime: validStart + 3000,
      durationMs: 3000,
      status: 'recovered',
    });

    // The indexed file and its run are untouched; what was open is closed.
    expect(fs.statSync(knownFile).mtimeMs).toBe(knownMtime);
    expect(fs.existsSync(knownFile)).toBe(true);
    expect(database.db.select().from(segments).where(eq(segments.filePath, known)).all()).toHaveLength(1);
    expect(database.db.select().from(recordings).where(eq(recordings.id, knownRecording)).get()?.status).toBe(
      'complete',
    );
    expect(database.db.select().from(recordings).where(eq(recordings.id, openRecording)).get()?.status).toBe(
      'interrupted',
    );
    expect(database.db.select().from(streams).where(eq(streams.id, openStream)).get()).toMatchObject({
      status: 'ended',
      endedAt: NOW,
      endReason: 'engine stopped unexpectedly',
    });

    // A second start finds nothing left to do.
    expect(reconcile()).toEqual({ closedStreams: 0, indexed: [], quarantined: [] });
    expect(database.db.select().from(segments).all()).toHaveLength(2);
  });

  it('joins a file cut by the crash to the run of the segment it continues, at that segment’s exact end', () => {
    const firstStart = NOW - 10_000 + 400;
    const first = segmentRelativePath(CAMERA, firstStart);
    writeSegment(first, segmentBytes);
    const recordingId = indexSegment(first, firstStart, 3000);
    // The next file was being written when the engine died: named by its start second, no row.
    const next = segmentRelativePath(CAMERA, firstStart + 3000);
    writeSegment(next, segmentBytes);

    expect(reconcile().indexed).toEqual([next]);
    expect(database.db.select().from(segments).where(eq(segments.filePath, next)).get()).toMatchObject({
      recordingId,
      startTime: firstStart + 3000,
      endTime: firstStart + 6000,
    });
    expect(database.db.select().from(recordings).where(eq(recordings.id, recordingId)).get()).toMatchObject({
      startTime: firstStart,
      endTime: firstStart + 6000,
      durationMs: 6000,
    });
  });

  it('keeps each camera to its own folder and leaves cameras without files alone', () => {
    const mine = segmentRelativePath(CAMERA, NOW - 5000);
    writeSegment(mine, segmentBytes);
    const theirs = segmentRelativePath(OTHER_CAMERA, NOW - 5000);
    writeSegment(theirs, segmentBytes);
    expect(reconcile([CAMERA]).indexed).toEqual([mine]);
    expect(fs.existsSync(toAbsolute(recordingsDir, theirs))).toBe(true);
    expect(reconcile([CAMERA, OTHER_CAMERA]).indexed).toEqual([theirs]);
    expect(database.db.select().from(segments).where(eq(segments.filePath, theirs)).get()?.cameraId).toBe(
      OTHER_CAMERA,
    );
  });

  it('recognises more indexed files than SQLite binds in one statement (a day of 2 s segments)', () => {
    const count = 33_000;
    const start = Date.UTC(2026, 3, 1);
    const recordingId = index.beginRecording(CAMERA, start);
    const insert = database.sqlite.prepare(
      'INSERT INTO segments (recording_id, camera_id, file_path, start_time, end_time, duration_ms, file_size) VALUES (?, ?, ?, ?, ?, ?, 0)',
    );
    const dirs = new Set<string>();
    database.sqlite.transaction(() => {
      for (let offset = 0; offset < count; offset += 1) {
        const time = start + offset * 2000;
        const relative = segmentRelativePath(CAMERA, time);
        const file = toAbsolute(recordingsDir, relative);
        if (!dirs.has(path.dirname(file))) {
          fs.mkdirSync(path.dirname(file), { recursive: true });
          dirs.add(path.dirname(file));
        }
        fs.writeFileSync(file, '');
        insert.run(recordingId, CAMERA, relative, time, time + 2000, 2000);
      }
    })();
    // Empty files with rows: were any of them not recognised, it would be quarantined.
    expect(reconcile()).toEqual({ closedStreams: 0, indexed: [], quarantined: [] });
  }, 20_000);

  it('scans only the two newest day folders of a camera', () => {
    const old = segmentRelativePath(CAMERA, NOW - 3 * 86_400_000);
    const yesterday = segmentRelativePath(CAMERA, NOW - 86_400_000);
    const today = segmentRelativePath(CAMERA, NOW - 1000);
    for (const relative of [old, yesterday, today]) writeSegment(relative, segmentBytes);
    expect(reconcile().indexed).toEqual([yesterday, today]);
    expect(database.db.select().from(segments).where(eq(segments.filePath, old)).get()).toBeUndefined();
  });
});
