/**
 * What detection saw of each camera, for the `motion` and `events` recording modes: when it was watching (every
 * processed frame extends a coverage span; a gap longer than `maxGapMs` breaks it), when something moved
 * (frames with motion boxes), and instants of doubt (frames with motion the object detector could not check:
 * dropped under load, a worker lost, no detector). Retention deletes a segment of such a camera only where
 * coverage is unbroken over the segment and its rolls, so footage from before a restart, from a detector
 * outage or from a camera whose detection is off is always kept.
 *
 * In memory and bounded: spans older than `keepMs` go, and a camera never holds more than `maxSpans` of a
 * kind. When motion or doubt spans must go for the bound, nothing before the last one dropped counts as
 * watched any more (so a dropped span can never let its footage be deleted).
 */

export type ActivityKind = 'motion' | 'events';

export interface ActivityWindowsOptions {
  /** Frames further apart than this break coverage (and start a new motion span). */
  maxGapMs?: number;
  /** Spans ending longer ago than this are pruned. */
  keepMs?: number;
  /** Per camera and kind. */
  maxSpans?: number;
}

/** Sorted, disjoint [start, end] spans of instants, extended frame by frame. */
class Spans {
  readonly list: [number, number][] = [];

  /** Adds instant `at`; returns the end of a span dropped for the bound, if any. */
  add(at: number, maxGapMs: number, maxSpans: number): number | null {
    const last = this.list.at(-1);
    if (last !== undefined && at <= last[1]) return null; // out of order or repeated: already inside
    if (last !== undefined && at - last[1] <= maxGapMs) {
      last[1] = at;
      return null;
    }
    this.list.push([at, at]);
    if (this.list.length > maxSpans) return this.list.shift()?.[1] ?? null;
    return null;
  }

  prune(before: number): void {
    while ((this.list[0]?.[1] ?? Infinity) < before) this.list.shift();
  }

  /** True when one span holds all of [from, to]. */
  covers(from: number, to: number): boolean {
    // The last span starting at or before `from`.
    let low = 0;
    let high = this.list.length - 1;
    let found = -1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      if ((this.list[middle]?.[0] ?? Infinity) <= from) {
        found = middle;
        low = middle + 1;
      } else high = middle - 1;
    }
    return found >= 0 && (this.list[found]?.[1] ?? -Infinity) >= to;
  }
}

interface CameraActivity {
  /** Frames processed by motion detection. */
  watched: Spans;
  /** Frames processed with object detection on (RGB decoded for it). */
  watchedObjects: Spans;
  motion: Spans;
  doubt: Spans;
  /** Nothing before this counts as watched (spans were dropped for the bound). */
  unknownBefore: number;
}

export class ActivityWindows {
  readonly #cameras = new Map<string, CameraActivity>();
  readonly #maxGapMs: number;
  readonly #keepMs: number;
  readonly #maxSpans: number;

  constructor(options: ActivityWindowsOptions = {}) {
    this.#maxGapMs = options.maxGapMs ?? 2_500;
    this.#keepMs = options.keepMs ?? 6 * 3_600_000;
    this.#maxSpans = options.maxSpans ?? 20_000;
  }

  #camera(cameraId: string): CameraActivity {
    let camera = this.#cameras.get(cameraId);
    if (camera === undefined) {
      camera = {
        watched: new Spans(),
        watchedObjects: new Spans(),
        motion: new Spans(),
        doubt: new Spans(),
        unknownBefore: -Infinity,
      };
      this.#cameras.set(cameraId, camera);
    }
    return camera;
  }

  #add(camera: CameraActivity, spans: Spans, at: number, guards: boolean): void {
    const dropped = spans.add(at, this.#maxGapMs, this.#maxSpans);
    if (dropped !== null && guards) camera.unknownBefore = Math.max(camera.unknownBefore, dropped + 1);
  }

  /** One frame processed by motion detection, decoded at `at` (UTC ms). */
  frame(cameraId: string, at: number, seen: { motion: boolean; objectsWatched: boolean }): void {
    const camera = this.#camera(cameraId);
    if (seen.motion) this.#add(camera, camera.motion, at, true);
    this.#add(camera, camera.watched, at, false);
    if (seen.objectsWatched) this.#add(camera, camera.watchedObjects, at, false);
  }

  /** A frame whose motion the object detector could not check: its footage is kept as if it had an event. */
  doubt(cameraId: string, at: number): void {
    const camera = this.#camera(cameraId);
    this.#add(camera, camera.doubt, at, true);
  }

  /** True when detection of `kind` watched the camera without a break over all of [from, to]. */
  watched(cameraId: string, kind: ActivityKind, from: number, to: number): boolean {
    const camera = this.#cameras.get(cameraId);
    if (camera === undefined || from < camera.unknownBefore) return false;
    return (kind === 'motion' ? camera.watched : camera.watchedObjects).covers(from, to);
  }

  /** Start of the oldest coverage of `kind` still held, or null. */
  watchedSince(cameraId: string, kind: ActivityKind): number | null {
    const camera = this.#cameras.get(cameraId);
    const first = (kind === 'motion' ? camera?.watched : camera?.watchedObjects)?.list[0];
    if (camera === undefined || first === undefined) return null;
    return Math.max(first[0], camera.unknownBefore);
  }

  /**
   * The instants whose footage `kind` keeps, as spans without the rolls: motion and doubt for `motion` (object
   * events come from the database), doubt alone for `events`.
   */
  keepSpans(cameraId: string, kind: ActivityKind): [number, number][] {
    const camera = this.#cameras.get(cameraId);
    if (camera === undefined) return [];
    const doubt = camera.doubt.list.map(([start, end]) => [start, end] as [number, number]);
    if (kind === 'events') return doubt;
    return [...camera.motion.list.map(([start, end]) => [start, end] as [number, number]), ...doubt];
  }

  /**
   * Drops spans that ended before `now - keepMs`; from then on nothing before that counts as watched (a pruned
   * motion span must not leave its footage looking deletable under a coverage span that is still held).
   */
  prune(now: number): void {
    const before = now - this.#keepMs;
    for (const camera of this.#cameras.values()) {
      for (const spans of [camera.watched, camera.watchedObjects, camera.motion, camera.doubt]) {
        spans.prune(before);
      }
      camera.unknownBefore = Math.max(camera.unknownBefore, before);
    }
  }

  forget(cameraId: string): void {
    this.#cameras.delete(cameraId);
  }
}
