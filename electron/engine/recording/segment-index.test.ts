import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type OpenedDatabase } from '../db/open-database.js';
import { cameras, recordings, segments, streams } from '../db/schema.js';
import { createSilentLogger } from '../logging/logger.js';
import { createSegmentIndex, type SegmentIndex } from './segment-index.js';
import type { ClosedSegment } from './segment-writer.js';

const MIGRATIONS = path.resolve(import.meta.dirname, '../../../drizzle');
const CAMERA = 'cam-0123456789';
const NOW = Date.UTC(2026, 3, 1, 12);

let dir: string;
let database: OpenedDatabase;
let index: SegmentIndex;

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omnisight-index-'));
  database = await openDatabase({
    file: path.join(dir, 'omnisight.db'),
    migrationsDir: MIGRATIONS,
    logger: createSilentLogger(),
    clock: { now: () => NOW },
  });
  database.db
    .insert(cameras)
    .values({
      id: CAMERA,
      name: 'Front door',
      rtspUrl: 'rtsp://cam.local/live',
      rtspUrlKey: 'rtsp://cam.local/live',
      status: 'recording',
      createdAt: NOW,
      updatedAt: NOW,
    })
    .run();
  index = createSegmentIndex(database.db);
});

afterEach(() => {
  database.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function closed(start: number, durationMs: number, name: string): ClosedSegment {
  return {
    filePath: `${CAMERA}/2026-04-01/12/${name}.mp4`,
    startTime: start,
    endTime: start + durationMs,
    durationMs,
    fileSize: 1000 + durationMs,
    videoFrames: durationMs / 40,
  };
}

describe('createSegmentIndex', () => {
  it('follows a stream session from connecting to ended with its reason', () => {
    const id = index.beginStream(CAMERA, 'main', NOW);
    const row = () => database.db.select().from(streams).where(eq(streams.id, id)).get();
    expect(row()).toMatchObject({
      cameraId: CAMERA,
      kind: 'main',
      status: 'connecting',
      startedAt: NOW,
      endedAt: null,
    });
    index.markStreamRecording(id);
    expect(row()?.status).toBe('recording');
    index.endStream(id, NOW + 5000, 'stopped');
    expect(row()).toMatchObject({ status: 'ended', endedAt: NOW + 5000, endReason: 'stopped' });
  });

  it('adds segments to a recording and keeps its end and duration up to date', () => {
    const streamId = index.beginStream(CAMERA, 'main', NOW);
    const recordingId = index.beginRecording(CAMERA, NOW);
    const recording = () => database.db.select().from(recordings).where(eq(recordings.id, recordingId)).get();
    expect(recording()).toMatchObject({ startTime: NOW, endTime: NOW, durationMs: 0, status: 'recording' });

    const first = index.addSegment({
      recordingId,
      streamId,
      cameraId: CAMERA,
      segment: closed(NOW, 2000, '00-00'),
    });
    const second = index.addSegment({
      recordingId,
      streamId,
      cameraId: CAMERA,
      segment: closed(NOW + 2000, 2040, '00-02'),
    });
    expect(second).toBeGreaterThan(first);
    expect(recording()).toMatchObject({ startTime: NOW, endTime: NOW + 4040, durationMs: 4040 });
    expect(database.db.select().from(segments).orderBy(segments.startTime).all()).toEqual([
      {
        id: first,
        recordingId,
        streamId,
        cameraId: CAMERA,
        filePath: `${CAMERA}/2026-04-01/12/00-00.mp4`,
        startTime: NOW,
        endTime: NOW + 2000,
        durationMs: 2000,
        fileSize: 3000,
      },
      {
        id: second,
        recordingId,
        streamId,
        cameraId: CAMERA,
        filePath: `${CAMERA}/2026-04-01/12/00-02.mp4`,
        startTime: NOW + 2000,
        endTime: NOW + 4040,
        durationMs: 2040,
        fileSize: 3040,
      },
    ]);
    index.endRecording(recordingId, 'complete');
    expect(recording()?.status).toBe('complete');
  });

  it('never moves a recording end backwards for a segment indexed late', () => {
    const recordingId = index.beginRecording(CAMERA, NOW);
    index.addSegment({
      recordingId,
      streamId: null,
      cameraId: CAMERA,
      segment: closed(NOW + 2000, 2000, '00-02'),
    });
    index.addSegment({ recordingId, streamId: null, cameraId: CAMERA, segment: closed(NOW, 2000, '00-00') });
    expect(database.db.select().from(recordings).where(eq(recordings.id, recordingId)).get()).toMatchObject({
      endTime: NOW + 4000,
      durationMs: 4000,
    });
  });

  it('refuses a second row for the same file and leaves the recording as it was', () => {
    const recordingId = index.beginRecording(CAMERA, NOW);
    index.addSegment({ recordingId, streamId: null, cameraId: CAMERA, segment: closed(NOW, 2000, '00-00') });
    expect(() =>
      index.addSegment({
        recordingId,
        streamId: null,
        cameraId: CAMERA,
        segment: closed(NOW, 2000, '00-00'),
      }),
    ).toThrow(/UNIQUE/);
    expect(database.db.select().from(recordings).where(eq(recordings.id, recordingId)).get()).toMatchObject({
      endTime: NOW + 2000,
      durationMs: 2000,
    });
    expect(database.db.select().from(segments).all()).toHaveLength(1);
  });

  it('closes only the streams and recordings a crash left open', () => {
    const ended = index.beginStream(CAMERA, 'main', NOW - 60_000);
    index.endStream(ended, NOW - 30_000, 'stopped');
    const openMain = index.beginStream(CAMERA, 'main', NOW - 10_000);
    const openSub = index.beginStream(CAMERA, 'sub', NOW - 10_000);
    const complete = index.beginRecording(CAMERA, NOW - 60_000);
    index.endRecording(complete, 'complete');
    const open = index.beginRecording(CAMERA, NOW - 10_000);

    expect(index.closeDanglingStreams(NOW, 'engine stopped unexpectedly')).toBe(2);
    expect(index.closeDanglingRecordings()).toBe(1);

    const streamRows = database.db.select().from(streams).orderBy(streams.id).all();
    expect(streamRows.map((row) => [row.id, row.status, row.endedAt, row.endReason])).toEqual([
      [ended, 'ended', NOW - 30_000, 'stopped'],
      [openMain, 'ended', NOW, 'engine stopped unexpectedly'],
      [openSub, 'ended', NOW, 'engine stopped unexpectedly'],
    ]);
    const recordingRows = database.db.select().from(recordings).orderBy(recordings.id).all();
    expect(recordingRows.map((row) => [row.id, row.status])).toEqual([
      [complete, 'complete'],
      [open, 'interrupted'],
    ]);
    // A second pass finds nothing left to close.
    expect(index.closeDanglingStreams(NOW, 'engine stopped unexpectedly')).toBe(0);
    expect(index.closeDanglingRecordings()).toBe(0);
  });
});
