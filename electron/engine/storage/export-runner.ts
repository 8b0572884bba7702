/**
 * Runs one export: turns a plan into the pieces of segment files that go into the file (the start of a cut at
 * a keyframe, its end at the first frame at or after the cut, read from the files' fragments), collects their
 * samples, then writes the MP4 (`export-writer.ts`). Knows nothing of rows, queues or events; the export
 * service does.
 */
import path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { ExportBuilder } from './export-writer.js';
import {
  keyframeAtOrAfter,
  keyframeAtOrBefore,
  readSegmentSource,
  sourceMismatch,
  type SegmentSource,
} from './export-source.js';
import { GAP_MIN_MS, type ExportPlan, type PlanPiece } from './export-plan.js';

export { ExportCancelledError, writeExport } from './export-writer.js';

export interface PreparedExport {
  /** Samples and byte ranges of everything that goes into the file. */
  builder: ExportBuilder;
  /** Pieces as they will play, UTC ms: `from` moved back to a keyframe where a cut needed one. */
  pieces: { segmentId: number; from: number; to: number }[];
  /** The requested range less what the pieces cover (files missing or unreadable become gaps too). */
  gaps: { start: number; end: number }[];
  /** UTC ms of the first frame in the file (the movie's creation time). */
  firstFrameTime: number | null;
  /** Why pieces were left out (a missing file, a different format); for the log. */
  skipped: { segmentId: number; reason: string }[];
}

/** Resolves a row's relative path under the recordings root; refuses anything that would leave it. */
export function segmentFile(recordingsRoot: string, relativePath: string): string {
  const root = path.resolve(recordingsRoot);
  const file = path.resolve(root, relativePath);
  const inside = path.relative(root, file);
  if (inside === '' || inside.startsWith('..') || path.isAbsolute(inside)) {
    throw new Error(`Segment path ${JSON.stringify(relativePath)} is outside the recordings root`);
  }
  return file;
}

/**
 * Collects `plan` over `[start, end)`. A cut inside a segment starts at the keyframe at or before the cut
 * (never later than asked), unless that would replay footage already taken from the previous piece; it ends
 * before the first sample at or after the cut. Segment headers are read synchronously, one file per turn of
 * the event loop (a few hundred small reads from the page cache).
 */
export async function prepareExport(
  plan: ExportPlan,
  recordingsRoot: string,
  start: number,
  end: number,
): Promise<PreparedExport> {
  const builder = new ExportBuilder();
  const pieces: PreparedExport['pieces'] = [];
  const skipped: PreparedExport['skipped'] = [];
  let first: SegmentSource | null = null;
  let firstFrameTime: number | null = null;
  let previousTo = Number.NEGATIVE_INFINITY;

  const take = (piece: PlanPiece): void => {
    const { segment } = piece;
    const source = readSegmentSource(segmentFile(recordingsRoot, segment.filePath));
    if (first !== null) {
      const mismatch = sourceMismatch(first, source);
      if (mismatch !== null) throw new Error(mismatch);
    }
    const { fragments } = source;
    const fileStart = fragments.find((fragment) => !Number.isNaN(fragment.startMs))?.startMs ?? 0;
    const toFileClock = (utc: number): number => fileStart + (utc - segment.startTime);
    const toUtc = (fileMs: number): number => segment.startTime + (fileMs - fileStart);
    // A file that does not start on a keyframe (a recovered one) starts at its first keyframe.
    let index = keyframeAtOrBefore(
      fragments,
      piece.from > segment.startTime ? toFileClock(piece.from) : -Infinity,
    );
    if (index === -1) throw new Error('it has no keyframe');
    if (toUtc(fragments[index]?.startMs ?? 0) < previousTo) {
      index = keyframeAtOrAfter(fragments, toFileClock(piece.from));
      if (index === -1 || toUtc(fragments[index]?.startMs ?? 0) >= piece.to) {
        throw new Error('no keyframe inside the part not yet exported');
      }
    }
    const from = toUtc(fragments[index]?.startMs ?? 0);
    const endMs = piece.to < segment.endTime ? toFileClock(piece.to) : Number.POSITIVE_INFINITY;
    if (!builder.add({ source, firstFragment: index, endMs }))
      throw new Error('nothing left to play after the cut');
    first ??= source;
    firstFrameTime ??= from;
    pieces.push({ segmentId: segment.id, from, to: piece.to });
    previousTo = piece.to;
  };

  for (const piece of plan.pieces) {
    try {
      take(piece);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      skipped.push({
        segmentId: piece.segment.id,
        reason: code === 'ENOENT' ? 'file is missing' : (error as Error).message,
      });
    }
    await nextTurn();
  }

  const gaps: PreparedExport['gaps'] = [];
  let cursor = start;
  for (const piece of pieces) {
    const from = Math.max(piece.from, start);
    if (from - cursor >= GAP_MIN_MS) gaps.push({ start: cursor, end: from });
    cursor = Math.max(cursor, piece.to);
  }
  if (end - cursor >= GAP_MIN_MS) gaps.push({ start: cursor, end });
  return { builder, pieces, gaps, firstFrameTime, skipped };
}
