/**
 * Clip export end to end with real FFmpeg and a fake RTSP camera: record in 10 s segments, take the camera
 * down for about 15 s, record again, then export a 2-minute range that starts and ends inside segments and
 * spans the outage. The file's duration (ffprobe) matches the recorded part within 1 s, the outage is listed
 * as a gap, leases are released, and a cancelled export leaves no partial file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Export } from '../../common/contract/index.js';
import { startFakeCameras, type FakeCameras } from '../fake-cameras/index.js';
import {
  probe,
  readSegments,
  sleep,
  startTestEngine,
  waitFor,
  type TestEngine,
} from '../recording/recording-helpers.js';

const RANGE_MS = 120_000;
/** Into the first segment: keyframes come every second, so the cut starts 0.5 s early. */
const START_OFFSET_MS = 3500;

let cameras: FakeCameras | undefined;
let test: TestEngine | undefined;
/** Exports copy at most this fast, so one runs long enough to cancel (a 2-minute 360p export is a few MB). */
const EXPORT_BYTES_PER_SECOND = 1_000_000;

beforeAll(async () => {
  cameras = await startFakeCameras({ cameras: [{ name: 'export', resolution: '360p', audio: true }] });
  test = await startTestEngine({ exportMaxBytesPerSecond: EXPORT_BYTES_PER_SECOND });
}, 120_000);

afterAll(async () => {
  await test?.close();
  await cameras?.stopAll();
});

it('exports a 2-minute range across segments and an outage', { timeout: 240_000 }, async () => {
  if (test === undefined || cameras === undefined) throw new Error('setup failed');
  const harness = test;
  const fake = cameras.cameras[0];
  if (fake === undefined) throw new Error('no fake camera');
  const camera = await harness.add({ name: 'Export camera', rtspUrl: fake.mainUrl, segmentSeconds: 10 });
  const rows = () => readSegments(harness.dataDir, camera.id);

  // About 45 s of footage, then the outage.
  const first = await waitFor(() => rows()[0], 40_000, 'the first segment');
  const rangeStart = first.start_time + START_OFFSET_MS;
  const rangeEnd = rangeStart + RANGE_MS;
  await waitFor(() => rows().length >= 4, 60_000, 'four segments');
  await fake.stop();
  await sleep(15_000);
  await fake.start();
  await waitFor(
    () => rows().some((row) => row.end_time > rangeEnd + 1000),
    120_000,
    'footage past the range',
  );

  const segments = rows();
  const recordedMs = segments.reduce(
    (total, row) =>
      total + Math.max(0, Math.min(row.end_time, rangeEnd) - Math.max(row.start_time, rangeStart)),
    0,
  );
  const outages = segments.flatMap((row, index) => {
    const next = segments[index + 1];
    return next !== undefined && next.start_time - row.end_time > 5000
      ? [{ start: row.end_time, end: next.start_time }]
      : [];
  });
  expect(outages).toHaveLength(1);

  const [created] = (await harness.engine.call('exports.create', {
    cameraIds: [camera.id],
    startTime: rangeStart,
    endTime: rangeEnd,
  })) as Export[];
  if (created === undefined) throw new Error('nothing created');
  await harness.engine.exportsIdle();
  const list = (await harness.engine.call('exports.list', {})) as Export[];
  const done = list.find((entry) => entry.id === created.id);
  expect(done).toMatchObject({ status: 'done', gaps: outages, recordedMs, error: null });
  expect(harness.engine.segmentLeases.size).toBe(0);

  const file = harness.engine.exportFile(created.id);
  const probed = probe(file.path);
  expect(probed.codec).toBe('h264');
  // The start is cut at the keyframe at or before it (storage README, "Precision"): up to one keyframe interval
  // (1 s for the fake cameras) and a frame (40 ms) more than the indexed time inside the range.
  expect(Math.abs(probed.durationS - recordedMs / 1000)).toBeLessThan(1.1);
  // Progress was pushed while it ran.
  const progress = harness.events
    .filter((entry) => entry.event === 'exports.updated' && (entry.payload as Export).id === created.id)
    .map((entry) => (entry.payload as Export).progress);
  expect(progress.at(-1)).toBe(1);

  // Cancel: the copy stops, the partial file goes, the leases go.
  const [slow] = (await harness.engine.call('exports.create', {
    cameraIds: [camera.id],
    startTime: rangeStart,
    endTime: rangeEnd,
  })) as Export[];
  if (slow === undefined) throw new Error('nothing created');
  const exportsDir = path.dirname(file.path);
  const partial = path.join(exportsDir, `.${slow.id}.mp4.partial`);
  await waitFor(() => fs.existsSync(partial), 20_000, 'the partial file');
  expect(harness.engine.segmentLeases.size).toBeGreaterThan(0);
  expect(await harness.engine.call('exports.cancel', { id: slow.id })).toMatchObject({ status: 'cancelled' });
  expect(fs.existsSync(partial)).toBe(false);
  expect(fs.readdirSync(exportsDir)).toEqual([path.basename(file.path)]);
  expect(harness.engine.segmentLeases.size).toBe(0);

  // Delete removes the file; the id no longer downloads.
  await harness.engine.call('exports.delete', { id: created.id });
  expect(fs.existsSync(file.path)).toBe(false);
  expect(() => harness.engine.exportFile(created.id)).toThrow(/No export/);
});
