/**
 * Storage: the recordings root check, the start-up reconciliation, retention in one queue (every 5 minutes,
 * at once under the free-space floor or after a failed write), disk-full handling, the day timeline, event
 * locks and the status the Storage page shows. Recording is told to stop (`setBlocked`) when the root is not
 * ours or the disk is full with nothing deletable, and to show a notice while cleanup makes room.
 */
import fs from 'node:fs';
import type Database from 'better-sqlite3';
import {
  ContractError,
  LOCKED_EVENTS_MAX,
  type CleanupSummary,
  type LockedEvent,
  type MethodInput,
  type ReconcileSummary,
  type StorageSettings,
  type StorageState,
  type StorageStatus,
  type RecordingSegments,
  type TimelineDay,
  type TimelineDays,
} from '../../../common/contract/index.js';
import type { Db } from '../db/open-database.js';
import type { EventBus } from '../events/event-bus.js';
import type { Clock, Logger } from '../ports.js';
import { createSegmentIndex } from '../recording/segment-index.js';
import type { ActivityWindows } from './activity-windows.js';
import type { LeaseRegistry } from './leases.js';
import { reconcileStorage } from './reconcile-storage.js';
import { DAY_MS, createRetention, floorBytes, headroomBytes } from './retention.js';
import { ROOT_ID_KEY, checkRoot, checkRootAtStart, type RootCheck } from './root-marker.js';
import { createStorageSettings } from './storage-settings.js';
import { createTimelineQuery } from './timeline.js';

export const CLEANUP_INTERVAL_MS = 5 * 60_000;
export const FREE_SPACE_CHECK_MS = 5_000;
/** How often footage of `motion` and `events` cameras is trimmed, and how long a segment settles first. */
export const TRIM_INTERVAL_MS = 30_000;
export const TRIM_SETTLE_MS = 30_000;

export interface DiskSpace {
  totalBytes: number;
  freeBytes: number;
}

/** Free and total bytes of the volume holding `dir` (what an unprivileged writer may use). */
export function statDisk(dir: string): DiskSpace | null {
  try {
    const stats = fs.statfsSync(dir);
    return { totalBytes: stats.blocks * stats.bsize, freeBytes: stats.bavail * stats.bsize };
  } catch {
    return null;
  }
}

/** What storage needs from the recording engine. */
export interface RecordingControl {
  setBlocked(reason: string | null): Promise<void>;
  setNotice(reason: string | null): void;
  openFiles(): string[];
}

export interface StorageServiceOptions {
  db: Db;
  sqlite: Database.Database;
  recordingsDir: string;
  clock: Clock;
  logger: Logger;
  events: EventBus;
  leases: LeaseRegistry;
  recording: () => RecordingControl;
  cleanupIntervalMs?: number;
  freeSpaceCheckMs?: number;
  /** What detection saw, for the recording modes; absent: every camera's footage is kept as continuous. */
  activity?: ActivityWindows;
  trimIntervalMs?: number;
  trimSettleMs?: number;
  diskSpace?: (dir: string) => DiskSpace | null;
}

export interface StorageService {
  /** Segment leases: playback and export hold them; retention skips leased segments. */
  readonly leases: LeaseRegistry;
  /** Checks (and on first use marks) the recordings root; blocks recording when it is not ours. */
  checkRootAtStart(): RootCheck;
  /** The both-ways reconciliation; recording calls it after its crash repair, before any recorder runs. */
  reconcileAtStart(): void;
  /** Starts the timers (cleanup every 5 min, free-space and root checks every few seconds). */
  start(): void;
  stop(): Promise<void>;
  status(): StorageStatus;
  settings(): StorageSettings;
  setSettings(input: MethodInput<'storage.settings.set'>): StorageSettings;
  reconcile(input: MethodInput<'storage.reconcile'>): Promise<StorageStatus>;
  timelineDay(input: MethodInput<'timeline.day'>): TimelineDay;
  timelineDays(input: MethodInput<'timeline.days'>): TimelineDays;
  segments(input: MethodInput<'recordings.segments'>): RecordingSegments;
  setLocked(id: number, locked: boolean): { id: number; locked: boolean };
  /** Locked events, newest first, each with the indexed bytes its window (± pre/post-roll) keeps. */
  lockedEvents(): LockedEvent[];
  /** Queues a retention pass (coalesced with one already waiting); resolves with its summary. */
  cleanup(reason: CleanupSummary['reason']): Promise<CleanupSummary | null>;
  /** A recorder failed to write (the recording manager forwards it). */
  writeFailed(cameraId: string, error: NodeJS.ErrnoException): void;
}

const NO_SPACE = new Set(['ENOSPC', 'EDQUOT']);

export function createStorageService(options: StorageServiceOptions): StorageService {
  const { db, sqlite, recordingsDir, clock, events, leases } = options;
  const logger = options.logger.child({ component: 'storage' });
  const diskSpace = options.diskSpace ?? statDisk;
  const store = createStorageSettings(db, () => clock.now());
  const retention = createRetention({ sqlite, recordingsDir, leases, logger });
  const timeline = createTimelineQuery(sqlite);
  const index = createSegmentIndex(db);

  const usedBytes = sqlite.prepare('SELECT coalesce(sum(file_size), 0) FROM segments').pluck(true);
  const perCamera = sqlite
    .prepare(
      `SELECT camera_id, coalesce(sum(file_size), 0), count(*), min(start_time), max(end_time)
       FROM segments GROUP BY camera_id`,
    )
    .raw(true);
  const recentPerCamera = sqlite
    .prepare(
      `SELECT camera_id, coalesce(sum(file_size), 0), min(start_time) FROM segments INDEXED BY segments_start_idx
       WHERE start_time >= ? GROUP BY camera_id`,
    )
    .raw(true);
  const cameraNames = sqlite.prepare('SELECT id, name FROM cameras').raw(true);
  const hasSegments = sqlite.prepare('SELECT 1 FROM segments LIMIT 1').pluck(true);
  const lockEvent = sqlite.prepare('UPDATE events SET locked = ? WHERE id = ?');
  // Few rows (the partial index events_locked_idx); each sums the segment rows its window overlaps.
  const listLocked = sqlite
    .prepare(
      `SELECT e.id, e.camera_id, coalesce(c.name, e.camera_id), e.type, e.start_time, e.end_time,
         (SELECT coalesce(sum(s.file_size), 0) FROM segments s
          WHERE s.camera_id = e.camera_id AND s.end_time > e.start_time - @pre
            AND (e.end_time IS NULL OR s.start_time < e.end_time + @post))
       FROM events e LEFT JOIN cameras c ON c.id = e.camera_id
       WHERE e.locked = 1 ORDER BY e.start_time DESC, e.id DESC LIMIT ${LOCKED_EVENTS_MAX}`,
    )
    .raw(true);

  let root: RootCheck = { state: 'ok', problem: null };
  let rootId: string | null = null;
  let reconciledAtStart = false;
  let reconcileSummary: ReconcileSummary | null = null;
  let lastCleanup: CleanupSummary | null = null;
  let lowSpace = false;
  let stoppedFull: string | null = null;
  let lastState: StorageState = 'ok';
  // When each kind of storage.lowSpace was last pushed; cleared when the episode ends.
  const lastLowSpaceAt = new Map<string, number>();
  let queue: Promise<unknown> = Promise.resolve();
  let waiting: {
    reason: CleanupSummary['reason'];
    emergency: boolean;
    promise: Promise<CleanupSummary | null>;
  } | null = null;
  let timers: NodeJS.Timeout[] = [];
  let stopped = false;

  function state(): StorageState {
    if (root.state !== 'ok') return 'root_problem';
    if (stoppedFull !== null) return 'stopped_full';
    return lowSpace ? 'low_space' : 'ok';
  }

  function message(): string | null {
    if (root.problem !== null) return root.problem;
    if (stoppedFull !== null) return stoppedFull;
    if (lowSpace) return 'Disk nearly full: deleting the oldest footage to make room.';
    if (reconcileSummary?.refused === true) return reconcileSummary.message;
    return null;
  }

  function blockReason(): string | null {
    return root.problem ?? stoppedFull;
  }

  function announce(): void {
    const current = state();
    options
      .recording()
      .setNotice(current === 'low_space' ? 'Disk nearly full: deleting the oldest footage' : null);
    void options.recording().setBlocked(blockReason());
    if (current !== lastState) {
      lastState = current;
      events.emit('storage.statusChanged', status());
    }
  }

  function pushLowSpace(
    reason: 'write_error' | 'below_floor' | 'nothing_deletable',
    disk: DiskSpace | null,
  ): void {
    const now = clock.now();
    // One event per episode (or per 30 s while it lasts), not one per failed fragment.
    if (reason !== 'nothing_deletable' && now - (lastLowSpaceAt.get(reason) ?? -Infinity) < 30_000) return;
    lastLowSpaceAt.set(reason, now);
    const floor = disk === null ? 0 : floorBytes(store.limits(), disk.totalBytes);
    const text =
      reason === 'nothing_deletable'
        ? (stoppedFull ?? 'The disk is full and nothing can be deleted.')
        : reason === 'write_error'
          ? 'A recording could not be written: the disk is full. Deleting the oldest footage to make room.'
          : 'Free space is under the floor. Deleting the oldest footage to make room.';
    logger.warn({ reason, freeBytes: disk?.freeBytes, floorBytes: floor }, text);
    events.emit('storage.lowSpace', {
      at: now,
      reason,
      freeBytes: disk?.freeBytes ?? 0,
      floorBytes: floor,
      message: text,
    });
  }

  /** Back above the floor with some headroom, so one segment later it does not stop again. */
  function roomy(disk: DiskSpace | null): boolean {
    if (disk === null) return false;
    const floor = floorBytes(store.limits(), disk.totalBytes);
    return disk.freeBytes >= floor + headroomBytes(floor, disk.totalBytes);
  }

  function overLimits(disk: DiskSpace | null): { underFloor: boolean; overSize: boolean } {
    const limits = store.limits();
    const underFloor = disk !== null && disk.freeBytes < floorBytes(limits, disk.totalBytes);
    const overSize =
      limits.maxTotalGb !== null && (usedBytes.get() as number) > Math.round(limits.maxTotalGb * 1e9);
    return { underFloor, overSize };
  }

  async function runPass(
    reason: CleanupSummary['reason'],
    emergency: boolean,
  ): Promise<CleanupSummary | null> {
    if (stopped || root.state !== 'ok') return null;
    if (reconcileSummary?.refused === true) {
      // Rows of missing files would be taken for deletable footage: the refusal holds retention too.
      logger.warn({}, 'Cleanup skipped: the start-up reconciliation was refused (see the Storage page)');
      return null;
    }
    const started = performance.now();
    const disk = diskSpace(recordingsDir);
    const result = await retention.pass({
      now: clock.now(),
      limits: store.limits(),
      cameras: store.cameraRetention(),
      disk,
      // A full scan of the sizes: only when a size limit needs it.
      usedBytes: store.limits().maxTotalGb === null ? 0 : (usedBytes.get() as number),
      emergency,
    });
    const summary: CleanupSummary = {
      at: clock.now(),
      reason,
      deletedSegments: result.deletedSegments,
      freedBytes: result.freedBytes,
      skippedProtected: result.skippedProtected,
      failed: result.failed,
      durationMs: Math.round(performance.now() - started),
    };
    lastCleanup = summary;
    if (summary.deletedSegments > 0 || summary.failed > 0) {
      logger.info(
        { ...summary },
        `Cleanup (${reason}): ${summary.deletedSegments} segment(s) deleted, ${Math.round(summary.freedBytes / 1e6)} MB freed`,
      );
    }
    const after = diskSpace(recordingsDir);
    const { underFloor, overSize } = overLimits(after);
    if (result.short && (underFloor || overSize || (emergency && result.freedBytes === 0))) {
      if (stoppedFull === null) {
        stoppedFull =
          'Recording stopped: the disk is full and nothing more can be deleted (the remaining footage is locked, ' +
          'in use by an export or playback, or the disk is filled by other files). It resumes by itself once space ' +
          'is free: unlock events, delete exports or free the disk.';
        logger.error({ freeBytes: after?.freeBytes }, stoppedFull);
        pushLowSpace('nothing_deletable', after);
      }
    } else if (!underFloor) {
      lowSpace = false;
      lastLowSpaceAt.clear();
      // A pass after a settings change (a lower floor) or after space came back lifts a stop at once.
      if (stoppedFull !== null && !overSize && roomy(after)) {
        stoppedFull = null;
        logger.info({}, 'Space is back: recording resumes');
      }
    }
    announce();
    return summary;
  }

  let trimming = false;
  /** The recording modes' pass, in the same queue as cleanup (never two deletions at once). */
  function trimPass(): void {
    const activity = options.activity;
    if (activity === undefined || stopped || trimming || root.state !== 'ok') return;
    if (reconcileSummary?.refused === true) return;
    activity.prune(clock.now());
    const trimCameras = store.trimCameras();
    if (trimCameras.length === 0) return;
    trimming = true;
    queue = queue
      .then(async () => {
        if (stopped) return;
        const result = await retention.trim({
          now: clock.now(),
          limits: store.limits(),
          cameras: trimCameras,
          activity,
          settleMs: options.trimSettleMs ?? TRIM_SETTLE_MS,
        });
        if (result.deletedSegments > 0 || result.failed > 0) {
          logger.debug(
            { ...result },
            `Recording modes: ${result.deletedSegments} segment(s) without motion or events deleted`,
          );
        }
      })
      .catch((error: unknown) => {
        logger.error({ err: error }, 'Trimming footage of motion and events cameras failed');
      })
      .finally(() => {
        trimming = false;
      });
  }

  function cleanup(reason: CleanupSummary['reason'], emergency = false): Promise<CleanupSummary | null> {
    if (waiting !== null) {
      waiting.emergency ||= emergency;
      return waiting.promise;
    }
    const entry = { reason, emergency, promise: Promise.resolve<CleanupSummary | null>(null) };
    entry.promise = queue.then(() => {
      waiting = null;
      return runPass(entry.reason, entry.emergency);
    });
    waiting = entry;
    queue = entry.promise.catch((error: unknown) => {
      logger.error({ err: error }, 'Cleanup failed');
    });
    return entry.promise;
  }

  function reconcileNow(acceptLoss: boolean, whileRecording: boolean): ReconcileSummary {
    const open = new Set(options.recording().openFiles());
    const youngest = clock.now() - 3_600_000;
    reconcileSummary = reconcileStorage({
      db,
      sqlite,
      index,
      recordingsDir,
      logger,
      now: clock.now(),
      acceptLoss,
      // While recorders run, a file written in the last hour may be about to get its row.
      skip: whileRecording
        ? (relative) => {
            if (open.has(relative)) return true;
            try {
              return fs.statSync(`${recordingsDir}/${relative}`).mtimeMs > youngest;
            } catch {
              return true;
            }
          }
        : undefined,
    });
    return reconcileSummary;
  }

  function check(): void {
    if (stopped || rootId === null) return;
    const next = checkRoot(recordingsDir, rootId);
    if (next.state !== root.state) {
      if (next.problem !== null) logger.error({ state: next.state }, next.problem);
      else logger.info({}, `The recordings folder ${recordingsDir} is back`);
      root = next;
      if (next.state === 'ok' && !reconciledAtStart) {
        // The root was not ours at start: the recording manager runs its crash repair and then this.
        announce();
        return;
      }
      announce();
    }
    if (root.state !== 'ok') return;
    const disk = diskSpace(recordingsDir);
    const { underFloor, overSize } = overLimits(disk);
    if (stoppedFull !== null) {
      if (roomy(disk) && !overSize) {
        stoppedFull = null;
        lowSpace = false;
        logger.info({}, 'Space is back: recording resumes');
        announce();
      }
      return;
    }
    if (underFloor) {
      if (!lowSpace) {
        lowSpace = true;
        pushLowSpace('below_floor', disk);
        announce();
      }
      void cleanup('low_space');
    }
  }

  function status(): StorageStatus {
    const limits = store.limits();
    const disk = root.state === 'ok' ? diskSpace(recordingsDir) : null;
    const now = clock.now();
    const names = new Map(cameraNames.all() as [string, string][]);
    const recent = new Map(
      (recentPerCamera.all(now - DAY_MS) as [string, number, number][]).map(([id, bytes, from]) => [
        id,
        // Scaled to a day from the time the last 24 h of footage actually covers (at least a minute).
        Math.round((bytes / Math.max(now - from, 60_000)) * DAY_MS),
      ]),
    );
    const cameraRows = (perCamera.all() as [string, number, number, number, number][]).map(
      ([id, bytes, count, oldest, newest]) => ({
        id,
        name: names.get(id) ?? id,
        bytes,
        segments: count,
        oldestTime: oldest,
        newestTime: newest,
        bytesPerDay: recent.get(id) ?? 0,
      }),
    );
    const used = usedBytes.get() as number;
    const floor = disk === null ? 0 : floorBytes(limits, disk.totalBytes);
    const maxTotal = limits.maxTotalGb === null ? null : Math.round(limits.maxTotalGb * 1e9);
    const perDay = cameraRows.reduce((total, camera) => total + camera.bytesPerDay, 0);
    let room = disk === null ? null : Math.max(0, disk.freeBytes - floor);
    if (maxTotal !== null) room = Math.min(room ?? Infinity, Math.max(0, maxTotal - used));
    return {
      recordingsDir,
      root: { state: root.state, problem: root.problem },
      state: state(),
      message: message(),
      totalBytes: disk?.totalBytes ?? 0,
      freeBytes: disk?.freeBytes ?? 0,
      usedBytes: used,
      floorBytes: floor,
      maxTotalBytes: maxTotal,
      daysRemaining: room === null || perDay <= 0 ? null : Math.round((room / perDay) * 10) / 10,
      cameras: cameraRows,
      lastCleanup,
      reconcile: reconcileSummary,
    };
  }

  return {
    leases,

    checkRootAtStart() {
      const stored = store.readSetting(ROOT_ID_KEY);
      const result = checkRootAtStart({
        root: recordingsDir,
        storedId: typeof stored === 'string' ? stored : null,
        indexHasSegments: hasSegments.get() !== undefined,
      });
      if (result.newId !== null) {
        store.writeSetting(ROOT_ID_KEY, result.newId);
        logger.info({ recordingsDir }, 'Recordings folder marked as this installation’s');
      }
      rootId = result.newId ?? (typeof stored === 'string' ? stored : null);
      root = { state: result.state, problem: result.problem };
      if (root.problem !== null) logger.error({ recordingsDir, state: root.state }, root.problem);
      lastState = state();
      void options.recording().setBlocked(blockReason());
      return root;
    },

    reconcileAtStart() {
      reconciledAtStart = true;
      if (root.state !== 'ok') return;
      reconcileNow(false, false);
      if (reconcileSummary?.refused === true) events.emit('storage.statusChanged', status());
    },

    start() {
      const cleanupMs = options.cleanupIntervalMs ?? CLEANUP_INTERVAL_MS;
      const checkMs = options.freeSpaceCheckMs ?? FREE_SPACE_CHECK_MS;
      timers = [
        setInterval(() => void cleanup('scheduled'), cleanupMs),
        setInterval(check, checkMs),
        setInterval(trimPass, options.trimIntervalMs ?? TRIM_INTERVAL_MS),
      ];
      for (const timer of timers) timer.unref();
      check();
      void cleanup('scheduled');
    },

    async stop() {
      stopped = true;
      for (const timer of timers) clearInterval(timer);
      timers = [];
      await queue;
    },

    status,
    settings: () => store.get(),

    setSettings(input) {
      const disk = diskSpace(recordingsDir);
      const result = store.set(input, disk?.totalBytes ?? 0);
      logger.info({ limits: result.limits }, 'Retention settings changed');
      void cleanup('settings');
      return result;
    },

    async reconcile(input) {
      if (root.state !== 'ok') {
        throw new ContractError('unavailable', root.problem ?? 'The recordings folder is not available');
      }
      const run = queue.then(() => reconcileNow(input.acceptLoss, true));
      queue = run.catch(() => undefined);
      await run;
      announce();
      events.emit('storage.statusChanged', status());
      return status();
    },

    timelineDay: (input) => timeline.day(input),
    timelineDays: (input) => timeline.days(input),
    segments: (input) => timeline.segments(input),

    setLocked(id, locked) {
      if (lockEvent.run(locked ? 1 : 0, id).changes === 0) {
        throw new ContractError('not_found', `No event with id ${id}`, { id });
      }
      logger.info({ eventId: id }, locked ? 'Event locked' : 'Event unlocked');
      return { id, locked };
    },

    lockedEvents() {
      const limits = store.limits();
      const rows = listLocked.all({
        pre: limits.eventPreRollSeconds * 1000,
        post: limits.eventPostRollSeconds * 1000,
      }) as [number, string, string, string, number, number | null, number][];
      return rows.map(([id, cameraId, cameraName, type, startTime, endTime, bytes]) => ({
        id,
        cameraId,
        cameraName,
        type,
        startTime,
        endTime,
        bytes,
      }));
    },

    cleanup: (reason) => cleanup(reason),

    writeFailed(_cameraId, error) {
      if (error.code === undefined || !NO_SPACE.has(error.code) || root.state !== 'ok') return;
      const disk = diskSpace(recordingsDir);
      if (!lowSpace) {
        lowSpace = true;
        announce();
      }
      pushLowSpace('write_error', disk);
      void cleanup('write_error', true);
    },
  };
}
