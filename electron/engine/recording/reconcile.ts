/**
 * Start-up repair after a crash or power cut: streams and runs left open are closed, and segment files on disk
 * without a row (the one being written at the crash, and any closed just before it) are indexed, or moved to
 * quarantine when they hold no complete video fragment. Only the newest day folders of each camera are
 * scanned: older files were indexed while they were recorded. (The full both-ways reconciliation of the
 * storage issue walks everything.)
 */
import fs from 'node:fs';
import path from 'node:path';
import { and, desc, eq, gte, inArray, lt } from 'drizzle-orm';
import type { Db } from '../db/open-database.js';
import { recordings, segments } from '../db/schema.js';
import { Fmp4Reader } from '../ingest/fmp4.js';
import type { Logger } from '../ports.js';
import { quarantine } from './quarantine.js';
import type { SegmentIndex } from './segment-index.js';
import { parseSegmentPath, toAbsolute } from './segment-path.js';

export interface ReconcileResult {
  closedStreams: number;
  indexed: string[];
  quarantined: string[];
}

/** Reads a segment file: its video duration and frame count from whole fragments only. */
export function summariseSegmentFile(file: string): {
  durationMs: number;
  videoFrames: number;
  bytes: number;
} {
  const totals = { durationMs: 0, videoFrames: 0, bytes: 0, hasVideo: false };
  const reader = new Fmp4Reader({
    onInit: (init) => {
      totals.hasVideo = init.tracks.some((track) => track.kind === 'video');
      totals.bytes += init.data.length;
    },
    onFragment: (fragment) => {
      totals.durationMs += fragment.durationMs;
      totals.videoFrames += fragment.videoFrames;
      totals.bytes += fragment.byteLength;
    },
  });
  reader.push(fs.readFileSync(file));
  const { hasVideo, bytes } = totals;
  return {
    durationMs: hasVideo ? totals.durationMs : 0,
    videoFrames: hasVideo ? totals.videoFrames : 0,
    bytes,
  };
}

function recentSegmentFiles(recordingsDir: string, cameraId: string, days: number): string[] {
  const cameraDir = path.join(recordingsDir, cameraId);
  if (!fs.existsSync(cameraDir)) return [];
  const dayDirs = fs
    .readdirSync(cameraDir)
    .filter((name) => /^\d{4}-\d{2}-\d{2}$/.test(name))
    .sort()
    .slice(-days);
  const files: string[] = [];
  for (const day of dayDirs) {
    for (const hour of fs.readdirSync(path.join(cameraDir, day)).sort()) {
      const hourDir = path.join(cameraDir, day, hour);
      if (!fs.statSync(hourDir).isDirectory()) continue;
      for (const name of fs.readdirSync(hourDir).sort()) {
        if (name.endsWith('.mp4')) files.push([cameraId, day, hour, name].join('/'));
      }
    }
  }
  return files;
}

/**
 * A segment file with no row: indexed when it holds whole video fragments (joining the run of the segment it
 * continues, else in a new run marked `recovered`), otherwise moved to quarantine. Never deletes.
 */
export function indexOrphanFile(deps: {
  db: Db;
  index: SegmentIndex;
  recordingsDir: string;
  relative: string;
  logger: Logger;
}): { indexed: true } | { indexed: false; movedTo: string } {
  const { db, index, recordingsDir, relative, logger } = deps;
  const parsed = parseSegmentPath(relative);
  let summary: ReturnType<typeof summariseSegmentFile> | null = null;
  if (parsed !== null) {
    try {
      summary = summariseSegmentFile(toAbsolute(recordingsDir, relative));
    } catch (error) {
      logger.warn({ file: relative, err: error }, 'Unreadable segment file');
    }
  }
  if (parsed === null || summary === null || summary.videoFrames === 0 || summary.durationMs <= 0) {
    return { indexed: false, movedTo: quarantine(recordingsDir, relative) };
  }
  const cameraId = parsed.cameraId;
  // The file name holds the start to the second. When the file continues an indexed segment (the usual case:
  // the crash cut the segment after the last one that closed), that segment's end is the exact start and
  // the file joins its run.
  const previous = db
    .select({ endTime: segments.endTime, recordingId: segments.recordingId })
    .from(segments)
    .where(
      and(
        eq(segments.cameraId, cameraId),
        gte(segments.endTime, parsed.startMs - 1000),
        lt(segments.endTime, parsed.startMs + 1000),
      ),
    )
    .orderBy(desc(segments.endTime))
    .get();
  const startTime = previous?.endTime ?? parsed.startMs;
  const endTime = startTime + Math.round(summary.durationMs);
  const recordingId = previous?.recordingId ?? index.beginRecording(cameraId, startTime);
  index.addSegment({
    recordingId,
    streamId: null,
    cameraId,
    segment: {
      filePath: relative,
      startTime,
      endTime,
      durationMs: endTime - startTime,
      fileSize: fs.statSync(toAbsolute(recordingsDir, relative)).size,
      videoFrames: summary.videoFrames,
    },
  });
  if (previous === undefined) {
    db.update(recordings).set({ status: 'recovered' }).where(eq(recordings.id, recordingId)).run();
  }
  return { indexed: true };
}

export function reconcileAfterCrash(deps: {
  db: Db;
  index: SegmentIndex;
  recordingsDir: string;
  cameraIds: string[];
  now: number;
  logger: Logger;
}): ReconcileResult {
  const { db, index, recordingsDir, logger } = deps;
  const closedStreams = index.closeDanglingStreams(deps.now, 'engine stopped unexpectedly');
  index.closeDanglingRecordings();
  const indexed: string[] = [];
  const quarantined: string[] = [];
  for (const cameraId of deps.cameraIds) {
    const files = recentSegmentFiles(recordingsDir, cameraId, 2);
    if (files.length === 0) continue;
    const known = new Set<string>();
    // In slices: SQLite binds at most 32 766 values per statement, and two days of 2 s segments are 86 400 files.
    for (let offset = 0; offset < files.length; offset += 1000) {
      const slice = files.slice(offset, offset + 1000);
      for (const row of db
        .select({ filePath: segments.filePath })
        .from(segments)
        .where(and(eq(segments.cameraId, cameraId), inArray(segments.filePath, slice)))
        .all())
        known.add(row.filePath);
    }
    for (const relative of files) {
      if (known.has(relative)) continue;
      const outcome = indexOrphanFile({ db, index, recordingsDir, relative, logger });
      if (outcome.indexed) indexed.push(relative);
      else quarantined.push(outcome.movedTo);
    }
  }
  if (closedStreams > 0 || indexed.length > 0 || quarantined.length > 0) {
    logger.warn(
      { component: 'recording', closedStreams, indexed: indexed.length, quarantined: quarantined.length },
      `Recovered after an unclean stop: ${indexed.length} segment(s) indexed, ${quarantined.length} quarantined`,
    );
  }
  return { closedStreams, indexed, quarantined };
}
