/**
 * Motion detection settings: the `settings` row `detection.motion` (JSON), merged over the defaults and checked
 * with zod; an invalid row is logged and ignored (detection stays off) rather than stopping the engine.
 */
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/open-database.js';
import { settings } from '../db/schema.js';

export const MOTION_SETTINGS_KEY = 'detection.motion';

const Point = z.tuple([z.number().min(0).max(1), z.number().min(0).max(1)]);
const Polygon = z.array(Point).min(3).max(64);

export const MotionCameraConfig = z.object({
  /** Overrides the global switch for this camera. */
  enabled: z.boolean().optional(),
  /** 0..100, default 50. */
  sensitivity: z.number().min(0).max(100).optional(),
  /** Ignored areas, normalised 0..1 polygons. */
  masks: z.array(Polygon).max(32).optional(),
  /** Overrides the global object-detection switch for this camera (needs motion on). */
  objects: z.boolean().optional(),
  /** Named areas; with `alert: true` on any of them, only objects standing in an alerting zone make events. */
  zones: z
    .array(
      z.object({
        name: z.string().trim().min(1).max(64),
        polygon: Polygon,
        alert: z.boolean().optional(),
      }),
    )
    .max(32)
    .optional(),
});
export type MotionCameraConfig = z.infer<typeof MotionCameraConfig>;

export const MotionConfig = z.object({
  /** Motion detection for every camera unless a camera says otherwise. Off by default. */
  enabled: z.boolean(),
  /** Decoded frames per second sent to detection. */
  fps: z.number().min(0.5).max(30),
  /** Width of the decoded frames (FFmpeg scales, keeping the aspect ratio). */
  width: z.number().int().min(64).max(1920),
  /** Frames waiting per camera while the worker is busy; the oldest is dropped beyond it. */
  queueLength: z.number().int().min(1).max(100),
  /** Share of the background replaced per frame. */
  learningRate: z.number().gt(0).max(1),
  cameras: z.record(z.string(), MotionCameraConfig),
  /** Object detection on the regions that moved, for every camera with motion on unless it says otherwise. */
  objects: z.boolean(),
  /** Per-label filters of the labels that make events (default: people, vehicles, pets at 0.5). */
  labels: z
    .record(
      z.string(),
      z.object({
        minScore: z.number().min(0).max(1),
        minArea: z.number().min(0).max(1).optional(),
        maxArea: z.number().min(0).max(1).optional(),
      }),
    )
    .optional(),
  /** Frames an object must be seen in before it is an event, and seconds an event lasts after it leaves. */
  minHits: z.number().int().min(1).max(50).optional(),
  endAfterSeconds: z.number().min(0.5).max(600).optional(),
});
export type MotionConfig = z.infer<typeof MotionConfig>;

export const MOTION_CONFIG_DEFAULT: MotionConfig = {
  enabled: false,
  fps: 5,
  width: 640,
  queueLength: 2,
  learningRate: 0.05,
  cameras: {},
  objects: false,
};

/** Merges `value` over the defaults; null and a problem when it does not pass the schema. */
export function parseMotionConfig(value: unknown): { config: MotionConfig; problem: string | null } {
  if (value === undefined || value === null) return { config: MOTION_CONFIG_DEFAULT, problem: null };
  const parsed = MotionConfig.safeParse({
    ...MOTION_CONFIG_DEFAULT,
    ...(typeof value === 'object' ? value : {}),
  });
  if (parsed.success) return { config: parsed.data, problem: null };
  return {
    config: MOTION_CONFIG_DEFAULT,
    problem: parsed.error.issues.map((issue) => issue.message).join('; '),
  };
}

/** The stored row's value, or undefined. */
export function readMotionSetting(db: Db): unknown {
  return db.select().from(settings).where(eq(settings.key, MOTION_SETTINGS_KEY)).get()?.value;
}

/** Whether a camera has motion detection on under `config`. */
export function motionEnabledFor(config: MotionConfig, cameraId: string): boolean {
  return config.cameras[cameraId]?.enabled ?? config.enabled;
}

/** Whether a camera has object detection on under `config` (it rides on motion detection). */
export function objectsEnabledFor(config: MotionConfig, cameraId: string): boolean {
  return motionEnabledFor(config, cameraId) && (config.cameras[cameraId]?.objects ?? config.objects);
}
