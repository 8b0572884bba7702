/**
 * Retention rules: the global limits live in the `settings` row `storage.limits`, each camera's days in its
 * `cameras` row (removed cameras included, so their footage still ages out).
 */
import { and, asc, eq, inArray, isNull } from 'drizzle-orm';
import {
  ContractError,
  STORAGE_LIMITS_DEFAULT,
  StorageLimits,
  type MethodInput,
  type StorageSettings,
} from '../../../common/contract/index.js';
import type { Db } from '../db/open-database.js';
import { cameras, settings } from '../db/schema.js';
import type { TrimCamera } from './retention.js';

export const LIMITS_KEY = 'storage.limits';

export interface CameraRetentionRow {
  id: string;
  retainDays: number | null;
  retainEventDays: number | null;
}

export interface StorageSettingsStore {
  limits(): StorageLimits;
  cameraRetention(): CameraRetentionRow[];
  /** Live cameras recording in `motion` or `events` mode. */
  trimCameras(): TrimCamera[];
  get(): StorageSettings;
  /** Validates against the disk (a floor at or over its size is refused) and stores. */
  set(input: MethodInput<'storage.settings.set'>, totalBytes: number): StorageSettings;
  readSetting(key: string): unknown;
  writeSetting(key: string, value: unknown): void;
}

export function createStorageSettings(db: Db, now: () => number): StorageSettingsStore {
  function readSetting(key: string): unknown {
    return db.select().from(settings).where(eq(settings.key, key)).get()?.value;
  }
  function writeSetting(key: string, value: unknown): void {
    db.insert(settings)
      .values({ key, value, updatedAt: now() })
      .onConflictDoUpdate({ target: settings.key, set: { value, updatedAt: now() } })
      .run();
  }
  function limits(): StorageLimits {
    // A stored value from an older or hand-edited database is merged over the defaults and re-checked.
    const stored = readSetting(LIMITS_KEY);
    const parsed = StorageLimits.safeParse({
      ...STORAGE_LIMITS_DEFAULT,
      ...(typeof stored === 'object' && stored !== null ? stored : {}),
    });
    return parsed.success ? parsed.data : STORAGE_LIMITS_DEFAULT;
  }
  function get(): StorageSettings {
    const rows = db
      .select({
        id: cameras.id,
        name: cameras.name,
        removedAt: cameras.removedAt,
        retainDays: cameras.retainDays,
        retainEventDays: cameras.retainEventDays,
      })
      .from(cameras)
      .orderBy(asc(cameras.createdAt), asc(cameras.id))
      .all();
    return {
      limits: limits(),
      cameras: rows.map((row) => ({
        id: row.id,
        name: row.name,
        removed: row.removedAt !== null,
        retainDays: row.retainDays,
        retainEventDays: row.retainEventDays,
      })),
    };
  }

  return {
    limits,
    cameraRetention: () =>
      db
        .select({ id: cameras.id, retainDays: cameras.retainDays, retainEventDays: cameras.retainEventDays })
        .from(cameras)
        .all(),
    trimCameras: () =>
      db
        .select({
          id: cameras.id,
          mode: cameras.recordMode,
          pre: cameras.preRollSeconds,
          post: cameras.postRollSeconds,
        })
        .from(cameras)
        .where(and(isNull(cameras.removedAt), inArray(cameras.recordMode, ['motion', 'events'])))
        .all()
        .map((row) => ({
          id: row.id,
          mode: row.mode === 'events' ? ('events' as const) : ('motion' as const),
          preRollMs: row.pre * 1000,
          postRollMs: row.post * 1000,
        })),
    get,
    set(input, totalBytes) {
      const next = { ...limits(), ...input.limits };
      const checked = StorageLimits.parse(next);
      const floorGbBytes = checked.minFreeGb * 1e9;
      if (input.limits?.minFreeGb !== undefined && totalBytes > 0 && floorGbBytes >= totalBytes) {
        throw new ContractError(
          'validation',
          `Invalid storage settings: limits.minFreeGb: must be below the disk size (${(totalBytes / 1e9).toFixed(1)} GB)`,
          { issues: [{ path: 'limits.minFreeGb', message: 'must be below the disk size' }] },
        );
      }
      const ids = (input.cameras ?? []).map((camera) => camera.id);
      if (new Set(ids).size !== ids.length) {
        throw new ContractError('validation', 'Invalid storage settings: cameras: lists a camera twice', {
          issues: [{ path: 'cameras', message: 'lists a camera twice' }],
        });
      }
      const known = new Set(
        ids.length === 0
          ? []
          : db
              .select({ id: cameras.id })
              .from(cameras)
              .where(inArray(cameras.id, ids))
              .all()
              .map((row) => row.id),
      );
      const unknown = ids.find((id) => !known.has(id));
      if (unknown !== undefined)
        throw new ContractError('not_found', `No camera with id ${unknown}`, { id: unknown });
      db.transaction((tx) => {
        if (input.limits !== undefined) {
          tx.insert(settings)
            .values({ key: LIMITS_KEY, value: checked, updatedAt: now() })
            .onConflictDoUpdate({ target: settings.key, set: { value: checked, updatedAt: now() } })
            .run();
        }
        for (const camera of input.cameras ?? []) {
          tx.update(cameras)
            .set({ retainDays: camera.retainDays, retainEventDays: camera.retainEventDays })
            .where(eq(cameras.id, camera.id))
            .run();
        }
      });
      return get();
    },
    readSetting,
    writeSetting,
  };
}
