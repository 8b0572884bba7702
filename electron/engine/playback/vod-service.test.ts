/**
 * Segment leases while playback reads: the vod service leases a segment it hands out, and the gateway's segment
 * route holds that lease until the response has ended or the client went away, so retention (which skips leased
 * segments) cannot delete a file mid-read.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type OpenedDatabase } from '../db/open-database.js';
import { createAccountService } from '../auth/account-service.js';
import { startGateway, type Gateway } from '../gateway/gateway.js';
import { makeSampleFmp4 } from '../ingest/sample-media.js';
import { createSilentLogger } from '../logging/logger.js';
import {
  cutSample,
  seedSegments,
  type SampleSegment,
  type SeededSegment,
} from '../storage/export-samples.js';
import { createLeaseRegistry, type LeaseRegistry } from '../storage/leases.js';
import { createVodService, type VodService } from './vod-service.js';

const MIGRATIONS = path.resolve(import.meta.dirname, '../../../drizzle');
const CAMERA = 'cam-00000000p1';
const T = Date.UTC(2026, 3, 1, 12, 0, 0);

let sample: SampleSegment[];
let dir: string;
let database: OpenedDatabase;
let leases: LeaseRegistry;
let seeded: SeededSegment[];
let vod: VodService;
let gateway: Gateway | null = null;

beforeAll(() => {
  sample = cutSample(makeSampleFmp4({ width: 320, height: 240, fps: 10, seconds: 8, audio: false }), 4000);
});

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omnisight-vod-'));
  database = await openDatabase({
    file: path.join(dir, 'omnisight.db'),
    migrationsDir: MIGRATIONS,
    logger: createSilentLogger(),
    clock: { now: () => T },
  });
  leases = createLeaseRegistry();
  seeded = seedSegments({
    db: database.db,
    recordingsDir: path.join(dir, 'recordings'),
    cameraId: CAMERA,
    runs: [{ start: T, segments: sample }],
  });
  vod = createVodService({
    db: database.db,
    recordingsDir: path.join(dir, 'recordings'),
    logger: createSilentLogger(),
    leases,
  });
});

afterEach(async () => {
  await gateway?.close();
  gateway = null;
  database.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The admin session the requests carry (the gateway signs every request in). */
let auth: { authorization: string };

async function startTestGateway(): Promise<Gateway> {
  const accounts = await createAccountService({
    db: database.db,
    clock: { now: () => Date.now() },
    logger: createSilentLogger(),
    scrypt: { N: 2 ** 10, r: 8, p: 1 },
  });
  if (!accounts.hasUsers()) await accounts.add({ name: 'admin', password: 'test password', role: 'admin' });
  auth = { authorization: `Bearer ${(await accounts.login('admin', 'test password', '127.0.0.1')).token}` };
  gateway = await startGateway({
    accounts,
    engine: {
      call: () => Promise.reject(new Error('not used')),
      on: () => () => undefined,
      onAny: () => () => undefined,
      metrics: () => '',
      vod,
    },
    logger: createSilentLogger(),
    host: '127.0.0.1',
    port: 0,
  });
  return gateway;
}

/** Starts a GET and pauses the response after its first chunk; resolves with it. */
function startPausedGet(
  url: string,
): Promise<{ request: http.ClientRequest; response: http.IncomingMessage }> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { headers: auth }, (response) => {
      response.once('data', () => {
        response.pause();
        resolve({ request, response });
      });
    });
    request.once('error', reject);
  });
}

const until = async (check: () => boolean): Promise<void> => {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

describe('segment leases for playback', () => {
  it('leaseSegment leases the segment until released, and holds nothing when it throws', () => {
    const [first] = seeded;
    if (first === undefined) throw new Error('nothing seeded');
    const leased = vod.leaseSegment(CAMERA, String(first.id));
    expect(leased.file).toBe(path.join(dir, 'recordings', first.filePath));
    expect(leases.isLeased(first.id)).toBe(true);
    leased.release();
    leased.release();
    expect(leases.isLeased(first.id)).toBe(false);
    // The desktop bridge passes the id as a number (checked by the contract's schema first).
    const byNumber = vod.leaseSegment(CAMERA, first.id);
    expect(byNumber.file).toBe(leased.file);
    byNumber.release();
    expect(() => vod.leaseSegment(CAMERA, -1)).toThrow('segment id');
    expect(() => vod.leaseSegment(CAMERA, '999999')).toThrow('No segment 999999');
    expect(() => vod.leaseSegment('cam-unknown', String(first.id))).toThrow('No camera');
    expect(leases.size).toBe(0);
  });

  it('the segment route holds the lease while the file is being sent, and releases it at the end', async () => {
    const [first] = seeded;
    if (first === undefined) throw new Error('nothing seeded');
    // The route sends bytes without reading them: a file larger than loopback socket buffers hold (several MB
    // with autotuning) keeps the send going while the client does not read.
    fs.writeFileSync(path.join(dir, 'recordings', first.filePath), Buffer.alloc(64 * 1024 * 1024, 1));
    const { url } = await startTestGateway();
    const { response } = await startPausedGet(`${url}/api/cameras/${CAMERA}/segments/${first.id}.mp4`);
    expect(response.statusCode).toBe(200);
    // The client reads no further: the server is still sending, and the segment is leased.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(leases.isLeased(first.id)).toBe(true);
    let received = 0;
    response.on('data', (chunk: Buffer) => (received += chunk.length));
    response.resume();
    await new Promise((resolve) => response.once('end', resolve));
    await until(() => !leases.isLeased(first.id));
    expect(leases.size).toBe(0);
    expect(received).toBeGreaterThan(60 * 1024 * 1024);
  });

  it('releases the lease when the client goes away mid-read', async () => {
    const [first] = seeded;
    if (first === undefined) throw new Error('nothing seeded');
    const { url } = await startTestGateway();
    const { request } = await startPausedGet(`${url}/api/cameras/${CAMERA}/segments/${first.id}.mp4`);
    expect(leases.isLeased(first.id)).toBe(true);
    request.destroy();
    await until(() => leases.size === 0);
  });

  it('a missing file answers 404 and holds no lease', async () => {
    const [, second] = seeded;
    if (second === undefined) throw new Error('nothing seeded');
    fs.rmSync(path.join(dir, 'recordings', second.filePath));
    const { url } = await startTestGateway();
    const answer = await fetch(`${url}/api/cameras/${CAMERA}/segments/${second.id}.mp4`, { headers: auth });
    expect(answer.status).toBe(404);
    await until(() => leases.size === 0);
  });
});

describe('reading a segment in ranges (recordings.fragments and the segment route)', () => {
  it('answers the fragment index of a segment, leased while its file is read, then from its cache', async () => {
    const [first] = seeded;
    if (first === undefined) throw new Error('nothing seeded');
    const acquired: number[][] = [];
    const acquire = leases.acquire.bind(leases);
    leases.acquire = (ids, holder) => {
      acquired.push([...ids]);
      return acquire(ids, holder);
    };
    const index = await vod.fragments({ cameraId: CAMERA, segmentId: first.id });
    expect(acquired).toEqual([[first.id]]);
    expect(leases.size).toBe(0);
    expect(index.segmentId).toBe(first.id);
    expect(index.fileSize).toBe(first.fileSize);
    expect(index.groups.length).toBeGreaterThanOrEqual(4);
    expect(index.groups.at(-1)!.offset + index.groups.at(-1)!.length).toBe(first.fileSize);
    // Indexed files never change: the second answer comes from the cache, without touching the file.
    fs.rmSync(path.join(dir, 'recordings', first.filePath));
    expect(await vod.fragments({ cameraId: CAMERA, segmentId: first.id })).toEqual(index);
    expect(acquired).toHaveLength(1);
  });

  it('answers not_found for a deleted file or another camera, unsupported for a file it cannot index', async () => {
    const [first, second] = seeded;
    if (first === undefined || second === undefined) throw new Error('nothing seeded');
    fs.rmSync(path.join(dir, 'recordings', first.filePath));
    await expect(vod.fragments({ cameraId: CAMERA, segmentId: first.id })).rejects.toMatchObject({
      code: 'not_found',
      message: 'The segment file is gone (deleted by retention?)',
    });
    await expect(vod.fragments({ cameraId: 'cam-00000000p2', segmentId: second.id })).rejects.toMatchObject({
      code: 'not_found',
    });
    fs.writeFileSync(path.join(dir, 'recordings', second.filePath), Buffer.alloc(1000, 9));
    await expect(vod.fragments({ cameraId: CAMERA, segmentId: second.id })).rejects.toMatchObject({
      code: 'unsupported',
      message: expect.stringContaining('The segment file is unreadable') as unknown,
    });
    expect(leases.size).toBe(0);
  });

  it('the segment route answers a byte range (206) of the file, leased while it is sent', async () => {
    const [first] = seeded;
    if (first === undefined) throw new Error('nothing seeded');
    const bytes = fs.readFileSync(path.join(dir, 'recordings', first.filePath));
    const index = await vod.fragments({ cameraId: CAMERA, segmentId: first.id });
    const group = index.groups[1]!;
    const { url } = await startTestGateway();
    const answer = await fetch(`${url}/api/cameras/${CAMERA}/segments/${first.id}.mp4`, {
      headers: { ...auth, Range: `bytes=${group.offset}-${group.offset + group.length - 1}` },
    });
    expect(answer.status).toBe(206);
    expect(answer.headers.get('content-range')).toBe(
      `bytes ${group.offset}-${group.offset + group.length - 1}/${bytes.length}`,
    );
    const body = Buffer.from(await answer.arrayBuffer());
    expect(body.equals(bytes.subarray(group.offset, group.offset + group.length))).toBe(true);
    expect(body.toString('latin1', 4, 8)).toBe('moof');
    await until(() => leases.size === 0);
  });
});
