import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { EventName, Export } from '../../../common/contract/index.js';
import { openDatabase, type OpenedDatabase } from '../db/open-database.js';
import { exports as exportsTable } from '../db/schema.js';
import { makeSampleFmp4 } from '../ingest/sample-media.js';
import { createSilentLogger } from '../logging/logger.js';
import { cutSample, seedSegments, type SampleSegment, type SeededSegment } from './export-samples.js';
import { createExportService, exportFileName, type ExportService } from './export-service.js';
import { createLeaseRegistry, type LeaseRegistry } from './leases.js';

const MIGRATIONS = path.resolve(import.meta.dirname, '../../../drizzle');
const CAMERA = 'cam-00000000e1';
const OTHER = 'cam-00000000e2';
const T = Date.UTC(2026, 3, 1, 12, 0, 0);

let sample: SampleSegment[];
let dir: string;
let database: OpenedDatabase;
let leases: LeaseRegistry;
let pushed: { event: EventName; payload: Export | { id: string } }[];
let seeded: SeededSegment[];
let service: ExportService;

/** A copy pace slow enough that an export runs for seconds and can be caught running. */
const SLOW = { maxBytesPerSecond: 200_000 };

function probeSeconds(file: string): { duration: number; streams: string[] } {
  const output = execFileSync(
    'ffprobe',
    ['-v', 'error', '-show_entries', 'format=duration:stream=codec_type', '-of', 'json', file],
    { encoding: 'utf8' },
  );
  const parsed = JSON.parse(output) as { format: { duration: string }; streams: { codec_type: string }[] };
  return {
    duration: Number(parsed.format.duration),
    streams: parsed.streams.map((stream) => stream.codec_type),
  };
}

function make(options: { maxBytesPerSecond?: number; free?: (dir: string) => number } = {}): ExportService {
  const { maxBytesPerSecond, free } = options;
  return createExportService({
    db: database.db,
    recordingsDir: path.join(dir, 'recordings'),
    exportsDir: path.join(dir, 'exports'),
    leases,
    events: { emit: (event, payload) => pushed.push({ event, payload: payload as Export }) },
    clock: { now: () => Date.now() },
    logger: createSilentLogger(),
    progressIntervalMs: 0,
    ...(free === undefined ? {} : { freeBytes: free }),
    ...(maxBytesPerSecond === undefined ? {} : { maxBytesPerSecond }),
  });
}

beforeAll(() => {
  // 40 s of 360p with audio, keyframe every second, cut into four 10 s segments like the recorder's.
  sample = cutSample(makeSampleFmp4({ width: 640, height: 360, fps: 25, seconds: 40, audio: true }), 10_000);
});

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omnisight-export-'));
  database = await openDatabase({
    file: path.join(dir, 'omnisight.db'),
    migrationsDir: MIGRATIONS,
    logger: createSilentLogger(),
    clock: { now: () => T },
  });
  leases = createLeaseRegistry();
  pushed = [];
  // Two runs with a 15 s gap: 0–40 s and 55–95 s.
  seeded = seedSegments({
    db: database.db,
    recordingsDir: path.join(dir, 'recordings'),
    cameraId: CAMERA,
    runs: [
      { start: T, segments: sample },
      { start: T + 55_000, segments: sample },
    ],
  });
  service = make();
  service.start();
});

afterEach(async () => {
  await service.stop();
  database.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

afterAll(() => undefined);

describe('export service', () => {
  it('exports a range across segments and a gap into one faststart MP4 of the recorded length', async () => {
    expect(sample).toHaveLength(4);
    const [created] = service.create({ cameraIds: [CAMERA], startTime: T + 4500, endTime: T + 80_300 });
    if (created === undefined) throw new Error('nothing created');
    expect(created).toMatchObject({ status: 'queued', cameraId: CAMERA, fileName: null });
    // Leased from creation: retention cannot take footage an export waits for.
    const used = seeded.filter((row) => row.endTime > T + 4500 && row.startTime < T + 80_300);
    expect(used.every((row) => leases.isLeased(row.id))).toBe(true);

    await service.idle();
    const done = service.list().find((entry) => entry.id === created.id);
    const firstRunEnd = seeded[3]?.endTime ?? 0;
    const recordedMs = firstRunEnd - (T + 4500) + 25_300;
    expect(done).toMatchObject({
      status: 'done',
      progress: 1,
      error: null,
      gaps: [{ start: firstRunEnd, end: T + 55_000 }],
      recordedMs,
      fileName: exportFileName(CAMERA, T + 4500, T + 80_300),
    });
    expect(done?.fileName).toBe('cam-00000000e1_20260401T120004Z_20260401T120120Z.mp4');
    expect(leases.size).toBe(0);

    const file = service.file(created.id);
    expect(file.size).toBe(done?.fileSize);
    const probed = probeSeconds(file.path);
    expect(probed.streams).toEqual(['video', 'audio']);
    // Starts at the keyframe at or before 4.5 s: at most one keyframe interval (1 s) longer.
    expect(probed.duration).toBeGreaterThan(recordedMs / 1000 - 0.1);
    expect(probed.duration).toBeLessThan(recordedMs / 1000 + 1);
    // +faststart: the index precedes the media.
    const head = fs
      .readFileSync(file.path)
      .subarray(0, 64 * 1024)
      .toString('latin1');
    expect(head.indexOf('moov')).toBeGreaterThan(-1);
    expect(head.indexOf('moov')).toBeLessThan(head.indexOf('mdat'));

    const statuses = pushed
      .filter((entry) => entry.event !== 'exports.removed')
      .map((entry) => (entry.payload as Export).status);
    expect(statuses[0]).toBe('queued');
    expect(statuses).toContain('running');
    expect(statuses.at(-1)).toBe('done');
    // Nothing but the file is left in the exports folder.
    expect(fs.readdirSync(path.join(dir, 'exports'))).toEqual([done?.fileName]);

    // The same range again gets its own name; delete removes row and file.
    const [again] = service.create({ cameraIds: [CAMERA], startTime: T + 4500, endTime: T + 80_300 });
    await service.idle();
    expect(service.list()[0]).toMatchObject({
      id: again?.id,
      fileName: exportFileName(CAMERA, T + 4500, T + 80_300, 2),
    });
    expect(service.delete({ id: created.id })).toEqual({ id: created.id });
    expect(fs.existsSync(file.path)).toBe(false);
    expect(service.list().map((entry) => entry.id)).toEqual([again?.id]);
    expect(pushed.at(-1)).toEqual({ event: 'exports.removed', payload: { id: created.id } });
    expect(() => service.file(created.id)).toThrow(/No export/);
  });

  it('cuts inside one segment: at the keyframe before the start, at the frame at the end', async () => {
    const [created] = service.create({ cameraIds: [CAMERA], startTime: T + 12_000, endTime: T + 17_500 });
    await service.idle();
    const duration = probeSeconds(service.file(created?.id).path).duration;
    // Never later than asked at the start (up to one keyframe interval earlier), to the frame at the end.
    expect(duration).toBeGreaterThan(5.5 - 0.05);
    expect(duration).toBeLessThan(5.5 + 1);
  });

  it('cancels a running export: the copy stops, no partial file, leases released', async () => {
    await service.stop();
    service = make(SLOW);
    const [created] = service.create({ cameraIds: [CAMERA], startTime: T, endTime: T + 95_000 });
    if (created === undefined) throw new Error('nothing created');
    const exportsDir = path.join(dir, 'exports');
    const partial = path.join(exportsDir, `.${created.id}.mp4.partial`);
    await expect.poll(() => fs.existsSync(partial), { timeout: 10_000 }).toBe(true);
    await expect.poll(() => service.list()[0]?.progress ?? 0, { timeout: 10_000 }).toBeGreaterThan(0);
    const cancelled = await service.cancel({ id: created.id });
    expect(cancelled).toMatchObject({ status: 'cancelled', fileName: null, error: null });
    expect(fs.readdirSync(exportsDir)).toEqual([]);
    expect(leases.size).toBe(0);
    await expect(service.cancel({ id: created.id })).rejects.toThrow(/already ended/);
  });

  it('cancels queued exports and refuses to delete unfinished ones', async () => {
    await service.stop();
    service = make(SLOW);
    seedSegments({
      db: database.db,
      recordingsDir: path.join(dir, 'recordings'),
      cameraId: OTHER,
      runs: [{ start: T, segments: sample }],
    });
    const [first, second] = service.create({ cameraIds: [CAMERA, OTHER], startTime: T, endTime: T + 30_000 });
    if (first === undefined || second === undefined) throw new Error('nothing created');
    expect(() => service.delete({ id: second.id })).toThrow(/cancel it first/);
    expect(await service.cancel({ id: second.id })).toMatchObject({ status: 'cancelled' });
    expect(await service.cancel({ id: first.id })).toMatchObject({ status: 'cancelled' });
    await service.idle();
    expect(leases.size).toBe(0);
    expect(service.delete({ id: second.id })).toEqual({ id: second.id });
  });

  it('refuses unknown cameras and ranges without footage, creating nothing', () => {
    expect(() => service.create({ cameraIds: ['cam-ffffffffff'], startTime: T, endTime: T + 1000 })).toThrow(
      /No camera with id cam-ffffffffff/,
    );
    expect(() => service.create({ cameraIds: [CAMERA], startTime: T + 41_000, endTime: T + 54_000 })).toThrow(
      /No recordings of cam-00000000e1 between/,
    );
    expect(service.list()).toEqual([]);
    expect(leases.size).toBe(0);
  });

  it('fails clearly when files are missing or space is short, leaving nothing behind', async () => {
    await service.stop();
    service = make({ free: () => 10 * 1024 * 1024 });
    const [short] = service.create({ cameraIds: [CAMERA], startTime: T, endTime: T + 20_000 });
    await service.idle();
    expect(service.list().find((entry) => entry.id === short?.id)?.error).toMatch(/Not enough free space/);

    await service.stop();
    service = make();
    for (const row of seeded.slice(0, 2)) fs.rmSync(path.join(dir, 'recordings', row.filePath));
    const [missing] = service.create({ cameraIds: [CAMERA], startTime: T, endTime: T + 20_000 });
    const [partly] = service.create({ cameraIds: [CAMERA], startTime: T, endTime: T + 30_000 });
    await service.idle();
    const list = service.list();
    expect(list.find((entry) => entry.id === missing?.id)).toMatchObject({
      status: 'failed',
      error: 'None of the footage in this range could be read (its files are missing)',
    });
    // A missing file becomes a gap in an export that has other footage.
    expect(list.find((entry) => entry.id === partly?.id)).toMatchObject({
      status: 'done',
      gaps: [{ start: T, end: seeded[1]?.endTime }],
    });
    expect(fs.readdirSync(path.join(dir, 'exports')).filter((name) => name.startsWith('.'))).toEqual([]);
    expect(leases.size).toBe(0);
  });

  it('fails exports a previous run left unfinished and removes their partial files', async () => {
    await service.stop();
    database.db
      .insert(exportsTable)
      .values({
        id: 'exp-00000000aa',
        cameraIds: [CAMERA],
        startTime: T,
        endTime: T + 1000,
        status: 'running',
        createdAt: T,
      })
      .run();
    const leftover = path.join(dir, 'exports', '.exp-00000000aa.mp4.partial');
    fs.writeFileSync(leftover, 'partial');
    fs.writeFileSync(path.join(dir, 'exports', 'keep-me.txt'), 'not ours');
    service = make();
    service.start();
    expect(service.list()[0]).toMatchObject({ status: 'failed', error: expect.stringMatching(/stopped/) });
    expect(fs.existsSync(leftover)).toBe(false);
    expect(fs.existsSync(path.join(dir, 'exports', 'keep-me.txt'))).toBe(true);
  });

  it('answers file() only for finished exports with a valid id', async () => {
    expect(() => service.file('../../etc/passwd')).toThrow(/Invalid export id/);
    expect(() => service.file('exp-0000000000')).toThrow(/No export/);
    await service.stop();
    service = make(SLOW);
    const [running] = service.create({ cameraIds: [CAMERA], startTime: T, endTime: T + 30_000 });
    expect(() => service.file(running?.id)).toThrow(/has no file/);
  });
});
