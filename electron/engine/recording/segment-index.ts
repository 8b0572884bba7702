/**
 * The recording rows: a `streams` row per ingest session (with its end reason), a `recordings` row per
 * continuous run, a `segments` row per closed file. Small synchronous statements: better-sqlite3 runs them in
 * microseconds, well inside the 2 s a closed segment has to be indexed.
 */
import { eq, isNull } from 'drizzle-orm';
import type { Db } from '../db/open-database.js';
import { recordings, segments, streams } from '../db/schema.js';
import type { ClosedSegment } from './segment-writer.js';

export type StreamKind = 'main' | 'sub';

export interface SegmentIndex {
  beginStream(cameraId: string, kind: StreamKind, startedAt: number): number;
  markStreamRecording(streamId: number): void;
  endStream(streamId: number, endedAt: number, endReason: string): void;
  beginRecording(cameraId: string, startTime: number): number;
  addSegment(row: {
    recordingId: number;
    streamId: number | null;
    cameraId: string;
    segment: ClosedSegment;
  }): number;
  endRecording(recordingId: number, status: 'complete' | 'interrupted'): void;
  /** Streams left open by a crash: closed with the given reason. Returns how many. */
  closeDanglingStreams(endedAt: number, endReason: string): number;
  /** Recordings left open by a crash: marked interrupted. Returns how many. */
  closeDanglingRecordings(): number;
}

export function createSegmentIndex(db: Db): SegmentIndex {
  return {
    beginStream(cameraId, kind, startedAt) {
      const row = db
        .insert(streams)
        .values({ cameraId, kind, status: 'connecting', startedAt })
        .returning({ id: streams.id })
        .get();
      return row.id;
    },
    markStreamRecording(streamId) {
      db.update(streams).set({ status: 'recording' }).where(eq(streams.id, streamId)).run();
    },
    endStream(streamId, endedAt, endReason) {
      db.update(streams).set({ status: 'ended', endedAt, endReason }).where(eq(streams.id, streamId)).run();
    },
    beginRecording(cameraId, startTime) {
      const row = db
        .insert(recordings)
        .values({ cameraId, startTime, endTime: startTime, durationMs: 0, status: 'recording' })
        .returning({ id: recordings.id })
        .get();
      return row.id;
    },
    addSegment({ recordingId, streamId, cameraId, segment }) {
      return db.transaction((tx) => {
        const row = tx
          .insert(segments)
          .values({
            recordingId,
            streamId,
            cameraId,
            filePath: segment.filePath,
            startTime: segment.startTime,
            endTime: segment.endTime,
            durationMs: segment.durationMs,
            fileSize: segment.fileSize,
          })
          .returning({ id: segments.id })
          .get();
        const recording = tx.select().from(recordings).where(eq(recordings.id, recordingId)).get();
        if (recording !== undefined) {
          const endTime = Math.max(recording.endTime ?? segment.endTime, segment.endTime);
          tx.update(recordings)
            .set({ endTime, durationMs: recording.durationMs + segment.durationMs })
            .where(eq(recordings.id, recordingId))
            .run();
        }
        return row.id;
      });
    },
    endRecording(recordingId, status) {
      db.update(recordings).set({ status }).where(eq(recordings.id, recordingId)).run();
    },
    closeDanglingStreams(endedAt, endReason) {
      return db
        .update(streams)
        .set({ status: 'ended', endedAt, endReason })
        .where(isNull(streams.endedAt))
        .run().changes;
    },
    closeDanglingRecordings() {
      return db
        .update(recordings)
        .set({ status: 'interrupted' })
        .where(eq(recordings.status, 'recording'))
        .run().changes;
    },
  };
}
