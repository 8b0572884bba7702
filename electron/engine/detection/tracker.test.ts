import { describe, expect, it } from 'vitest';
import type { Detection } from './detector.js';
import {
  DEFAULT_TRACKER_CONFIG,
  ObjectTracker,
  type TrackerConfig,
  type TrackerTransition,
} from './tracker.js';

const FRAME = { width: 640, height: 360 };
const STEP = 200; // 5 fps

function detection(label: string, x: number, y: number, score = 0.8, width = 60, height = 140): Detection {
  return { label, classId: 0, score, box: { x, y, width, height } };
}

function kinds(transitions: TrackerTransition[]): string[] {
  return transitions.map((transition) => `${transition.kind}:${transition.object.label}`);
}

/** Feeds frames; `at` starts at 0 and moves by STEP. */
function run(tracker: ObjectTracker, frames: Detection[][], start = 0): TrackerTransition[] {
  const all: TrackerTransition[] = [];
  frames.forEach((detections, index) => all.push(...tracker.update(start + index * STEP, detections, FRAME)));
  return all;
}

const config = (patch: Partial<TrackerConfig> = {}): TrackerConfig => ({
  ...DEFAULT_TRACKER_CONFIG,
  ...patch,
});

describe('ObjectTracker', () => {
  it('makes one event of a person crossing the frame: started after N frames, ended M s after leaving', () => {
    const tracker = new ObjectTracker(config());
    const crossing = Array.from({ length: 20 }, (_, index) => [
      detection('person', 20 + index * 25, 150, 0.6 + index * 0.01),
    ]);
    const perFrame = crossing.map((detections, index) => tracker.update(index * STEP, detections, FRAME));
    const transitions = perFrame.flat();
    const started = transitions.filter((transition) => transition.kind === 'started');
    expect(started).toHaveLength(1);
    // On the third frame (minHits 3); the event starts at the first sighting.
    expect(perFrame.findIndex((frame) => frame.some((transition) => transition.kind === 'started'))).toBe(2);
    expect(started[0]?.object.firstSeen).toBe(0);
    expect(transitions.filter((transition) => transition.kind === 'updated').length).toBeGreaterThan(5);
    expect(tracker.objects()).toHaveLength(1);

    // Gone: nothing for 4.8 s keeps the event open, 5 s after the last sighting ends it.
    const lastSeen = 19 * STEP;
    expect(tracker.update(lastSeen + 4_800, [], FRAME)).toEqual([]);
    const ended = tracker.update(lastSeen + 5_000, [], FRAME);
    expect(kinds(ended)).toEqual(['ended:person']);
    expect(ended[0]?.kind === 'ended' && ended[0].endAt).toBe(lastSeen + 5_000);
    // The best frame is the highest score (the last one here).
    expect(ended[0]?.object.bestAt).toBe(lastSeen);
    expect(ended[0]?.object.bestScore).toBeCloseTo(0.79);
  });

  it('ignores a single stray detection, low scores, untracked labels and boxes outside the area limits', () => {
    const tracker = new ObjectTracker(config());
    expect(run(tracker, [[detection('person', 100, 100)]])).toEqual([]);
    expect(tracker.update(10_000, [], FRAME)).toEqual([]);
    const ignored = Array.from({ length: 10 }, () => [
      detection('person', 100, 100, 0.4),
      detection('toilet', 300, 100, 0.9),
      detection('car', 400, 100, 0.9, 3, 3),
      detection('truck', 0, 0, 0.9, 640, 360),
    ]);
    expect(run(tracker, ignored, 20_000)).toEqual([]);
    expect(tracker.objects()).toEqual([]);
  });

  it('keeps two objects apart and gives each its own event', () => {
    const tracker = new ObjectTracker(config());
    const frames = Array.from({ length: 6 }, (_, index) => [
      detection('person', 20 + index * 20, 150),
      detection('person', 560 - index * 20, 150),
      detection('dog', 300, 250 - index * 10, 0.7, 70, 50),
    ]);
    const started = run(tracker, frames).filter((transition) => transition.kind === 'started');
    expect(started.map((transition) => transition.object.label).sort()).toEqual(['dog', 'person', 'person']);
    expect(new Set(started.map((transition) => transition.object.id)).size).toBe(3);
  });

  it('alerts only for objects that stand in an alert zone', () => {
    const driveway = {
      name: 'driveway',
      polygon: [
        [0.5, 0.5],
        [1, 0.5],
        [1, 1],
        [0.5, 1],
      ] as [number, number][],
    };
    const tracker = new ObjectTracker(config({ zones: [driveway], alertZones: ['driveway'] }));
    // Walks along the left half: never in the driveway, no event.
    const outside = Array.from({ length: 10 }, (_, index) => [detection('person', 10 + index * 10, 150)]);
    expect(run(tracker, outside)).toEqual([]);
    // It was confirmed all the same, and counted once as held outside the zones.
    expect(tracker.heldOutsideZones).toBe(1);
    // Keeps walking right: its feet (bottom centre, y = 290 of 360) enter the driveway (x ≥ 320): event.
    const entering = Array.from({ length: 20 }, (_, index) => [detection('person', 110 + index * 12, 150)]);
    const transitions = run(tracker, entering, 10 * STEP);
    const started = transitions.find((transition) => transition.kind === 'started');
    expect(started?.object.zones).toEqual(new Set(['driveway']));
    expect(started !== undefined && started.object.box.x + 30).toBeGreaterThanOrEqual(320);
    expect(tracker.heldOutsideZones).toBe(1);
  });

  it('ends the event of a car that parks and raises none while it stays, even when seen again', () => {
    const tracker = new ObjectTracker(config({ stationaryMs: 4_000 }));
    const arriving = Array.from({ length: 10 }, (_, index) => [
      detection('car', 20 + index * 30, 200, 0.8, 160, 90),
    ]);
    expect(kinds(run(tracker, arriving)).filter((kind) => !kind.startsWith('updated'))).toEqual([
      'started:car',
    ]);
    // Parked at x = 290 for 6 s: the event ends once it has stood still for 4 s.
    const parked = Array.from({ length: 30 }, () => [detection('car', 290, 200, 0.8, 160, 90)]);
    const parking = run(tracker, parked, 10 * STEP);
    expect(kinds(parking)).toEqual(['ended:car']);
    // Lost (someone walked in front), found again at the same place: still no event.
    tracker.update(20_000, [], FRAME);
    expect(tracker.objects()).toEqual([]);
    const seenAgain = Array.from({ length: 10 }, () => [detection('car', 292, 201, 0.8, 160, 90)]);
    expect(run(tracker, seenAgain, 30_000)).toEqual([]);
    // It drives off: a new event.
    const leaving = Array.from({ length: 8 }, (_, index) => [
      detection('car', 292 + (index + 1) * 40, 201, 0.8, 160, 90),
    ]);
    expect(kinds(run(tracker, leaving, 32_000)).filter((kind) => kind.startsWith('started'))).toEqual([
      'started:car',
    ]);
  });

  it('ends open events on flush', () => {
    const tracker = new ObjectTracker(config());
    run(
      tracker,
      Array.from({ length: 4 }, (_, index) => [detection('cat', 100 + index * 10, 200, 0.7, 60, 40)]),
    );
    const flushed = tracker.flush(1_000);
    expect(kinds(flushed)).toEqual(['ended:cat']);
    expect(tracker.objects()).toEqual([]);
  });
});
