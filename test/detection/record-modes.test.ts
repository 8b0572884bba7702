/**
 * The recording modes on real cameras (issue 6, item 5): three fake RTSP cameras loop the `person-pause` clip (a
 * person crosses once, then 20 s of still scene) and an in-process engine records them with real FFmpeg and the
 * real motion and NanoDet workers, 2 s segments, the default 5 s pre- and post-roll.
 * - `front`, motion only (objects off): the segments that motion and its rolls touch stay, the quiet ones go,
 *   files first and rows after; checked against the motion frames this test saw itself.
 * - `drive`, events only: the segments around its person events stay, the others go.
 * - `side`, motion only with detection off for it: nothing watched it, so nothing of it goes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DetectionEvent } from '../../common/contract/index.js';
import { startFakeCameras, type FakeCameras } from '../fake-cameras/index.js';
import {
  gapsBetween,
  readSegments,
  recordingFiles,
  startTestEngine,
  waitFor,
  type SegmentRow,
  type TestEngine,
} from '../recording/recording-helpers.js';
import { assertBuiltWorkers, detectionWorkerHost } from './detection-rig.js';
import { ensureSceneClip } from './scene-clips.js';

const ROLL_MS = 5_000;
const SETTLE_MS = 4_000;
let fakes: FakeCameras;
let rig: TestEngine | undefined;

beforeAll(async () => {
  assertBuiltWorkers();
  const clip = await ensureSceneClip('person-pause');
  fakes = await startFakeCameras({
    cameras: ['front', 'drive', 'side'].map((name) => ({ name, clipPath: clip.path })),
  });
}, 120_000);

afterAll(async () => {
  await rig?.close();
  await fakes.stopAll();
});

/** True when every instant of [from, to] lies in a kept segment (consecutive ones may be `slack` apart). */
function coveredBy(rows: SegmentRow[], from: number, to: number, slack = 300): boolean {
  for (let at = from; at <= to; at += 250) {
    if (!rows.some((row) => row.start_time - slack <= at && at <= row.end_time + slack)) return false;
  }
  return true;
}

describe('recording modes on real cameras', () => {
  it('keeps footage around motion or events with their rolls and deletes the quiet segments', async () => {
    rig = await startTestEngine({
      workerHost: detectionWorkerHost(),
      motion: { enabled: true, objects: true, fps: 5, width: 640 },
      detectorPool: { preferBackend: 'tfjs-wasm', size: 1 },
      trimIntervalMs: 2_000,
      trimSettleMs: SETTLE_MS,
    });
    const { engine } = rig;
    const motionAt = new Map<string, number[]>();
    const watchedFrom = new Map<string, number>();
    engine.motion.onMotion((update) => {
      if (!watchedFrom.has(update.cameraId)) watchedFrom.set(update.cameraId, update.at);
      if (update.boxes.length === 0) return;
      const list = motionAt.get(update.cameraId) ?? [];
      list.push(update.at);
      motionAt.set(update.cameraId, list);
    });
    const front = await rig.add({
      name: 'Front',
      rtspUrl: fakes.camera('front').mainUrl,
      segmentSeconds: 2,
      recordMode: 'motion',
    });
    const drive = await rig.add({
      name: 'Drive',
      rtspUrl: fakes.camera('drive').mainUrl,
      segmentSeconds: 2,
      recordMode: 'events',
    });
    const side = await rig.add({
      name: 'Side',
      rtspUrl: fakes.camera('side').mainUrl,
      segmentSeconds: 2,
      recordMode: 'motion',
    });
    expect(front).toMatchObject({ recordMode: 'motion', preRollSeconds: 5, postRollSeconds: 5 });
    await engine.call('detection.settings.set', {
      cameras: {
        [front.id]: { objects: false },
        [side.id]: { motion: false },
      },
    });

    // A whole quiet stretch (20 s less the rolls) must have passed and been trimmed on both detecting cameras.
    const trimmed = (cameraId: string) => gapsBetween(readSegments(rig!.dataDir, cameraId), 1_000);
    // And enough motion frames old enough to have been judged (a crossing that began before the recording
    // counts only in part, so on a slow machine this may take the next loop).
    const judgedMotion = (cameraId: string, until: number) => {
      const first = readSegments(rig!.dataDir, cameraId)[0]?.start_time ?? Infinity;
      return (motionAt.get(cameraId) ?? []).filter((at) => at - ROLL_MS > first && at + ROLL_MS < until);
    };
    await waitFor(
      () =>
        trimmed(front.id).some((gap) => gap.ms >= 6_000) &&
        judgedMotion(front.id, Date.now() - ROLL_MS - SETTLE_MS - 2_000).length >= 10,
      130_000,
      'a quiet stretch of the motion camera to be deleted, after a judged crossing',
    );
    let personEvents: DetectionEvent[];
    const eventsDeadline = Date.now() + 60_000;
    for (;;) {
      personEvents = (await engine.call('events.list', { cameraIds: [drive.id] })) as DetectionEvent[];
      const ended = personEvents.some((event) => event.endTime !== null);
      if (ended && trimmed(drive.id).some((gap) => gap.ms >= 4_000)) break;
      if (Date.now() > eventsDeadline) {
        throw new Error(
          'Timed out waiting for an ended person event and a deleted stretch on the events camera',
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const now = Date.now();
    // Only footage the trim may already have judged: settled, and after detection began plus the post-roll.
    const judgedUntil = now - ROLL_MS - SETTLE_MS - 2_000;

    // Motion camera: every motion frame keeps its pre- and post-roll; no deleted stretch had motion near it.
    const frontRows = readSegments(rig.dataDir, front.id);
    const frontMotion = judgedMotion(front.id, judgedUntil);
    expect(frontMotion.length).toBeGreaterThanOrEqual(10);
    const unkept = frontMotion.filter((at) => !coveredBy(frontRows, at - ROLL_MS + 300, at + ROLL_MS - 300));
    expect(unkept).toEqual([]);
    const frontGaps = gapsBetween(frontRows, 1_000);
    for (const gap of frontGaps) {
      const gapEnd = gap.after + gap.ms;
      const near = (motionAt.get(front.id) ?? []).filter(
        (at) => at + ROLL_MS > gap.after + 300 && at - ROLL_MS < gapEnd - 300,
      );
      expect(near, `motion near the deleted stretch after ${new Date(gap.after).toISOString()}`).toEqual([]);
    }
    // A 30 s loop has about 20 s without the person; less 10 s of rolls, about 10 s of it goes.
    const deletedMs = frontGaps.reduce((sum, gap) => sum + gap.ms, 0);
    console.log(
      '[record-modes] motion camera:',
      JSON.stringify({
        kept: frontRows.length,
        gaps: frontGaps.map((gap) => gap.ms),
        motionFrames: frontMotion.length,
      }),
    );
    expect(deletedMs).toBeGreaterThanOrEqual(6_000);
    // Files first, then rows: what is on disk is what is indexed, plus the segment being written (and one
    // closing).
    const files = recordingFiles(rig.dataDir, front.id).length;
    expect(files).toBeGreaterThanOrEqual(frontRows.length);
    expect(files).toBeLessThanOrEqual(frontRows.length + 2);

    // Events camera: each person event's footage with its rolls stays; no event lies near a deleted stretch.
    const driveRows = readSegments(rig.dataDir, drive.id);
    for (const event of personEvents) {
      const end = event.endTime ?? now;
      if (end + ROLL_MS > judgedUntil || event.startTime - ROLL_MS < (driveRows[0]?.start_time ?? 0))
        continue;
      expect(coveredBy(driveRows, event.startTime - ROLL_MS + 300, end + ROLL_MS - 300)).toBe(true);
    }
    for (const gap of gapsBetween(driveRows, 1_000)) {
      const near = personEvents.filter(
        (event) =>
          (event.endTime ?? Infinity) + ROLL_MS > gap.after + 300 &&
          event.startTime - ROLL_MS < gap.after + gap.ms - 300,
      );
      expect(near).toEqual([]);
    }
    expect(personEvents.every((event) => event.label === 'person')).toBe(true);

    // Detection off: never watched, so kept whole although its mode is motion only.
    const sideRows = readSegments(rig.dataDir, side.id);
    expect(sideRows.length).toBeGreaterThan(12);
    expect(gapsBetween(sideRows, 1_000)).toEqual([]);
    expect(watchedFrom.has(side.id)).toBe(false);

    // Back to continuous: nothing more goes.
    await engine.call('cameras.update', { id: front.id, recordMode: 'continuous' });
    const before = readSegments(rig.dataDir, front.id).at(-1)?.end_time ?? 0;
    await new Promise((resolve) => setTimeout(resolve, 2 * ROLL_MS + SETTLE_MS));
    const after = readSegments(rig.dataDir, front.id).filter((row) => row.start_time >= before - 1_000);
    expect(gapsBetween(after, 1_000)).toEqual([]);
  }, 300_000);
});
