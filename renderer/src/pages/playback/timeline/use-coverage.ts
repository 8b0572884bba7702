import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { TIMELINE_RANGE_MAX_MS } from '../../../../../common/contract/index.js';
import { useTransport } from '../../../app-context.js';
import { clamp, type TimeRange } from './timeline-math.js';

/** Recorded coverage as drawn: the range asked for, the join gap used, and merged spans per camera. */
export interface Coverage {
  range: TimeRange;
  joinGapMs: number;
  spans: ReadonlyMap<string, readonly (readonly [number, number])[]>;
}

export type CoverageState = 'idle' | 'loading' | 'ready' | 'error';

/** Pause after the last range change before asking (zoom and pan fire many changes a second). */
export const COVERAGE_DEBOUNCE_MS = 120;
/** How often coverage is asked again while the range includes now: footage grows. */
export const COVERAGE_REFRESH_MS = 10_000;

/** Shortest and longest gap between segments that still draws them as one block (see `joinGapFor`). */
const JOIN_GAP_MIN_MS = 1000;
const JOIN_GAP_MAX_MS = 60_000;

/**
 * The join gap for a view: gaps narrower than a pixel cannot be seen, so they join (fewer elements on a day
 * view); never under the engine's default of 1 s, never over the contract's 60 s.
 */
export function joinGapFor(view: TimeRange, widthPx: number): number {
  const msPerPx = (view.end - view.start) / Math.max(widthPx, 1);
  return Math.round(clamp(msPerPx, JOIN_GAP_MIN_MS, JOIN_GAP_MAX_MS));
}

/** Views at least this wide are asked for as they are: a day view is opened by a jump, and its padding would
 * double the engine's work (two more half days of rows for every camera) on the path the 300 ms target times. */
const PAD_BELOW_MS = 12 * 3_600_000;

/**
 * The range to ask for: a view narrower than half a day with half its width either side (a short pan or zoom
 * out draws at once from what is there), a wider one as it is; within the contract's 7 days.
 */
export function fetchRangeFor(view: TimeRange): TimeRange {
  const span = view.end - view.start;
  const pad = span >= PAD_BELOW_MS ? 0 : Math.min(span / 2, (TIMELINE_RANGE_MAX_MS - span) / 2);
  return { start: Math.floor(view.start - pad), end: Math.ceil(view.end + pad) };
}

/**
 * `timeline.day` for the cameras around `view`: asked again (debounced) when the view, the cameras or the join gap
 * change, and every 10 s while the range includes now. The previous answer stays drawn until the next one
 * arrives; an answer older than the one drawn is dropped.
 */
export function useCoverage(
  cameraIds: readonly string[],
  view: TimeRange,
  joinGapMs: number,
  /** The clock as the caller last read it: while the range reaches it, coverage is asked again every 10 s. */
  now: number,
  /** False for a discrete jump (a button, the calendar): ask at once rather than after the debounce. */
  debounce = true,
): { coverage: Coverage | null; state: CoverageState; error: string | null } {
  const transport = useTransport();
  const [coverage, setCoverage] = useState<(Coverage & { key: string }) | null>(null);
  const [failure, setFailure] = useState<{ key: string; message: string } | null>(null);
  const [refresh, setRefresh] = useState(0);
  const sequence = useRef({ asked: 0, drawn: 0 });
  // Read by the effect without being one of its reasons to run.
  const debounceRef = useRef(debounce);
  useLayoutEffect(() => {
    debounceRef.current = debounce;
  });

  const idsKey = cameraIds.join('\n');
  const range = fetchRangeFor(view);
  // Round to whole seconds so that sub-second drift of a followed view does not ask again.
  const startKey = Math.floor(range.start / 1000) * 1000;
  const endKey = Math.ceil(range.end / 1000) * 1000;
  // What the drawing must have answered to be the current one (a refresh of the same range keeps it current).
  const requestKey = `${idsKey}|${startKey}|${endKey}|${joinGapMs}`;

  useEffect(() => {
    if (idsKey === '') return;
    const ids = idsKey.split('\n');
    let cancelled = false;
    const ask = (): void => {
      const mine = ++sequence.current.asked;
      transport
        .invoke('timeline.day', { cameraIds: ids, start: startKey, end: endKey, joinGapMs })
        .then((answer) => {
          if (mine <= sequence.current.drawn) return;
          sequence.current.drawn = mine;
          const spans = new Map<string, (readonly [number, number])[]>();
          for (const camera of answer.cameras) spans.set(camera.cameraId, camera.spans);
          setCoverage({ range: { start: answer.start, end: answer.end }, joinGapMs, spans, key: requestKey });
          setFailure(null);
        })
        .catch((reason: unknown) => {
          if (mine < sequence.current.asked || cancelled) return;
          setFailure({ key: requestKey, message: reason instanceof Error ? reason.message : String(reason) });
        });
    };
    const timer = window.setTimeout(ask, debounceRef.current ? COVERAGE_DEBOUNCE_MS : 0);
    return () => {
      cancelled = true;
      window.clearTimeout(timer);
    };
  }, [transport, idsKey, startKey, endKey, joinGapMs, requestKey, refresh]);

  // Footage grows at the live edge: ask again every 10 s while the range reaches now.
  const includesNow = startKey <= now && now < endKey + COVERAGE_REFRESH_MS;
  useEffect(() => {
    if (!includesNow || idsKey === '') return;
    const timer = window.setInterval(() => setRefresh((count) => count + 1), COVERAGE_REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [includesNow, idsKey]);

  if (idsKey === '') return { coverage: null, state: 'idle', error: null };
  // Loading from the moment the range changes (the debounce included) until its own answer is drawn.
  const state: CoverageState =
    failure?.key === requestKey ? 'error' : coverage?.key === requestKey ? 'ready' : 'loading';
  return { coverage, state, error: failure?.message ?? null };
}
