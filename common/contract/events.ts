import { z } from 'zod';
import { CameraId } from './cameras.js';
import { EpochMs } from './storage.js';

/**
 * Detection events (issue 6): an object of a tracked label that was seen for a few frames becomes an event,
 * ending some seconds after it leaves. Boxes are fractions of the frame (0..1), so they survive a change of
 * stream resolution. Snapshots are files the gateway serves (`/api/events/:id/snapshot.jpg`, `thumbnail.jpg`).
 */
export const NormalisedBox = z.object({
  x: z.number(),
  y: z.number(),
  width: z.number(),
  height: z.number(),
});
export type NormalisedBox = z.infer<typeof NormalisedBox>;

export const DetectionEvent = z.object({
  id: z.number().int(),
  cameraId: z.string(),
  /** The object's label (`person`, `car`, …). */
  label: z.string(),
  startTime: EpochMs,
  /** Null while the object is still there. */
  endTime: EpochMs.nullable(),
  /** The best frame (its snapshot). */
  bestTime: EpochMs,
  score: z.number(),
  box: NormalisedBox,
  /** Zones the object stood in. */
  zones: z.array(z.string()),
  hasSnapshot: z.boolean(),
  locked: z.boolean(),
});
export type DetectionEvent = z.infer<typeof DetectionEvent>;

export const EVENTS_LIST_MAX = 500;

export const EventsListInput = z.strictObject({
  cameraIds: z.array(CameraId).max(256).optional(),
  labels: z.array(z.string().min(1).max(32)).max(80).optional(),
  zone: z.string().min(1).max(64).optional(),
  /** Events overlapping [from, to) (UTC ms). */
  from: EpochMs.optional(),
  to: EpochMs.optional(),
  minScore: z.number().min(0).max(1).optional(),
  limit: z.number().int().min(1).max(EVENTS_LIST_MAX).optional(),
  /** Events starting before this one's start (paging back, newest first). */
  before: EpochMs.optional(),
});
export type EventsListInput = z.input<typeof EventsListInput>;
