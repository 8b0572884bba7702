/**
 * Storage with real FFmpeg, fake RTSP cameras and real filesystems: recording into a 200 MB tmpfs until
 * cleanup must run, running out of space (ENOSPC) and coming back, locked footage surviving cleanup, a
 * missing recordings root, and the both-ways reconciliation after files changed behind OmniSight's back.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Camera, StorageStatus } from '../../common/contract/index.js';
import { QUARANTINE_DIR } from '../../electron/engine/recording/quarantine.js';
import { startFakeCameras, type FakeCameras } from '../fake-cameras/index.js';
import {
  readSegments,
  sleep,
  startTestEngine,
  statusesOf,
  waitFor,
  type TestEngine,
} from '../recording/recording-helpers.js';

let fake: FakeCameras;

beforeAll(async () => {
  fake = await startFakeCameras({
    cameras: [
      { name: 'one', resolution: '1080p' },
      { name: 'two', resolution: '1080p' },
    ],
  });
}, 120_000);

afterAll(async () => {
  await fake.stopAll();
});

function mainUrl(name: string): string {
  const found = fake.cameras.find((entry) => entry.name === name);
  if (found === undefined) throw new Error(`no fake camera ${name}`);
  return found.mainUrl;
}

/** Mounts a tmpfs of `sizeMb` at a new folder, or says why it cannot. */
function mountTmpfs(sizeMb: number): { dir: string } | { problem: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omnisight-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m`, 'tmpfs', dir], { stdio: 'pipe' });
    return { dir };
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    return {
      problem: `cannot mount a tmpfs (needs root and mount permission): ${(error as Error).message.split('\n')[0]}`,
    };
  }
}

function unmount(dir: string): void {
  try {
    execFileSync('umount', [dir], { stdio: 'pipe' });
  } catch {
    execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

const probeMount = mountTmpfs(1);
const tmpfsProblem = 'problem' in probeMount ? probeMount.problem : null;
if ('dir' in probeMount) unmount(probeMount.dir);
if (tmpfsProblem !== null)
  console.warn(`[storage tests] skipping the small-filesystem tests: ${tmpfsProblem}`);

async function status(rig: TestEngine): Promise<StorageStatus> {
  return (await rig.engine.call('storage.status', {})) as StorageStatus;
}

async function waitForAsync<T>(
  check: () => Promise<T | null | false>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(250);
  }
}

function freeBytes(dir: string): number {
  const stats = fs.statfsSync(dir);
  return stats.bavail * stats.bsize;
}

describe.skipIf(tmpfsProblem !== null)('on a 200 MB tmpfs', () => {
  it('records until cleanup must run: free space stays above the floor, only the oldest footage goes, recording never stops', async () => {
    const mount = mountTmpfs(200);
    if (!('dir' in mount)) throw new Error(mount.problem);
    const recordingsDir = path.join(mount.dir, 'recordings');
    const rig = await startTestEngine({ recordingsDir, freeSpaceCheckMs: 500 });
    try {
      // Floor 150 MB of 200: cleanup must start after about 50 MB, i.e. ~50 s of two 4 Mb/s cameras.
      await rig.engine.call('storage.settings.set', { limits: { minFreeGb: 0.15, minFreePercent: 0 } });
      const cameras: Camera[] = [];
      for (const name of ['one', 'two']) {
        cameras.push(await rig.add({ name, rtspUrl: mainUrl(name), segmentSeconds: 2 }));
      }
      const first = cameras[0]!;
      const earliest = await waitFor(() => readSegments(rig.dataDir, first.id)[0], 30_000, 'a first segment');
      const floor = (await status(rig)).floorBytes;
      expect(floor).toBe(150_000_000);
      let lowest = Infinity;
      let cleanedAt: number | null = null;
      // Until cleanup has run, then 10 s more of recording and cleaning, sampling free space all along.
      for (const deadline = Date.now() + 100_000; Date.now() < deadline;) {
        lowest = Math.min(lowest, freeBytes(mount.dir));
        if (cleanedAt === null && ((await status(rig)).lastCleanup?.deletedSegments ?? 0) > 0)
          cleanedAt = Date.now();
        if (cleanedAt !== null && Date.now() - cleanedAt > 10_000) break;
        await sleep(250);
      }
      expect(cleanedAt).not.toBeNull();
      lowest = Math.min(lowest, freeBytes(mount.dir));
      const final = await status(rig);
      expect(final.lastCleanup?.deletedSegments).toBeGreaterThan(0);
      // Between two checks (0.5 s) and one pass, the cameras write a few MB at most.
      expect(lowest).toBeGreaterThan(floor - 10_000_000);
      expect(freeBytes(mount.dir)).toBeGreaterThan(floor - 5_000_000);
      // The oldest footage went, the newest stayed, and every row still has its file.
      const rows = readSegments(rig.dataDir, first.id);
      expect(rows[0]!.start_time).toBeGreaterThan(earliest.start_time);
      expect(fs.existsSync(path.join(recordingsDir, earliest.file_path))).toBe(false);
      for (const row of rows) expect(fs.existsSync(path.join(recordingsDir, row.file_path))).toBe(true);
      expect(Date.now() - rows.at(-1)!.end_time).toBeLessThan(10_000);
      // Recording never stopped: no camera left `recording` after it began.
      for (const camera of cameras) {
        const states = statusesOf(rig.events, camera.id).map((entry) => entry.status);
        const began = states.indexOf('recording');
        expect(began).toBeGreaterThanOrEqual(0);
        expect(states.slice(began).filter((state) => state !== 'recording')).toEqual([]);
      }
      const day = (await rig.engine.call('timeline.day', {
        cameraIds: [first.id],
        start: rows[0]!.start_time,
        end: rows.at(-1)!.end_time,
      })) as { cameras: { spans: [number, number][] }[] };
      expect(day.cameras[0]!.spans).toHaveLength(1);
    } finally {
      await rig.close();
      unmount(mount.dir);
    }
  }, 150_000);

  it('reaches ENOSPC, pushes storage.lowSpace and resumes recording once cleanup freed space', async () => {
    const mount = mountTmpfs(200);
    if (!('dir' in mount)) throw new Error(mount.problem);
    const recordingsDir = path.join(mount.dir, 'recordings');
    const rig = await startTestEngine({ recordingsDir, freeSpaceCheckMs: 60_000 });
    try {
      await rig.engine.call('storage.settings.set', { limits: { minFreeGb: 0, minFreePercent: 0 } });
      const camera = await rig.add({ name: 'one', rtspUrl: mainUrl('one'), segmentSeconds: 2 });
      await waitFor(() => readSegments(rig.dataDir, camera.id).length >= 5, 40_000, 'five segments');
      // Fill the rest of the filesystem with someone else's file.
      const ballast = fs.openSync(path.join(mount.dir, 'ballast'), 'w');
      const chunk = Buffer.alloc(1 << 20, 1);
      try {
        for (;;) fs.writeSync(ballast, chunk);
      } catch (error) {
        expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
      } finally {
        fs.closeSync(ballast);
      }
      const full = Date.now();
      const lowSpace = await waitFor(
        () => rig.events.find((entry) => entry.event === 'storage.lowSpace' && entry.at >= full),
        20_000,
        'storage.lowSpace',
      );
      expect(lowSpace.payload).toMatchObject({ reason: 'write_error' });
      // Segments written after the disk filled up: recording came back by itself.
      await waitFor(
        () => readSegments(rig.dataDir, camera.id).filter((row) => row.start_time > lowSpace.at).length >= 3,
        30_000,
        'segments after the disk was full',
      );
      expect((await status(rig)).lastCleanup?.deletedSegments).toBeGreaterThan(0);
      const states = statusesOf(rig.events, camera.id).filter((entry) => entry.at >= full);
      expect(states.filter((entry) => entry.status === 'error')).toEqual([]);
    } finally {
      await rig.close();
      unmount(mount.dir);
    }
  }, 120_000);
});

describe('storage on a normal disk', () => {
  it('keeps a locked event’s footage through a cleanup that deletes everything around it', async () => {
    const rig = await startTestEngine();
    try {
      const camera = await rig.add({ name: 'one', rtspUrl: mainUrl('one'), segmentSeconds: 2 });
      await waitFor(() => readSegments(rig.dataDir, camera.id).length >= 8, 40_000, 'eight segments');
      await rig.engine.call('cameras.update', { id: camera.id, enabled: false });
      await waitFor(
        () => statusesOf(rig.events, camera.id).some((entry) => entry.status === 'disabled'),
        10_000,
        'the recorder to stop',
      );
      // The last segment is indexed as the recorder stops.
      await sleep(2000);
      const rows = readSegments(rig.dataDir, camera.id);
      const middle = rows[4]!;
      const db = new Database(path.join(rig.dataDir, 'omnisight.db'));
      const eventId = Number(
        db
          .prepare(
            `INSERT INTO events (camera_id, type, timestamp, start_time, end_time, locked) VALUES (?, 'person', ?, ?, ?, 0)`,
          )
          .run(camera.id, middle.start_time + 500, middle.start_time + 500, middle.start_time + 1000)
          .lastInsertRowid,
      );
      db.close();
      await rig.engine.call('events.lock', { id: eventId });
      // Pre- and post-roll of 1 s: the event window touches the middle segment only.
      await rig.engine.call('storage.settings.set', {
        limits: { maxTotalGb: 0.000001, eventPreRollSeconds: 0, eventPostRollSeconds: 0 },
      });
      await waitFor(
        async () => ((await status(rig)).lastCleanup?.reason === 'settings' ? true : null),
        10_000,
        'cleanup',
      );
      await sleep(500);
      const left = readSegments(rig.dataDir, camera.id);
      expect(left.map((row) => row.file_path)).toEqual([middle.file_path]);
      expect(fs.existsSync(path.join(rig.engine.recordingsDir, middle.file_path))).toBe(true);
      await rig.engine.call('events.unlock', { id: eventId });
      await rig.engine.call('storage.settings.set', { limits: { maxTotalGb: 0.000001 } });
      await waitFor(
        () => readSegments(rig.dataDir, camera.id).length === 0,
        10_000,
        'unlocked footage to go',
      );
    } finally {
      await rig.close();
    }
  }, 90_000);

  it('refuses a missing recordings root: nothing recorded, nothing deleted, a clear error', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'omnisight-root-'));
    const recordingsDir = path.join(dataDir, 'disk', 'recordings');
    const first = await startTestEngine({ dataDir, recordingsDir });
    const camera = await first.add({ name: 'one', rtspUrl: mainUrl('one'), segmentSeconds: 2 });
    await waitFor(() => readSegments(dataDir, camera.id).length >= 2, 30_000, 'two segments');
    await first.engine.stop();
    const before = readSegments(dataDir, camera.id);
    // The disk is "unmounted": the folder is gone.
    fs.renameSync(path.join(dataDir, 'disk'), path.join(dataDir, 'unmounted'));
    const second = await startTestEngine({ dataDir, recordingsDir, freeSpaceCheckMs: 500 });
    try {
      const reported = await waitForAsync(
        async () => {
          const current = (await second.engine.call('cameras.get', { id: camera.id })) as Camera;
          return current.status === 'error' ? current : null;
        },
        10_000,
        'the camera to show the error',
      );
      expect(reported.statusReason).toMatch(/recordings folder .* is missing/);
      const storage = await status(second);
      expect(storage.root.state).toBe('missing');
      expect(storage.state).toBe('root_problem');
      await sleep(6000);
      expect(fs.existsSync(recordingsDir)).toBe(false);
      expect(readSegments(dataDir, camera.id)).toEqual(before);
      expect(second.logText()).toMatch(/is missing/);
      // Nothing else grew anywhere in the data folder either: no fallback location.
      expect(fs.readdirSync(dataDir).sort()).toEqual(expect.not.arrayContaining(['recordings']));
    } finally {
      await second.close();
    }
  }, 90_000);

  it('after files change behind its back: rows of deleted files go, junk is quarantined, valid orphans are indexed', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'omnisight-reconcile-'));
    const first = await startTestEngine({ dataDir });
    const camera = await first.add({ name: 'one', rtspUrl: mainUrl('one'), segmentSeconds: 2 });
    await waitFor(() => readSegments(dataDir, camera.id).length >= 6, 40_000, 'six segments');
    await first.engine.call('cameras.update', { id: camera.id, enabled: false });
    await first.engine.stop();
    const root = path.join(dataDir, 'recordings');
    const rows = readSegments(dataDir, camera.id);
    // Two files deleted behind its back.
    const deleted = [rows[1]!, rows[2]!];
    for (const row of deleted) fs.rmSync(path.join(root, row.file_path));
    // A valid orphan: a copy of a real segment under a name an hour later, with no row.
    const orphanStart = new Date(rows.at(-1)!.start_time + 3_600_000);
    const two = (value: number) => String(value).padStart(2, '0');
    const orphan = [
      camera.id,
      orphanStart.toISOString().slice(0, 10),
      two(orphanStart.getUTCHours()),
      `${two(orphanStart.getUTCMinutes())}-${two(orphanStart.getUTCSeconds())}.mp4`,
    ].join('/');
    fs.mkdirSync(path.dirname(path.join(root, orphan)), { recursive: true });
    fs.copyFileSync(path.join(root, rows[3]!.file_path), path.join(root, orphan));
    // Junk: a text file and a file named like a segment that holds no video.
    const junkText = `${camera.id}/notes.txt`;
    const junkMp4 = path.posix.join(path.posix.dirname(rows[0]!.file_path), '59-59.mp4');
    fs.writeFileSync(path.join(root, junkText), 'not video');
    fs.writeFileSync(path.join(root, junkMp4), 'not video either');

    const second = await startTestEngine({ dataDir });
    try {
      const after = readSegments(dataDir, camera.id).map((row) => row.file_path);
      for (const row of deleted) expect(after).not.toContain(row.file_path);
      expect(after).toContain(orphan);
      expect(after).toHaveLength(rows.length - 2 + 1);
      expect(fs.existsSync(path.join(root, QUARANTINE_DIR, junkText))).toBe(true);
      expect(fs.existsSync(path.join(root, QUARANTINE_DIR, junkMp4))).toBe(true);
      expect(fs.existsSync(path.join(root, junkText))).toBe(false);
      const storage = await status(second);
      // The crash repair (newest two day folders) may take the orphan and the fake .mp4 before the full
      // reconciliation runs; the rows of the deleted files and the text file are always the latter's.
      expect(storage.reconcile).toMatchObject({ removedRows: 2, refused: false });
      expect(storage.reconcile!.quarantined).toBeGreaterThanOrEqual(1);
      // The timeline shows the gap where the deleted files were.
      const day = (await second.engine.call('timeline.day', {
        cameraIds: [camera.id],
        start: rows[0]!.start_time,
        end: rows.at(-1)!.end_time,
      })) as { cameras: { spans: [number, number][] }[] };
      expect(day.cameras[0]!.spans.length).toBeGreaterThanOrEqual(2);
    } finally {
      await second.close();
    }
  }, 90_000);
});
