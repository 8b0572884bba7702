/**
 * One retention pass: first by age (each camera's days, longer around events), then by pressure (the size
 * limit and the free-space floor), oldest first across cameras. Never deletes footage of a locked event (with
 * its pre- and post-roll), a leased segment, or anything that is not a segment row (the segment being written
 * has no row yet; exports are not segments). The file goes first, then its row: a crash in between leaves a
 * row without a file, which the next start-up reconciliation removes.
 */
import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import type { StorageLimits } from '../../../common/contract/index.js';
import type { Logger } from '../ports.js';
import { parseSegmentPath, toAbsolute } from '../recording/segment-path.js';
import type { ActivityWindows } from './activity-windows.js';
import type { LeaseRegistry } from './leases.js';
import type { CameraRetentionRow } from './storage-settings.js';

export const DAY_MS = 24 * 3_600_000;
const BATCH = 1000;

/** max(GB floor, % of the disk). */
export function floorBytes(limits: StorageLimits, totalBytes: number): number {
  return Math.round(Math.max(limits.minFreeGb * 1e9, (limits.minFreePercent / 100) * totalBytes));
}

/** What a pressure pass frees beyond the floor, so the next pass is not due a segment later. */
export function headroomBytes(floor: number, totalBytes: number): number {
  return Math.round(Math.max(floor * 0.1, totalBytes * 0.01));
}

/** Disjoint sorted intervals with an overlap test in O(log n). */
export class IntervalSet {
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];

  constructor(intervals: Iterable<readonly [number, number]>) {
    const sorted = [...intervals].filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
    for (const [start, end] of sorted) {
      const last = this.ends.length - 1;
      if (last >= 0 && start <= (this.ends[last] ?? -Infinity)) {
        this.ends[last] = Math.max(this.ends[last] ?? end, end);
      } else {
        this.starts.push(start);
        this.ends.push(end);
      }
    }
  }

  get size(): number {
    return this.starts.length;
  }

  /** True when [from, to) overlaps any interval. */
  overlaps(from: number, to: number): boolean {
    // The last interval starting before `to`.
    let low = 0;
    let high = this.starts.length - 1;
    let found = -1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      if ((this.starts[middle] ?? Infinity) < to) {
        found = middle;
        low = middle + 1;
      } else high = middle - 1;
    }
    return found >= 0 && (this.ends[found] ?? -Infinity) > from;
  }
}

export interface RetentionPassInput {
  now: number;
  limits: StorageLimits;
  cameras: CameraRetentionRow[];
  /** Of the volume; null when it could not be read (then only age and the size limit apply). */
  disk: { totalBytes: number; freeBytes: number } | null;
  usedBytes: number;
  /** A write just failed for lack of space: free at least the headroom even if free space looks fine. */
  emergency: boolean;
}

export interface RetentionPassResult {
  deletedSegments: number;
  freedBytes: number;
  /** Bytes the size limit and the floor asked for (0 when no pressure). */
  neededBytes: number;
  skippedProtected: number;
  failed: number;
  /** Pressure remained and nothing more could be deleted. */
  short: boolean;
}

/** A camera whose recording mode keeps only footage around motion or events. */
export interface TrimCamera {
  id: string;
  mode: 'motion' | 'events';
  preRollMs: number;
  postRollMs: number;
}

export interface TrimInput {
  now: number;
  limits: StorageLimits;
  cameras: TrimCamera[];
  activity: ActivityWindows;
  /**
   * A segment is judged only once it ended this long before `now` less its pre-roll: motion is reported a
   * moment after the frame, and an event is stored once the object was seen on a few frames.
   */
  settleMs: number;
}

export interface TrimResult {
  deletedSegments: number;
  freedBytes: number;
  /** Segments kept because detection was not watching over them and their rolls. */
  unwatched: number;
  failed: number;
}

interface Candidate {
  id: number;
  cameraId: string;
  filePath: string;
  startTime: number;
  endTime: number;
  fileSize: number;
  recordingId: number;
}

type CandidateRow = [number, string, string, number, number, number, number];

function toCandidate(row: CandidateRow): Candidate {
  const [id, cameraId, filePath, startTime, endTime, fileSize, recordingId] = row;
  return { id, cameraId, filePath, startTime, endTime, fileSize, recordingId };
}

function newTally(): RetentionPassResult {
  return { deletedSegments: 0, freedBytes: 0, neededBytes: 0, skippedProtected: 0, failed: 0, short: false };
}

const COLUMNS = 'id, camera_id, file_path, start_time, end_time, file_size, recording_id';

export function createRetention(deps: {
  sqlite: Database.Database;
  recordingsDir: string;
  leases: LeaseRegistry;
  logger: Logger;
}) {
  const { sqlite, recordingsDir, leases, logger } = deps;
  const byAge = sqlite
    .prepare(
      `SELECT ${COLUMNS} FROM segments INDEXED BY segments_camera_start_end_idx
       WHERE camera_id = ? AND start_time < ? AND end_time <= ? AND (start_time > ? OR (start_time = ? AND id > ?))
       ORDER BY start_time, id LIMIT ${BATCH}`,
    )
    .raw(true);
  const oldest = sqlite
    .prepare(
      `SELECT ${COLUMNS} FROM segments INDEXED BY segments_start_idx
       WHERE start_time > ? OR (start_time = ? AND id > ?)
       ORDER BY start_time, id LIMIT ${BATCH}`,
    )
    .raw(true);
  const lockedEvents = sqlite
    .prepare(`SELECT camera_id, start_time, end_time FROM events WHERE locked = 1`)
    .raw(true);
  const eventsReaching = sqlite
    .prepare(
      `SELECT start_time, end_time FROM events
       WHERE camera_id = ? AND locked = 0 AND start_time < ? AND (end_time IS NULL OR end_time > ?)`,
    )
    .raw(true);
  const trimCandidates = sqlite
    .prepare(
      `SELECT ${COLUMNS} FROM segments INDEXED BY segments_camera_start_end_idx
       WHERE camera_id = ? AND start_time >= ? AND end_time <= ? AND (start_time > ? OR (start_time = ? AND id > ?))
       ORDER BY start_time, id LIMIT ${BATCH}`,
    )
    .raw(true);
  // Object events (motion rows are not events here) of one camera reaching into [from, to).
  const objectEventsReaching = sqlite
    .prepare(
      `SELECT start_time, end_time FROM events
       WHERE camera_id = ? AND type <> 'motion' AND start_time < ? AND (end_time IS NULL OR end_time > ?)`,
    )
    .raw(true);
  const deleteSegment = sqlite.prepare('DELETE FROM segments WHERE id = ?');
  const pruneRecording = sqlite.prepare(
    `DELETE FROM recordings WHERE id = ? AND status != 'recording'
     AND NOT EXISTS (SELECT 1 FROM segments WHERE recording_id = ?)`,
  );
  const reshapeRecording = sqlite.prepare(
    `UPDATE recordings SET
       start_time = coalesce((SELECT min(start_time) FROM segments WHERE recording_id = @id), start_time),
       duration_ms = (SELECT coalesce(sum(duration_ms), 0) FROM segments WHERE recording_id = @id)
     WHERE id = @id`,
  );
  const removeRows = sqlite.transaction((ids: number[], recordingIds: Set<number>) => {
    for (const id of ids) deleteSegment.run(id);
    for (const recordingId of recordingIds) {
      if (pruneRecording.run(recordingId, recordingId).changes === 0)
        reshapeRecording.run({ id: recordingId });
    }
  });

  function lockedWindows(limits: StorageLimits): Map<string, IntervalSet> {
    const pre = limits.eventPreRollSeconds * 1000;
    const post = limits.eventPostRollSeconds * 1000;
    const perCamera = new Map<string, [number, number][]>();
    for (const [cameraId, start, end] of lockedEvents.all() as [string, number, number | null][]) {
      const list = perCamera.get(cameraId) ?? [];
      // An event still running (no end yet) protects everything after its start.
      list.push([start - pre, end === null ? Infinity : end + post]);
      perCamera.set(cameraId, list);
    }
    return new Map([...perCamera].map(([cameraId, list]) => [cameraId, new IntervalSet(list)]));
  }

  /** Deletes the files, then the rows of those whose file is gone. Returns what went. */
  async function remove(
    batch: Candidate[],
    tally: RetentionPassResult,
    isProtected: (candidate: Candidate) => boolean,
  ): Promise<number> {
    const removed: Candidate[] = [];
    // Synchronous unlinks, a batch (at most 1000) at a time with a yield between batches: measured on the
    // bench, about twice as fast as promise unlinks through the thread pool, and nothing (a lease, a new row)
    // can interleave between the protection check and the unlink.
    for (const candidate of batch) {
      if (isProtected(candidate) || leases.isLeased(candidate.id)) {
        tally.skippedProtected += 1;
        continue;
      }
      // Only paths we write are ever deleted, whatever a row says.
      if (parseSegmentPath(candidate.filePath)?.cameraId !== candidate.cameraId) {
        tally.failed += 1;
        logger.error(
          { file: candidate.filePath },
          'Refusing to delete a segment row with an unexpected path',
        );
        continue;
      }
      try {
        fs.unlinkSync(toAbsolute(recordingsDir, candidate.filePath));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'ENOENT') {
          tally.failed += 1;
          logger.warn({ file: candidate.filePath, code }, 'Could not delete a segment file');
          continue;
        }
      }
      removed.push(candidate);
    }
    await new Promise((resolve) => setImmediate(resolve));
    if (removed.length > 0) {
      removeRows(
        removed.map((candidate) => candidate.id),
        new Set(removed.map((candidate) => candidate.recordingId)),
      );
    }
    let bytes = 0;
    for (const candidate of removed) bytes += candidate.fileSize;
    tally.deletedSegments += removed.length;
    tally.freedBytes += bytes;
    removeEmptyFolders(removed);
    return bytes;
  }

  /** Removes, batch by batch in start order, the rows `select` answers after each batch's last one. */
  async function removeInOrder(
    select: (after: [number, number]) => CandidateRow[],
    tally: RetentionPassResult,
    keep: (candidate: Candidate) => boolean,
  ): Promise<void> {
    let after: [number, number] = [-Infinity, -Infinity];
    for (;;) {
      const rows = select(after);
      if (rows.length === 0) break;
      const batch = rows.map(toCandidate);
      const last = batch[batch.length - 1];
      if (last !== undefined) after = [last.startTime, last.id];
      await remove(batch, tally, keep);
      if (rows.length < BATCH) break;
    }
  }

  let passNow = 0;
  function removeEmptyFolders(removed: Candidate[]): void {
    // Only folders of hours that ended over an hour ago: a writer may be about to create a file in a newer one.
    const hours = new Set<string>();
    for (const candidate of removed) {
      if (candidate.startTime < passNow - 2 * 3_600_000) hours.add(path.posix.dirname(candidate.filePath));
    }
    const days = new Set<string>();
    for (const hour of hours) {
      try {
        fs.rmdirSync(toAbsolute(recordingsDir, hour));
        days.add(path.posix.dirname(hour));
      } catch {
        // Not empty (or already gone): left as it is.
      }
    }
    for (const day of days) {
      if (!day.includes('/')) continue;
      try {
        fs.rmdirSync(toAbsolute(recordingsDir, day));
      } catch {
        // Not empty.
      }
    }
  }

  async function pass(input: RetentionPassInput): Promise<RetentionPassResult> {
    passNow = input.now;
    const { limits, now } = input;
    const tally = newTally();
    const locked = lockedWindows(limits);
    const isLocked = (candidate: Candidate) =>
      locked.get(candidate.cameraId)?.overlaps(candidate.startTime, candidate.endTime) ?? false;

    // 1. Age, per camera.
    const pre = limits.eventPreRollSeconds * 1000;
    const post = limits.eventPostRollSeconds * 1000;
    for (const camera of input.cameras) {
      if (camera.retainDays === null) continue;
      const cutoff = now - camera.retainDays * DAY_MS;
      const eventCutoff = now - (camera.retainEventDays ?? camera.retainDays) * DAY_MS;
      const aroundEvents =
        eventCutoff < cutoff
          ? new IntervalSet(
              (
                eventsReaching.all(camera.id, cutoff + pre, eventCutoff - post) as [number, number | null][]
              ).map(([start, end]) => [start - pre, end === null ? Infinity : end + post] as const),
            )
          : new IntervalSet([]);
      const keep = (candidate: Candidate) =>
        isLocked(candidate) ||
        (candidate.endTime > eventCutoff && aroundEvents.overlaps(candidate.startTime, candidate.endTime));
      await removeInOrder(
        (after) => byAge.all(camera.id, cutoff, cutoff, after[0], after[0], after[1]) as CandidateRow[],
        tally,
        keep,
      );
    }

    // 2. Pressure: the size limit and the free-space floor, oldest first across cameras.
    const used = input.usedBytes - tally.freedBytes;
    let need = input.limits.maxTotalGb === null ? 0 : used - Math.round(input.limits.maxTotalGb * 1e9);
    if (input.disk !== null) {
      const floor = floorBytes(limits, input.disk.totalBytes);
      const free = input.disk.freeBytes + tally.freedBytes;
      if (free < floor || input.emergency) {
        need = Math.max(need, Math.max(0, floor - free) + headroomBytes(floor, input.disk.totalBytes));
      }
    }
    tally.neededBytes = Math.max(0, need);
    let freedForPressure = 0;
    let after: [number, number] = [-Infinity, -Infinity];
    while (freedForPressure < need) {
      const rows = oldest.all(after[0], after[0], after[1]) as CandidateRow[];
      if (rows.length === 0) break;
      const batch: Candidate[] = [];
      let planned = 0;
      for (const row of rows) {
        const candidate = toCandidate(row);
        after = [candidate.startTime, candidate.id];
        if (isLocked(candidate) || leases.isLeased(candidate.id)) {
          tally.skippedProtected += 1;
          continue;
        }
        batch.push(candidate);
        planned += candidate.fileSize;
        if (freedForPressure + planned >= need) break;
      }
      freedForPressure += await remove(batch, tally, isLocked);
      if (rows.length < BATCH && freedForPressure < need) {
        const last = rows[rows.length - 1];
        if (last === undefined || after[1] === last[0]) break;
      }
    }
    tally.short = freedForPressure < need;
    return tally;
  }

  /**
   * The recording modes: deletes the segments of `motion` and `events` cameras that no motion, object event or
   * doubt (each widened by the camera's pre- and post-roll) touches, where detection watched without a break
   * over the segment and its rolls. Locked events and leases protect as in `pass`.
   */
  async function trim(input: TrimInput): Promise<TrimResult> {
    passNow = input.now;
    const tally = newTally();
    let unwatched = 0;
    // Locked events keep the storage-wide rolls (and, as every object event here, the camera's own).
    const locked = lockedWindows(input.limits);
    for (const camera of input.cameras) {
      const since = input.activity.watchedSince(camera.id, camera.mode);
      if (since === null) continue;
      const { preRollMs: pre, postRollMs: post } = camera;
      // A segment can be judged once coverage may reach its end plus the pre-roll.
      const until = input.now - pre - input.settleMs;
      const from = since + post;
      if (until <= from) continue;
      const windows = new IntervalSet(
        [
          ...(objectEventsReaching.all(camera.id, until + pre, from - post) as [number, number | null][]),
          ...input.activity.keepSpans(camera.id, camera.mode),
        ].map(([start, end]) => [start - pre, (end ?? Infinity) + post + 1] as const),
      );
      const lockedHere = locked.get(camera.id);
      const keep = (candidate: Candidate) => {
        if (lockedHere?.overlaps(candidate.startTime, candidate.endTime) === true) return true;
        if (windows.overlaps(candidate.startTime, candidate.endTime)) return true;
        if (
          !input.activity.watched(camera.id, camera.mode, candidate.startTime - post, candidate.endTime + pre)
        ) {
          unwatched += 1;
          return true;
        }
        return false;
      };
      await removeInOrder(
        (after) => trimCandidates.all(camera.id, from, until, after[0], after[0], after[1]) as CandidateRow[],
        tally,
        keep,
      );
    }
    return {
      deletedSegments: tally.deletedSegments,
      freedBytes: tally.freedBytes,
      unwatched,
      failed: tally.failed,
    };
  }

  return { pass, trim };
}

export type Retention = ReturnType<typeof createRetention>;
