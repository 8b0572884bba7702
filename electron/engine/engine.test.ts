import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ContractError, toApiError, type Camera, type EventName } from '../../common/contract/index.js';
import { createEngine, type Engine } from './index.js';
import type { Clock } from './ports.js';

const MIGRATIONS = path.resolve(import.meta.dirname, '../../drizzle');

let dataDir: string;
let engine: Engine;
let now: number;
const clock: Clock = { now: () => now };
let seen: { event: EventName; payload: unknown }[];

beforeEach(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'omnisight-engine-'));
  now = Date.UTC(2026, 10, 25, 12);
  engine = await createEngine({ dataDir, migrationsDir: MIGRATIONS, version: '9.9.9', clock, record: false });
  seen = [];
  engine.onAny((event, payload) => seen.push({ event, payload }));
});

afterEach(async () => {
  await engine.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function add(argument: Record<string, unknown>): Promise<Camera> {
  return (await engine.call('cameras.add', argument)) as Camera;
}

async function errorOf(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    return toApiError(error);
  }
  throw new Error('expected the call to fail');
}

describe('cameras', () => {
  it('stores credentials from the URL apart from it and never returns the password', async () => {
    const camera = await add({ name: 'Front door', rtspUrl: 'rtsp://admin:s3cr%40t@10.0.0.5:554/stream1' });
    expect(camera).toMatchObject({
      name: 'Front door',
      rtspUrl: 'rtsp://10.0.0.5:554/stream1',
      username: 'admin',
      hasPassword: true,
      enabled: true,
      status: 'connecting',
      createdAt: now,
    });
    expect(camera.id).toMatch(/^cam-[0-9a-f]{10}$/);
    expect(JSON.stringify(await engine.call('cameras.list', {}))).not.toContain('s3cr');
    expect(JSON.stringify(seen)).not.toContain('s3cr');
    expect(seen).toEqual([{ event: 'cameras.added', payload: camera }]);
  });

  it('accepts credentials in fields and refuses conflicting ones without echoing them', async () => {
    const camera = await add({
      name: 'Yard',
      rtspUrl: 'rtsp://cam/yard',
      username: 'op',
      password: 'pw-yard',
    });
    expect(camera).toMatchObject({ username: 'op', hasPassword: true, rtspUrl: 'rtsp://cam/yard' });
    const error = await errorOf(
      add({ name: 'B', rtspUrl: 'rtsp://u:pw-first@cam/b', password: 'pw-second' }),
    );
    expect(error.code).toBe('validation');
    expect(JSON.stringify(error)).not.toMatch(/pw-first|pw-second/);
  });

  it('refuses a duplicate stream URL, ignoring credentials, case of the host and the default port', async () => {
    const first = await add({ name: 'A', rtspUrl: 'rtsp://Cam.Local/live' });
    const error = await errorOf(add({ name: 'B', rtspUrl: 'rtsp://x:y@cam.local:554/live' }));
    expect(error).toMatchObject({ code: 'conflict', details: { field: 'rtspUrl', cameraId: first.id } });
    // A different path is a different stream.
    await expect(add({ name: 'C', rtspUrl: 'rtsp://cam.local/live2' })).resolves.toMatchObject({ name: 'C' });
  });

  it('updates only the given fields; null clears, absent keeps', async () => {
    const camera = await add({ name: 'A', rtspUrl: 'rtsp://u:p@cam/a', subStreamUrl: 'rtsp://cam/a-sub' });
    now += 1000;
    const renamed = (await engine.call('cameras.update', { id: camera.id, name: 'Garage' })) as Camera;
    expect(renamed).toMatchObject({
      name: 'Garage',
      username: 'u',
      hasPassword: true,
      subStreamUrl: 'rtsp://cam/a-sub',
    });
    expect(renamed.updatedAt).toBe(now);
    const cleared = (await engine.call('cameras.update', {
      id: camera.id,
      password: null,
      subStreamUrl: null,
    })) as Camera;
    expect(cleared).toMatchObject({ hasPassword: false, subStreamUrl: null, username: 'u' });
    const disabled = (await engine.call('cameras.update', { id: camera.id, enabled: false })) as Camera;
    expect(disabled).toMatchObject({ enabled: false, status: 'disabled' });
    expect(seen.map((entry) => entry.event)).toEqual([
      'cameras.added',
      'cameras.updated',
      'cameras.updated',
      'cameras.updated',
      'cameras.statusChanged',
    ]);
  });

  it('refuses a sub-stream whose credentials differ from the main stream', async () => {
    const error = await errorOf(
      add({ name: 'A', rtspUrl: 'rtsp://u:p@cam/a', subStreamUrl: 'rtsp://v:q@cam/b' }),
    );
    expect(error.code).toBe('validation');
  });

  it('removes a camera, keeping its recordings, and frees its URL', async () => {
    const camera = await add({ name: 'A', rtspUrl: 'rtsp://cam/a' });
    await expect(engine.call('cameras.remove', { id: camera.id, recordings: 'keep' })).resolves.toEqual({
      id: camera.id,
      recordings: 'keep',
    });
    expect(await engine.call('cameras.list', {})).toEqual([]);
    expect((await errorOf(engine.call('cameras.get', { id: camera.id }))).code).toBe('not_found');
    const again = await add({ name: 'A again', rtspUrl: 'rtsp://cam/a' });
    expect(again.id).not.toBe(camera.id);
    expect(seen.map((entry) => entry.event)).toContain('cameras.removed');
  });

  it('answers not_found for an unknown id and validation for a malformed one', async () => {
    expect((await errorOf(engine.call('cameras.get', { id: 'cam-0000000000' }))).code).toBe('not_found');
    const error = await errorOf(engine.call('cameras.update', { id: 42, name: 'x' }));
    expect(error).toMatchObject({ code: 'validation', details: { issues: [{ path: 'id' }] } });
  });
});

describe('engine.call', () => {
  it('rejects unknown methods and non-object arguments with contract errors', async () => {
    await expect(engine.call('cameras.explode', {})).rejects.toBeInstanceOf(ContractError);
    expect((await errorOf(engine.call('cameras.add', 'nope'))).code).toBe('validation');
    expect((await errorOf(engine.call('__proto__', {}))).code).toBe('not_found');
  });

  it('reports system info and Prometheus metrics', async () => {
    await add({ name: 'A', rtspUrl: 'rtsp://cam/a' });
    now += 5000;
    const info = await engine.call('system.info', {});
    expect(info).toMatchObject({ version: '9.9.9', uptimeMs: 5000, dataDir, cameraCount: 1 });
    expect((info as { databaseBytes: number }).databaseBytes).toBeGreaterThan(0);
    const metrics = engine.metrics();
    expect(metrics).toContain('omnisight_cameras 1');
    expect(metrics).toContain('omnisight_build_info{version="9.9.9"} 1');
    expect(metrics).toMatch(/^process_resident_memory_bytes \d+$/m);
  });

  it('keeps data across a restart and creates files readable by the user only', async () => {
    const camera = await add({ name: 'Persisted', rtspUrl: 'rtsp://cam/p', password: 'pw' });
    await engine.stop();
    engine = await createEngine({
      dataDir,
      migrationsDir: MIGRATIONS,
      version: '9.9.9',
      clock,
      record: false,
    });
    expect(await engine.call('cameras.get', { id: camera.id })).toEqual(camera);
    expect(fs.statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(dataDir, 'omnisight.db')).mode & 0o777).toBe(0o600);
  });

  it('refuses calls after stop', async () => {
    await engine.stop();
    expect((await errorOf(engine.call('cameras.list', {}))).code).toBe('unavailable');
  });
});

describe('FFmpeg discovery', () => {
  it('uses the ffmpegPath setting first and reports a bad one clearly instead of crashing', async () => {
    await engine.stop();
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(path.join(dataDir, 'omnisight.db'));
    db.prepare('INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)').run(
      'ffmpegPath',
      JSON.stringify('/nonexistent/ffmpeg'),
      now,
    );
    db.close();
    engine = await createEngine({
      dataDir,
      migrationsDir: MIGRATIONS,
      version: '9.9.9',
      clock,
      record: false,
    });
    const info = (await engine.call('system.info', {})) as {
      ffmpeg: { source: string } | null;
      ffmpegProblem: string | null;
    };
    // The bad setting is skipped with its reason; discovery goes on to the FFmpeg on PATH.
    expect(info.ffmpeg?.source).toBe('path');
    expect(info.ffmpegProblem).toBeNull();
  });
});
