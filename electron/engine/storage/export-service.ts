/**
 * Clip export: `exports.create` queues one export per camera for a UTC range; a queue runs them one at a time
 * (our own MP4 writer, copying the recorded samples as they are) so exports never compete with each other. Each
 * export leases its segments from creation until it ends, so retention cannot delete footage it waits for.
 * Files go to the exports folder (`<dataDir>/exports` by default), outside the recordings tree that retention
 * and reconciliation manage. See README.md, "Export".
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { and, asc, desc, eq, gt, inArray, lt } from 'drizzle-orm';
import {
  ContractError,
  ExportId,
  type Export,
  type ExportGap,
  type MethodInput,
} from '../../../common/contract/index.js';
import type { Db } from '../db/open-database.js';
import { cameras, exports as exportsTable, segments } from '../db/schema.js';
import type { EventBus } from '../events/event-bus.js';
import type { Clock, Logger } from '../ports.js';
import { planExport, type ExportPlan } from './export-plan.js';
import { ExportCancelledError, prepareExport, segmentFile, writeExport } from './export-runner.js';
import type { Lease, LeaseRegistry } from './leases.js';

type ExportRow = typeof exportsTable.$inferSelect;

export interface ExportServiceOptions {
  db: Db;
  recordingsDir: string;
  /** Where finished exports are kept; created when missing. */
  exportsDir: string;
  leases: LeaseRegistry;
  events: Pick<EventBus, 'emit'>;
  clock: Clock;
  logger: Logger;
  /** Bytes free for an unprivileged writer in `dir`; injectable for tests. */
  freeBytes?: (dir: string) => number;
  /** Least time between two progress events of one export. */
  progressIntervalMs?: number;
  /**
   * Copy media no faster than this many bytes per second (default: unlimited). Keeps an export from taking
   * all of a slow disk's bandwidth from recording; tests use it to catch an export while it runs.
   */
  maxBytesPerSecond?: number;
}

/** A finished export's file, for the gateway's download route. */
export interface ExportFile {
  path: string;
  fileName: string;
  size: number;
}

export interface ExportService {
  create(input: MethodInput<'exports.create'>): Export[];
  list(): Export[];
  cancel(input: MethodInput<'exports.cancel'>): Promise<Export>;
  delete(input: MethodInput<'exports.delete'>): { id: string };
  /** Looks a finished export's file up by id (validated here too: it comes from a URL). */
  file(id: unknown): ExportFile;
  /** Fails exports a previous run left queued or running and removes their partial files. */
  start(): void;
  /** Stops the running export (its row becomes `failed`, its partial file is removed) and fails the queue. */
  stop(): Promise<void>;
  /** Resolves once nothing is queued or running (tests, benchmarks). */
  idle(): Promise<void>;
}

/** Most exports waiting at once; more is a mistake (a script in a loop), not a plan. */
export const EXPORT_QUEUE_MAX = 64;
/** Room left beside an export's estimated size, for the MP4 index and the filesystem. */
const FREE_SPACE_MARGIN_BYTES = 64 * 1024 * 1024;
const STOPPED_REASON = 'OmniSight stopped before this export finished; create it again.';

function defaultFreeBytes(dir: string): number {
  const stats = fs.statfsSync(dir);
  return stats.bavail * stats.bsize;
}

/** `20250102T030405Z`: a UTC time for a file name (sortable, no separators a file system may refuse). */
export function fileStamp(utcMs: number): string {
  return new Date(utcMs)
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
}

/** `<cameraId>_<start>_<end>.mp4`, from the camera id and times only; `_2`, `_3` … when taken. */
export function exportFileName(cameraId: string, start: number, end: number, attempt = 1): string {
  const suffix = attempt > 1 ? `_${attempt}` : '';
  return `${cameraId}_${fileStamp(start)}_${fileStamp(end)}${suffix}.mp4`;
}

const partialName = (id: string): string => `.${id}.mp4.partial`;

function removeQuietly(file: string): void {
  try {
    fs.rmSync(file, { force: true });
  } catch {
    // best effort: a leftover partial is removed at the next start
  }
}

function describeRange(start: number, end: number): string {
  return `${new Date(start).toISOString()} to ${new Date(end).toISOString()}`;
}

interface Running {
  id: string;
  controller: AbortController;
  /** Why it was aborted: the user cancelled, or the engine is stopping. */
  reason: 'cancel' | 'stop' | null;
  done: Promise<void>;
}

export function createExportService(options: ExportServiceOptions): ExportService {
  const { db, leases, events, clock } = options;
  const logger = options.logger.child({ component: 'export' });
  const exportsDir = path.resolve(options.exportsDir);
  const freeBytes = options.freeBytes ?? defaultFreeBytes;
  const progressIntervalMs = options.progressIntervalMs ?? 250;
  const queue: string[] = [];
  const heldLeases = new Map<string, Lease>();
  let running: Running | null = null;
  let stopped = false;
  const idleWaiters: (() => void)[] = [];

  function toExport(row: ExportRow): Export {
    const gaps: ExportGap[] = row.gaps.map(({ start, end }) => ({ start, end }));
    const missing = gaps.reduce((total, gap) => total + (gap.end - gap.start), 0);
    return {
      id: row.id,
      cameraId: row.cameraIds[0] ?? '',
      startTime: row.startTime,
      endTime: row.endTime,
      status: row.status as Export['status'],
      progress: Math.min(1, Math.max(0, row.progress)),
      recordedMs: Math.max(0, row.endTime - row.startTime - missing),
      gaps,
      fileName: row.filePath,
      fileSize: row.fileSize,
      error: row.error,
      createdAt: row.createdAt,
      finishedAt: row.finishedAt,
    };
  }

  function getRow(id: string): ExportRow {
    const row = db.select().from(exportsTable).where(eq(exportsTable.id, id)).get();
    if (row === undefined) throw new ContractError('not_found', `No export with id ${id}`, { id });
    return row;
  }

  function update(id: string, changes: Partial<ExportRow>): Export {
    db.update(exportsTable).set(changes).where(eq(exportsTable.id, id)).run();
    const exported = toExport(getRow(id));
    events.emit('exports.updated', exported);
    return exported;
  }

  function segmentsOf(cameraId: string, start: number, end: number) {
    return db
      .select({
        id: segments.id,
        filePath: segments.filePath,
        startTime: segments.startTime,
        endTime: segments.endTime,
        fileSize: segments.fileSize,
      })
      .from(segments)
      .where(and(eq(segments.cameraId, cameraId), lt(segments.startTime, end), gt(segments.endTime, start)))
      .orderBy(asc(segments.startTime))
      .all();
  }

  function lease(id: string, plan: ExportPlan): void {
    const next = leases.acquire(
      plan.pieces.map((piece) => piece.segment.id),
      `export ${id}`,
    );
    heldLeases.get(id)?.release();
    heldLeases.set(id, next);
  }

  function releaseLease(id: string): void {
    heldLeases.get(id)?.release();
    heldLeases.delete(id);
  }

  function settleIdle(): void {
    if (running !== null || queue.length > 0) return;
    for (const resolve of idleWaiters.splice(0)) resolve();
  }

  function pump(): void {
    if (running !== null || stopped) return settleIdle();
    const id = queue.shift();
    if (id === undefined) return settleIdle();
    const controller = new AbortController();
    const entry: Running = { id, controller, reason: null, done: Promise.resolve() };
    running = entry;
    entry.done = run(entry).finally(() => {
      running = null;
      pump();
    });
  }

  /** Finds a free final name and moves the partial file there without ever replacing a file. */
  function publish(partial: string, cameraId: string, start: number, end: number): string {
    for (let attempt = 1; attempt < 1000; attempt += 1) {
      const name = exportFileName(cameraId, start, end, attempt);
      try {
        fs.linkSync(partial, path.join(exportsDir, name));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
        throw error;
      }
      fs.rmSync(partial, { force: true });
      return name;
    }
    throw new Error('No free file name for this export (999 exports of the same range exist)');
  }

  async function run(entry: Running): Promise<void> {
    const { id } = entry;
    const row = getRow(id);
    const cameraId = row.cameraIds[0] ?? '';
    const log = logger.child({ exportId: id, cameraId });
    const partial = path.join(exportsDir, partialName(id));
    let lastProgressAt = Number.NEGATIVE_INFINITY;
    try {
      update(id, { status: 'running', progress: 0 });
      // Planned again: segments that closed since creation (a range reaching into the present) are included.
      const rows = segmentsOf(cameraId, row.startTime, row.endTime);
      const plan = planExport(rows, row.startTime, row.endTime);
      lease(id, plan);
      const prepared = await prepareExport(plan, options.recordingsDir, row.startTime, row.endTime);
      if (entry.controller.signal.aborted) throw new ExportCancelledError();
      for (const skipped of prepared.skipped) {
        log.warn(skipped, `Segment ${skipped.segmentId} left out of the export: ${skipped.reason}`);
      }
      if (prepared.pieces.length === 0) {
        throw new Error('None of the footage in this range could be read (its files are missing)');
      }
      // The media to copy; the index is far smaller than the margin.
      const estimate = prepared.builder.payloadBytes;
      const free = freeBytes(exportsDir);
      if (estimate + FREE_SPACE_MARGIN_BYTES > free) {
        throw new Error(
          `Not enough free space for this export: about ${Math.ceil(estimate / 1e6)} MB needed, ` +
            `${Math.floor(free / 1e6)} MB free in the exports folder`,
        );
      }
      update(id, { gaps: prepared.gaps.map((gap) => ({ cameraId, ...gap })) });
      const started = clock.now();
      const { builder } = prepared;
      log.info(
        {
          segments: prepared.pieces.length,
          playMs: Math.round(builder.videoSeconds * 1000),
          bytes: builder.payloadBytes,
          gaps: prepared.gaps.length,
        },
        `Exporting ${describeRange(row.startTime, row.endTime)}`,
      );
      await writeExport({
        builder,
        output: partial,
        creationTime: prepared.firstFrameTime ?? row.startTime,
        signal: entry.controller.signal,
        ...(options.maxBytesPerSecond === undefined ? {} : { maxBytesPerSecond: options.maxBytesPerSecond }),
        onProgress: (fraction) => {
          const now = clock.now();
          if (now - lastProgressAt < progressIntervalMs) return;
          lastProgressAt = now;
          // 1 only once the file is in place.
          update(id, { progress: Math.min(0.99, fraction) });
        },
      });
      const fileName = publish(partial, cameraId, row.startTime, row.endTime);
      const fileSize = fs.statSync(path.join(exportsDir, fileName)).size;
      update(id, { status: 'done', progress: 1, filePath: fileName, fileSize, finishedAt: clock.now() });
      log.info({ fileName, fileSize, ms: clock.now() - started }, 'Export finished');
    } catch (error) {
      removeQuietly(partial);
      if (error instanceof ExportCancelledError || entry.reason !== null) {
        const stoppedByEngine = entry.reason === 'stop';
        update(id, {
          status: stoppedByEngine ? 'failed' : 'cancelled',
          error: stoppedByEngine ? STOPPED_REASON : null,
          finishedAt: clock.now(),
        });
        log.info({}, stoppedByEngine ? 'Export stopped with the engine' : 'Export cancelled');
      } else {
        const message = (error as Error).message;
        log.error({ err: error }, `Export failed: ${message}`);
        update(id, { status: 'failed', error: message, finishedAt: clock.now() });
      }
    } finally {
      releaseLease(id);
    }
  }

  return {
    create(input) {
      if (stopped) throw new ContractError('unavailable', 'The engine is shutting down');
      const { cameraIds, startTime, endTime } = input;
      if (queue.length + cameraIds.length > EXPORT_QUEUE_MAX) {
        throw new ContractError(
          'conflict',
          `At most ${EXPORT_QUEUE_MAX} exports may wait at once; wait for some to finish`,
        );
      }
      // Removed cameras count: their footage stays until retention ages it out, and may be exported.
      const known = new Set(
        db
          .select({ id: cameras.id })
          .from(cameras)
          .where(inArray(cameras.id, cameraIds))
          .all()
          .map((camera) => camera.id),
      );
      const unknown = cameraIds.filter((id) => !known.has(id));
      if (unknown.length > 0) {
        throw new ContractError('not_found', `No camera with id ${unknown.join(', ')}`, {
          cameraIds: unknown,
        });
      }
      const plans = cameraIds.map((cameraId) => ({
        cameraId,
        plan: planExport(segmentsOf(cameraId, startTime, endTime), startTime, endTime),
      }));
      const empty = plans.filter(({ plan }) => plan.pieces.length === 0).map(({ cameraId }) => cameraId);
      if (empty.length > 0) {
        throw new ContractError(
          'not_found',
          `No recordings of ${empty.join(', ')} between ${describeRange(startTime, endTime)}`,
          { cameraIds: empty },
        );
      }
      fs.mkdirSync(exportsDir, { recursive: true, mode: 0o750 });
      const created = clock.now();
      const result = db.transaction((tx) =>
        plans.map(({ cameraId, plan }) => {
          const id = `exp-${randomBytes(5).toString('hex')}`;
          tx.insert(exportsTable)
            .values({
              id,
              cameraIds: [cameraId],
              startTime,
              endTime,
              status: 'queued',
              progress: 0,
              gaps: plan.gaps.map((gap) => ({ cameraId, ...gap })),
              createdAt: created,
            })
            .run();
          return { id, plan };
        }),
      );
      const exported = result.map(({ id, plan }) => {
        lease(id, plan);
        queue.push(id);
        const row = toExport(getRow(id));
        events.emit('exports.added', row);
        return row;
      });
      logger.info(
        { exports: exported.map((entry) => entry.id), cameraIds },
        `Queued ${exported.length} export(s) of ${describeRange(startTime, endTime)}`,
      );
      pump();
      return exported;
    },

    list() {
      return db
        .select()
        .from(exportsTable)
        .orderBy(desc(exportsTable.createdAt), desc(exportsTable.id))
        .all()
        .map(toExport);
    },

    async cancel({ id }) {
      const row = getRow(id);
      if (row.status === 'queued') {
        const position = queue.indexOf(id);
        if (position !== -1) queue.splice(position, 1);
        releaseLease(id);
        const cancelled = update(id, { status: 'cancelled', finishedAt: clock.now() });
        settleIdle();
        return cancelled;
      }
      if (row.status === 'running' && running?.id === id) {
        const current = running;
        current.reason ??= 'cancel';
        current.controller.abort();
        await current.done;
        return toExport(getRow(id));
      }
      throw new ContractError('conflict', `Export ${id} has already ended (${row.status})`, {
        id,
        status: row.status,
      });
    },

    delete({ id }) {
      const row = getRow(id);
      if (row.status === 'queued' || row.status === 'running') {
        throw new ContractError('conflict', `Export ${id} is ${row.status}; cancel it first`, { id });
      }
      if (row.filePath !== null) {
        try {
          fs.rmSync(path.join(exportsDir, path.basename(row.filePath)), { force: true });
        } catch (error) {
          logger.error({ err: error, exportId: id }, 'Could not delete an export file');
          throw new ContractError('internal', 'The export file could not be deleted; see the log', { id });
        }
      }
      db.delete(exportsTable).where(eq(exportsTable.id, id)).run();
      events.emit('exports.removed', { id });
      logger.info({ exportId: id }, 'Export deleted');
      return { id };
    },

    file(rawId) {
      const parsed = ExportId.safeParse(rawId);
      if (!parsed.success)
        throw new ContractError('validation', 'Invalid export id (expected exp-0123456789)');
      const row = getRow(parsed.data);
      if (row.status !== 'done' || row.filePath === null) {
        throw new ContractError('conflict', `Export ${parsed.data} has no file (${row.status})`);
      }
      // Names are ours, but the row is data: only a plain name inside the exports folder is served.
      const file = segmentFile(exportsDir, path.basename(row.filePath));
      let size: number;
      try {
        size = fs.statSync(file).size;
      } catch {
        throw new ContractError('not_found', `The file of export ${parsed.data} is missing`);
      }
      return { path: file, fileName: path.basename(file), size };
    },

    start() {
      fs.mkdirSync(exportsDir, { recursive: true, mode: 0o750 });
      const leftovers = db
        .select()
        .from(exportsTable)
        .where(inArray(exportsTable.status, ['queued', 'running']))
        .all();
      for (const row of leftovers) {
        db.update(exportsTable)
          .set({ status: 'failed', error: STOPPED_REASON, finishedAt: clock.now() })
          .where(eq(exportsTable.id, row.id))
          .run();
      }
      if (leftovers.length > 0) {
        logger.warn(
          { exports: leftovers.map((row) => row.id) },
          'Exports left unfinished by the last run failed',
        );
      }
      for (const name of fs.readdirSync(exportsDir)) {
        // `.ffconcat`: lists left by versions that exported through FFmpeg.
        if (/^\.exp-[0-9a-f]{10}\.(mp4\.partial|ffconcat)$/.test(name))
          removeQuietly(path.join(exportsDir, name));
      }
    },

    async stop() {
      if (stopped) return;
      stopped = true;
      for (const id of queue.splice(0)) {
        releaseLease(id);
        update(id, { status: 'failed', error: STOPPED_REASON, finishedAt: clock.now() });
      }
      const current = running;
      if (current !== null) {
        current.reason ??= 'stop';
        current.controller.abort();
        await current.done;
      }
      settleIdle();
    },

    idle() {
      if (running === null && queue.length === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
  };
}
