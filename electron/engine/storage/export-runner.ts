/**
 * Runs one export: turns a plan into FFmpeg's concat list (cut points at keyframes, read from the segment
 * files), runs FFmpeg with progress, and stops it on cancel. Knows nothing of rows, queues or events; the
 * export service does.
 */
import os from 'node:os';
import path from 'node:path';
import type { ProcessRunner } from '../ingest/process-runner.js';
import { buildExportArgs, parseProgressTime, type ConcatEntry } from './export-args.js';
import { keyframeAtOrBefore, readSegmentMedia, trackSignature } from './export-media.js';
import { GAP_MIN_MS, type ExportPlan, type PlanPiece } from './export-plan.js';

export interface PreparedExport {
  entries: ConcatEntry[];
  /** Pieces as they will play, UTC ms: `from` moved back to a keyframe where a cut needed one. */
  pieces: { segmentId: number; from: number; to: number }[];
  /** The requested range less what the pieces cover (files missing or unreadable become gaps too). */
  gaps: { start: number; end: number }[];
  /** Sum of the entries' durations: how long the file plays. */
  playMs: number;
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

function firstKeyframeAtOrAfter(
  fragments: readonly { startMs: number; keyframe: boolean }[],
  targetMs: number,
): number | null {
  return fragments.find((fragment) => fragment.keyframe && fragment.startMs >= targetMs - 1)?.startMs ?? null;
}

/**
 * Builds the concat entries for `plan` over `[start, end)`. A cut inside a segment starts at the keyframe at or
 * before the cut (never later than asked), unless that would replay footage already taken from the previous
 * piece; it ends at the first frame at or after the cut (FFmpeg's outpoint).
 */
export function prepareExport(
  plan: ExportPlan,
  recordingsRoot: string,
  start: number,
  end: number,
): PreparedExport {
  const entries: ConcatEntry[] = [];
  const pieces: PreparedExport['pieces'] = [];
  const skipped: PreparedExport['skipped'] = [];
  let signature: string | null = null;
  let previousTo = Number.NEGATIVE_INFINITY;

  const take = (piece: PlanPiece): void => {
    const { segment } = piece;
    const file = segmentFile(recordingsRoot, segment.filePath);
    const cutsStart = piece.from > segment.startTime;
    const cutsEnd = piece.to < segment.endTime;
    const media = readSegmentMedia(file, { firstOnly: !cutsStart });
    const fileStart = media.fragments[0]?.startMs ?? 0;
    const own = trackSignature(media.tracks);
    if (signature !== null && own !== signature) {
      throw new Error(`its tracks (${own}) differ from the export's first segment (${signature})`);
    }
    const toFileClock = (utc: number): number => fileStart + (utc - segment.startTime);
    let inpointMs: number | undefined;
    let from = segment.startTime;
    if (cutsStart) {
      let keyframe = keyframeAtOrBefore(media.fragments, toFileClock(piece.from));
      if (segment.startTime + (keyframe - fileStart) < previousTo) {
        const after = firstKeyframeAtOrAfter(media.fragments, toFileClock(piece.from));
        if (after === null || segment.startTime + (after - fileStart) >= piece.to) {
          throw new Error('no keyframe inside the part not yet exported');
        }
        keyframe = after;
      }
      inpointMs = keyframe;
      from = segment.startTime + (keyframe - fileStart);
    }
    const outpointMs = cutsEnd ? toFileClock(piece.to) : undefined;
    const endInFile = outpointMs ?? toFileClock(segment.endTime);
    const durationMs = endInFile - (inpointMs ?? fileStart);
    if (!(durationMs > 0)) throw new Error('nothing left to play after the cut');
    signature = own;
    entries.push({
      file,
      durationMs,
      ...(inpointMs === undefined ? {} : { inpointMs }),
      ...(outpointMs === undefined ? {} : { outpointMs }),
    });
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
  }

  const gaps: PreparedExport['gaps'] = [];
  let cursor = start;
  for (const piece of pieces) {
    const from = Math.max(piece.from, start);
    if (from - cursor >= GAP_MIN_MS) gaps.push({ start: cursor, end: from });
    cursor = Math.max(cursor, piece.to);
  }
  if (end - cursor >= GAP_MIN_MS) gaps.push({ start: cursor, end });
  const playMs = Math.round(entries.reduce((total, entry) => total + entry.durationMs, 0));
  return { entries, pieces, gaps, playMs, skipped };
}

/** Thrown by `runExportProcess` when its signal aborted it. */
export class ExportCancelledError extends Error {
  constructor() {
    super('The export was cancelled');
    this.name = 'ExportCancelledError';
  }
}

export interface RunExportOptions {
  ffmpegPath: string;
  runner: ProcessRunner;
  listFile: string;
  output: string;
  /** The list's contents; written by the caller to `listFile` before this runs. */
  playMs: number;
  /** Output time reached, 0..playMs; called as FFmpeg reports it (about twice a second). */
  onProgress: (doneMs: number) => void;
  signal: AbortSignal;
  /** SIGTERM grace before SIGKILL on cancel. */
  stopGraceMs?: number;
}

const STDERR_KEEP = 4096;

/** Runs FFmpeg for one export. Resolves when the output is complete; rejects with why not. */
export async function runExportProcess(options: RunExportOptions): Promise<void> {
  // A function, so the check after the await reads the signal again (TypeScript keeps the narrowing).
  const aborted = (): boolean => options.signal.aborted;
  if (aborted()) throw new ExportCancelledError();
  const ffmpeg = await options.runner.start(
    options.ffmpegPath,
    buildExportArgs({ listFile: options.listFile, output: options.output }),
    {},
  );
  if (ffmpeg.pid !== undefined) {
    try {
      // Below recording's priority: when the CPU or disk is short, live segments win over an export.
      os.setPriority(ffmpeg.pid, 10);
    } catch {
      // not permitted on this system: the export still runs, at normal priority
    }
  }
  let stderr = '';
  let progressText = '';
  ffmpeg.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_KEEP);
  });
  ffmpeg.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    progressText += chunk;
    const lastBreak = progressText.lastIndexOf('\n');
    if (lastBreak === -1) return;
    const done = parseProgressTime(progressText.slice(0, lastBreak + 1));
    progressText = progressText.slice(lastBreak + 1);
    if (done !== null) options.onProgress(Math.min(done, options.playMs));
  });
  const onAbort = (): void => void ffmpeg.stop(options.stopGraceMs ?? 2000);
  options.signal.addEventListener('abort', onAbort, { once: true });
  try {
    const { code, signal } = await ffmpeg.exited;
    if (aborted()) throw new ExportCancelledError();
    if (code !== 0) {
      const lastLine = stderr.trim().split('\n').pop()?.trim() ?? '';
      const how = code === null ? `was killed (${signal ?? 'no exit status'})` : `exited with code ${code}`;
      throw new Error(`FFmpeg ${how}${lastLine === '' ? '' : `: ${lastLine}`}`);
    }
  } finally {
    options.signal.removeEventListener('abort', onAbort);
  }
}
