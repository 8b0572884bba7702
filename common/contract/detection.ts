import { z } from 'zod';
import { CameraId } from './cameras.js';
import { EpochMs } from './storage.js';

/**
 * Detection settings (issue 6 item 5): the global switches and filters, and per camera the motion sensitivity,
 * masks (areas never looked at) and zones (named areas; with "alert" on any zone, only objects in an alerting
 * zone make events). Polygons are in fractions of the frame (0..1, x then y), so they survive a change of
 * stream resolution.
 */

/** Labels that can make events: the COCO classes an NVR user tracks. */
export const DETECTION_LABELS = [
  'person',
  'bicycle',
  'car',
  'motorcycle',
  'bus',
  'truck',
  'bird',
  'cat',
  'dog',
  'horse',
  'sheep',
  'cow',
  'bear',
  'backpack',
  'umbrella',
  'handbag',
  'suitcase',
] as const;
export const DetectionLabel = z.enum(DETECTION_LABELS);

export const POLYGON_POINTS_MAX = 64;
export const POLYGONS_MAX = 32;

export const PolygonPoint = z.tuple([z.number().min(0).max(1), z.number().min(0).max(1)]);

/** Twice the signed area (shoelace) of a polygon in frame fractions. */
export function polygonArea(points: readonly (readonly [number, number])[]): number {
  let twice = 0;
  points.forEach(([x1, y1], index) => {
    const [x2, y2] = points[(index + 1) % points.length] ?? [x1, y1];
    twice += x1 * y2 - x2 * y1;
  });
  return Math.abs(twice) / 2;
}

function orientation(
  a: readonly [number, number],
  b: readonly [number, number],
  c: readonly [number, number],
): number {
  const value = (b[1] - a[1]) * (c[0] - b[0]) - (b[0] - a[0]) * (c[1] - b[1]);
  return Math.abs(value) < 1e-12 ? 0 : Math.sign(value);
}

function segmentsCross(
  p1: readonly [number, number],
  p2: readonly [number, number],
  q1: readonly [number, number],
  q2: readonly [number, number],
): boolean {
  const o1 = orientation(p1, p2, q1);
  const o2 = orientation(p1, p2, q2);
  const o3 = orientation(q1, q2, p1);
  const o4 = orientation(q1, q2, p2);
  if (o1 !== o2 && o3 !== o4 && o1 !== 0 && o2 !== 0 && o3 !== 0 && o4 !== 0) return true;
  const onSegment = (
    a: readonly [number, number],
    b: readonly [number, number],
    c: readonly [number, number],
  ) =>
    Math.min(a[0], b[0]) <= c[0] &&
    c[0] <= Math.max(a[0], b[0]) &&
    Math.min(a[1], b[1]) <= c[1] &&
    c[1] <= Math.max(a[1], b[1]);
  return (
    (o1 === 0 && onSegment(p1, p2, q1)) ||
    (o2 === 0 && onSegment(p1, p2, q2)) ||
    (o3 === 0 && onSegment(q1, q2, p1)) ||
    (o4 === 0 && onSegment(q1, q2, p2))
  );
}

/** Whether two edges of the closed polygon that do not share a corner touch or cross. */
export function polygonSelfIntersects(points: readonly (readonly [number, number])[]): boolean {
  const count = points.length;
  const edges = points.map((point, index) => [point, points[(index + 1) % count] ?? point] as const);
  for (let i = 0; i < count; i++) {
    for (let j = i + 1; j < count; j++) {
      // Neighbouring edges share a corner.
      if (j === i + 1 || (i === 0 && j === count - 1)) continue;
      const [p1, p2] = edges[i] ?? [];
      const [q1, q2] = edges[j] ?? [];
      if (p1 && p2 && q1 && q2 && segmentsCross(p1, p2, q1, q2)) return true;
    }
  }
  return false;
}

/** The smallest polygon accepted: 0.01 % of the frame (a 6×4 px area at 640×360). */
export const POLYGON_AREA_MIN = 0.0001;

export const Polygon = z
  .array(PolygonPoint)
  .min(3, 'a polygon needs at least 3 points')
  .max(POLYGON_POINTS_MAX, `a polygon has at most ${POLYGON_POINTS_MAX} points`)
  .superRefine((points, context) => {
    if (points.length < 3) return;
    // Crossing first: a bow tie's two halves cancel out in the signed area.
    if (polygonSelfIntersects(points))
      context.addIssue({ code: 'custom', message: 'the polygon crosses itself' });
    else if (polygonArea(points) < POLYGON_AREA_MIN)
      context.addIssue({ code: 'custom', message: 'the polygon has no area (its points are in a line)' });
  });
export type Polygon = z.infer<typeof Polygon>;

export const ZoneName = z
  .string()
  .trim()
  .min(1, 'a zone needs a name')
  .max(64)
  .regex(/^[^\p{Cc}]+$/u, 'a zone name cannot contain control characters');

export const DetectionZone = z.strictObject({
  name: ZoneName,
  polygon: Polygon,
  /** Objects make events only in alerting zones when any zone alerts. */
  alert: z.boolean().default(false),
});
export type DetectionZone = z.output<typeof DetectionZone>;

/** One camera's settings; `null` switches follow the global ones. */
export const CameraDetectionSettings = z.strictObject({
  motion: z.boolean().nullable().default(null),
  objects: z.boolean().nullable().default(null),
  /** 0 (only large, strong changes) .. 100 (small, faint ones). */
  sensitivity: z.number().int().min(0).max(100).default(50),
  masks: z.array(Polygon).max(POLYGONS_MAX).default([]),
  zones: z
    .array(DetectionZone)
    .max(POLYGONS_MAX)
    .default([])
    .superRefine((zones, context) => {
      const seen = new Set<string>();
      zones.forEach((zone, index) => {
        const key = zone.name.toLowerCase();
        if (seen.has(key))
          context.addIssue({
            code: 'custom',
            path: [index, 'name'],
            message: `zone "${zone.name}" is named twice`,
          });
        seen.add(key);
      });
    }),
});
export type CameraDetectionSettings = z.output<typeof CameraDetectionSettings>;
export type CameraDetectionSettingsInput = z.input<typeof CameraDetectionSettings>;

export const LabelFilter = z
  .strictObject({
    minScore: z.number().min(0).max(1),
    minArea: z.number().min(0).max(1).optional(),
    maxArea: z.number().min(0).max(1).optional(),
  })
  .refine((filter) => (filter.minArea ?? 0) <= (filter.maxArea ?? 1), {
    message: 'the minimum area is larger than the maximum',
  });

export const DetectionSettings = z.object({
  /** Motion detection on every camera that does not say otherwise. */
  motion: z.boolean(),
  /** Object detection on the moving regions of every camera with motion on that does not say otherwise. */
  objects: z.boolean(),
  /** Decoded frames per second for detection, and their width in pixels. */
  fps: z.number(),
  width: z.number().int(),
  /** The labels that make events, with their filters. */
  labels: z.record(z.string(), z.object({ minScore: z.number(), minArea: z.number(), maxArea: z.number() })),
  /** Frames an object must be seen in before it is an event; seconds an event lasts after it left. */
  minHits: z.number().int(),
  endAfterSeconds: z.number(),
  /** Every camera, with its settings (defaults where none were set). */
  cameras: z.record(z.string(), CameraDetectionSettings),
});
export type DetectionSettings = z.output<typeof DetectionSettings>;

/** Changes: the global fields given, and each camera given replaced whole. */
export const DetectionSettingsInput = z.strictObject({
  motion: z.boolean().optional(),
  objects: z.boolean().optional(),
  fps: z.number().min(0.5).max(30).optional(),
  width: z
    .number()
    .int()
    .min(64)
    .max(1920)
    .refine((width) => width % 2 === 0, 'the width must be even (H.264 frames are)')
    .optional(),
  labels: z
    .partialRecord(DetectionLabel, LabelFilter)
    .refine((labels) => Object.keys(labels).length > 0, 'at least one label must make events')
    .optional(),
  minHits: z.number().int().min(1).max(50).optional(),
  endAfterSeconds: z.number().min(0.5).max(600).optional(),
  cameras: z
    .record(CameraId, CameraDetectionSettings)
    .refine((cameras) => Object.keys(cameras).length <= 256, 'at most 256 cameras at once')
    .optional(),
});
export type DetectionSettingsInput = z.input<typeof DetectionSettingsInput>;

/** A still of a camera to draw masks and zones over: the first frame of its newest recorded segment. */
export const CameraSnapshot = z.object({
  cameraId: z.string(),
  /** When the frame was recorded (the segment's start). */
  time: EpochMs,
  width: z.number().int(),
  height: z.number().int(),
  /** `data:image/jpeg;base64,…` */
  image: z.string(),
});
export type CameraSnapshot = z.infer<typeof CameraSnapshot>;
