/**
 * The both-ways reconciliation of disk and index, at every start after the crash repair and before any
 * recorder runs: segment files with no row are indexed (or quarantined when they hold no video), rows whose
 * file is gone are removed (the timeline then shows a gap), files that are not ours inside camera folders are
 * quarantined. Nothing is ever deleted from disk here. When more than half of the index would go (the wrong or
 * an empty disk is mounted), nothing is changed at all and the caller is told why.
 */
import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import type { ReconcileSummary } from '../../../common/contract/index.js';
import type { Db } from '../db/open-database.js';
import type { Logger } from '../ports.js';
import { QUARANTINE_DIR, quarantine } from '../recording/quarantine.js';
import { indexOrphanFile } from '../recording/reconcile.js';
import type { SegmentIndex } from '../recording/segment-index.js';

const CAMERA_DIR = /^cam-[0-9a-f]{10}$/;

function walkFiles(root: string, relative: string, into: string[]): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(path.join(root, ...relative.split('/')), { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const child = `${relative}/${entry.name}`;
    if (entry.isDirectory()) walkFiles(root, child, into);
    else if (entry.isFile()) into.push(child);
  }
}

export interface ReconcileStorageOptions {
  db: Db;
  sqlite: Database.Database;
  index: SegmentIndex;
  recordingsDir: string;
  logger: Logger;
  now: number;
  /** Remove rows even when more than half of the index would go. */
  acceptLoss: boolean;
  /** Files not to touch (being written, or too young to judge while recorders run). */
  skip?: (relative: string) => boolean;
}

export function reconcileStorage(options: ReconcileStorageOptions): ReconcileSummary {
  const { sqlite, recordingsDir, logger } = options;
  const skip = options.skip ?? (() => false);
  const knownCameras = new Set(sqlite.prepare('SELECT id FROM cameras').pluck(true).all() as string[]);
  const rowsOf = sqlite.prepare('SELECT id, file_path FROM segments WHERE camera_id = ?').raw(true);
  const totalRows = sqlite.prepare('SELECT count(*) FROM segments').pluck(true).get() as number;

  let topEntries: fs.Dirent[] = [];
  try {
    topEntries = fs.readdirSync(recordingsDir, { withFileTypes: true });
  } catch (error) {
    logger.error({ err: error }, 'Cannot read the recordings folder for reconciliation');
  }
  const junk: string[] = [];
  const orphans: string[] = [];
  const missing: number[] = [];
  const onDisk = new Map<string, string[]>();
  for (const entry of topEntries) {
    // Dot entries are ours (.quarantine, the root marker) or the system's; folders we did not make are left.
    if (entry.name.startsWith('.')) continue;
    if (entry.isDirectory() && CAMERA_DIR.test(entry.name)) {
      const files: string[] = [];
      walkFiles(recordingsDir, entry.name, files);
      onDisk.set(entry.name, files);
    } else if (entry.isFile()) {
      junk.push(entry.name);
    } else if (entry.isDirectory()) {
      logger.info(
        { folder: entry.name },
        'A folder in the recordings root that is not a camera folder was left alone',
      );
    }
  }
  for (const cameraId of new Set([...knownCameras, ...onDisk.keys()])) {
    const files = onDisk.get(cameraId) ?? [];
    if (!knownCameras.has(cameraId)) {
      junk.push(...files.filter((file) => !skip(file)));
      continue;
    }
    const present = new Set(files);
    const indexed = new Set<string>();
    for (const [id, filePath] of rowsOf.iterate(cameraId) as Iterable<[number, string]>) {
      indexed.add(filePath);
      if (!present.has(filePath)) missing.push(id);
    }
    for (const file of files) {
      if (indexed.has(file) || skip(file)) continue;
      if (file.endsWith('.mp4')) orphans.push(file);
      else junk.push(file);
    }
  }

  const summary: ReconcileSummary = {
    at: options.now,
    indexed: 0,
    removedRows: 0,
    quarantined: 0,
    refused: false,
    message: null,
  };
  if (totalRows > 0 && missing.length * 2 > totalRows && !options.acceptLoss) {
    summary.refused = true;
    summary.message =
      `${missing.length} of ${totalRows} indexed segments have no file under ${recordingsDir}: more than half of ` +
      'the index would go, so nothing was removed, indexed or moved. Check that the right disk is mounted; if ' +
      'the files are really gone, confirm on the Storage page.';
    logger.error({ missing: missing.length, totalRows }, summary.message);
    return summary;
  }

  if (missing.length > 0) {
    const deleteSegment = sqlite
      .prepare('DELETE FROM segments WHERE id = ? RETURNING recording_id')
      .pluck(true);
    const prune = sqlite.prepare(
      `DELETE FROM recordings WHERE id = ? AND status != 'recording'
       AND NOT EXISTS (SELECT 1 FROM segments WHERE recording_id = ?)`,
    );
    const reshape = sqlite.prepare(
      `UPDATE recordings SET
         start_time = coalesce((SELECT min(start_time) FROM segments WHERE recording_id = @id), start_time),
         duration_ms = (SELECT coalesce(sum(duration_ms), 0) FROM segments WHERE recording_id = @id)
       WHERE id = @id`,
    );
    sqlite.transaction(() => {
      const recordingIds = new Set<number>();
      for (const id of missing) {
        const recordingId = deleteSegment.get(id) as number | undefined;
        if (recordingId !== undefined) recordingIds.add(recordingId);
      }
      for (const recordingId of recordingIds) {
        if (prune.run(recordingId, recordingId).changes === 0) reshape.run({ id: recordingId });
      }
    })();
    summary.removedRows = missing.length;
  }

  // In name order: within a camera that is time order, so a recovered file can join the run it continues.
  for (const relative of orphans.sort()) {
    try {
      const outcome = indexOrphanFile({
        db: options.db,
        index: options.index,
        recordingsDir,
        relative,
        logger,
      });
      if (outcome.indexed) summary.indexed += 1;
      else summary.quarantined += 1;
    } catch (error) {
      logger.error({ file: relative, err: error }, 'Could not index or quarantine a file');
    }
  }
  for (const relative of junk) {
    if (relative.startsWith(`${QUARANTINE_DIR}/`)) continue;
    try {
      quarantine(recordingsDir, relative);
      summary.quarantined += 1;
    } catch (error) {
      logger.error({ file: relative, err: error }, 'Could not quarantine a file');
    }
  }
  if (summary.indexed + summary.removedRows + summary.quarantined > 0) {
    summary.message =
      `Reconciled disk and index: ${summary.indexed} file(s) indexed, ${summary.removedRows} row(s) of missing ` +
      `files removed, ${summary.quarantined} file(s) quarantined.`;
    logger.warn(
      { indexed: summary.indexed, removedRows: summary.removedRows, quarantined: summary.quarantined },
      summary.message,
    );
  }
  return summary;
}
