/**
 * Day coverage: for each camera, the recorded time in a UTC range as merged contiguous spans (not raw rows),
 * for the timeline of playback (issue 5). One index-only range scan per camera on
 * `segments_camera_start_end_idx`; the merge happens as the rows stream by.
 */
import type Database from 'better-sqlite3';
import type { RecordingSegments, TimelineDay, TimelineDays } from '../../../common/contract/index.js';

/**
 * The longest a segment can be: twice the longest target (15 min) plus slack for a late keyframe (see
 * `CameraRecorder.maxSegmentMs`). Rows starting this long before the range may still reach into it.
 */
export const SEGMENT_MAX_MS = 2 * 15 * 60_000 + 10_000;

export interface TimelineQuery {
  day(input: {
    cameraIds?: string[] | undefined;
    start: number;
    end: number;
    joinGapMs: number;
  }): TimelineDay;
  /** For each interval between consecutive boundaries: does any of the cameras (default all) have footage? */
  days(input: { cameraIds?: string[] | undefined; boundaries: number[] }): TimelineDays;
  /** One camera's segments overlapping `[start, end)`, oldest first. */
  segments(input: { cameraId: string; start: number; end: number }): RecordingSegments;
}

export function createTimelineQuery(sqlite: Database.Database): TimelineQuery {
  const spansOf = sqlite
    .prepare(
      `SELECT start_time, end_time FROM segments INDEXED BY segments_camera_start_end_idx
       WHERE camera_id = ? AND start_time >= ? AND start_time < ? AND end_time > ?
       ORDER BY start_time`,
    )
    .raw(true);
  // Cameras with any row reaching into the range: one probe of the index per camera that has footage at all.
  const camerasWithFootage = sqlite
    .prepare(
      `SELECT id FROM cameras c WHERE EXISTS (
         SELECT 1 FROM segments s INDEXED BY segments_camera_start_end_idx
         WHERE s.camera_id = c.id AND s.start_time >= ? AND s.start_time < ? AND s.end_time > ?)
       ORDER BY c.created_at, c.id`,
    )
    .pluck(true);

  // Any footage of one camera in a range: one probe of the camera's index.
  const cameraHasFootage = sqlite
    .prepare(
      `SELECT 1 FROM segments INDEXED BY segments_camera_start_end_idx
       WHERE camera_id = ? AND start_time >= ? AND start_time < ? AND end_time > ? LIMIT 1`,
    )
    .pluck(true);
  // Any camera: the start-time index, checking end_time on the few rows that start before the range.
  const anyHasFootage = sqlite
    .prepare(
      `SELECT 1 FROM segments INDEXED BY segments_start_idx
       WHERE start_time >= ? AND start_time < ? AND end_time > ? LIMIT 1`,
    )
    .pluck(true);
  const segmentsOf = sqlite.prepare(
    `SELECT id, start_time AS start, end_time AS end, file_size AS bytes, recording_id AS recordingId
     FROM segments INDEXED BY segments_camera_start_end_idx
     WHERE camera_id = ? AND start_time >= ? AND start_time < ? AND end_time > ?
     ORDER BY start_time, id`,
  );

  return {
    days({ cameraIds, boundaries }) {
      const days: TimelineDays['days'] = [];
      for (const [i, start] of boundaries.entries()) {
        const end = boundaries[i + 1];
        if (end === undefined) break;
        const lookBack = start - SEGMENT_MAX_MS;
        const hasFootage =
          cameraIds === undefined
            ? anyHasFootage.get(lookBack, end, start) !== undefined
            : cameraIds.some((id) => cameraHasFootage.get(id, lookBack, end, start) !== undefined);
        days.push({ start, end, hasFootage });
      }
      return { days };
    },

    segments({ cameraId, start, end }) {
      const segments = segmentsOf.all(
        cameraId,
        start - SEGMENT_MAX_MS,
        end,
        start,
      ) as RecordingSegments['segments'];
      return { cameraId, segments };
    },

    day({ cameraIds, start, end, joinGapMs }) {
      const lookBack = start - SEGMENT_MAX_MS;
      const ids = cameraIds ?? (camerasWithFootage.all(lookBack, end, start) as string[]);
      const cameras = ids.map((cameraId) => {
        const spans: [number, number][] = [];
        let current: [number, number] | null = null;
        // all() beats iterate() here: one native call instead of one per row.
        for (const row of spansOf.all(cameraId, lookBack, end, start) as [number, number][]) {
          const from = Math.max(row[0], start);
          const to = Math.min(row[1], end);
          if (to <= from) continue;
          if (current !== null && from <= current[1] + joinGapMs) {
            if (to > current[1]) current[1] = to;
          } else {
            current = [from, to];
            spans.push(current);
          }
        }
        return { cameraId, spans };
      });
      return { start, end, cameras };
    },
  };
}
