import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { KeyboardEvent as ReactKeyboardEvent, PointerEvent as ReactPointerEvent } from 'react';
import { useNow } from '../../../hooks.js';
import { Calendar } from './Calendar.js';
import {
  chooseTickSteps,
  clamp,
  dayRange,
  followTime,
  formatClock,
  formatDate,
  formatDayLabel,
  formatHover,
  formatSpan,
  MAX_VISIBLE_MS,
  MIN_VISIBLE_MS,
  MINUTE_MS,
  panView,
  shiftDay,
  ticks,
  workstationTimeZone,
  zoomViewInDay,
  type TimeRange,
} from './timeline-math.js';
import { joinGapFor, useCoverage } from './use-coverage.js';
import { useEventMarkers, type EventMarker } from './use-event-markers.js';

export interface TimelineProps {
  cameras: readonly { id: string; name: string }[];
  /** The playback position (epoch ms), or null when nothing plays; the view follows it when it leaves the view. */
  cursor: number | null;
  /** Click or scrub on a band: the time (epoch ms) under the pointer, and the camera whose band it was. */
  onSeek(time: number, cameraId: string | null): void;
  /** The detection events the timeline draws (the days it shows), each time they change. */
  onMarkersChange?: (markers: readonly EventMarker[]) => void;
  /** Start with this day (any instant in it) instead of today. */
  initialTime?: number;
  timeZone?: string;
}

/** One zoom button step, and one wheel notch (deltaY 100). */
const ZOOM_STEP = 2;
const WHEEL_ZOOM_PER_100 = 1.25;
/** A pan button (or Shift and an arrow key) moves the view by this much of its width; an arrow key by less. */
const PAN_FRACTION = 0.5;
const KEY_PAN_FRACTION = 0.1;
/** Track width assumed until the first layout (jsdom has none). */
const DEFAULT_TRACK_WIDTH = 1000;

interface ViewState {
  range: TimeRange;
  /** How the view got here: a continuous gesture debounces the coverage request, a jump asks at once. */
  gesture: boolean;
}

/** An event marker seeks this long before the event starts (the Events page plays from the same point). */
export const MARKER_PRE_ROLL_MS = 5_000;

function percent(time: number, view: TimeRange): string {
  return `${(((time - view.start) / (view.end - view.start)) * 100).toFixed(4)}%`;
}

/** Keeps a drag's pointer events on the element (not in jsdom, nor for a synthetic pointer Chromium does not know). */
function capturePointer(element: Element, pointerId: number, capture: boolean): void {
  try {
    if (capture) element.setPointerCapture(pointerId);
    else element.releasePointerCapture(pointerId);
  } catch {
    // Without capture a drag still works while the pointer stays over the element.
  }
}

function isWholeDay(view: TimeRange, timeZone: string): boolean {
  const day = dayRange(view.start, timeZone);
  return day.start === view.start && day.end === view.end;
}

/**
 * The playback timeline: one band per camera with its recorded coverage over the visible range, a time axis in
 * the workstation's zone, zoom from a day to a minute, pan across days, a calendar, the hover time, the
 * playback cursor, and click or drag on a band to seek.
 */
export function Timeline(props: TimelineProps) {
  const { cameras, cursor, initialTime, timeZone: zoneProp } = props;
  const timeZone = zoneProp ?? workstationTimeZone();
  const [view, setViewState] = useState<ViewState>(() => ({
    range: dayRange(initialTime ?? Date.now(), timeZone),
    gesture: false,
  }));
  const range = view.range;
  const setView = useCallback((next: TimeRange, gesture = false) => {
    setViewState((previous) =>
      previous.range.start === next.start && previous.range.end === next.end && previous.gesture === gesture
        ? previous
        : { range: next, gesture },
    );
  }, []);

  const tracksRef = useRef<HTMLDivElement>(null);
  const [trackWidth, setTrackWidth] = useState(DEFAULT_TRACK_WIDTH);
  useLayoutEffect(() => {
    const element = tracksRef.current;
    if (element === null) return;
    const measure = (): void => {
      const width = element.getBoundingClientRect().width;
      if (width > 0) setTrackWidth(width);
    };
    measure();
    if (typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  const cameraIds = useMemo(() => cameras.map((camera) => camera.id), [cameras]);
  const joinGapMs = joinGapFor(range, trackWidth);
  // The live edge: every second on a view of minutes, every 10 s on wider ones.
  const now = useNow(range.end - range.start <= 15 * MINUTE_MS ? 1000 : 10_000);
  const { coverage, state, error } = useCoverage(cameraIds, range, joinGapMs, now, view.gesture);
  // Events are asked per local day shown (a zoom or a pan within the day asks nothing more).
  const markerStart = dayRange(range.start, timeZone).start;
  const markerEnd = dayRange(range.end - 1, timeZone).end;
  const markerRange = useMemo(() => ({ start: markerStart, end: markerEnd }), [markerStart, markerEnd]);
  const markers = useEventMarkers(cameraIds, markerRange);
  const { onMarkersChange } = props;
  useEffect(() => onMarkersChange?.(markers), [markers, onMarkersChange]);

  // ── The view follows the playback cursor when it leaves the view (not when the user looks elsewhere). ──
  const scrubbing = useRef(false);
  const lastCursor = useRef<number | null>(null);
  useEffect(() => {
    const previous = lastCursor.current;
    lastCursor.current = cursor;
    if (cursor === null || scrubbing.current || previous === cursor) return;
    if (cursor >= range.start && cursor < range.end) return;
    // Follow only a cursor that just left this view (or just appeared): one the user navigated away from stays put.
    const wasShown = previous === null || (previous >= range.start && previous < range.end);
    if (!wasShown) return;
    setView(isWholeDay(range, timeZone) ? dayRange(cursor, timeZone) : followTime(range, cursor));
  }, [cursor, range, setView, timeZone]);

  // ── Navigation ──
  const anchorOfView = (): number => {
    const center = (range.start + range.end) / 2;
    return cursor !== null && cursor >= range.start && cursor < range.end ? cursor : center;
  };
  const zoom = (factor: number, anchor: number, gesture = false): void =>
    setView(zoomViewInDay(range, factor, anchor, timeZone), gesture);
  const showDay = (time: number): void => setView(dayRange(time, timeZone));
  const stepDay = (days: number): void =>
    setView(shiftDay(range.start + (range.end - range.start) / 2, days, timeZone));
  const pan = (fraction: number): void => setView(panView(range, fraction * (range.end - range.start)));

  const onKeyDown = (event: ReactKeyboardEvent<HTMLDivElement>): void => {
    const actions: Record<string, () => void> = {
      ArrowLeft: () => pan(event.shiftKey ? -PAN_FRACTION : -KEY_PAN_FRACTION),
      ArrowRight: () => pan(event.shiftKey ? PAN_FRACTION : KEY_PAN_FRACTION),
      '+': () => zoom(1 / ZOOM_STEP, anchorOfView()),
      '=': () => zoom(1 / ZOOM_STEP, anchorOfView()),
      '-': () => zoom(ZOOM_STEP, anchorOfView()),
      PageUp: () => stepDay(-1),
      PageDown: () => stepDay(1),
    };
    const action = actions[event.key];
    if (action === undefined) return;
    event.preventDefault();
    action();
  };

  const timeAt = useCallback(
    (clientX: number): number => {
      const box = tracksRef.current?.getBoundingClientRect();
      const width = box !== undefined && box.width > 0 ? box.width : trackWidth;
      const x = clamp(clientX - (box?.left ?? 0), 0, width);
      return range.start + (x / width) * (range.end - range.start);
    },
    [range, trackWidth],
  );

  // Wheel: zoom around the pointer (a horizontal wheel or Shift pans). Not passive, to keep the page still.
  const rootRef = useRef<HTMLDivElement>(null);
  const wheelState = useRef({ range, timeZone, trackWidth, timeAt });
  useLayoutEffect(() => {
    wheelState.current = { range, timeZone, trackWidth, timeAt };
  });
  useEffect(() => {
    const element = tracksRef.current;
    if (element === null) return;
    const onWheel = (event: WheelEvent): void => {
      event.preventDefault();
      const current = wheelState.current;
      const span = current.range.end - current.range.start;
      const horizontal = event.shiftKey ? event.deltaY : event.deltaX;
      if (Math.abs(horizontal) > Math.abs(event.deltaY) || event.shiftKey) {
        setView(panView(current.range, (horizontal / current.trackWidth) * span), true);
        return;
      }
      const pixels = event.deltaMode === 1 ? event.deltaY * 33 : event.deltaY;
      const factor = WHEEL_ZOOM_PER_100 ** (pixels / 100);
      setView(zoomViewInDay(current.range, factor, current.timeAt(event.clientX), current.timeZone), true);
    };
    element.addEventListener('wheel', onWheel, { passive: false });
    return () => element.removeEventListener('wheel', onWheel);
  }, [setView]);

  // ── Hover ──
  const [hover, setHover] = useState<number | null>(null);

  // ── Scrub on a band: seek while dragging (at most once per frame) and once more on release. ──
  const frame = useRef<{ id: number | null; pending: { time: number; cameraId: string } | null }>({
    id: null,
    pending: null,
  });
  // The latest props, for the animation frame that flushes a scrub.
  const latestProps = useRef(props);
  useLayoutEffect(() => {
    latestProps.current = props;
  });
  const flushSeek = useCallback(() => {
    frame.current.id = null;
    const pending = frame.current.pending;
    frame.current.pending = null;
    if (pending !== null) latestProps.current.onSeek(pending.time, pending.cameraId);
  }, []);
  useEffect(
    () => () => {
      if (frame.current.id !== null) cancelAnimationFrame(frame.current.id);
    },
    [],
  );

  const onBandPointerDown = (event: ReactPointerEvent<HTMLDivElement>): void => {
    if (event.button !== 0) return;
    event.preventDefault();
    scrubbing.current = true;
    capturePointer(event.currentTarget, event.pointerId, true);
    frame.current.pending = null;
  };
  const onBandPointerMove = (event: ReactPointerEvent<HTMLDivElement>, cameraId: string): void => {
    const time = timeAt(event.clientX);
    setHover(time);
    if (!scrubbing.current) return;
    frame.current.pending = { time, cameraId };
    if (frame.current.id === null) frame.current.id = requestAnimationFrame(flushSeek);
  };
  const onBandPointerUp = (event: ReactPointerEvent<HTMLDivElement>, cameraId: string): void => {
    if (!scrubbing.current) return;
    scrubbing.current = false;
    if (frame.current.id !== null) cancelAnimationFrame(frame.current.id);
    frame.current.id = null;
    frame.current.pending = null;
    capturePointer(event.currentTarget, event.pointerId, false);
    latestProps.current.onSeek(timeAt(event.clientX), cameraId);
  };

  // ── Pan by dragging the axis ──
  const panDrag = useRef<{ startX: number; range: TimeRange; width: number } | null>(null);
  const onAxisPointerDown = (event: ReactPointerEvent<HTMLDivElement>): void => {
    if (event.button !== 0) return;
    event.preventDefault();
    const width = tracksRef.current?.getBoundingClientRect().width || trackWidth;
    panDrag.current = { startX: event.clientX, range, width };
    capturePointer(event.currentTarget, event.pointerId, true);
  };
  const onAxisPointerMove = (event: ReactPointerEvent<HTMLDivElement>): void => {
    const drag = panDrag.current;
    if (drag === null) {
      setHover(timeAt(event.clientX));
      return;
    }
    const span = drag.range.end - drag.range.start;
    setView(panView(drag.range, (-(event.clientX - drag.startX) / drag.width) * span), true);
  };
  const onAxisPointerUp = (event: ReactPointerEvent<HTMLDivElement>): void => {
    if (panDrag.current === null) return;
    panDrag.current = null;
    capturePointer(event.currentTarget, event.pointerId, false);
    // The final position asks at once.
    setView(range, false);
  };

  // ── Drawing ──
  const span = range.end - range.start;
  const steps = chooseTickSteps(span, trackWidth);
  const majorTicks = useMemo(() => ticks(range, steps.major, timeZone), [range, steps.major, timeZone]);
  const minorTicks = useMemo(
    () => (steps.minor === steps.major ? [] : ticks(range, steps.minor, timeZone)),
    [range, steps.minor, steps.major, timeZone],
  );
  const [calendarOpen, setCalendarOpen] = useState(false);
  const center = range.start + span / 2;
  const cursorShown = cursor !== null && cursor >= range.start && cursor <= range.end;
  const futureStart = clamp(now, range.start, range.end);

  return (
    <div
      className="timeline"
      ref={rootRef}
      data-testid="timeline"
      data-view-start={range.start}
      data-view-end={range.end}
      data-state={state}
      data-join-gap-ms={coverage?.joinGapMs ?? joinGapMs}
      data-coverage-start={coverage?.range.start}
      data-coverage-end={coverage?.range.end}
    >
      <div className="timeline__toolbar" role="toolbar" aria-label="Timeline">
        <div className="timeline__group">
          <button
            type="button"
            className="button button--small timeline__button"
            data-testid="prev-day"
            aria-label="Previous day"
            title="Previous day"
            onClick={() => stepDay(-1)}
          >
            ‹
          </button>
          <button
            type="button"
            className="button button--small timeline__date"
            data-testid="timeline-date"
            aria-expanded={calendarOpen}
            aria-haspopup="dialog"
            title="Pick a day"
            onClick={() => setCalendarOpen((open) => !open)}
          >
            {formatDate(center, timeZone)}
          </button>
          <button
            type="button"
            className="button button--small timeline__button"
            data-testid="next-day"
            aria-label="Next day"
            title="Next day"
            onClick={() => stepDay(1)}
          >
            ›
          </button>
          <button
            type="button"
            className="button button--small timeline__button timeline__button--text"
            data-testid="today"
            title="Show today"
            onClick={() => showDay(Date.now())}
          >
            Today
          </button>
        </div>
        <div className="timeline__group">
          <button
            type="button"
            className="button button--small timeline__button"
            data-testid="pan-earlier"
            aria-label="Earlier"
            title="Earlier"
            onClick={() => pan(-PAN_FRACTION)}
          >
            «
          </button>
          <button
            type="button"
            className="button button--small timeline__button"
            data-testid="pan-later"
            aria-label="Later"
            title="Later"
            onClick={() => pan(PAN_FRACTION)}
          >
            »
          </button>
        </div>
        <div className="timeline__group">
          <button
            type="button"
            className="button button--small timeline__button"
            data-testid="zoom-out"
            aria-label="Zoom out"
            title="Zoom out"
            disabled={
              span >=
              Math.min(MAX_VISIBLE_MS, dayRange(center, timeZone).end - dayRange(center, timeZone).start)
            }
            onClick={() => zoom(ZOOM_STEP, anchorOfView())}
          >
            −
          </button>
          <span className="timeline__span" data-testid="timeline-span">
            {formatSpan(span)}
          </span>
          <button
            type="button"
            className="button button--small timeline__button"
            data-testid="zoom-in"
            aria-label="Zoom in"
            title="Zoom in"
            disabled={span <= MIN_VISIBLE_MS}
            onClick={() => zoom(1 / ZOOM_STEP, anchorOfView())}
          >
            +
          </button>
        </div>
        <div className="timeline__status muted" aria-live="polite">
          {state === 'loading' && coverage === null ? 'Loading…' : null}
          {error !== null ? <span className="timeline__error">Coverage could not load: {error}</span> : null}
        </div>
      </div>

      {calendarOpen ? (
        <Calendar
          cameraIds={cameraIds}
          selected={center}
          timeZone={timeZone}
          onPick={(day) => {
            setCalendarOpen(false);
            setView(day);
          }}
          onClose={() => setCalendarOpen(false)}
        />
      ) : null}

      <div className="timeline__body">
        <div className="timeline__labels">
          <div className="timeline__label timeline__label--axis" />
          {cameras.map((camera) => (
            <div key={camera.id} className="timeline__label" title={camera.name}>
              {camera.name}
            </div>
          ))}
        </div>
        <div
          className="timeline__tracks"
          ref={tracksRef}
          tabIndex={0}
          aria-label="Timeline: arrow keys move, + and − zoom, Page Up and Page Down change the day"
          onPointerLeave={() => setHover(null)}
          onKeyDown={onKeyDown}
        >
          <div
            className="timeline__axis"
            data-testid="timeline-axis"
            onPointerDown={onAxisPointerDown}
            onPointerMove={onAxisPointerMove}
            onPointerUp={onAxisPointerUp}
            onPointerCancel={onAxisPointerUp}
          >
            {minorTicks.map((tick) => (
              <span
                key={`m${tick.time}`}
                className="timeline__tick timeline__tick--minor"
                style={{ left: percent(tick.time, range) }}
              />
            ))}
            {majorTicks.map((tick) => (
              <span
                key={tick.time}
                className={tick.dayStart ? 'timeline__tick timeline__tick--day' : 'timeline__tick'}
                style={{ left: percent(tick.time, range) }}
              >
                <span className="timeline__tick-label">
                  {tick.dayStart && tick.time > range.start
                    ? formatDayLabel(tick.time, timeZone)
                    : tick.label}
                </span>
              </span>
            ))}
          </div>
          {cameras.map((camera) => (
            <div
              key={camera.id}
              className="timeline__band"
              data-testid="timeline-band"
              data-camera-id={camera.id}
              aria-label={`${camera.name}: click or drag to play from a time`}
              onPointerDown={onBandPointerDown}
              onPointerMove={(event) => onBandPointerMove(event, camera.id)}
              onPointerUp={(event) => onBandPointerUp(event, camera.id)}
              onPointerCancel={(event) => onBandPointerUp(event, camera.id)}
            >
              <Blocks spans={coverage?.spans.get(camera.id)} cameraId={camera.id} view={range} />
              {markers
                .filter(
                  (marker) =>
                    marker.cameraId === camera.id &&
                    marker.startTime < range.end &&
                    (marker.endTime ?? now) >= range.start,
                )
                .map((marker) => {
                  const start = Math.max(marker.startTime, range.start);
                  const end = Math.min(Math.max(marker.endTime ?? now, marker.startTime), range.end);
                  const text = `${marker.label} ${Math.round(marker.score * 100)} % at ${formatClock(marker.startTime, timeZone, { seconds: true })}`;
                  return (
                    <button
                      type="button"
                      key={marker.id}
                      className={`timeline__marker${marker.endTime === null ? ' timeline__marker--open' : ''}`}
                      data-testid="timeline-marker"
                      data-event-id={marker.id}
                      data-time={marker.startTime}
                      data-label={marker.label}
                      title={`${text}: play from ${MARKER_PRE_ROLL_MS / 1000} s before`}
                      aria-label={`Play the ${text} event`}
                      style={{
                        left: percent(start, range),
                        width: percent(range.start + (end - start), range),
                      }}
                      // The band would take the press as the start of a scrub.
                      onPointerDown={(event) => event.stopPropagation()}
                      onClick={(event) => {
                        event.stopPropagation();
                        latestProps.current.onSeek(
                          Math.max(0, marker.startTime - MARKER_PRE_ROLL_MS),
                          camera.id,
                        );
                      }}
                    />
                  );
                })}
            </div>
          ))}
          {futureStart < range.end ? (
            <div
              className="timeline__future"
              style={{ left: percent(futureStart, range) }}
              aria-hidden="true"
            />
          ) : null}
          {cursorShown ? (
            <div
              className="timeline__cursor"
              data-testid="timeline-cursor"
              data-time={cursor}
              style={{ left: percent(cursor, range) }}
            />
          ) : null}
          {hover !== null ? (
            <>
              <div className="timeline__hover" style={{ left: percent(hover, range) }} aria-hidden="true" />
              <div
                className={`timeline__hover-time${hover - range.start > span * 0.8 ? ' timeline__hover-time--left' : ''}`}
                data-testid="timeline-hover-time"
                data-time={Math.round(hover)}
                style={{ left: percent(hover, range) }}
              >
                {formatHover(hover, timeZone)}
              </div>
            </>
          ) : null}
        </div>
      </div>
      {cameras.length === 0 ? <p className="timeline__empty muted">No cameras to show.</p> : null}
    </div>
  );
}

/** The coverage of one band: one element per merged span, clipped to the view. */
function Blocks({
  spans,
  cameraId,
  view,
}: {
  spans: readonly (readonly [number, number])[] | undefined;
  cameraId: string;
  view: TimeRange;
}) {
  if (spans === undefined) return null;
  const blocks: { start: number; end: number }[] = [];
  for (const [spanStart, spanEnd] of spans) {
    if (spanEnd <= view.start || spanStart >= view.end) continue;
    blocks.push({ start: Math.max(spanStart, view.start), end: Math.min(spanEnd, view.end) });
  }
  const width = view.end - view.start;
  return (
    <>
      {blocks.map((block) => (
        <span
          key={block.start}
          className="timeline__block"
          data-testid="coverage-block"
          data-camera-id={cameraId}
          data-start={block.start}
          data-end={block.end}
          style={{
            left: `${(((block.start - view.start) / width) * 100).toFixed(4)}%`,
            width: `${(((block.end - block.start) / width) * 100).toFixed(4)}%`,
          }}
        />
      ))}
    </>
  );
}
