/**
 * One camera: the main stream records (segment files + rows) and feeds live view; the sub stream, when
 * configured, feeds live tiles (and detection, later) without recording. The camera's state is the main
 * stream's state.
 */
import type { CameraStatus } from '../../../common/contract/index.js';
import type { FrameOutput } from '../ingest/ffmpeg-args.js';
import type { Fragment, InitSegment } from '../ingest/fmp4.js';
import type { ProcessRunner } from '../ingest/process-runner.js';
import {
  type FrameConsumer,
  StreamSupervisor,
  type SessionSink,
  type StreamSource,
  type StreamStatus,
} from '../ingest/stream-supervisor.js';
import { monotonicOf, type Clock, type Logger } from '../ports.js';
import { quarantine } from './quarantine.js';
import type { SegmentIndex } from './segment-index.js';
import { SegmentWriter, type ClosedSegment } from './segment-writer.js';

export interface RecorderCamera {
  id: string;
  main: StreamSource;
  sub: StreamSource | null;
  segmentMs: number;
}

export interface CameraRecorderOptions {
  camera: RecorderCamera;
  ffmpegPath: string;
  recordingsDir: string;
  runner: ProcessRunner;
  index: SegmentIndex;
  clock: Clock;
  logger: Logger;
  onStatus: (status: CameraStatus, reason: string | null, nextAttemptAt: number | null) => void;
  onSegment?: (segment: ClosedSegment & { id: number }) => void;
  /** A segment file could not be opened or written (ENOSPC, EIO, ...): storage decides what to do. */
  onWriteError?: (error: NodeJS.ErrnoException) => void;
  readTimeoutMs?: number;
  stallMs?: number;
  pidDir?: string;
}

export class CameraRecorder {
  readonly main: StreamSupervisor;
  readonly sub: StreamSupervisor | null;
  private lastSegmentEnd: number | null = null;
  private openWriter: SegmentWriter | null = null;
  /** Fragments lost by the writers of sessions that have ended; the open writer's count is added live. */
  private droppedInEndedSessions = 0;
  quarantined = 0;
  private readonly logger: Logger;

  constructor(private readonly options: CameraRecorderOptions) {
    const { camera } = options;
    this.logger = options.logger.child({ component: 'recording', cameraId: camera.id });
    const common = {
      cameraId: camera.id,
      ffmpegPath: options.ffmpegPath,
      runner: options.runner,
      clock: options.clock,
      logger: options.logger,
      ...(options.readTimeoutMs === undefined ? {} : { readTimeoutMs: options.readTimeoutMs }),
      ...(options.stallMs === undefined ? {} : { stallMs: options.stallMs }),
      ...(options.pidDir === undefined ? {} : { pidDir: options.pidDir }),
      // The rule: restart when no segment closed within max(2 × segment length + 30 s, 60 s).
      maxSegmentAgeMs: Math.max(camera.segmentMs * 2 + 30_000, 60_000),
    };
    this.main = new StreamSupervisor({
      ...common,
      kind: 'main',
      source: camera.main,
      hooks: { sessionStarted: () => this.recordingSession() },
      onStatus: (status: StreamStatus) =>
        options.onStatus(status.status, status.reason, status.nextAttemptAt),
    });
    this.sub =
      camera.sub === null
        ? null
        : new StreamSupervisor({
            ...common,
            kind: 'sub',
            source: camera.sub,
            hooks: { sessionStarted: () => this.liveOnlySession() },
            onStatus: () => undefined,
          });
  }

  get lastSegmentEndTime(): number | null {
    return this.lastSegmentEnd;
  }

  /** Fragments lost because their segment file could not be written, since this recorder started. */
  get droppedFragments(): number {
    return this.droppedInEndedSessions + (this.openWriter?.droppedFragments ?? 0);
  }

  get currentFile(): string | null {
    return this.openWriter?.currentFile ?? null;
  }

  /**
   * Decoded frames for detection, from the sub stream when the camera has one (recording is then never
   * restarted for it), else from the main stream.
   */
  setFrameConsumer(consumer: FrameConsumer | null): void {
    (this.sub ?? this.main).setFrameConsumer(consumer);
  }

  /** What is decoded for detection and from which stream (see setFrameConsumer). */
  get detectionDecode(): { stream: 'main' | 'sub'; output: FrameOutput } | null {
    const stream = this.sub ?? this.main;
    const output = stream.frameOutput;
    return output === null ? null : { stream: this.sub === null ? 'main' : 'sub', output };
  }

  /** The running FFmpeg processes of this camera (main, and sub when it has one). */
  get pids(): number[] {
    return [this.main.pid, this.sub?.pid].filter((pid): pid is number => pid !== undefined);
  }

  start(): void {
    this.main.start();
    this.sub?.start();
  }

  async stop(): Promise<void> {
    await Promise.all([this.main.stop(), this.sub?.stop()]);
  }

  /** Longest a segment may be before it is refused: twice the target plus slack for a late keyframe. */
  private get maxSegmentMs(): number {
    return this.options.camera.segmentMs * 2 + 10_000;
  }

  private recordingSession(): SessionSink {
    const { camera, index, clock, recordingsDir } = this.options;
    const streamId = index.beginStream(camera.id, 'main', clock.now());
    let recordingId: number | null = null;
    let streamRecording = false;
    const writer = new SegmentWriter({
      cameraId: camera.id,
      recordingsDir,
      segmentMs: camera.segmentMs,
      logger: this.logger,
      onClosed: (segment) => {
        // Any closed file is progress, even one that fails validation: the stream itself is moving.
        lastProgress = monotonic();
        const problem =
          segment.videoFrames === 0
            ? 'no video'
            : segment.durationMs <= 0
              ? 'duration zero'
              : segment.durationMs > this.maxSegmentMs
                ? `duration ${Math.round(segment.durationMs / 1000)} s over the maximum`
                : segment.fileSize === 0
                  ? 'empty file'
                  : null;
        if (problem !== null) {
          this.quarantined += 1;
          try {
            const moved = quarantine(recordingsDir, segment.filePath);
            this.logger.warn({ file: segment.filePath, movedTo: moved }, `Segment quarantined (${problem})`);
          } catch (error) {
            this.logger.error(
              { file: segment.filePath, err: error },
              `Segment failed validation (${problem}) and could not be moved`,
            );
          }
          return;
        }
        recordingId ??= index.beginRecording(camera.id, segment.startTime);
        const id = index.addSegment({ recordingId, streamId, cameraId: camera.id, segment });
        this.lastSegmentEnd = segment.endTime;
        this.options.onSegment?.({ ...segment, id });
      },
      onError: (error) => {
        this.logger.error({ code: error.code }, `Writing a segment failed: ${error.code ?? error.message}`);
        this.options.onWriteError?.(error);
      },
    });
    this.openWriter = writer;
    const monotonic = monotonicOf(clock);
    let lastProgress = monotonic();
    return {
      init: (init: InitSegment) => writer.setInit(init),
      fragment: (fragment: Fragment, startTime: number) => {
        if (!streamRecording) {
          streamRecording = true;
          index.markStreamRecording(streamId);
        }
        writer.push(fragment, startTime);
      },
      ended: async (reason: string) => {
        await writer.finish();
        this.droppedInEndedSessions += writer.droppedFragments;
        if (this.openWriter === writer) this.openWriter = null;
        index.endStream(streamId, clock.now(), reason);
        if (recordingId !== null)
          index.endRecording(recordingId, reason === 'stopped' ? 'complete' : 'interrupted');
      },
      segmentProgressAgeMs: () => monotonic() - lastProgress,
    };
  }

  private liveOnlySession(): SessionSink {
    return {
      init: () => undefined,
      fragment: () => undefined,
      ended: () => Promise.resolve(),
      segmentProgressAgeMs: () => null,
    };
  }
}
