/**
 * HLS for other players (VLC, ffmpeg, hls.js, Safari): a VOD playlist over a camera's recorded segments, and
 * the segment files themselves, looked up by id only. Nothing is copied: the playlist points into the files
 * with byte ranges. Not contract methods: the answers are a playlist and files, not JSON.
 */
import fs from 'node:fs';
import { and, asc, eq, gt, lt } from 'drizzle-orm';
import { z } from 'zod';
import {
  ContractError,
  parseArgument,
  type MethodInput,
  type RecordingFragments,
} from '../../../common/contract/index.js';
import type { Db } from '../db/open-database.js';
import { cameras, segments } from '../db/schema.js';
import { readBox } from '../ingest/fmp4.js';
import type { Logger } from '../ports.js';
import { segmentFile } from '../storage/export-runner.js';
import type { LeaseRegistry } from '../storage/leases.js';
import { readFragmentIndex, UnreadableSegmentError, type FragmentIndex } from './fragment-index.js';
import { buildVodPlaylist, type VodSegment } from './hls.js';

/** The longest range one playlist may cover. */
export const VOD_MAX_RANGE_MS = 24 * 60 * 60 * 1000;
/** An init (`ftyp`+`moov`) larger than this is not one we wrote. */
const INIT_MAX_BYTES = 1024 * 1024;
const INIT_CACHE_MAX = 20_000;
/** Fragment indexes kept (a player asks for the few files around its playhead, and again after a seek). */
const FRAGMENT_CACHE_MAX = 64;

const UtcMs = z
  .string({ error: 'must be UTC milliseconds' })
  .regex(/^\d{1,15}$/, 'must be UTC milliseconds (digits only)')
  .transform(Number);

const VodQuery = z
  .object({ start: UtcMs, end: UtcMs })
  .refine((range) => range.end > range.start, { message: 'must be after start', path: ['end'] })
  .refine((range) => range.end - range.start <= VOD_MAX_RANGE_MS, {
    message: 'the range may cover at most 24 hours',
    path: ['end'],
  });

/** From a URL (digits) or from the desktop bridge (a number, already checked by the contract's schema). */
const SegmentId = z.union([
  z.number().int().positive(),
  z
    .string()
    .regex(/^\d{1,15}$/, 'must be a segment id (digits only)')
    .transform(Number),
]);

export interface VodServiceOptions {
  db: Db;
  recordingsDir: string;
  logger: Logger;
  /** The engine's segment leases: a segment being served is leased, so retention does not delete it mid-read. */
  leases?: LeaseRegistry;
}

/** A segment file being served, leased until `release()` (idempotent). */
export interface LeasedSegment {
  file: string;
  release(): void;
}

export interface VodService {
  /** The playlist for `?start=&end=` (UTC ms) of a camera; throws `ContractError` (validation, not_found). */
  playlist(cameraId: unknown, query: unknown): string;
  /** The absolute path of one of the camera's segment files; throws `ContractError`. */
  segmentFile(cameraId: unknown, segmentId: unknown): string;
  /**
   * `segmentFile` with a lease on the segment for as long as the caller reads it (the gateway releases it when
   * the response closes); throws `ContractError` as `segmentFile` does, holding nothing.
   */
  leaseSegment(cameraId: unknown, segmentId: unknown): LeasedSegment;
  /**
   * `recordings.fragments`: the init length, MSE type and groups of pictures of one segment file, so a player
   * can read it in ranges (cached by segment id: indexed files never change). The segment is leased while its
   * file is read. Throws `ContractError`: not_found (no such segment, or its file is gone), unsupported (the
   * file is not a segment file it can index).
   */
  fragments(input: MethodInput<'recordings.fragments'>): Promise<RecordingFragments>;
}

/** Bytes of `ftyp`+`moov` at the head of a segment file and the file's size, reading only box headers. */
export function readInitLength(file: string): { initLength: number; fileSize: number } {
  const fd = fs.openSync(file, 'r');
  try {
    const fileSize = fs.fstatSync(fd).size;
    const header = Buffer.alloc(16);
    const boxAt = (offset: number) => {
      const read = fs.readSync(fd, header, 0, header.length, offset);
      return readBox(header, 0, read);
    };
    const ftyp = boxAt(0);
    if (ftyp?.type !== 'ftyp') throw new Error('does not start with ftyp');
    const moov = boxAt(ftyp.size);
    if (moov?.type !== 'moov') throw new Error('has no moov after ftyp');
    const initLength = ftyp.size + moov.size;
    if (initLength > INIT_MAX_BYTES) throw new Error(`has an init of ${initLength} bytes`);
    if (initLength >= fileSize) throw new Error('has no fragments');
    return { initLength, fileSize };
  } finally {
    fs.closeSync(fd);
  }
}

export function createVodService(options: VodServiceOptions): VodService {
  const { db, recordingsDir } = options;
  const logger = options.logger.child({ component: 'vod' });
  // Indexed files never change, so their init lengths are kept (by id; a new file gets a new id).
  const initCache = new Map<number, { initLength: number; fileSize: number }>();
  const fragmentCache = new Map<number, FragmentIndex>();

  function checkCamera(cameraId: unknown): string {
    if (typeof cameraId !== 'string' || cameraId === '')
      throw new ContractError('validation', 'Invalid camera id');
    const row = db.select({ id: cameras.id }).from(cameras).where(eq(cameras.id, cameraId)).get();
    if (row === undefined)
      throw new ContractError('not_found', `No camera with id ${cameraId}`, { cameraId });
    return row.id;
  }

  function initOf(id: number, file: string): { initLength: number; fileSize: number } | null {
    const cached = initCache.get(id);
    if (cached !== undefined) return cached;
    try {
      const found = readInitLength(file);
      if (initCache.size >= INIT_CACHE_MAX) initCache.clear();
      initCache.set(id, found);
      return found;
    } catch (error) {
      logger.warn({ err: error, file }, `Segment ${id} is left out of a playlist: unreadable`);
      return null;
    }
  }

  return {
    playlist(rawCameraId, query) {
      const cameraId = checkCamera(rawCameraId);
      const { start, end } = parseArgument(VodQuery, query, 'VOD range');
      const rows = db
        .select({
          id: segments.id,
          recordingId: segments.recordingId,
          filePath: segments.filePath,
          startTime: segments.startTime,
          endTime: segments.endTime,
          durationMs: segments.durationMs,
        })
        .from(segments)
        .where(and(eq(segments.cameraId, cameraId), lt(segments.startTime, end), gt(segments.endTime, start)))
        .orderBy(asc(segments.startTime))
        .all();
      const entries: VodSegment[] = [];
      let skipped = false;
      for (const row of rows) {
        if (row.durationMs <= 0) continue;
        const init = initOf(row.id, segmentFile(recordingsDir, row.filePath));
        if (init === null) {
          skipped = true;
          continue;
        }
        entries.push({
          recordingId: row.recordingId,
          startTime: row.startTime,
          endTime: row.endTime,
          durationMs: row.durationMs,
          initLength: init.initLength,
          mediaLength: init.fileSize - init.initLength,
          uri: `segments/${row.id}.mp4`,
          ...(skipped ? { discontinuity: true } : {}),
        });
        skipped = false;
      }
      if (entries.length === 0) {
        throw new ContractError(
          'not_found',
          `No recorded footage of camera ${cameraId} between ${new Date(start).toISOString()} and ${new Date(end).toISOString()}`,
          { cameraId, start, end },
        );
      }
      return buildVodPlaylist(entries);
    },

    segmentFile(rawCameraId, rawSegmentId) {
      return findSegment(rawCameraId, rawSegmentId).file;
    },

    leaseSegment(rawCameraId, rawSegmentId) {
      const { id, file } = findSegment(rawCameraId, rawSegmentId);
      const lease = options.leases?.acquire([id], 'playback');
      return { file, release: () => lease?.release() };
    },

    async fragments(input) {
      const { id, file } = findSegment(input.cameraId, input.segmentId);
      const cached = fragmentCache.get(id);
      if (cached !== undefined) {
        // Most recently used last: the map's first entry is the one to drop.
        fragmentCache.delete(id);
        fragmentCache.set(id, cached);
        return { segmentId: id, ...cached };
      }
      const lease = options.leases?.acquire([id], 'playback');
      let index: FragmentIndex;
      try {
        index = await readFragmentIndex(file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
          throw new ContractError('not_found', 'The segment file is gone (deleted by retention?)', {
            segmentId: id,
          });
        }
        if (error instanceof UnreadableSegmentError) {
          logger.warn({ file, reason: error.message }, `Segment ${id} cannot be indexed for playback`);
          throw new ContractError('unsupported', `The segment file is unreadable: ${error.message}`, {
            segmentId: id,
          });
        }
        throw error;
      } finally {
        lease?.release();
      }
      if (fragmentCache.size >= FRAGMENT_CACHE_MAX) {
        const oldest = fragmentCache.keys().next();
        if (oldest.done !== true) fragmentCache.delete(oldest.value);
      }
      fragmentCache.set(id, index);
      return { segmentId: id, ...index };
    },
  };

  function findSegment(rawCameraId: unknown, rawSegmentId: unknown): { id: number; file: string } {
    const cameraId = checkCamera(rawCameraId);
    const id = parseArgument(SegmentId, rawSegmentId, 'segment id');
    const row = db
      .select({ filePath: segments.filePath })
      .from(segments)
      .where(and(eq(segments.id, id), eq(segments.cameraId, cameraId)))
      .get();
    if (row === undefined)
      throw new ContractError('not_found', `No segment ${id} of camera ${cameraId}`, { cameraId, id });
    return { id, file: segmentFile(recordingsDir, row.filePath) };
  }
}
