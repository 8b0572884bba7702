/**
 * `kill -9` of the engine while it records, then a restart: the database is intact, every file on disk is
 * indexed or quarantined, and each camera lost at most 2 s.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFakeCameras, type FakeCameras } from '../fake-cameras/index.js';
import { authHeadersFor, startServer } from '../support/server.js';
import { childrenOf } from '../../bench/proc-cpu.js';
import { readSegments, recordingFiles, sleep, waitFor } from './recording-helpers.js';

let cameras: FakeCameras;

beforeAll(async () => {
  cameras = await startFakeCameras({ cameras: [{ name: 'a' }, { name: 'b' }] });
}, 120_000);

afterAll(async () => {
  await cameras.stopAll();
});

async function post(url: string, body: unknown): Promise<{ id: string }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { ...authHeadersFor(new URL(url).origin), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return (await response.json()) as { id: string };
}

it('survives kill -9 while recording', async () => {
  const first = await startServer();
  const ids: string[] = [];
  for (const fake of cameras.cameras) {
    ids.push(
      (await post(`${first.url}/api/cameras`, { name: fake.name, rtspUrl: fake.mainUrl, segmentSeconds: 4 }))
        .id,
    );
  }
  await waitFor(
    () => ids.every((id) => readSegments(first.dataDir, id).length >= 2),
    40_000,
    'two segments each',
  );
  await sleep(1500);
  const ffmpegs = childrenOf(first.child.pid!);
  expect(ffmpegs.length).toBe(2);
  const killedAt = Date.now();
  first.child.kill('SIGKILL');
  await first.stop();
  // FFmpeg loses its stdout reader and ends by itself: no orphan keeps writing into the tree.
  await waitFor(
    () => ffmpegs.every((pid) => !fs.existsSync(`/proc/${pid}`)),
    10_000,
    'FFmpeg children to exit',
  );

  const filesAtCrash = new Map(ids.map((id) => [id, recordingFiles(first.dataDir, id)]));
  const second = await startServer({ dataDir: first.dataDir });
  await sleep(3000);
  expect(await second.stop()).toBe(0);
  expect(second.output()).toMatch(/Recovered after an unclean stop/);

  const db = new Database(path.join(first.dataDir, 'omnisight.db'), { readonly: true });
  expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  db.close();

  for (const id of ids) {
    const rows = readSegments(first.dataDir, id);
    const indexed = new Set(rows.map((row) => row.file_path));
    const quarantineDir = path.join(first.dataDir, 'recordings', '.quarantine');
    for (const file of filesAtCrash.get(id)!) {
      const quarantined = fs.existsSync(path.join(quarantineDir, file));
      expect(indexed.has(file) || quarantined, `${file} is indexed or quarantined`).toBe(true);
    }
    // What was recorded before the crash reaches to within 2 s of the kill.
    const beforeCrash = rows.filter((row) => row.start_time < killedAt);
    const lastEnd = Math.max(...beforeCrash.map((row) => row.end_time));
    expect(killedAt - lastEnd).toBeLessThanOrEqual(2000);
  }
  fs.rmSync(first.dataDir, { recursive: true, force: true });
}, 120_000);
