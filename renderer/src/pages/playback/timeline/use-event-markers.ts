import { useEffect, useState } from 'react';
import { EVENTS_LIST_MAX, type DetectionEvent } from '../../../../../common/contract/index.js';
import { useTransport } from '../../../app-context.js';
import type { TimeRange } from './timeline-math.js';

/** One event as the timeline draws it: a bar from its start to its end (or to now while it is open). */
export interface EventMarker {
  id: number;
  cameraId: string;
  label: string;
  score: number;
  startTime: number;
  /** Null while the event is open. */
  endTime: number | null;
}

function markerOf(event: DetectionEvent): EventMarker {
  const { id, cameraId, label, score, startTime, endTime } = event;
  return { id, cameraId, label, score, startTime, endTime };
}

/** Whether an event overlaps [range.start, range.end) and belongs to one of the cameras. */
export function markerIn(marker: EventMarker, cameraIds: readonly string[], range: TimeRange): boolean {
  return (
    cameraIds.includes(marker.cameraId) &&
    marker.startTime < range.end &&
    (marker.endTime === null || marker.endTime >= range.start)
  );
}

/** `list` with `event` put in (or replaced), ordered by start. */
export function mergeMarker(list: readonly EventMarker[], event: EventMarker): EventMarker[] {
  const next = list.filter((entry) => entry.id !== event.id);
  next.push(event);
  next.sort((a, b) => a.startTime - b.startTime || a.id - b.id);
  return next;
}

/**
 * The detection events of `cameraIds` over `range` (the timeline asks per day it shows), from `events.list`
 * and then live as events start, change and end. A failed request leaves the markers out; the timeline still
 * works without them.
 */
export function useEventMarkers(cameraIds: readonly string[], range: TimeRange): readonly EventMarker[] {
  const transport = useTransport();
  const [state, setState] = useState<{ key: string; markers: EventMarker[] }>({ key: '', markers: [] });
  const idsKey = cameraIds.join('\n');
  const key = `${idsKey}|${range.start}|${range.end}`;

  useEffect(() => {
    if (idsKey === '') return;
    const ids = idsKey.split('\n');
    const window = { start: range.start, end: range.end };
    let cancelled = false;
    // Live events that arrive before the list answers are kept and merged into it.
    let early: EventMarker[] = [];
    let listed = false;
    transport
      .invoke('events.list', { cameraIds: ids, from: window.start, to: window.end, limit: EVENTS_LIST_MAX })
      .then(
        (events) => {
          if (cancelled) return;
          listed = true;
          let markers = events.map(markerOf).sort((a, b) => a.startTime - b.startTime || a.id - b.id);
          for (const marker of early) markers = mergeMarker(markers, marker);
          early = [];
          setState({ key, markers });
        },
        () => {
          if (cancelled) return;
          listed = true;
          setState({ key, markers: early });
        },
      );
    const onEvent = (event: DetectionEvent): void => {
      const marker = markerOf(event);
      if (!markerIn(marker, ids, window)) return;
      if (!listed) {
        early = mergeMarker(early, marker);
        return;
      }
      setState((current) =>
        current.key === key ? { key, markers: mergeMarker(current.markers, marker) } : current,
      );
    };
    const unsubscribers = (['events.created', 'events.updated', 'events.ended'] as const).map((name) =>
      transport.subscribe(name, onEvent),
    );
    return () => {
      cancelled = true;
      for (const unsubscribe of unsubscribers) unsubscribe();
    };
  }, [transport, idsKey, range.start, range.end, key]);

  // Until the new range answers, the markers of the last one stay drawn (the timeline draws those in view).
  return idsKey === '' ? NO_MARKERS : state.markers;
}

const NO_MARKERS: readonly EventMarker[] = [];
