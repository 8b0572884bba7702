/**
 * Runs one `CameraRecorder` per enabled camera, keeps them in step with camera changes (restarting a recorder
 * only when what it records changed), reports state to the camera service and answers health figures.
 */
import { and, eq, gte, sum } from 'drizzle-orm';
import type { CameraHealth } from '../../../common/contract/index.js';
import type { CameraRow, CameraService } from '../cameras/camera-service.js';
import type { Db } from '../db/open-database.js';
import { segments } from '../db/schema.js';
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
}

export interface RecordingManager {
  start(): void;
  /** Brings the recorder of one camera in line with its row (added, changed, disabled, removed). */
  sync(cameraId: string): Promise<void>;
  health(): CameraHealth[];
  recorder(cameraId: string): CameraRecorder | undefined;
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
        cameras.setStatus(row.id, status, reason, nextAttemptAt);
      },
    });
    running.set(row.id, { recorder, key: recorderKey(row) });
    recorder.start();
  }

  async function apply(cameraId: string): Promise<void> {
    if (stopped) return;
    const row = cameras.row(cameraId);
    const current = running.get(cameraId);
    const wanted = row !== undefined && row.enabled;
    if (current !== undefined && (!wanted || current.key !== recorderKey(row))) {
      running.delete(cameraId);
      await current.recorder.stop();
    }
    if (wanted && !running.has(cameraId)) startRecorder(row);
  }

  return {
    start() {
      const ids = cameras.ids();
      reconcileAfterCrash({
        db,
        index,
        recordingsDir: options.recordingsDir,
        cameraIds: ids,
        now: clock.now(),
        logger,
      });
      for (const id of ids) {
        const row = cameras.row(id);
        if (row?.enabled === true) startRecorder(row);
      }
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
