import { useEffect, useMemo, useRef, useState } from 'react';
import { useTransport } from '../../../app-context.js';
import { useNow } from '../../../hooks.js';
import {
  dayRange,
  formatMonth,
  localDate,
  localDateKey,
  monthGrid,
  shiftMonth,
  weekdayNames,
  type TimeRange,
} from './timeline-math.js';

export interface CalendarProps {
  /** Cameras whose footage counts; empty means every camera. */
  cameraIds: readonly string[];
  /** An instant in the day the timeline shows: its month opens first, and its day is marked. */
  selected: number;
  timeZone: string;
  /** A day was picked: its local `[start, end)`. */
  onPick: (day: TimeRange) => void;
  onClose: () => void;
}

type Footage = ReadonlyMap<string, boolean>;

/**
 * A month of local days, each marked with whether any of the cameras recorded in it (`timeline.days`, with the
 * day edges computed here so that DST days are 23 or 25 hours). Clicking a day shows it on the timeline.
 */
export function Calendar({ cameraIds, selected, timeZone, onPick, onClose }: CalendarProps) {
  const transport = useTransport();
  const [month, setMonth] = useState(() => {
    const { year, month: current } = localDate(selected, timeZone);
    return { year, month: current };
  });
  const grid = useMemo(
    () => monthGrid(month.year, month.month, timeZone),
    [month.year, month.month, timeZone],
  );
  const [footage, setFootage] = useState<{ key: string; days: Footage } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const idsKey = cameraIds.join('\n');
  const requestKey = `${month.year}-${month.month}|${timeZone}|${idsKey}`;

  useEffect(() => {
    let current = true;
    const ids = idsKey === '' ? undefined : idsKey.split('\n');
    transport
      .invoke('timeline.days', {
        ...(ids === undefined ? {} : { cameraIds: ids }),
        boundaries: grid.boundaries,
      })
      .then((answer) => {
        if (!current) return;
        const days = new Map<string, boolean>();
        const cells = grid.weeks.flat();
        answer.days.forEach((day, index) => {
          const cell = cells[index];
          if (cell !== undefined && cell.start === day.start) days.set(cell.key, day.hasFootage);
        });
        setFootage({ key: requestKey, days });
        setError(null);
      })
      .catch((reason: unknown) => {
        if (current) setError(reason instanceof Error ? reason.message : String(reason));
      });
    return () => {
      current = false;
    };
  }, [transport, grid, idsKey, requestKey]);

  // Escape or a click outside closes it.
  const rootRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      if (event.key === 'Escape') onClose();
    };
    const onPointer = (event: PointerEvent): void => {
      const root = rootRef.current;
      const target = event.target;
      if (root === null || !(target instanceof Element) || root.contains(target)) return;
      // The date button toggles the calendar itself.
      if (target.closest('[data-testid="timeline-date"]') === null) onClose();
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('pointerdown', onPointer);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('pointerdown', onPointer);
    };
  }, [onClose]);

  const selectedKey = localDateKey(selected, timeZone);
  const todayKey = localDateKey(useNow(60_000), timeZone);
  const known = footage?.key === requestKey ? footage.days : null;

  return (
    <div className="calendar" ref={rootRef} role="dialog" aria-label="Pick a day" data-testid="calendar">
      <div className="calendar__header">
        <button
          type="button"
          className="button button--small timeline__button"
          data-testid="calendar-prev-month"
          aria-label="Previous month"
          onClick={() => setMonth((current) => shiftMonth(current.year, current.month, -1))}
        >
          ‹
        </button>
        <span className="calendar__title" data-testid="calendar-month">
          {formatMonth(month.year, month.month)}
        </span>
        <button
          type="button"
          className="button button--small timeline__button"
          data-testid="calendar-next-month"
          aria-label="Next month"
          onClick={() => setMonth((current) => shiftMonth(current.year, current.month, 1))}
        >
          ›
        </button>
      </div>
      <table className="calendar__grid" data-state={known === null ? 'loading' : 'ready'}>
        <thead>
          <tr>
            {weekdayNames().map((name) => (
              <th key={name} scope="col">
                {name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {grid.weeks.map((week) => (
            <tr key={week[0]?.key}>
              {week.map((cell) => {
                const hasFootage = known?.get(cell.key);
                const classes = ['calendar__day'];
                if (!cell.inMonth) classes.push('calendar__day--outside');
                if (hasFootage === true) classes.push('calendar__day--footage');
                if (cell.key === selectedKey) classes.push('calendar__day--selected');
                if (cell.key === todayKey) classes.push('calendar__day--today');
                return (
                  <td key={cell.key}>
                    <button
                      type="button"
                      className={classes.join(' ')}
                      data-testid="calendar-day"
                      data-date={cell.key}
                      data-has-footage={hasFootage === undefined ? undefined : String(hasFootage)}
                      aria-pressed={cell.key === selectedKey}
                      title={
                        hasFootage === true
                          ? 'Footage recorded'
                          : hasFootage === false
                            ? 'No footage'
                            : undefined
                      }
                      onClick={() => onPick(dayRange(cell.start, timeZone))}
                    >
                      {cell.day}
                    </button>
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
      {error !== null ? <p className="calendar__error">Days could not load: {error}</p> : null}
    </div>
  );
}
