/**
 * Runs one `CameraRecorder` per enabled camera, keeps them in step with camera changes (restarting a recorder
 * only when what it records changed), reports state to the camera service and answers health figures.
 */
import { and, eq, gte, sum } from 'drizzle-orm';
import type { CameraHealth, CameraStatus } from '../../../common/contract/index.js';
import type { CameraRow, CameraService } from '../cameras/camera-service.js';
import type { Db } from '../db/open-database.js';
import { segments } from '../db/schema.js';
import { CpuMeter, type CpuReader } from '../ingest/process-cpu.js';
import type { ProcessRunner } from '../ingest/process-runner.js';
import { monotonicOf, type Clock, type Logger } from '../ports.js';
import { CameraRecorder, type RecorderCamera } from './camera-recorder.js';
import { reconcileAfterCrash } from './reconcile.js';
import { createSegmentIndex } from './segment-index.js';

export interface RecordingManagerOptions {
  db: Db;
  cameras: CameraService;
  recordingsDir: string;
  /** Null when no usable FFmpeg was found; cameras then show `error` with `ffmpegProblem`. */
  ffmpegPath: string | null;
  ffmpegProblem: string | null;
  runner: ProcessRunner;
  clock: Clock;
  logger: Logger;
  readTimeoutMs?: number;
  stallMs?: number;
  /** Where FFmpeg pid files live; leftovers from a crashed run are ended at start. */
  pidDir?: string;
  /** Runs after the crash repair and before any recorder starts (storage's both-ways reconciliation). */
  afterRepair?: () => void;
  /** A recorder could not write a segment file (storage runs an emergency cleanup on ENOSPC). */
  onWriteError?: (cameraId: string, error: NodeJS.ErrnoException) => void;
  /** Reads a process's CPU seconds (tests pass a fake); /proc by default. */
  cpuReader?: CpuReader;
}

export interface RecordingManager {
  start(): void;
  /** Brings the recorder of one camera in line with its row (added, changed, disabled, removed). */
  sync(cameraId: string): Promise<void>;
  health(): CameraHealth[];
  recorder(cameraId: string): CameraRecorder | undefined;
  /**
   * Storage says recording must not run (the recordings root is missing or not ours, or the disk is full with
   * nothing deletable): every recorder stops and every enabled camera shows `error` with the reason. Null
   * lifts it and the recorders start again (after the crash repair, when start() could not run it).
   */
  setBlocked(reason: string | null): Promise<void>;
  /** A storage notice (low space, cleanup running) shown as the reason of recording cameras; null clears it. */
  setNotice(reason: string | null): void;
  /** Segment files being written now, relative to the recordings root. */
  openFiles(): string[];
  stop(): Promise<void>;
}

function recorderCamera(row: CameraRow): RecorderCamera {
  const transport = row.rtspTransport === 'udp' ? 'udp' : 'tcp';
  const credentials = { username: row.username, password: row.password, transport } as const;
  return {
    id: row.id,
    main: { url: row.rtspUrl, ...credentials },
    sub: row.subStreamUrl === null ? null : { url: row.subStreamUrl, ...credentials },
    segmentMs: row.segmentSeconds * 1000,
  };
}

/** What a recorder depends on: a change to any of it restarts the recorder; a rename does not. */
function recorderKey(row: CameraRow): string {
  return JSON.stringify([
    row.rtspUrl,
    row.subStreamUrl,
    row.username,
    row.password,
    row.rtspTransport,
    row.segmentSeconds,
  ]);
}

function startOfUtcDay(now: number): number {
  const date = new Date(now);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
}

export function createRecordingManager(options: RecordingManagerOptions): RecordingManager {
  const { db, cameras, clock } = options;
  const monotonic = monotonicOf(clock);
  const logger = options.logger.child({ component: 'recording' });
  const index = createSegmentIndex(db);
  const running = new Map<string, { recorder: CameraRecorder; key: string }>();
  const nextAttempts = new Map<string, number | null>();
  // Camera changes arrive as events; applying them one at a time keeps a fast edit-then-delete in order.
  let queue: Promise<void> = Promise.resolve();
  let stopped = false;
  let started = false;
  let repaired = false;
  let blocked: string | null = null;
  let notice: string | null = null;
  const lastStatus = new Map<string, { status: CameraStatus; reason: string | null }>();
  const cpuMeters = new Map<string, CpuMeter>();

  function report(cameraId: string, status: CameraStatus, reason: string | null): void {
    lastStatus.set(cameraId, { status, reason });
    const shown = notice !== null && status === 'recording' ? notice : reason;
    cameras.setStatus(cameraId, status, shown, nextAttempts.get(cameraId) ?? null);
  }

  function repairOnce(): void {
    if (repaired) return;
    repaired = true;
    reconcileAfterCrash({
      db,
      index,
      recordingsDir: options.recordingsDir,
      cameraIds: cameras.ids(),
      now: clock.now(),
      logger,
    });
    options.afterRepair?.();
  }

  function startRecorder(row: CameraRow): void {
    if (options.ffmpegPath === null) {
      cameras.setStatus(row.id, 'error', options.ffmpegProblem ?? 'FFmpeg is not available', null);
      return;
    }
    const recorder = new CameraRecorder({
      camera: recorderCamera(row),
      ffmpegPath: options.ffmpegPath,
      recordingsDir: options.recordingsDir,
      runner: options.runner,
      index,
      clock,
      logger: options.logger,
      ...(options.readTimeoutMs === undefined ? {} : { readTimeoutMs: options.readTimeoutMs }),
      ...(options.stallMs === undefined ? {} : { stallMs: options.stallMs }),
      ...(options.pidDir === undefined ? {} : { pidDir: options.pidDir }),
      onStatus: (status, reason, nextAttemptAt) => {
        // A recorder being replaced reports `disabled` as it stops; only the current one speaks.
        if (stopped || running.get(row.id)?.recorder !== recorder) return;
        nextAttempts.set(row.id, nextAttemptAt);
        report(row.id, status, reason);
      },
      ...(options.onWriteError === undefined
        ? {}
        : { onWriteError: (error: NodeJS.ErrnoException) => options.onWriteError?.(row.id, error) }),
    });
    running.set(row.id, { recorder, key: recorderKey(row) });
    recorder.start();
  }

  async function apply(cameraId: string): Promise<void> {
    if (stopped) return;
    const row = cameras.row(cameraId);
    const current = running.get(cameraId);
    const wanted = row !== undefined && row.enabled;
    if (current !== undefined && (!wanted || blocked !== null || current.key !== recorderKey(row))) {
      running.delete(cameraId);
      await current.recorder.stop();
    }
    if (wanted && blocked !== null) {
      nextAttempts.set(cameraId, null);
      report(cameraId, 'error', blocked);
      return;
    }
    if (wanted && !running.has(cameraId)) startRecorder(row);
  }

  return {
    start() {
      started = true;
      const ids = cameras.ids();
      if (blocked !== null) {
        // Nothing is read, repaired or written under a root storage refused; the repair waits for it.
        for (const id of ids) if (cameras.row(id)?.enabled === true) report(id, 'error', blocked);
        return;
      }
      repairOnce();
      for (const id of ids) {
        const row = cameras.row(id);
        if (row?.enabled === true) startRecorder(row);
      }
    },

    setBlocked(reason) {
      if (reason === blocked) return queue;
      blocked = reason;
      if (!started) return queue;
      if (reason !== null) logger.error({}, `Recording stopped: ${reason}`);
      else logger.info({}, 'Recording resumes');
      queue = queue
        .then(async () => {
          if (blocked === null) repairOnce();
          for (const id of new Set([...cameras.ids(), ...running.keys()])) await apply(id);
        })
        .catch((error: unknown) => {
          logger.error({ err: error }, 'Applying a storage block to the recorders failed');
        });
      return queue;
    },

    setNotice(reason) {
      if (reason === notice) return;
      notice = reason;
      for (const [id, last] of lastStatus) {
        if (running.has(id) && last.status === 'recording') report(id, last.status, last.reason);
      }
    },

    openFiles() {
      return [...running.values()]
        .map((entry) => entry.recorder.currentFile)
        .filter((file): file is string => file !== null);
    },

    sync(cameraId) {
      queue = queue
        .then(() => apply(cameraId))
        .catch((error: unknown) => {
          logger.error({ cameraId, err: error }, 'Applying a camera change to its recorder failed');
        });
      return queue;
    },

    recorder(cameraId) {
      return running.get(cameraId)?.recorder;
    },

    health() {
      const now = clock.now();
      const tick = monotonic();
      const today = startOfUtcDay(now);
      for (const id of cpuMeters.keys()) if (!running.has(id)) cpuMeters.delete(id);
      return cameras.list().map((camera): CameraHealth => {
        const recorder = running.get(camera.id)?.recorder;
        const counters = recorder?.main.counters;
        const recent = counters?.recent.filter((entry) => entry.at >= tick - 10_000) ?? [];
        // Rates over the time the entries cover, which is less than 10 s just after (re)connecting: the first
        // entry only marks where that time starts (its frames arrived before it).
        const seconds = recent[0] === undefined ? 0 : (tick - recent[0].at) / 1000;
        const frames = recent.slice(1).reduce((total, entry) => total + entry.frames, 0);
        const bytes = recent.slice(1).reduce((total, entry) => total + entry.bytes, 0);
        const lastEnd = recorder?.lastSegmentEndTime ?? null;
        const bytesToday = db
          .select({ total: sum(segments.fileSize) })
          .from(segments)
          .where(and(eq(segments.cameraId, camera.id), gte(segments.startTime, today)))
          .get();
        let cpuMeter = cpuMeters.get(camera.id);
        if (cpuMeter === undefined && recorder !== undefined) {
          cpuMeter = new CpuMeter(options.cpuReader);
          cpuMeters.set(camera.id, cpuMeter);
        }
        const decode = recorder?.detectionDecode ?? null;
        return {
          id: camera.id,
          status: camera.status,
          statusReason: camera.statusReason,
          nextAttemptAt: nextAttempts.get(camera.id) ?? null,
          inputFps: seconds > 0 ? Math.round((frames / seconds) * 10) / 10 : 0,
          bitrateKbps: seconds > 0 ? Math.round((bytes * 8) / seconds / 1000) : 0,
          lastSegmentAgeMs: lastEnd === null ? null : Math.max(0, now - lastEnd),
          reconnectsLastHour: counters?.restarts.filter((at) => at >= tick - 3_600_000).length ?? 0,
          bytesToday: Number(bytesToday?.total ?? 0),
          droppedFragments: recorder?.droppedFragments ?? 0,
          quarantinedSegments: recorder?.quarantined ?? 0,
          ffmpegCpuPct: recorder === undefined ? null : (cpuMeter?.measure(recorder.pids, tick) ?? null),
          detectionDecode:
            decode === null
              ? null
              : {
                  stream: decode.stream,
                  fps: decode.output.fps,
                  width: decode.output.width,
                  format: decode.output.format,
                },
        };
      });
    },

    async stop() {
      await queue;
      stopped = true;
      const all = [...running.values()];
      running.clear();
      await Promise.all(all.map((entry) => entry.recorder.stop()));
    },
  };
}
