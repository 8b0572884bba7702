/**
 * Object detection wired into the engine (issue 6, items 3 and 4): for every camera with objects on, each
 * motion update that moved (plus the boxes of the objects being tracked, so a person who stops stays seen)
 * sends a crop of its RGB frame to the shared detector pool, keyed by camera; the answer feeds the camera's
 * `ObjectTracker`, whose transitions become events in the `EventStore`. One request per camera is in flight
 * at a time (frames meanwhile are skipped, the next one comes 200 ms later at 5 fps), dropped or lost answers
 * are skipped, and nothing here ever blocks recording or the motion worker.
 */
import type { MethodInput, DetectionEvent } from '../../../common/contract/index.js';
import type { Logger, WorkerHost } from '../ports.js';
import { createDetectorPool, type DetectorPool, type DetectorPoolOptions } from './detector-pool.js';
import type { DetectionBox } from './detector.js';
import type { EventStore } from './event-store.js';
import { objectsEnabledFor, type MotionConfig } from './motion-config.js';
import type { MotionService, MotionUpdate } from './motion-service.js';
import {
  DEFAULT_LABEL_FILTER,
  DEFAULT_TRACKER_CONFIG,
  ObjectTracker,
  type TrackerConfig,
  type TrackerTransition,
} from './tracker.js';

export interface ObjectServiceStats {
  /**
   * Detector requests sent, answered, and skipped (dropped, lost, failed) per camera; open events; and objects
   * confirmed (label, score, hits) that made no event because they stayed outside the alerting zones.
   */
  cameras: {
    cameraId: string;
    requests: number;
    answered: number;
    skipped: number;
    openEvents: number;
    heldOutsideZones: number;
  }[];
  pool: ReturnType<DetectorPool['stats']> | null;
}

export interface ObjectService {
  start(): void;
  stop(): Promise<void>;
  list(input: MethodInput<'events.list'>): DetectionEvent[];
  stats(): ObjectServiceStats;
  /** The pool, once a camera needed it (tests kill its workers). */
  readonly pool: DetectorPool | null;
}

interface CameraState {
  tracker: ObjectTracker;
  busy: boolean;
  /** Track id → event id. */
  eventIds: Map<number, number>;
  requests: number;
  answered: number;
  skipped: number;
  configKey: string;
}

/** The tracker's configuration for one camera under the motion/objects settings. */
export function trackerConfigFor(config: MotionConfig, cameraId: string): TrackerConfig {
  const camera = config.cameras[cameraId];
  const zones = (camera?.zones ?? []).map((zone) => ({ name: zone.name, polygon: zone.polygon }));
  const labels =
    config.labels === undefined
      ? DEFAULT_TRACKER_CONFIG.labels
      : Object.fromEntries(
          Object.entries(config.labels).map(([label, filter]) => [
            label,
            {
              minScore: filter.minScore,
              minArea: filter.minArea ?? DEFAULT_LABEL_FILTER.minArea,
              maxArea: filter.maxArea ?? DEFAULT_LABEL_FILTER.maxArea,
            },
          ]),
        );
  return {
    ...DEFAULT_TRACKER_CONFIG,
    labels,
    zones,
    alertZones: (camera?.zones ?? []).filter((zone) => zone.alert === true).map((zone) => zone.name),
    ...(config.minHits === undefined ? {} : { minHits: config.minHits }),
    ...(config.endAfterSeconds === undefined ? {} : { endAfterMs: config.endAfterSeconds * 1000 }),
  };
}

export function createObjectService(deps: {
  motion: Pick<MotionService, 'onMotion' | 'config'>;
  /**
   * A frame with motion (or tracked objects) that could not be checked for objects: no detector, or the
   * request was dropped, lost or failed. The recording modes keep its footage.
   */
  onUnchecked?: (cameraId: string, at: number) => void;
  store: EventStore;
  workerHost: WorkerHost | undefined;
  modelDir: string;
  pool?: Partial<Omit<DetectorPoolOptions, 'workerHost' | 'modelDir' | 'logger'>>;
  logger: Logger;
  now: () => number;
  /** Makes the pool (tests pass a fake). */
  createPool?: (options: DetectorPoolOptions) => DetectorPool;
}): ObjectService {
  const logger = deps.logger.child({ component: 'objects' });
  const cameras = new Map<string, CameraState>();
  let pool: DetectorPool | null = null;
  let unsubscribe: (() => void) | null = null;
  let warnedNoHost = false;
  let stopped = false;

  function poolNow(): DetectorPool | null {
    if (pool !== null) return pool;
    if (deps.workerHost === undefined) {
      if (!warnedNoHost) logger.warn({}, 'Object detection needs worker processes; this engine has none');
      warnedNoHost = true;
      return null;
    }
    pool = (deps.createPool ?? createDetectorPool)({
      ...deps.pool,
      workerHost: deps.workerHost,
      modelDir: deps.modelDir,
      logger,
    });
    pool.start();
    return pool;
  }

  function stateOf(cameraId: string): CameraState {
    const config = trackerConfigFor(deps.motion.config, cameraId);
    const key = JSON.stringify(config);
    let state = cameras.get(cameraId);
    if (state === undefined) {
      state = {
        tracker: new ObjectTracker(config),
        busy: false,
        eventIds: new Map(),
        requests: 0,
        answered: 0,
        skipped: 0,
        configKey: key,
      };
      cameras.set(cameraId, state);
    } else if (state.configKey !== key) {
      state.tracker.configure(config);
      state.configKey = key;
    }
    return state;
  }

  function apply(
    cameraId: string,
    state: CameraState,
    transitions: TrackerTransition[],
    frame: MotionUpdate,
  ) {
    const rgbFrame =
      frame.rgb === undefined ? undefined : { rgb: frame.rgb, width: frame.width, height: frame.height };
    for (const transition of transitions) {
      try {
        if (transition.kind === 'started') {
          if (rgbFrame === undefined) continue;
          state.eventIds.set(transition.object.id, deps.store.start(cameraId, transition.object, rgbFrame));
        } else if (transition.kind === 'updated') {
          const eventId = state.eventIds.get(transition.object.id);
          if (eventId !== undefined)
            deps.store.update(eventId, transition.object, transition.betterFrame ? rgbFrame : undefined);
        } else {
          const eventId = state.eventIds.get(transition.object.id);
          if (eventId !== undefined) deps.store.end(eventId, transition.object, transition.endAt);
          state.eventIds.delete(transition.object.id);
        }
      } catch (error) {
        logger.error({ err: error, cameraId }, 'Could not store a detection event');
      }
    }
  }

  function onMotion(update: MotionUpdate): void {
    if (stopped) return;
    const { cameraId } = update;
    if (update.rgb === undefined || !objectsEnabledFor(deps.motion.config, cameraId)) {
      const state = cameras.get(cameraId);
      if (state !== undefined && state.eventIds.size === 0 && !state.busy) cameras.delete(cameraId);
      else if (state !== undefined && !state.busy)
        apply(cameraId, state, state.tracker.flush(update.at), update);
      return;
    }
    const state = stateOf(cameraId);
    if (state.busy) return;
    const frame = { width: update.width, height: update.height };
    const tracked: DetectionBox[] = state.tracker
      .objects()
      .filter((object) => !object.parked && !object.eventEnded)
      .map((object) => object.box);
    const regions: DetectionBox[] = [...update.boxes, ...tracked];
    if (regions.length === 0) {
      apply(cameraId, state, state.tracker.update(update.at, [], frame), update);
      return;
    }
    const detector = poolNow();
    if (detector === null) {
      deps.onUnchecked?.(cameraId, update.at);
      return;
    }
    state.busy = true;
    state.requests += 1;
    const rgb = update.rgb;
    void detector
      .detectRegions({ rgb, width: update.width, height: update.height }, regions, { key: cameraId })
      .then((outcome) => {
        state.busy = false;
        if (stopped) return;
        if (outcome.status !== 'done') {
          state.skipped += 1;
          deps.onUnchecked?.(cameraId, update.at);
          return;
        }
        state.answered += 1;
        apply(cameraId, state, state.tracker.update(update.at, outcome.detections, frame), update);
      });
  }

  return {
    start() {
      if (unsubscribe !== null) return;
      stopped = false;
      unsubscribe = deps.motion.onMotion(onMotion);
    },

    async stop() {
      stopped = true;
      unsubscribe?.();
      unsubscribe = null;
      const now = deps.now();
      for (const [cameraId, state] of cameras) {
        for (const transition of state.tracker.flush(now)) {
          const eventId = state.eventIds.get(transition.object.id);
          if (eventId !== undefined && transition.kind === 'ended')
            deps.store.end(eventId, transition.object, transition.endAt);
        }
        state.eventIds.clear();
        cameras.delete(cameraId);
      }
      await pool?.stop();
      pool = null;
      await deps.store.idle();
    },

    list(input) {
      return deps.store.list(input);
    },

    stats() {
      return {
        cameras: [...cameras].map(([cameraId, state]) => ({
          cameraId,
          requests: state.requests,
          answered: state.answered,
          skipped: state.skipped,
          openEvents: state.eventIds.size,
          heldOutsideZones: state.tracker.heldOutsideZones,
        })),
        pool: pool?.stats() ?? null,
      };
    },

    get pool() {
      return pool;
    },
  };
}
