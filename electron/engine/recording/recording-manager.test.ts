import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Camera, CameraHealth, EventPayload } from '../../../common/contract/index.js';
import { createEngine, type Engine } from '../index.js';
import { locateFfmpeg } from '../ingest/ffmpeg-locate.js';
import { toAbsolute } from './segment-path.js';

const MIGRATIONS = path.resolve(import.meta.dirname, '../../../drizzle');

interface SegmentRow {
  id: number;
  recording_id: number;
  stream_id: number | null;
  file_path: string;
  start_time: number;
  end_time: number;
  duration_ms: number;
  file_size: number;
}

interface StreamRow {
  id: number;
  status: string;
  ended_at: number | null;
  end_reason: string | null;
}

let dataDir: string;
let engine: Engine | null = null;

beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'omnisight-recording-'));
});

afterEach(async () => {
  await engine?.stop();
  engine = null;
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** Reads the engine's database through a second, read-only connection (WAL lets it read while the engine writes). */
function query<T>(file: string, sql: string, ...params: unknown[]): T[] {
  const sqlite = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return sqlite.prepare(sql).all(...params) as T[];
  } finally {
    sqlite.close();
  }
}

function mp4Files(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.mp4'))
    .map((name) => name.split(path.sep).join('/'));
}

function expectContiguous(rows: SegmentRow[]): void {
  for (let index = 1; index < rows.length; index += 1) {
    expect(Math.abs(rows[index]!.start_time - rows[index - 1]!.end_time)).toBeLessThan(100);
  }
}

describe('recording the demo source through the engine', () => {
  it('writes contiguous 2 s segments with their rows, reports health, and stops cleanly', async () => {
    const ffmpeg = await locateFfmpeg({ staticPath: () => null });
    if ('problem' in ffmpeg) throw new Error(ffmpeg.problem);
    const running = await createEngine({
      dataDir,
      migrationsDir: MIGRATIONS,
      version: 'test',
      ffmpegPath: ffmpeg.ffmpegPath,
    });
    engine = running;
    const statuses: EventPayload<'cameras.statusChanged'>[] = [];
    running.on('cameras.statusChanged', (payload) => statuses.push(payload));

    const camera = (await running.call('cameras.add', {
      name: 'Demo',
      rtspUrl: 'demo:test-pattern',
      segmentSeconds: 2,
    })) as Camera;
    await vi.waitFor(
      () => expect(statuses).toContainEqual(expect.objectContaining({ status: 'recording' })),
      {
        timeout: 10_000,
        interval: 50,
      },
    );
    expect(statuses[0]).toMatchObject({
      id: camera.id,
      status: 'recording',
      reason: null,
      nextAttemptAt: null,
    });
    // The first health call starts the CPU window; the one below reads FFmpeg's CPU over the 7 s since.
    await running.call('cameras.health', {});
    await new Promise((resolve) => setTimeout(resolve, 7000));

    const segmentsSql = 'SELECT * FROM segments WHERE camera_id = ? ORDER BY start_time';
    const rows = query<SegmentRow>(running.databaseFile, segmentsSql, camera.id);
    expect(rows.length).toBeGreaterThanOrEqual(2);
    for (const row of rows) {
      const file = toAbsolute(running.recordingsDir, row.file_path);
      expect(fs.statSync(file).size).toBe(row.file_size);
      expect(row.file_path.startsWith(`${camera.id}/`)).toBe(true);
      // Cut at the first keyframe at or after 2 s; the demo sends one every second.
      expect(row.duration_ms).toBeGreaterThanOrEqual(1900);
      expect(row.duration_ms).toBeLessThanOrEqual(3100);
    }
    expectContiguous(rows);

    const health = ((await running.call('cameras.health', {})) as CameraHealth[]).find(
      (entry) => entry.id === camera.id,
    );
    expect(health).toMatchObject({ status: 'recording', reconnectsLastHour: 0, droppedFragments: 0 });
    expect(health!.inputFps).toBeGreaterThanOrEqual(13);
    expect(health!.inputFps).toBeLessThanOrEqual(17);
    expect(health!.bitrateKbps).toBeGreaterThan(0);
    expect(health!.bytesToday).toBe(rows.reduce((total, row) => total + row.file_size, 0));
    expect(health!.lastSegmentAgeMs).not.toBeNull();
    // The demo source encodes H.264 in FFmpeg itself: clearly busy, and nothing decoded for detection.
    if (process.platform === 'linux') expect(health!.ffmpegCpuPct).toBeGreaterThan(1);
    expect(health!.detectionDecode).toBeNull();

    await running.stop();
    engine = null;

    const stream = query<StreamRow>(
      running.databaseFile,
      'SELECT * FROM streams WHERE camera_id = ?',
      camera.id,
    );
    expect(stream).toHaveLength(1);
    expect(stream[0]).toMatchObject({ status: 'ended', end_reason: 'stopped' });
    const after = query<SegmentRow>(running.databaseFile, segmentsSql, camera.id);
    // The segment open at the stop was closed and indexed: every file on disk has its row.
    expect(after.length).toBeGreaterThan(rows.length);
    expect(after.map((row) => row.file_path).sort()).toEqual(mp4Files(running.recordingsDir).sort());
    expectContiguous(after);
    expect(new Set(after.map((row) => row.stream_id))).toEqual(new Set([stream[0]!.id]));
    const runs = query<{ status: string }>(running.databaseFile, 'SELECT status FROM recordings');
    expect(runs).toEqual([{ status: 'complete' }]);
  }, 30_000);
});
