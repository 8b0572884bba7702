/**
 * Detection events in the database and on disk: one `events` row (type = the label) and one
 * `detected_objects` row per tracked object that became an event, linked to the recording running at its
 * start, and a clean JPEG snapshot of its best frame plus a small thumbnail under `<dataDir>/snapshots/`
 * (boxes are drawn on demand by the page, never burnt in). Pushes `events.created`, `events.updated` and
 * `events.ended`. Snapshot encoding is FFmpeg fed raw RGB on stdin (argv array, no shell); a failed snapshot
 * is logged and the event kept without one.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { and, desc, eq, gte, inArray, isNull, lt, lte, or, sql } from 'drizzle-orm';
import type { DetectionEvent, MethodInput, NormalisedBox } from '../../../common/contract/index.js';
import { EVENTS_LIST_MAX } from '../../../common/contract/index.js';
import type { Db } from '../db/open-database.js';
import { detectedObjects, events, recordings } from '../db/schema.js';
import type { EventBus } from '../events/event-bus.js';
import type { Logger } from '../ports.js';
import type { DetectionBox } from './detector.js';

export interface EventFrame {
  rgb: Uint8Array;
  width: number;
  height: number;
}

export interface EventObject {
  label: string;
  firstSeen: number;
  bestAt: number;
  bestScore: number;
  bestBox: DetectionBox;
  zones: ReadonlySet<string>;
  id: number;
}

export interface EventStore {
  start(cameraId: string, object: EventObject, frame: EventFrame): number;
  /** A better frame (with `frame`) or new zones. */
  update(eventId: number, object: EventObject, frame: EventFrame | undefined): void;
  end(eventId: number, object: EventObject, endAt: number): void;
  list(input: MethodInput<'events.list'>): DetectionEvent[];
  /** The snapshot or thumbnail file of an event, or undefined. */
  snapshotFile(eventId: number, kind: 'snapshot' | 'thumbnail'): string | undefined;
  /** The camera an event belongs to (the gateway checks a viewer may see it). */
  cameraOf(eventId: number): string | undefined;
  /** Resolves when no snapshot is being written (tests, stop). */
  idle(): Promise<void>;
}

/** Longest side of the thumbnail, px. */
const THUMBNAIL_WIDTH = 240;
/** A better frame rewrites the snapshot at most this often per event. */
const SNAPSHOT_INTERVAL_MS = 2_000;

interface EventMetadata {
  objectId?: number;
  box?: NormalisedBox;
  zones?: string[];
  snapshot?: boolean;
}

function normalise(box: DetectionBox, frame: { width: number; height: number }): NormalisedBox {
  const round = (value: number) => Math.round(value * 10_000) / 10_000;
  return {
    x: round(box.x / frame.width),
    y: round(box.y / frame.height),
    width: round(box.width / frame.width),
    height: round(box.height / frame.height),
  };
}

export function createEventStore(deps: {
  db: Db;
  dataDir: string;
  ffmpegPath: string | null;
  events: EventBus;
  logger: Logger;
}): EventStore {
  const logger = deps.logger.child({ component: 'events' });
  const snapshotsDir = path.join(deps.dataDir, 'snapshots');
  const writing = new Set<Promise<void>>();
  const lastSnapshotAt = new Map<number, number>();
  const frameSizes = new Map<number, { width: number; height: number }>();

  function filesOf(cameraId: string, eventId: number): { snapshot: string; thumbnail: string } {
    const dir = path.join(snapshotsDir, cameraId);
    return { snapshot: path.join(dir, `${eventId}.jpg`), thumbnail: path.join(dir, `${eventId}-thumb.jpg`) };
  }

  function toEvent(row: typeof events.$inferSelect): DetectionEvent {
    const metadata = row.metadata as EventMetadata;
    return {
      id: row.id,
      cameraId: row.cameraId,
      label: row.type,
      startTime: row.startTime,
      endTime: row.endTime,
      bestTime: row.timestamp,
      score: row.confidence ?? 0,
      box: metadata.box ?? { x: 0, y: 0, width: 0, height: 0 },
      zones: Array.isArray(metadata.zones) ? metadata.zones : [],
      hasSnapshot: metadata.snapshot === true,
      locked: row.locked,
    };
  }

  function push(name: 'events.created' | 'events.updated' | 'events.ended', eventId: number): void {
    const row = deps.db.select().from(events).where(eq(events.id, eventId)).get();
    if (row !== undefined) deps.events.emit(name, toEvent(row));
  }

  function writeSnapshot(cameraId: string, eventId: number, frame: EventFrame): void {
    const ffmpeg = deps.ffmpegPath;
    if (ffmpeg === null) return;
    const files = filesOf(cameraId, eventId);
    const job = (async () => {
      await fs.promises.mkdir(path.dirname(files.snapshot), { recursive: true, mode: 0o700 });
      const temporary = { snapshot: `${files.snapshot}.tmp.jpg`, thumbnail: `${files.thumbnail}.tmp.jpg` };
      const args = [
        '-hide_banner',
        '-loglevel',
        'error',
        '-f',
        'rawvideo',
        '-pix_fmt',
        'rgb24',
        '-s',
        `${frame.width}x${frame.height}`,
        '-i',
        'pipe:0',
        // Full-range JPEG as cameras write them; quality 3 of 31 (clear faces and plates).
        '-map',
        '0',
        '-frames:v',
        '1',
        '-pix_fmt',
        'yuvj420p',
        '-q:v',
        '3',
        '-y',
        temporary.snapshot,
        '-map',
        '0',
        '-frames:v',
        '1',
        '-vf',
        `scale=${THUMBNAIL_WIDTH}:-2`,
        '-pix_fmt',
        'yuvj420p',
        '-q:v',
        '5',
        '-y',
        temporary.thumbnail,
      ];
      await new Promise<void>((resolve, reject) => {
        const child = spawn(ffmpeg, args, { stdio: ['pipe', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr
          .setEncoding('utf8')
          .on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-2000)));
        child.once('error', reject);
        child.once('close', (code) =>
          code === 0 ? resolve() : reject(new Error(`ffmpeg exited with ${code}: ${stderr.trim()}`)),
        );
        child.stdin.on('error', () => undefined);
        child.stdin.end(Buffer.from(frame.rgb.buffer, frame.rgb.byteOffset, frame.rgb.byteLength));
      });
      await fs.promises.rename(temporary.snapshot, files.snapshot);
      await fs.promises.rename(temporary.thumbnail, files.thumbnail);
      const row = deps.db.select().from(events).where(eq(events.id, eventId)).get();
      if (row === undefined) return;
      const metadata = row.metadata as EventMetadata;
      if (metadata.snapshot !== true) {
        deps.db
          .update(events)
          .set({ metadata: { ...metadata, snapshot: true } })
          .where(eq(events.id, eventId))
          .run();
        push('events.updated', eventId);
      }
    })().catch((error: unknown) => {
      logger.warn({ err: error, cameraId, eventId }, 'Could not write the event snapshot');
    });
    writing.add(job);
    void job.finally(() => writing.delete(job));
  }

  function recordingAt(cameraId: string, at: number): number | null {
    const row = deps.db
      .select({ id: recordings.id })
      .from(recordings)
      .where(
        and(
          eq(recordings.cameraId, cameraId),
          lte(recordings.startTime, at),
          // A running recording's end is only its last closed segment's end: the event is in the segment
          // being written, so a running recording covers everything after its start.
          or(eq(recordings.status, 'recording'), isNull(recordings.endTime), gte(recordings.endTime, at)),
        ),
      )
      .orderBy(desc(recordings.startTime))
      .get();
    return row?.id ?? null;
  }

  return {
    start(cameraId, object, frame) {
      const box = normalise(object.bestBox, frame);
      const metadata: EventMetadata = { objectId: object.id, box, zones: [...object.zones], snapshot: false };
      const row = deps.db
        .insert(events)
        .values({
          cameraId,
          recordingId: recordingAt(cameraId, object.firstSeen),
          type: object.label,
          timestamp: object.bestAt,
          startTime: object.firstSeen,
          endTime: null,
          confidence: object.bestScore,
          metadata: metadata as Record<string, unknown>,
        })
        .returning({ id: events.id })
        .get();
      deps.db
        .insert(detectedObjects)
        .values({
          eventId: row.id,
          type: object.label,
          confidence: object.bestScore,
          boundingBox: box,
          metadata: { objectId: object.id, at: object.bestAt },
        })
        .run();
      frameSizes.set(row.id, { width: frame.width, height: frame.height });
      lastSnapshotAt.set(row.id, object.bestAt);
      writeSnapshot(cameraId, row.id, frame);
      logger.info(
        { cameraId, eventId: row.id, label: object.label, score: Number(object.bestScore.toFixed(3)) },
        `Event started: ${object.label}`,
      );
      push('events.created', row.id);
      return row.id;
    },

    update(eventId, object, frame) {
      const row = deps.db.select().from(events).where(eq(events.id, eventId)).get();
      if (row === undefined) return;
      const size = frame ?? frameSizes.get(eventId);
      const metadata = row.metadata as EventMetadata;
      const box = size === undefined ? metadata.box : normalise(object.bestBox, size);
      deps.db
        .update(events)
        .set({
          timestamp: object.bestAt,
          confidence: object.bestScore,
          metadata: { ...metadata, box, zones: [...object.zones] },
        })
        .where(eq(events.id, eventId))
        .run();
      if (box !== undefined) {
        deps.db
          .update(detectedObjects)
          .set({
            confidence: object.bestScore,
            boundingBox: box,
            metadata: { objectId: object.id, at: object.bestAt },
          })
          .where(eq(detectedObjects.eventId, eventId))
          .run();
      }
      const last = lastSnapshotAt.get(eventId) ?? 0;
      if (frame !== undefined && object.bestAt - last >= SNAPSHOT_INTERVAL_MS) {
        lastSnapshotAt.set(eventId, object.bestAt);
        writeSnapshot(row.cameraId, eventId, frame);
      }
      push('events.updated', eventId);
    },

    end(eventId, object, endAt) {
      const row = deps.db
        .select({ recordingId: events.recordingId, cameraId: events.cameraId })
        .from(events)
        .where(eq(events.id, eventId))
        .get();
      // A recording that (re)started just after the object appeared is linked now rather than never.
      const recordingId =
        row?.recordingId ??
        (row === undefined
          ? null
          : (recordingAt(row.cameraId, object.firstSeen) ?? recordingAt(row.cameraId, endAt)));
      deps.db
        .update(events)
        .set({ endTime: Math.max(endAt, object.firstSeen), recordingId })
        .where(eq(events.id, eventId))
        .run();
      lastSnapshotAt.delete(eventId);
      frameSizes.delete(eventId);
      push('events.ended', eventId);
    },

    list(input) {
      const conditions = [sql`${events.type} <> 'motion'`];
      if (input.cameraIds !== undefined) conditions.push(inArray(events.cameraId, input.cameraIds));
      if (input.labels !== undefined) conditions.push(inArray(events.type, input.labels));
      if (input.minScore !== undefined) conditions.push(gte(events.confidence, input.minScore));
      if (input.to !== undefined) conditions.push(lt(events.startTime, input.to));
      if (input.from !== undefined) {
        const from = input.from;
        conditions.push(or(isNull(events.endTime), gte(events.endTime, from)) ?? sql`1`);
      }
      if (input.before !== undefined) conditions.push(lt(events.startTime, input.before));
      if (input.zone !== undefined) {
        conditions.push(
          sql`exists (select 1 from json_each(${events.metadata}, '$.zones') where value = ${input.zone})`,
        );
      }
      return deps.db
        .select()
        .from(events)
        .where(and(...conditions))
        .orderBy(desc(events.startTime), desc(events.id))
        .limit(input.limit ?? EVENTS_LIST_MAX)
        .all()
        .map(toEvent);
    },

    cameraOf(eventId) {
      return deps.db.select({ cameraId: events.cameraId }).from(events).where(eq(events.id, eventId)).get()
        ?.cameraId;
    },

    snapshotFile(eventId, kind) {
      const row = deps.db.select().from(events).where(eq(events.id, eventId)).get();
      if (row === undefined || (row.metadata as EventMetadata).snapshot !== true) return undefined;
      const files = filesOf(row.cameraId, eventId);
      const file = kind === 'snapshot' ? files.snapshot : files.thumbnail;
      return fs.existsSync(file) ? file : undefined;
    },

    async idle() {
      while (writing.size > 0) await Promise.allSettled([...writing]);
    },
  };
}
