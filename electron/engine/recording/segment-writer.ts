/**
 * Cuts one session's fragmented MP4 into segment files at keyframes and writes them straight to their final
 * place. Each file is the init segment followed by whole fragments, so every closed fragment is playable and a
 * crash loses at most the fragment being written.
 *
 * Writes are queued per file and never block the pipe reader: a slow disk grows the queue (bounded), it never
 * stalls FFmpeg.
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
  /** Called once per closed segment, after its bytes are on disk. */
  onClosed: (segment: ClosedSegment) => void;
  /** Called when a write fails (ENOSPC, EIO, ...); the session decides what to do. */
  onError: (error: NodeJS.ErrnoException) => void;
}

/** Bytes waiting for the disk before fragments are dropped (and counted) rather than piled up. */
const MAX_QUEUED_BYTES = 64 * 1024 * 1024;

interface OpenSegment {
  filePath: string;
  handle: Promise<fs.promises.FileHandle>;
  chain: Promise<unknown>;
  startTime: number;
  endTime: number;
  bytes: number;
  videoFrames: number;
  failed: boolean;
}

export class SegmentWriter {
  private init: InitSegment | null = null;
  private current: OpenSegment | null = null;
  private queuedBytes = 0;
  private pendingCloses: Promise<void>[] = [];
  /** Fragments dropped because the disk could not keep up. */
  droppedFragments = 0;
  /** Fragments skipped while waiting for the first keyframe of a segment. */
  skippedBeforeKeyframe = 0;
  bytesWritten = 0;

  constructor(private readonly options: SegmentWriterOptions) {}

  setInit(init: InitSegment): void {
    this.init = init;
  }

  /** Whether a segment file is open now (the one being written is never touched by cleanup). */
  get currentFile(): string | null {
    return this.current?.filePath ?? null;
  }

  /**
   * Adds a fragment whose first sample is at wall-clock `startTime` (UTC ms) and lasts `fragment.durationMs`.
   */
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
      this.current = this.open(startTime, init);
    }
    const segment = this.current;
    if (this.queuedBytes + fragment.data.length > MAX_QUEUED_BYTES) {
      this.droppedFragments += 1;
      return;
    }
    segment.endTime = startTime + fragment.durationMs;
    segment.videoFrames += fragment.videoFrames;
    this.write(segment, fragment.data);
  }

  /** Closes the open segment (if any) and resolves when every queued write and close is done. */
  async finish(): Promise<void> {
    this.close();
    await Promise.all(this.pendingCloses);
  }

  private open(startTime: number, init: InitSegment): OpenSegment {
    const { cameraId, recordingsDir } = this.options;
    let attempt = 0;
    let filePath = segmentRelativePath(cameraId, startTime);
    // A restart within the same second would reuse a name: never overwrite footage.
    while (fs.existsSync(toAbsolute(recordingsDir, filePath))) {
      attempt += 1;
      filePath = segmentRelativePath(cameraId, startTime, attempt);
    }
    const absolute = toAbsolute(recordingsDir, filePath);
    const handle = fs.promises
      .mkdir(path.dirname(absolute), { recursive: true })
      .then(() => fs.promises.open(absolute, 'wx', 0o640));
    const segment: OpenSegment = {
      filePath,
      handle,
      // Never rejects: each write awaits `handle` inside its try and reports a failed open through onError. A
      // rejecting chain would skip every write unreported until the close, and leave an unhandled rejection.
      chain: handle.then(
        () => undefined,
        () => undefined,
      ),
      startTime,
      endTime: startTime,
      bytes: 0,
      videoFrames: 0,
      failed: false,
    };
    this.write(segment, init.data);
    return segment;
  }

  private write(segment: OpenSegment, data: Buffer): void {
    this.queuedBytes += data.length;
    segment.chain = segment.chain.then(async () => {
      try {
        if (segment.failed) return;
        const file = await segment.handle;
        await file.write(data);
        segment.bytes += data.length;
        this.bytesWritten += data.length;
      } catch (error) {
        if (!segment.failed) {
          segment.failed = true;
          this.options.onError(error as NodeJS.ErrnoException);
        }
      } finally {
        this.queuedBytes -= data.length;
      }
    });
  }

  private close(): void {
    const segment = this.current;
    if (segment === null) return;
    this.current = null;
    const previous = this.pendingCloses.at(-1);
    const closing = segment.chain
      .then(async () => {
        const file = await segment.handle;
        await file.close();
        // Report in start order even when an earlier file's queued writes drain later (a stalled disk).
        await previous;
      })
      .then(
        () => {
          if (segment.failed) return;
          this.options.onClosed({
            filePath: segment.filePath,
            startTime: Math.round(segment.startTime),
            endTime: Math.round(segment.endTime),
            durationMs: Math.round(segment.endTime - segment.startTime),
            fileSize: segment.bytes,
            videoFrames: segment.videoFrames,
          });
        },
        (error: unknown) => {
          if (!segment.failed) this.options.onError(error as NodeJS.ErrnoException);
        },
      );
    this.pendingCloses.push(closing);
    void closing.finally(() => {
      this.pendingCloses = this.pendingCloses.filter((pending) => pending !== closing);
    });
  }
}
