/**
 * Which parts of which segment files an export takes, and where the range has no footage. Pure: rows in, plan
 * out; the tests cover trimming, gaps, overlaps and empty ranges without files.
 */

/** A segment row as the planner needs it (UTC ms; `filePath` relative to the recordings root). */
export interface PlanSegment {
  id: number;
  filePath: string;
  startTime: number;
  endTime: number;
}

/** One segment's contribution: `[from, to)` in UTC ms, inside both the segment and the range. */
export interface PlanPiece {
  segment: PlanSegment;
  from: number;
  to: number;
}

export interface ExportPlan {
  pieces: PlanPiece[];
  /** Stretches of the range without footage of at least `GAP_MIN_MS`, in order. */
  gaps: { start: number; end: number }[];
  /** Sum of the pieces: how long the file plays. */
  recordedMs: number;
}

/**
 * Shorter holes are not listed as gaps (they still are not in the file): consecutive segments of one run meet
 * exactly, and a few milliseconds between two runs are timestamp rounding, not missing footage.
 */
export const GAP_MIN_MS = 250;

/**
 * Plans an export of `[start, end)` from `segments` (any order). A segment that overlaps footage already taken
 * (a recovered file beside its run) contributes only what is new, so nothing plays twice.
 */
export function planExport(segments: readonly PlanSegment[], start: number, end: number): ExportPlan {
  if (!(end > start)) throw new RangeError('The export range must end after it starts');
  const ordered = [...segments].sort((left, right) => left.startTime - right.startTime || left.id - right.id);
  const pieces: PlanPiece[] = [];
  const gaps: { start: number; end: number }[] = [];
  let cursor = start;
  const addGap = (from: number, to: number): void => {
    if (to - from >= GAP_MIN_MS) gaps.push({ start: from, end: to });
  };
  for (const segment of ordered) {
    if (segment.endTime <= segment.startTime) continue;
    const from = Math.max(segment.startTime, cursor);
    const to = Math.min(segment.endTime, end);
    if (to <= from) continue;
    addGap(cursor, from);
    pieces.push({ segment, from, to });
    cursor = to;
    if (cursor >= end) break;
  }
  addGap(cursor, end);
  const recordedMs = pieces.reduce((total, piece) => total + (piece.to - piece.from), 0);
  return { pieces, gaps, recordedMs };
}
