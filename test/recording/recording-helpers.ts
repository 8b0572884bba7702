/**
 * Helpers for recording integration tests: an in-process engine on a temp data dir, status tracking, and
 * checks of what landed on disk and in the index.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Camera, EventName } from '../../common/contract/index.js';
import { createEngine, type Engine, type EngineOptions } from '../../electron/engine/index.js';
import { createLogger } from '../../electron/engine/logging/logger.js';
import { REPO_ROOT, makeTempDir } from '../support/server.js';

export interface TestEngine {
  engine: Engine;
  dataDir: string;
  events: { event: EventName; payload: unknown; at: number }[];
  logText(): string;
  add(argument: Record<string, unknown>): Promise<Camera>;
  /** Stops the engine and removes its data directory (recordings included). */
  close(): Promise<void>;
}

export async function startTestEngine(options: Partial<EngineOptions> = {}): Promise<TestEngine> {
  const dataDir = options.dataDir ?? makeTempDir('omnisight-rec-');
  const logDir = path.join(dataDir, 'logs');
  fs.mkdirSync(logDir, { recursive: true });
  const logger = createLogger({ logDir, level: 'debug' });
  const engine = await createEngine({
    dataDir,
    migrationsDir: path.join(REPO_ROOT, 'drizzle'),
    version: 'test',
    logger,
    ...options,
  });
  const events: TestEngine['events'] = [];
  engine.onAny((event, payload) => events.push({ event, payload, at: Date.now() }));
  return {
    engine,
    dataDir,
    events,
    logText: () =>
      fs
        .readdirSync(logDir)
        .map((name) => fs.readFileSync(path.join(logDir, name), 'utf8'))
        .join('\n'),
    add: async (argument) => (await engine.call('cameras.add', argument)) as Camera,
    close: async () => {
      await engine.stop();
      logger.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface SegmentRow {
  id: number;
  camera_id: string;
  recording_id: number;
  file_path: string;
  start_time: number;
  end_time: number;
  duration_ms: number;
  file_size: number;
}

/** Reads rows with a separate read-only connection, as an outside observer would. */
export function readSegments(dataDir: string, cameraId: string): SegmentRow[] {
  const db = new Database(path.join(dataDir, 'omnisight.db'), { readonly: true, fileMustExist: true });
  try {
    return db
      .prepare('SELECT * FROM segments WHERE camera_id = ? ORDER BY start_time')
      .all(cameraId) as SegmentRow[];
  } finally {
    db.close();
  }
}

export function recordingFiles(dataDir: string, cameraId: string): string[] {
  const root = path.join(dataDir, 'recordings', cameraId);
  if (!fs.existsSync(root)) return [];
  return (fs.readdirSync(root, { recursive: true }) as string[])
    .filter((name) => name.endsWith('.mp4'))
    .map((name) => `${cameraId}/${name.split(path.sep).join('/')}`)
    .sort();
}

/** ffprobe's view of a file: video codec and duration. Throws when the file does not open. */
export function probe(file: string): { codec: string; width: number; durationS: number } {
  const output = execFileSync(
    'ffprobe',
    [
      '-v',
      'error',
      '-select_streams',
      'v:0',
      '-show_entries',
      'stream=codec_name,width:format=duration',
      '-of',
      'json',
      file,
    ],
    { encoding: 'utf8' },
  );
  const parsed = JSON.parse(output) as {
    streams: { codec_name: string; width: number }[];
    format: { duration: string };
  };
  const stream = parsed.streams[0];
  if (stream === undefined) throw new Error(`${file} has no video stream`);
  return { codec: stream.codec_name, width: stream.width, durationS: Number(parsed.format.duration) };
}

/** Gaps between consecutive segments longer than `toleranceMs`. */
export function gapsBetween(rows: SegmentRow[], toleranceMs: number): { after: number; ms: number }[] {
  const gaps: { after: number; ms: number }[] = [];
  for (let index = 1; index < rows.length; index += 1) {
    const gap = rows[index]!.start_time - rows[index - 1]!.end_time;
    if (gap > toleranceMs) gaps.push({ after: rows[index - 1]!.end_time, ms: gap });
  }
  return gaps;
}

export function statusesOf(
  events: TestEngine['events'],
  cameraId: string,
): { status: string; reason: string | null; nextAttemptAt: number | null; at: number }[] {
  return events
    .filter(
      (entry) => entry.event === 'cameras.statusChanged' && (entry.payload as { id: string }).id === cameraId,
    )
    .map((entry) => {
      const payload = entry.payload as {
        status: string;
        reason: string | null;
        nextAttemptAt: number | null;
      };
      return {
        status: payload.status,
        reason: payload.reason,
        nextAttemptAt: payload.nextAttemptAt,
        at: entry.at,
      };
    });
}

export async function waitFor<T>(
  check: () => T | undefined | null | false,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
