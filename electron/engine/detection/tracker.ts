/**
 * Object tracking and event decisions for one camera (issue 6, item 4). Pure: detections in, tracks and event
 * transitions out, time passed in (wall-clock ms of the frame), so tests drive it frame by frame.
 *
 * - Tracking: each frame's detections of tracked labels (after the per-label score and area filters) are
 *   matched to live tracks of the same label greedily by IoU (best pair first, at least `matchIou`); a
 *   detection left over starts a track; a track unmatched for `lostAfterMs` is gone.
 * - Events: a track becomes an event once it has been seen in `minHits` frames (so one stray frame never
 *   alerts), is not a stationary object already known at that place (a parked car seen again when something
 *   moves beside it), and — when the camera has alert zones — its anchor point (bottom centre, where it
 *   stands) has been inside one of them. The event ends `endAfterMs` after the object was last seen.
 * - Stationary: a track whose box has not moved by more than `stationaryShift` of the frame diagonal over
 *   `stationaryMs` is stationary; its box is remembered for `parkedMemoryMs`, and a new track at that place
 *   (IoU ≥ 0.5, same label) raises no event until it moves away.
 */
import { iou, type Detection, type DetectionBox } from './detector.js';
import { pointInPolygon, type NormalisedPolygon } from './motion.js';

/** COCO labels that make events by default: people, vehicles and pets. */
export const DEFAULT_TRACKED_LABELS = [
  'person',
  'car',
  'truck',
  'bus',
  'bicycle',
  'motorcycle',
  'dog',
  'cat',
];

export interface LabelFilter {
  /** A detection scoring below this is ignored (0..1). */
  minScore: number;
  /** Box area as a share of the frame (0..1): smaller or larger boxes are ignored. */
  minArea: number;
  maxArea: number;
}

export interface Zone {
  /** Shown on events; unique per camera. */
  name: string;
  polygon: NormalisedPolygon;
}

export interface TrackerConfig {
  labels: Readonly<Record<string, LabelFilter>>;
  /** Frames a track must be seen in before it becomes an event. */
  minHits: number;
  /** An event ends this long after its object was last seen. */
  endAfterMs: number;
  /** A track unmatched this long is gone (a later detection starts a new one). */
  lostAfterMs: number;
  matchIou: number;
  zones: readonly Zone[];
  /** Names of zones that alert; empty: everywhere alerts. */
  alertZones: readonly string[];
  stationaryMs: number;
  /** Movement below this share of the frame diagonal over `stationaryMs` is standing still. */
  stationaryShift: number;
  parkedMemoryMs: number;
}

export const DEFAULT_LABEL_FILTER: LabelFilter = { minScore: 0.5, minArea: 0.0005, maxArea: 0.9 };

export const DEFAULT_TRACKER_CONFIG: TrackerConfig = {
  labels: Object.fromEntries(DEFAULT_TRACKED_LABELS.map((label) => [label, DEFAULT_LABEL_FILTER])),
  minHits: 3,
  endAfterMs: 5_000,
  lostAfterMs: 3_000,
  matchIou: 0.2,
  zones: [],
  alertZones: [],
  stationaryMs: 10_000,
  stationaryShift: 0.02,
  parkedMemoryMs: 60 * 60_000,
};

export interface TrackedObject {
  readonly id: number;
  readonly label: string;
  box: DetectionBox;
  score: number;
  firstSeen: number;
  lastSeen: number;
  hits: number;
  /** Best score seen and the frame it was seen in (the event's snapshot). */
  bestScore: number;
  bestAt: number;
  bestBox: DetectionBox;
  /** Zones its anchor point has been in. */
  zones: Set<string>;
  stationary: boolean;
  /** A known parked object at this place: no event until it moves away. */
  parked: boolean;
  /** Set once the track became an event. */
  eventKey: string | null;
  /** Its event ended while the object stayed (it stopped moving: a parked car). */
  eventEnded: boolean;
  /** It passed the label's score for enough frames but has not been in an alerting zone. */
  heldOutsideZones: boolean;
  /** Recent (time, centre) samples for the stationary test. */
  readonly path: { at: number; cx: number; cy: number }[];
}

export type TrackerTransition =
  | { kind: 'started'; object: TrackedObject }
  /** A better frame (higher score) or a new zone: the snapshot or the event's zones change. */
  | { kind: 'updated'; object: TrackedObject; betterFrame: boolean }
  | { kind: 'ended'; object: TrackedObject; endAt: number };

export interface FrameSize {
  width: number;
  height: number;
}

export class ObjectTracker {
  private readonly tracks = new Map<number, TrackedObject>();
  private readonly parked: { label: string; box: DetectionBox; until: number }[] = [];
  /** Tracks gone but whose event still waits for `endAfterMs`. */
  private readonly ending = new Map<number, TrackedObject>();
  private nextId = 1;
  /** Tracks that would have made an event but stayed outside the alerting zones (diagnostics, tests). */
  heldOutsideZones = 0;

  constructor(
    private config: TrackerConfig,
    private readonly keyOf: (object: TrackedObject) => string = (object) => String(object.id),
  ) {}

  configure(config: TrackerConfig): void {
    this.config = config;
  }

  /** Live tracks (for tests and for adding their boxes to the next detection crop). */
  objects(): TrackedObject[] {
    return [...this.tracks.values()];
  }

  /** Which detections count: tracked labels, score and area within the label's filter. */
  accept(detection: Detection, frame: FrameSize): boolean {
    const filter = this.config.labels[detection.label];
    if (filter === undefined || detection.score < filter.minScore) return false;
    const area = (detection.box.width * detection.box.height) / (frame.width * frame.height);
    return area >= filter.minArea && area <= filter.maxArea;
  }

  /** One processed frame. Detections are in frame pixels. Returns the event transitions it caused. */
  update(at: number, detections: readonly Detection[], frame: FrameSize): TrackerTransition[] {
    const transitions: TrackerTransition[] = [];
    const accepted = detections.filter((detection) => this.accept(detection, frame));
    this.forgetParked(at);

    // Greedy matching, best IoU first, same label only.
    const pairs: { track: TrackedObject; index: number; overlap: number }[] = [];
    for (const track of this.tracks.values()) {
      accepted.forEach((detection, index) => {
        if (detection.label !== track.label) return;
        const overlap = iou(track.box, detection.box);
        if (overlap >= this.config.matchIou) pairs.push({ track, index, overlap });
      });
    }
    pairs.sort((a, b) => b.overlap - a.overlap);
    const usedTracks = new Set<number>();
    const usedDetections = new Set<number>();
    for (const pair of pairs) {
      if (usedTracks.has(pair.track.id) || usedDetections.has(pair.index)) continue;
      usedTracks.add(pair.track.id);
      usedDetections.add(pair.index);
      const detection = accepted[pair.index];
      if (detection !== undefined) transitions.push(...this.observe(pair.track, detection, at, frame));
    }
    accepted.forEach((detection, index) => {
      if (usedDetections.has(index)) return;
      const track: TrackedObject = {
        id: this.nextId++,
        label: detection.label,
        box: detection.box,
        score: detection.score,
        firstSeen: at,
        lastSeen: at,
        hits: 0,
        bestScore: 0,
        bestAt: at,
        bestBox: detection.box,
        zones: new Set(),
        stationary: false,
        parked: this.parked.some(
          (entry) => entry.label === detection.label && iou(entry.box, detection.box) >= 0.5,
        ),
        eventKey: null,
        eventEnded: false,
        heldOutsideZones: false,
        path: [],
      };
      this.tracks.set(track.id, track);
      transitions.push(...this.observe(track, detection, at, frame));
    });

    // Tracks not seen for a while are gone; their events end `endAfterMs` after the last sighting.
    for (const track of [...this.tracks.values()]) {
      if (at - track.lastSeen < this.config.lostAfterMs) continue;
      this.tracks.delete(track.id);
      this.rememberIfStationary(track, at);
      if (track.eventKey !== null && !track.eventEnded) this.ending.set(track.id, track);
    }
    for (const track of [...this.tracks.values(), ...this.ending.values()]) {
      if (track.eventKey === null || track.eventEnded || at - track.lastSeen < this.config.endAfterMs)
        continue;
      this.tracks.delete(track.id);
      this.ending.delete(track.id);
      this.rememberIfStationary(track, at);
      transitions.push({ kind: 'ended', object: track, endAt: track.lastSeen + this.config.endAfterMs });
    }
    return transitions;
  }

  /** Ends every open event now (camera turned off, engine stopping). */
  flush(at: number): TrackerTransition[] {
    const transitions: TrackerTransition[] = [];
    for (const track of [...this.tracks.values(), ...this.ending.values()]) {
      if (track.eventKey !== null && !track.eventEnded) {
        transitions.push({
          kind: 'ended',
          object: track,
          endAt: Math.min(at, track.lastSeen + this.config.endAfterMs),
        });
      }
    }
    this.tracks.clear();
    this.ending.clear();
    return transitions;
  }

  private observe(
    track: TrackedObject,
    detection: Detection,
    at: number,
    frame: FrameSize,
  ): TrackerTransition[] {
    track.box = detection.box;
    track.score = detection.score;
    track.lastSeen = at;
    track.hits += 1;
    const cx = (detection.box.x + detection.box.width / 2) / frame.width;
    const cy = (detection.box.y + detection.box.height / 2) / frame.height;
    track.path.push({ at, cx, cy });
    while (track.path.length > 1 && at - (track.path[1]?.at ?? at) >= this.config.stationaryMs)
      track.path.shift();
    track.stationary = this.isStationary(track, at);
    if (track.parked && this.movedFromParked(track)) {
      // It drives off: a new arrival as far as events go (seen `minHits` times again).
      track.parked = false;
      if (track.eventEnded) {
        track.eventKey = null;
        track.eventEnded = false;
        track.hits = 1;
        track.bestScore = 0;
        track.zones.clear();
      }
    }

    let newZone = false;
    const anchorX = cx;
    const anchorY = (detection.box.y + detection.box.height) / frame.height;
    for (const zone of this.config.zones) {
      if (!track.zones.has(zone.name) && pointInPolygon(anchorX, anchorY, zone.polygon)) {
        track.zones.add(zone.name);
        newZone = true;
      }
    }
    const betterFrame = detection.score > track.bestScore;
    if (betterFrame) {
      track.bestScore = detection.score;
      track.bestAt = at;
      track.bestBox = detection.box;
    }

    if (track.eventKey === null) {
      const alerting =
        this.config.alertZones.length === 0 || this.config.alertZones.some((name) => track.zones.has(name));
      // A track that has stood still since it appeared is furniture, not an arrival.
      const standing =
        track.stationary && track.path.length > 1 && at - track.firstSeen >= this.config.stationaryMs;
      if (track.hits >= this.config.minHits && !track.parked && !standing) {
        if (alerting) {
          track.eventKey = this.keyOf(track);
          return [{ kind: 'started', object: track }];
        }
        if (!track.heldOutsideZones) {
          track.heldOutsideZones = true;
          this.heldOutsideZones += 1;
        }
      }
      return [];
    }
    if (track.eventEnded) return [];
    if (track.stationary) {
      // It stopped (parked): its event ends now and it raises none while it stays.
      track.eventEnded = true;
      track.parked = true;
      this.parked.push({ label: track.label, box: track.box, until: at + this.config.parkedMemoryMs });
      return [{ kind: 'ended', object: track, endAt: at }];
    }
    return betterFrame || newZone ? [{ kind: 'updated', object: track, betterFrame }] : [];
  }

  private isStationary(track: TrackedObject, at: number): boolean {
    const first = track.path[0];
    if (first === undefined || at - first.at < this.config.stationaryMs) return false;
    const limit = this.config.stationaryShift * Math.SQRT2;
    return track.path.every((sample) => Math.hypot(sample.cx - first.cx, sample.cy - first.cy) <= limit);
  }

  private movedFromParked(track: TrackedObject): boolean {
    return !this.parked.some((entry) => entry.label === track.label && iou(entry.box, track.box) >= 0.5);
  }

  private rememberIfStationary(track: TrackedObject, at: number): void {
    if (!track.stationary) return;
    this.parked.push({ label: track.label, box: track.box, until: at + this.config.parkedMemoryMs });
    if (this.parked.length > 64) this.parked.shift();
  }

  private forgetParked(at: number): void {
    for (let index = this.parked.length - 1; index >= 0; index -= 1) {
      if ((this.parked[index]?.until ?? 0) <= at) this.parked.splice(index, 1);
    }
  }
}
