/**
 * The Events page's pure parts: the filter form as an `events.list` argument, whether a pushed event belongs
 * in the list shown, merging pushes into it, and where "Play" goes (playback at the start minus the pre-roll).
 */
import type { DetectionEvent, EventsListInput } from '../../../../common/contract/index.js';

/** Playback starts this long before an event, so the moment it begins is seen. */
export const PRE_ROLL_MS = 5_000;
export const EVENTS_PAGE_SIZE = 100;

export const TIME_RANGES = [
  { id: 'hour', label: 'Last hour', ms: 60 * 60_000 },
  { id: 'day', label: 'Last 24 hours', ms: 24 * 60 * 60_000 },
  { id: 'week', label: 'Last 7 days', ms: 7 * 24 * 60 * 60_000 },
  { id: 'all', label: 'Any time', ms: null },
] as const;
export type TimeRangeId = (typeof TIME_RANGES)[number]['id'];

export const SCORES = [
  { id: '0', label: 'Any score', value: 0 },
  { id: '0.6', label: '60 % or more', value: 0.6 },
  { id: '0.75', label: '75 % or more', value: 0.75 },
  { id: '0.9', label: '90 % or more', value: 0.9 },
] as const;

export const LABELS = ['person', 'car', 'truck', 'bus', 'bicycle', 'motorcycle', 'dog', 'cat'] as const;

export interface EventsFilter {
  /** '' for every camera. */
  cameraId: string;
  /** '' for every label. */
  label: string;
  /** '' for any zone. */
  zone: string;
  range: TimeRangeId;
  minScore: number;
}

export const DEFAULT_FILTER: EventsFilter = { cameraId: '', label: '', zone: '', range: 'day', minScore: 0 };

/** The `events.list` argument for a filter at `now`. */
export function listInputOf(filter: EventsFilter, now: number): EventsListInput {
  const range = TIME_RANGES.find((entry) => entry.id === filter.range);
  const zone = filter.zone.trim();
  return {
    limit: EVENTS_PAGE_SIZE,
    ...(filter.cameraId === '' ? {} : { cameraIds: [filter.cameraId] }),
    ...(filter.label === '' ? {} : { labels: [filter.label] }),
    ...(zone === '' ? {} : { zone }),
    ...(range?.ms == null ? {} : { from: Math.max(0, now - range.ms) }),
    ...(filter.minScore > 0 ? { minScore: filter.minScore } : {}),
  };
}

/** Whether a pushed event belongs in the list of this filter (the same rules as the engine's query). */
export function matchesFilter(event: DetectionEvent, filter: EventsFilter, now: number): boolean {
  const range = TIME_RANGES.find((entry) => entry.id === filter.range);
  if (filter.cameraId !== '' && event.cameraId !== filter.cameraId) return false;
  if (filter.label !== '' && event.label !== filter.label) return false;
  if (filter.zone.trim() !== '' && !event.zones.includes(filter.zone.trim())) return false;
  if (event.score < filter.minScore) return false;
  if (range?.ms != null && event.endTime !== null && event.endTime < now - range.ms) return false;
  return true;
}

/** Adds or replaces an event (by id), newest start first, at most one page. */
export function mergeEvent(list: readonly DetectionEvent[], event: DetectionEvent): DetectionEvent[] {
  const rest = list.filter((entry) => entry.id !== event.id);
  rest.push(event);
  rest.sort((a, b) => b.startTime - a.startTime || b.id - a.id);
  return rest.slice(0, EVENTS_PAGE_SIZE);
}

/** The playback page at the event's camera, the pre-roll before its start. */
export function playbackHref(event: Pick<DetectionEvent, 'cameraId' | 'startTime'>): string {
  const at = Math.max(0, event.startTime - PRE_ROLL_MS);
  return `#/playback?camera=${encodeURIComponent(event.cameraId)}&at=${at}`;
}

/** `api/events/<id>/thumbnail.jpg`, with the best frame's time so a better snapshot is fetched again. */
export function snapshotUrl(
  event: Pick<DetectionEvent, 'id' | 'bestTime'>,
  kind: 'snapshot' | 'thumbnail',
): string {
  return `api/events/${event.id}/${kind}.jpg?v=${event.bestTime}`;
}
