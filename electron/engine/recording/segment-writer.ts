/**
 * Cuts one session's fragmented MP4 into segment files at keyframes and writes them straight to their final
 * place. Each file is the init segment followed by whole fragments, so every closed fragment is playable and a
 * crash loses at most the fragment being written.
 *
 * Writes are synchronous `writev` calls of the fragment's pipe slices, made as each fragment arrives. Measured
 * here (bench:record, 16 cameras): promise-based writes cost about three times the CPU of synchronous ones
 * (threadpool hand-off and promise churn for ~100 KB every 200 ms per camera), and a local disk takes the
 * page-cache copy in tens of microseconds. A write slower than `SLOW_WRITE_MS` is logged so a failing disk
 * shows up; a failed write drops that segment's remaining fragments (counted) until the next segment opens.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Fragment, InitSegment } from '../ingest/fmp4.js';
import type { Logger } from '../ports.js';
import { segmentRelativePath, toAbsolute } from './segment-path.js';

export interface ClosedSegment {
  /** Relative to the recordings root. */
  filePath: string;
  startTime: number;
  endTime: number;
  durationMs: number;
  fileSize: number;
  videoFrames: number;
}

export interface SegmentWriterOptions {
  cameraId: string;
  recordingsDir: string;
  /** Target length; the cut happens at the first keyframe at or after it. */
  segmentMs: number;
  logger: Logger;
  /** Called once per closed segment, after its bytes are on disk, in the order segments were opened. */
  onClosed: (segment: ClosedSegment) => void;
  /** Called when opening or writing a file fails (ENOSPC, EIO, ...); the session decides what to do. */
  onError: (error: NodeJS.ErrnoException) => void;
}

/** A write slower than this is logged (at most once a minute): the disk cannot keep up. */
const SLOW_WRITE_MS = 200;

interface OpenSegment {
  filePath: string;
  fd: number | null;
  startTime: number;
  endTime: number;
  /** Stream-clock position (ms) of the first fragment, to restate `startTime` when the anchor tightens. */
  mediaStartMs: number;
  bytes: number;
  videoFrames: number;
  failed: boolean;
}

function writeAll(fd: number, parts: readonly Buffer[]): void {
  let remaining: readonly Buffer[] = parts;
  for (;;) {
    const written = fs.writevSync(fd, remaining);
    let left = -written;
    for (const part of remaining) left += part.length;
    if (left <= 0) return;
    if (written === 0) throw Object.assign(new Error('write made no progress'), { code: 'EIO' });
    // A short write (a nearly full disk): keep what was not written, cutting into the first unfinished part.
    let skip = written;
    const rest: Buffer[] = [];
    for (const part of remaining) {
      if (skip >= part.length) skip -= part.length;
      else {
        rest.push(skip > 0 ? part.subarray(skip) : part);
        skip = 0;
      }
    }
    remaining = rest;
  }
}

export class SegmentWriter {
  private init: InitSegment | null = null;
  private current: OpenSegment | null = null;
  private lastSlowWarning = 0;
  /** Fragments lost because their file could not be written. */
  droppedFragments = 0;
  /** Fragments skipped while waiting for the first keyframe of a segment. */
  skippedBeforeKeyframe = 0;
  bytesWritten = 0;

  constructor(private readonly options: SegmentWriterOptions) {}

  setInit(init: InitSegment): void {
    this.init = init;
  }

  /** The segment being written now (never touched by cleanup), relative to the recordings root. */
  get currentFile(): string | null {
    return this.current?.filePath ?? null;
  }

  /** Adds a fragment whose first sample is at wall-clock `startTime` (UTC ms). */
  push(fragment: Fragment, startTime: number): void {
    const init = this.init;
    if (init === null) return;
    const open = this.current;
    if (open !== null && fragment.keyframe && startTime - open.startTime >= this.options.segmentMs) {
      this.close();
    }
    if (this.current === null) {
      if (!fragment.keyframe) {
        this.skippedBeforeKeyframe += 1;
        return;
      }
      this.current = this.open(startTime, fragment.startMs, init);
    }
    const segment = this.current;
    if (segment.failed) {
      this.droppedFragments += 1;
      return;
    }
    this.write(segment, fragment.parts, fragment.byteLength);
    // The supervisor's wall-clock anchor tightens over the first seconds of a session (it only goes down, by
    // under a second): restate the start from the latest anchor so start and end agree with each other.
    const restated = startTime - (fragment.startMs - segment.mediaStartMs);
    if (restated < segment.startTime && segment.startTime - restated < 3000) segment.startTime = restated;
    segment.endTime = startTime + fragment.durationMs;
    segment.videoFrames += fragment.videoFrames;
  }

  /** Closes the open segment, if any. */
  finish(): Promise<void> {
    this.close();
    return Promise.resolve();
  }

  private open(startTime: number, mediaStartMs: number, init: InitSegment): OpenSegment {
    const { cameraId, recordingsDir } = this.options;
    let attempt = 0;
    let filePath = segmentRelativePath(cameraId, startTime);
    const segment: OpenSegment = {
      filePath,
      fd: null,
      startTime,
      endTime: startTime,
      mediaStartMs,
      bytes: 0,
      videoFrames: 0,
      failed: false,
    };
    try {
      fs.mkdirSync(path.dirname(toAbsolute(recordingsDir, filePath)), { recursive: true });
      for (;;) {
        try {
          // 'wx': a restart within the same second must never overwrite footage; take the next free name.
          segment.fd = fs.openSync(toAbsolute(recordingsDir, filePath), 'wx', 0o640);
          break;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
          attempt += 1;
          filePath = segmentRelativePath(cameraId, startTime, attempt);
        }
      }
      segment.filePath = filePath;
    } catch (error) {
      this.fail(segment, error);
      return segment;
    }
    this.write(segment, [init.data], init.data.length);
    return segment;
  }

  private write(segment: OpenSegment, parts: readonly Buffer[], byteLength: number): void {
    if (segment.fd === null || segment.failed) return;
    const started = performance.now();
    try {
      writeAll(segment.fd, parts);
    } catch (error) {
      this.fail(segment, error);
      return;
    }
    segment.bytes += byteLength;
    this.bytesWritten += byteLength;
    const took = performance.now() - started;
    if (took > SLOW_WRITE_MS && started - this.lastSlowWarning > 60_000) {
      this.lastSlowWarning = started;
      this.options.logger.warn(
        { file: segment.filePath, ms: Math.round(took) },
        `Writing ${byteLength} bytes took ${Math.round(took)} ms: the recordings disk is not keeping up`,
      );
    }
  }

  private fail(segment: OpenSegment, error: unknown): void {
    segment.failed = true;
    this.options.onError(error as NodeJS.ErrnoException);
  }

  private close(): void {
    const segment = this.current;
    if (segment === null) return;
    this.current = null;
    if (segment.fd !== null) {
      try {
        fs.closeSync(segment.fd);
      } catch (error) {
        if (!segment.failed) this.fail(segment, error);
      }
    }
    if (segment.failed) return;
    this.options.onClosed({
      filePath: segment.filePath,
      startTime: Math.round(segment.startTime),
      endTime: Math.round(segment.endTime),
      durationMs: Math.round(segment.endTime) - Math.round(segment.startTime),
      fileSize: segment.bytes,
      videoFrames: segment.videoFrames,
    });
  }
}
