/**
 * `detection.settings.get/set`: the contract's view of the `detection.motion` settings row (motion-config.ts).
 * The contract says `motion` where the row says `enabled`, and gives every field with its default; the row
 * keeps only what was set. A change is written to the row and applied to the running configuration at once
 * (the keys given win over the engine's start options, which tests use).
 */
import { ContractError } from '../../../common/contract/errors.js';
import type {
  CameraDetectionSettings,
  DetectionSettings,
  DetectionSettingsInput,
} from '../../../common/contract/index.js';
import { DetectionSettingsInput as InputSchema } from '../../../common/contract/index.js';
import type { z } from 'zod';
import { settings } from '../db/schema.js';
import type { Db } from '../db/open-database.js';
import {
  MOTION_SETTINGS_KEY,
  MotionConfig,
  readMotionSetting,
  type MotionCameraConfig,
} from './motion-config.js';
import { DEFAULT_LABEL_FILTER, DEFAULT_TRACKER_CONFIG } from './tracker.js';

type ParsedInput = z.output<typeof InputSchema>;

const CAMERA_DEFAULTS: CameraDetectionSettings = {
  motion: null,
  objects: null,
  sensitivity: 50,
  masks: [],
  zones: [],
};

function cameraView(config: MotionCameraConfig | undefined): CameraDetectionSettings {
  if (config === undefined) return { ...CAMERA_DEFAULTS };
  return {
    motion: config.enabled ?? null,
    objects: config.objects ?? null,
    sensitivity: config.sensitivity ?? CAMERA_DEFAULTS.sensitivity,
    masks: config.masks ?? [],
    zones: (config.zones ?? []).map((zone) => ({
      name: zone.name,
      polygon: zone.polygon,
      alert: zone.alert ?? false,
    })),
  };
}

function cameraRow(view: CameraDetectionSettings): MotionCameraConfig {
  return {
    ...(view.motion === null ? {} : { enabled: view.motion }),
    ...(view.objects === null ? {} : { objects: view.objects }),
    sensitivity: view.sensitivity,
    masks: view.masks,
    zones: view.zones.map((zone) => ({ name: zone.name, polygon: zone.polygon, alert: zone.alert })),
  };
}

/** The settings in effect, for every camera in `cameraIds` (defaults where it has none). */
export function detectionSettingsOf(config: MotionConfig, cameraIds: readonly string[]): DetectionSettings {
  const labels = Object.fromEntries(
    Object.entries(config.labels ?? DEFAULT_TRACKER_CONFIG.labels).map(([label, filter]) => [
      label,
      {
        minScore: filter.minScore,
        minArea: filter.minArea ?? DEFAULT_LABEL_FILTER.minArea,
        maxArea: filter.maxArea ?? DEFAULT_LABEL_FILTER.maxArea,
      },
    ]),
  );
  return {
    motion: config.enabled,
    objects: config.objects,
    fps: config.fps,
    width: config.width,
    labels,
    minHits: config.minHits ?? DEFAULT_TRACKER_CONFIG.minHits,
    endAfterSeconds: config.endAfterSeconds ?? DEFAULT_TRACKER_CONFIG.endAfterMs / 1000,
    cameras: Object.fromEntries(cameraIds.map((id) => [id, cameraView(config.cameras[id])])),
  };
}

/** `base` with the input's changes: the global keys given, and each camera given replaced whole. */
export function withDetectionChanges(base: MotionConfig, input: ParsedInput): MotionConfig {
  const cameras = { ...base.cameras };
  for (const [id, view] of Object.entries(input.cameras ?? {})) cameras[id] = cameraRow(view);
  return {
    ...base,
    ...(input.motion === undefined ? {} : { enabled: input.motion }),
    ...(input.objects === undefined ? {} : { objects: input.objects }),
    ...(input.fps === undefined ? {} : { fps: input.fps }),
    ...(input.width === undefined ? {} : { width: input.width }),
    ...(input.labels === undefined ? {} : { labels: input.labels }),
    ...(input.minHits === undefined ? {} : { minHits: input.minHits }),
    ...(input.endAfterSeconds === undefined ? {} : { endAfterSeconds: input.endAfterSeconds }),
    cameras,
  };
}

export interface DetectionSettingsService {
  get(): DetectionSettings;
  set(input: DetectionSettingsInput): DetectionSettings;
}

export function createDetectionSettingsService(deps: {
  db: Db;
  /** Existing camera ids, oldest first. */
  cameraIds: () => string[];
  motion: { readonly config: MotionConfig; configure(config: MotionConfig): void };
  now: () => number;
}): DetectionSettingsService {
  const get = (): DetectionSettings => detectionSettingsOf(deps.motion.config, deps.cameraIds());
  return {
    get,
    set(raw) {
      // The handler has checked the shape; the defaults of each camera entry come from parsing again.
      const input = InputSchema.parse(raw);
      const known = new Set(deps.cameraIds());
      for (const id of Object.keys(input.cameras ?? {})) {
        if (!known.has(id)) throw new ContractError('not_found', `cameras.${id}: there is no such camera`);
      }
      // The stored row is what a restart reads: changes go over it (an invalid row starts from nothing).
      const storedRaw = readMotionSetting(deps.db);
      const stored = MotionConfig.partial().safeParse(storedRaw);
      const row = withDetectionChanges(
        { cameras: {}, ...(stored.success ? stored.data : {}) } as MotionConfig,
        input,
      );
      // Removed cameras leave nothing behind in the row.
      const value = JSON.parse(
        JSON.stringify({
          ...row,
          cameras: Object.fromEntries(Object.entries(row.cameras).filter(([id]) => known.has(id))),
        }),
      ) as Record<string, unknown>;
      const at = deps.now();
      deps.db
        .insert(settings)
        .values({ key: MOTION_SETTINGS_KEY, value, updatedAt: at })
        .onConflictDoUpdate({ target: settings.key, set: { value, updatedAt: at } })
        .run();
      deps.motion.configure(withDetectionChanges(deps.motion.config, input));
      return get();
    },
  };
}
