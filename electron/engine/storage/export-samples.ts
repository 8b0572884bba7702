/**
 * Test and benchmark support: segment files shaped exactly like the recorder's (init segment + whole
 * fragments, each file starting on a keyframe, timestamps continuing across the files of one run), cut from a
 * sample made once by FFmpeg, and the camera, run and segment rows that index them. Used by tests and
 * `bench/export-speed.ts` only.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../db/open-database.js';
import { cameras, recordings, segments } from '../db/schema.js';
import { readSample } from '../ingest/sample-media.js';
import { segmentRelativePath } from '../recording/segment-path.js';

/** One segment file's bytes and its length (ms), cut from a sample. */
export interface SampleSegment {
  bytes: Buffer;
  durationMs: number;
}

/** Cuts an fMP4 sample into segment files at the first keyframe at or after each `segmentMs`. */
export function cutSample(sample: Buffer, segmentMs: number): SampleSegment[] {
  const { init, fragments } = readSample(sample);
  const cut: SampleSegment[] = [];
  let parts: Buffer[] = [];
  let start = fragments[0]?.startMs ?? 0;
  let last = start;
  const flush = (end: number): void => {
    if (parts.length === 0) return;
    cut.push({ bytes: Buffer.concat([init.data, ...parts]), durationMs: Math.round(end - start) });
    parts = [];
    start = end;
  };
  for (const fragment of fragments) {
    if (fragment.keyframe && fragment.startMs - start >= segmentMs) flush(fragment.startMs);
    parts.push(Buffer.from(fragment.data));
    last = fragment.startMs + fragment.durationMs;
  }
  flush(last);
  return cut;
}

export interface SeededSegment {
  id: number;
  filePath: string;
  startTime: number;
  endTime: number;
  fileSize: number;
}

export interface SeedOptions {
  db: Db;
  recordingsDir: string;
  cameraId: string;
  /** Runs of footage: each starts at `start` (UTC ms) and is made of these segment files in order. */
  runs: { start: number; segments: readonly SampleSegment[] }[];
}

/** Adds the camera (when missing), writes the files under the recordings root and indexes them. */
export function seedSegments(options: SeedOptions): SeededSegment[] {
  const { db, recordingsDir, cameraId } = options;
  const now = options.runs[0]?.start ?? 0;
  db.insert(cameras)
    .values({
      id: cameraId,
      name: cameraId,
      rtspUrl: `rtsp://192.0.2.1/${cameraId}`,
      rtspUrlKey: `rtsp://192.0.2.1/${cameraId}`,
      status: 'recording',
      createdAt: now,
      updatedAt: now,
    })
    .onConflictDoNothing()
    .run();
  const seeded: SeededSegment[] = [];
  for (const run of options.runs) {
    let cursor = run.start;
    const recordingId = db
      .insert(recordings)
      .values({ cameraId, startTime: run.start, status: 'complete' })
      .returning({ id: recordings.id })
      .get().id;
    for (const segment of run.segments) {
      const filePath = segmentRelativePath(cameraId, cursor);
      const file = path.join(recordingsDir, filePath);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, segment.bytes);
      const row = {
        recordingId,
        cameraId,
        filePath,
        startTime: cursor,
        endTime: cursor + segment.durationMs,
        durationMs: segment.durationMs,
        fileSize: segment.bytes.length,
      };
      const { id } = db.insert(segments).values(row).returning({ id: segments.id }).get();
      seeded.push({ id, filePath, startTime: row.startTime, endTime: row.endTime, fileSize: row.fileSize });
      cursor = row.endTime;
    }
  }
  return seeded;
}
