/**
 * Cameras: list, get, add, update, remove. Owns the `cameras` table; pushes `cameras.*` events. Passwords are
 * stored apart from the URL, sealed by the engine's secret box (`secrets/`), and leave this module only as
 * `hasPassword` and, opened, in `row()` for the recording engine and PTZ.
 */
import { randomBytes } from 'node:crypto';
import { and, asc, count, eq, isNotNull, isNull, ne } from 'drizzle-orm';
import {
  ContractError,
  RECORD_MODES,
  RECORD_ROLL_SECONDS_DEFAULT,
  SEGMENT_SECONDS_DEFAULT,
  type Camera,
  type RecordMode,
  type CameraStatus,
  type MethodInput,
} from '../../../common/contract/index.js';
import type { Db } from '../db/open-database.js';
import { cameras } from '../db/schema.js';
import type { EventBus } from '../events/event-bus.js';
import type { Clock, Logger } from '../ports.js';
import { isSealed, openOrMissing, sealOrNull, type SecretBox } from '../secrets/secret-box.js';
import { mergeCredentials, splitCredentials, streamUrlKey } from './stream-url.js';

export type CameraRow = typeof cameras.$inferSelect;

export interface CameraService {
  list(): Camera[];
  get(input: MethodInput<'cameras.get'>): Camera;
  add(input: MethodInput<'cameras.add'>): Camera;
  update(input: MethodInput<'cameras.update'>): Camera;
  remove(input: MethodInput<'cameras.remove'>): { id: string; recordings: 'keep' };
  count(): number;
  /** Sets the state the recording engine reports; pushes `cameras.statusChanged` when it changed. */
  setStatus(id: string, status: CameraStatus, reason: string | null, nextAttemptAt: number | null): void;
  /** The full row, password opened, for the recording engine and PTZ only; never returned by the API. */
  row(id: string): CameraRow | undefined;
  /** Ids of live (not removed) cameras. */
  ids(): string[];
}

export function toCamera(row: CameraRow): Camera {
  return {
    id: row.id,
    name: row.name,
    rtspUrl: row.rtspUrl,
    subStreamUrl: row.subStreamUrl,
    username: row.username,
    hasPassword: row.password !== null && row.password !== '',
    enabled: row.enabled,
    segmentSeconds: row.segmentSeconds,
    rtspTransport: row.rtspTransport === 'udp' ? 'udp' : 'tcp',
    recordMode: recordModeOf(row.recordMode),
    preRollSeconds: row.preRollSeconds,
    postRollSeconds: row.postRollSeconds,
    status: row.status as CameraStatus,
    statusReason: row.statusReason,
    onvif:
      row.onvifXaddr === null || row.onvifProfileToken === null
        ? null
        : { xaddr: row.onvifXaddr, profileToken: row.onvifProfileToken },
    onvifLinked: row.onvifXaddr !== null && row.onvifProfileToken !== null,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** A value the contract does not know (a hand-edited row) keeps everything. */
export function recordModeOf(value: string): RecordMode {
  return (RECORD_MODES as readonly string[]).includes(value) ? (value as RecordMode) : 'continuous';
}

function initialStatus(enabled: boolean): { status: CameraStatus; statusReason: string | null } {
  return enabled ? { status: 'connecting', statusReason: null } : { status: 'disabled', statusReason: null };
}

function newCameraId(): string {
  return `cam-${randomBytes(5).toString('hex')}`;
}

/**
 * The start-up pass (`secrets/seal-legacy.ts`) for passwords an earlier version stored as plain text, removed
 * cameras included. Returns how many it sealed.
 */
export function sealLegacyCameraPasswords(db: Db, secrets: SecretBox): number {
  const rows = db
    .select({ id: cameras.id, password: cameras.password })
    .from(cameras)
    .where(isNotNull(cameras.password))
    .all();
  let sealed = 0;
  for (const row of rows) {
    if (row.password === null || isSealed(row.password)) continue;
    db.update(cameras)
      .set({ password: secrets.seal(row.password) })
      .where(eq(cameras.id, row.id))
      .run();
    sealed += 1;
  }
  return sealed;
}

export function createCameraService(deps: {
  db: Db;
  clock: Clock;
  events: EventBus;
  logger: Logger;
  secrets: SecretBox;
}): CameraService {
  const { db, clock, events, secrets } = deps;
  const logger = deps.logger.child({ component: 'cameras' });
  /** Per camera, the stored value last reported unreadable: one error line per lost password, not per read. */
  const reportedUnreadable = new Map<string, string | null>();

  /** The row as stored, password opened; one that cannot be opened (the key was lost) counts as none. */
  function opened(row: CameraRow): CameraRow {
    const password = openOrMissing(secrets, row.password, (error) => {
      if (reportedUnreadable.get(row.id) === row.password) return;
      reportedUnreadable.set(row.id, row.password);
      logger.error(
        { cameraId: row.id },
        `Camera "${row.name}" (${row.id}): its stored password cannot be used (${error.message}); it connects without one until the password is typed again`,
      );
    });
    return password === row.password ? row : { ...row, password };
  }

  /** The row to store: the password sealed. */
  function sealed(row: CameraRow): CameraRow {
    return { ...row, password: sealOrNull(secrets, row.password) };
  }

  function findRow(id: string): CameraRow {
    const row = db
      .select()
      .from(cameras)
      .where(and(eq(cameras.id, id), isNull(cameras.removedAt)))
      .get();
    if (row === undefined) throw new ContractError('not_found', `No camera with id ${id}`, { id });
    return opened(row);
  }

  function assertUniqueUrl(key: string, field: string, exceptId?: string): void {
    const conditions = [eq(cameras.rtspUrlKey, key), isNull(cameras.removedAt)];
    if (exceptId !== undefined) conditions.push(ne(cameras.id, exceptId));
    const clash = db
      .select({ id: cameras.id, name: cameras.name })
      .from(cameras)
      .where(and(...conditions))
      .get();
    if (clash !== undefined) {
      throw new ContractError('conflict', `${field}: camera "${clash.name}" already uses this stream URL`, {
        field,
        cameraId: clash.id,
      });
    }
  }

  /** Sub-stream credentials must match the main stream's: one camera has one login. */
  function splitSubStream(
    raw: string | null | undefined,
    main: { username: string | null; password: string | null },
  ) {
    if (raw === undefined || raw === null) return raw;
    const split = splitCredentials(raw);
    mergeCredentials('subStreamUrl', split, { username: main.username, password: main.password });
    return split.url;
  }

  return {
    list() {
      return db
        .select()
        .from(cameras)
        .where(isNull(cameras.removedAt))
        .orderBy(asc(cameras.createdAt), asc(cameras.id))
        .all()
        .map((row) => toCamera(opened(row)));
    },

    get(input) {
      return toCamera(findRow(input.id));
    },

    add(input) {
      const split = splitCredentials(input.rtspUrl);
      const credentials = mergeCredentials('rtspUrl', split, {
        username: input.username,
        password: input.password,
      });
      const key = streamUrlKey(split.url);
      assertUniqueUrl(key, 'rtspUrl');
      const subStreamUrl = splitSubStream(input.subStreamUrl, credentials) ?? null;
      const enabled = input.enabled ?? true;
      const now = clock.now();
      const row: CameraRow = {
        id: newCameraId(),
        name: input.name,
        rtspUrl: split.url,
        rtspUrlKey: key,
        subStreamUrl,
        username: credentials.username,
        password: credentials.password,
        enabled,
        segmentSeconds: input.segmentSeconds ?? SEGMENT_SECONDS_DEFAULT,
        rtspTransport: input.rtspTransport ?? 'tcp',
        recordMode: input.recordMode ?? 'continuous',
        preRollSeconds: input.preRollSeconds ?? RECORD_ROLL_SECONDS_DEFAULT,
        postRollSeconds: input.postRollSeconds ?? RECORD_ROLL_SECONDS_DEFAULT,
        ...initialStatus(enabled),
        createdAt: now,
        updatedAt: now,
        removedAt: null,
        // Retention is edited on the Storage page (storage.settings.set); null keeps the global rules.
        retainDays: null,
        retainEventDays: null,
        onvifXaddr: input.onvif?.xaddr ?? null,
        onvifProfileToken: input.onvif?.profileToken ?? null,
      };
      db.insert(cameras).values(sealed(row)).run();
      const camera = toCamera(row);
      logger.info({ cameraId: camera.id }, `Camera added: ${camera.name} (${camera.rtspUrl})`);
      events.emit('cameras.added', camera);
      return camera;
    },

    update(input) {
      const current = findRow(input.id);
      const next: CameraRow = { ...current };
      if (input.name !== undefined) next.name = input.name;
      if (input.username !== undefined) next.username = input.username === '' ? null : input.username;
      if (input.password !== undefined) next.password = input.password === '' ? null : input.password;
      if (input.rtspUrl !== undefined) {
        const split = splitCredentials(input.rtspUrl);
        const given = {
          username: input.username === undefined ? undefined : next.username,
          password: input.password === undefined ? undefined : next.password,
        };
        const credentials = mergeCredentials('rtspUrl', split, given);
        if (split.username !== null) next.username = credentials.username;
        if (split.password !== null) next.password = credentials.password;
        next.rtspUrl = split.url;
        next.rtspUrlKey = streamUrlKey(split.url);
        assertUniqueUrl(next.rtspUrlKey, 'rtspUrl', current.id);
      }
      if (input.subStreamUrl !== undefined) {
        next.subStreamUrl = splitSubStream(input.subStreamUrl, next) ?? null;
      }
      if (input.segmentSeconds !== undefined) next.segmentSeconds = input.segmentSeconds;
      if (input.rtspTransport !== undefined) next.rtspTransport = input.rtspTransport;
      if (input.recordMode !== undefined) next.recordMode = input.recordMode;
      if (input.preRollSeconds !== undefined) next.preRollSeconds = input.preRollSeconds;
      if (input.postRollSeconds !== undefined) next.postRollSeconds = input.postRollSeconds;
      if (input.onvif !== undefined) {
        next.onvifXaddr = input.onvif?.xaddr ?? null;
        next.onvifProfileToken = input.onvif?.profileToken ?? null;
      }
      if (input.enabled !== undefined && input.enabled !== current.enabled) {
        next.enabled = input.enabled;
        Object.assign(next, initialStatus(input.enabled));
      }
      next.updatedAt = clock.now();
      db.update(cameras).set(sealed(next)).where(eq(cameras.id, current.id)).run();
      const camera = toCamera(next);
      logger.info({ cameraId: camera.id }, `Camera updated: ${camera.name}`);
      events.emit('cameras.updated', camera);
      if (camera.status !== current.status) {
        events.emit('cameras.statusChanged', {
          id: camera.id,
          status: camera.status,
          reason: camera.statusReason,
          nextAttemptAt: null,
        });
      }
      return camera;
    },

    remove(input) {
      const current = findRow(input.id);
      const now = clock.now();
      // Soft delete: the recordings stay indexed under this id (kept, as asked) and the id is never reused.
      db.update(cameras)
        .set({ removedAt: now, updatedAt: now, enabled: false, status: 'disabled', statusReason: 'removed' })
        .where(eq(cameras.id, current.id))
        .run();
      logger.info({ cameraId: current.id }, `Camera removed (recordings kept): ${current.name}`);
      events.emit('cameras.removed', { id: current.id });
      return { id: current.id, recordings: 'keep' };
    },

    setStatus(id, status, reason, nextAttemptAt) {
      const current = db.select().from(cameras).where(eq(cameras.id, id)).get();
      if (current === undefined || current.removedAt !== null) return;
      if (current.status === status && current.statusReason === reason && nextAttemptAt === null) return;
      db.update(cameras).set({ status, statusReason: reason }).where(eq(cameras.id, id)).run();
      events.emit('cameras.statusChanged', { id, status, reason, nextAttemptAt });
    },

    row(id) {
      const row = db
        .select()
        .from(cameras)
        .where(and(eq(cameras.id, id), isNull(cameras.removedAt)))
        .get();
      return row === undefined ? undefined : opened(row);
    },

    ids() {
      return db
        .select({ id: cameras.id })
        .from(cameras)
        .where(isNull(cameras.removedAt))
        .orderBy(asc(cameras.createdAt))
        .all()
        .map((row) => row.id);
    },

    count() {
      const row = db.select({ value: count() }).from(cameras).where(isNull(cameras.removedAt)).get();
      return row?.value ?? 0;
    },
  };
}
