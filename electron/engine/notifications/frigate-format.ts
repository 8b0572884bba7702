/**
 * Detection events in the layout of Frigate's MQTT `frigate/events` messages, so Home Assistant automations
 * written for Frigate work with `omnisight/events`: `{type: new|update|end, before, after}` with Frigate's
 * field names (times in seconds, `current_zones`, `entered_zones`, …). Differences: `box` is fractions of
 * the frame `[x1, y1, x2, y2]` (Frigate: pixels of the detect stream) and `camera_id` is added.
 */
import type { DetectionEvent } from '../../../common/contract/index.js';

export interface FrigateEvent {
  id: string;
  camera: string;
  camera_id: string;
  label: string;
  sub_label: null;
  score: number;
  top_score: number;
  false_positive: false;
  start_time: number;
  end_time: number | null;
  frame_time: number;
  snapshot_time: number;
  box: [number, number, number, number];
  area: number;
  stationary: boolean;
  current_zones: string[];
  entered_zones: string[];
  has_snapshot: boolean;
  has_clip: boolean;
}

export type FrigateEventType = 'new' | 'update' | 'end';

export interface FrigateMessage {
  type: FrigateEventType;
  before: FrigateEvent;
  after: FrigateEvent;
}

const round = (value: number, digits: number): number => Number(value.toFixed(digits));

/**
 * A topic-safe camera name: lowercase letters, digits and `_` (Frigate's camera names are such slugs). Names
 * with nothing usable (all punctuation, another script) fall back to the camera id.
 */
export function cameraSlug(name: string, id: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 48);
  return slug === '' ? id.replace(/-/g, '_') : slug;
}

/**
 * Slugs for a set of cameras, unique: when two names give the same slug, each of them gets its id appended,
 * so a topic never mixes two cameras.
 */
export function cameraSlugs(cameras: readonly { id: string; name: string }[]): Map<string, string> {
  const bySlug = new Map<string, string[]>();
  for (const camera of cameras) {
    const slug = cameraSlug(camera.name, camera.id);
    bySlug.set(slug, [...(bySlug.get(slug) ?? []), camera.id]);
  }
  const result = new Map<string, string>();
  for (const [slug, ids] of bySlug) {
    for (const id of ids) result.set(id, ids.length === 1 ? slug : `${slug}_${id.replace(/-/g, '_')}`);
  }
  return result;
}

/** `zonesSeen`: every zone the event was in so far (Frigate's `entered_zones`), in order of entry. */
export function toFrigateEvent(
  event: DetectionEvent,
  camera: string,
  zonesSeen: readonly string[],
): FrigateEvent {
  const x2 = Math.min(1, event.box.x + event.box.width);
  const y2 = Math.min(1, event.box.y + event.box.height);
  return {
    id: String(event.id),
    camera,
    camera_id: event.cameraId,
    label: event.label,
    sub_label: null,
    score: round(event.score, 4),
    top_score: round(event.score, 4),
    false_positive: false,
    start_time: event.startTime / 1000,
    end_time: event.endTime === null ? null : event.endTime / 1000,
    frame_time: event.bestTime / 1000,
    snapshot_time: event.bestTime / 1000,
    box: [round(event.box.x, 4), round(event.box.y, 4), round(x2, 4), round(y2, 4)],
    area: round(event.box.width * event.box.height, 6),
    stationary: false,
    current_zones: event.endTime === null ? [...event.zones] : [],
    entered_zones: [...zonesSeen],
    has_snapshot: event.hasSnapshot,
    has_clip: true,
  };
}

/**
 * Keeps each open event's last message so `update` and `end` carry the previous state as `before` (a `new`
 * message has the same object before and after, as Frigate's does). An ended event is forgotten.
 */
export class FrigateEventTracker {
  private readonly last = new Map<number, { after: FrigateEvent; zones: string[] }>();

  message(type: FrigateEventType, event: DetectionEvent, camera: string): FrigateMessage {
    const previous = this.last.get(event.id);
    const zones = [...(previous?.zones ?? [])];
    for (const zone of event.zones) if (!zones.includes(zone)) zones.push(zone);
    const after = toFrigateEvent(event, camera, zones);
    if (type === 'end') this.last.delete(event.id);
    else this.last.set(event.id, { after, zones });
    return { type, before: previous?.after ?? after, after };
  }

  /** How many events are open (ended ones are forgotten). */
  get size(): number {
    return this.last.size;
  }
}
