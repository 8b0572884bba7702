/**
 * Time math of the playback timeline: local days, ticks, labels and time ↔ pixel in an IANA time zone, with
 * `Intl` only (no date library). Every instant is epoch ms (UTC); "local" means wall-clock time in `timeZone`.
 *
 * A local day is `[start, end)` between two local midnights, so a day with a DST change is 23 or 25 hours
 * long, and its hour ticks skip the hour that does not exist or show the repeated hour twice. Where midnight
 * itself falls in a DST gap (America/Santiago, some years of Asia/Beirut), the day starts at the first instant
 * whose local date is that day.
 */

export const SECOND_MS = 1000;
export const MINUTE_MS = 60 * SECOND_MS;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/** Narrowest visible range of the timeline. */
export const MIN_VISIBLE_MS = MINUTE_MS;
/** Widest visible range of the timeline (a DST day of 25 hours is shown whole by `dayRange`, see `zoomView`). */
export const MAX_VISIBLE_MS = DAY_MS;

/** The workstation's IANA time zone. */
export function workstationTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** A local calendar date; `month` is 1–12. */
export interface LocalDate {
  year: number;
  month: number;
  day: number;
}

/** Wall-clock fields of an instant in a zone; `weekday` is 0 (Sunday) – 6. */
export interface LocalParts extends LocalDate {
  hour: number;
  minute: number;
  second: number;
  weekday: number;
}

/** A visible or queried range `[start, end)` in epoch ms. */
export interface TimeRange {
  start: number;
  end: number;
}

// ── Zone offsets ─────────────────────────────────────────────────────────────────────────────────────────────

const partsFormatters = new Map<string, Intl.DateTimeFormat>();

function partsFormatter(timeZone: string): Intl.DateTimeFormat {
  let formatter = partsFormatters.get(timeZone);
  if (formatter === undefined) {
    // en-US with the Gregorian calendar and Latin digits: the parts are plain numbers whatever the user's locale.
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      calendar: 'gregory',
      numberingSystem: 'latn',
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    });
    partsFormatters.set(timeZone, formatter);
  }
  return formatter;
}

const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

/** Wall-clock fields of `time` in `timeZone` (seconds resolution). */
export function localParts(time: number, timeZone: string = workstationTimeZone()): LocalParts {
  const result: LocalParts = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0, weekday: 0 };
  for (const part of partsFormatter(timeZone).formatToParts(time)) {
    switch (part.type) {
      case 'year':
        result.year = Number(part.value);
        break;
      case 'month':
        result.month = Number(part.value);
        break;
      case 'day':
        result.day = Number(part.value);
        break;
      case 'hour':
        // Some engines still write midnight as 24 with h23.
        result.hour = Number(part.value) % 24;
        break;
      case 'minute':
        result.minute = Number(part.value);
        break;
      case 'second':
        result.second = Number(part.value);
        break;
      case 'weekday':
        result.weekday = WEEKDAYS[part.value] ?? 0;
        break;
      default:
        break;
    }
  }
  return result;
}

// Offsets of today's zones are whole quarter hours and change on quarter hours UTC, so one lookup per zone and
// UTC quarter hour is exact; the cache keeps tick walks and month grids from formatting the same instant twice.
const OFFSET_BUCKET_MS = 15 * MINUTE_MS;
const OFFSET_CACHE_MAX = 20_000;
const offsetCache = new Map<string, Map<number, number>>();

/** The zone's offset from UTC at `time` in ms (local = UTC + offset): +3 600 000 for Berlin in winter. */
export function zoneOffsetMs(time: number, timeZone: string = workstationTimeZone()): number {
  const bucket = Math.floor(time / OFFSET_BUCKET_MS);
  let cache = offsetCache.get(timeZone);
  if (cache === undefined) {
    cache = new Map();
    offsetCache.set(timeZone, cache);
  }
  const cached = cache.get(bucket);
  if (cached !== undefined) return cached;
  const probe = bucket * OFFSET_BUCKET_MS;
  const p = localParts(probe, timeZone);
  const offset = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - probe;
  if (cache.size >= OFFSET_CACHE_MAX) cache.clear();
  cache.set(bucket, offset);
  return offset;
}

/** The local wall time of `time` as if it were UTC (for arithmetic on wall-clock fields). */
function wallMs(time: number, timeZone: string): number {
  return time + zoneOffsetMs(time, timeZone);
}

/**
 * The instant a wall-clock time (given as UTC ms of its fields) happens in `timeZone`. Ambiguous times (the
 * repeated hour) give the earlier instant; times in a gap (the skipped hour) give the instant the gap ends.
 */
export function wallToEpoch(wall: number, timeZone: string = workstationTimeZone()): number {
  // The offsets a day either side cover any transition near `wall`; the earliest match wins.
  const before = zoneOffsetMs(wall - DAY_MS, timeZone);
  const after = zoneOffsetMs(wall + DAY_MS, timeZone);
  const candidates = [wall - Math.max(before, after), wall - Math.min(before, after)];
  for (const candidate of candidates) {
    if (wallMs(candidate, timeZone) === wall) return candidate;
  }
  // In a gap: the wall time never happens; the transition instant lies between the two candidates.
  let low = Math.min(...candidates);
  let high = Math.max(...candidates);
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (wallMs(middle, timeZone) < wall) low = middle;
    else high = middle;
  }
  return high;
}

// ── Local days ───────────────────────────────────────────────────────────────────────────────────────────────

/** The local date of `time`. */
export function localDate(time: number, timeZone: string = workstationTimeZone()): LocalDate {
  const { year, month, day } = localParts(time, timeZone);
  return { year, month, day };
}

/** `date` moved by `days` calendar days (month and year roll over). */
export function addDays(date: LocalDate, days: number): LocalDate {
  const moved = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: moved.getUTCFullYear(), month: moved.getUTCMonth() + 1, day: moved.getUTCDate() };
}

/** `YYYY-MM-DD` of a local date. */
export function dateKey(date: LocalDate): string {
  const year = String(date.year).padStart(4, '0');
  return `${year}-${String(date.month).padStart(2, '0')}-${String(date.day).padStart(2, '0')}`;
}

/** `YYYY-MM-DD` of the local day `time` falls in. */
export function localDateKey(time: number, timeZone: string = workstationTimeZone()): string {
  return dateKey(localDate(time, timeZone));
}

/** The first instant of a local date: its midnight, or where midnight is skipped, the end of the gap. */
export function startOfDate(date: LocalDate, timeZone: string = workstationTimeZone()): number {
  return wallToEpoch(Date.UTC(date.year, date.month - 1, date.day), timeZone);
}

/** The local day `[start, end)` that `time` falls in: 23, 24 or 25 hours. */
export function dayRange(time: number, timeZone: string = workstationTimeZone()): TimeRange {
  const date = localDate(time, timeZone);
  return { start: startOfDate(date, timeZone), end: startOfDate(addDays(date, 1), timeZone) };
}

/** Start of the local day that `time` falls in. */
export function dayStart(time: number, timeZone: string = workstationTimeZone()): number {
  return dayRange(time, timeZone).start;
}

/** End (exclusive) of the local day that `time` falls in: the next day's start. */
export function dayEnd(time: number, timeZone: string = workstationTimeZone()): number {
  return dayRange(time, timeZone).end;
}

/** The local day `days` days after (or before, when negative) the one `time` falls in. */
export function shiftDay(time: number, days: number, timeZone: string = workstationTimeZone()): TimeRange {
  const date = addDays(localDate(time, timeZone), days);
  return { start: startOfDate(date, timeZone), end: startOfDate(addDays(date, 1), timeZone) };
}

/** The next local day after the one `time` falls in. */
export function nextDay(time: number, timeZone: string = workstationTimeZone()): TimeRange {
  return shiftDay(time, 1, timeZone);
}

/** The local day before the one `time` falls in. */
export function previousDay(time: number, timeZone: string = workstationTimeZone()): TimeRange {
  return shiftDay(time, -1, timeZone);
}

// ── Ticks ────────────────────────────────────────────────────────────────────────────────────────────────────

/** Tick spacings, in local wall-clock time, from the finest (a 1-minute view) to the coarsest (a day). */
export const TICK_STEPS_MS = [
  5 * SECOND_MS,
  10 * SECOND_MS,
  15 * SECOND_MS,
  30 * SECOND_MS,
  MINUTE_MS,
  2 * MINUTE_MS,
  5 * MINUTE_MS,
  10 * MINUTE_MS,
  15 * MINUTE_MS,
  30 * MINUTE_MS,
  HOUR_MS,
  2 * HOUR_MS,
  3 * HOUR_MS,
  6 * HOUR_MS,
  12 * HOUR_MS,
] as const;

/** Labeled (major) and unlabeled (minor) tick spacing for a zoom level. */
export interface TickSteps {
  major: number;
  minor: number;
}

/**
 * The tick spacing for `visibleMs` shown over `widthPx`: the finest major step whose labels stand at least
 * `minLabelPx` apart, and the finest minor step at least `minMinorPx` apart that divides it.
 */
export function chooseTickSteps(
  visibleMs: number,
  widthPx: number,
  minLabelPx = 64,
  minMinorPx = 14,
): TickSteps {
  const pxPerMs = Math.max(widthPx, 1) / Math.max(visibleMs, 1);
  const major = TICK_STEPS_MS.find((step) => step * pxPerMs >= minLabelPx) ?? 12 * HOUR_MS;
  const minor =
    TICK_STEPS_MS.find((step) => step <= major && major % step === 0 && step * pxPerMs >= minMinorPx) ??
    major;
  return { major, minor };
}

/** One tick: its instant, its label (local wall time), and whether it is a local midnight (a day's start). */
export interface Tick {
  time: number;
  label: string;
  dayStart: boolean;
}

function greatestCommonDivisor(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/**
 * Ticks every `stepMs` of local wall-clock time in `[start, end)`: instants whose local time of day is a multiple
 * of the step (since local midnight). A repeated hour gives two ticks with the same label, a skipped hour none.
 */
export function ticks(
  range: TimeRange,
  stepMs: number,
  timeZone: string = workstationTimeZone(),
  options: { seconds?: boolean } = {},
): Tick[] {
  const seconds = options.seconds ?? stepMs < MINUTE_MS;
  // Local times that are multiples of the step happen at UTC multiples of this walk, as offsets are whole
  // quarter hours.
  const walk = greatestCommonDivisor(stepMs, OFFSET_BUCKET_MS);
  const result: Tick[] = [];
  for (let time = Math.ceil(range.start / walk) * walk; time < range.end; time += walk) {
    const wall = wallMs(time, timeZone);
    const timeOfDay = ((wall % DAY_MS) + DAY_MS) % DAY_MS;
    if (timeOfDay % stepMs !== 0) continue;
    result.push({ time, label: formatClock(time, timeZone, { seconds }), dayStart: false });
  }
  // A day's first instant (midnight, or the end of a gap at midnight) is a tick of every step.
  for (let day = dayStart(range.start, timeZone); day < range.end; day = nextDay(day, timeZone).start) {
    if (day < range.start) continue;
    const existing = result.find((tick) => tick.time === day);
    if (existing !== undefined) existing.dayStart = true;
    else {
      result.push({ time: day, label: formatClock(day, timeZone, { seconds }), dayStart: true });
      result.sort((a, b) => a.time - b.time);
    }
  }
  return result;
}

/** The hour ticks of the local day `time` falls in: 23, 24 or 25 of them. */
export function dayHourTicks(time: number, timeZone: string = workstationTimeZone()): Tick[] {
  return ticks(dayRange(time, timeZone), HOUR_MS, timeZone);
}

// ── Labels ───────────────────────────────────────────────────────────────────────────────────────────────────

function pad2(value: number): string {
  return String(value).padStart(2, '0');
}

/** `HH:MM` (or `HH:MM:SS`) in 24-hour local time. */
export function formatClock(
  time: number,
  timeZone: string = workstationTimeZone(),
  options: { seconds?: boolean } = {},
) {
  const p = localParts(time, timeZone);
  const clock = `${pad2(p.hour)}:${pad2(p.minute)}`;
  return options.seconds === true ? `${clock}:${pad2(p.second)}` : clock;
}

const dateFormatters = new Map<string, Intl.DateTimeFormat>();

function cachedFormatter(key: string, make: () => Intl.DateTimeFormat): Intl.DateTimeFormat {
  let formatter = dateFormatters.get(key);
  if (formatter === undefined) {
    formatter = make();
    dateFormatters.set(key, formatter);
  }
  return formatter;
}

/** The local date for a heading, in the user's locale: `Sun, Oct 25, 2026`. */
export function formatDate(time: number, timeZone: string = workstationTimeZone(), locale?: string): string {
  return cachedFormatter(`date|${timeZone}|${locale ?? ''}`, () =>
    Intl.DateTimeFormat(locale, {
      timeZone,
      weekday: 'short',
      year: 'numeric',
      month: 'short',
      day: 'numeric',
    }),
  ).format(time);
}

/** A day on the axis, where a new day starts inside the view, in the user's locale: `Mon 26`. */
export function formatDayLabel(
  time: number,
  timeZone: string = workstationTimeZone(),
  locale?: string,
): string {
  return cachedFormatter(`day|${timeZone}|${locale ?? ''}`, () =>
    Intl.DateTimeFormat(locale, { timeZone, weekday: 'short', day: 'numeric' }),
  ).format(time);
}

/** A month for the calendar heading, in the user's locale: `October 2026`. */
export function formatMonth(year: number, month: number, locale?: string): string {
  return cachedFormatter(`month|${locale ?? ''}`, () =>
    Intl.DateTimeFormat(locale, { timeZone: 'UTC', year: 'numeric', month: 'long' }),
  ).format(Date.UTC(year, month - 1, 15));
}

/** The zone's short name at `time` (`CEST`, `EST`, `GMT+2`): it tells the two repeated hours apart. */
export function formatZoneName(
  time: number,
  timeZone: string = workstationTimeZone(),
  locale?: string,
): string {
  const parts = cachedFormatter(`zone|${timeZone}|${locale ?? ''}`, () =>
    Intl.DateTimeFormat(locale, { timeZone, timeZoneName: 'short' }),
  ).formatToParts(time);
  return parts.find((part) => part.type === 'timeZoneName')?.value ?? timeZone;
}

/** The hover readout: local date, `HH:MM:SS` and the zone's short name. */
export function formatHover(time: number, timeZone: string = workstationTimeZone(), locale?: string): string {
  return `${formatDate(time, timeZone, locale)} ${formatClock(time, timeZone, { seconds: true })} ${formatZoneName(time, timeZone, locale)}`;
}

/** A duration for labels: `1 min`, `15 min`, `2 h 30 min`, `25 h`. */
export function formatSpan(ms: number): string {
  const minutes = Math.round(ms / MINUTE_MS);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}

// ── Pixels ───────────────────────────────────────────────────────────────────────────────────────────────────

/** The x (px from the left) of `time` in a `widthPx` wide track showing `view`; linear in absolute time. */
export function timeToX(time: number, view: TimeRange, widthPx: number): number {
  return ((time - view.start) / (view.end - view.start)) * widthPx;
}

/** The time at `x` px from the left of a `widthPx` wide track showing `view`. */
export function xToTime(x: number, view: TimeRange, widthPx: number): number {
  return view.start + (x / widthPx) * (view.end - view.start);
}

/** `value` between `min` and `max`. */
export function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

/**
 * The view scaled by `factor` (below 1 zooms in) around `anchor`, which stays at the same x; the width is kept in
 * `[minMs, maxMs]` (by default 1 minute to 24 hours). Zooming in on a range already at the minimum changes nothing.
 */
export function zoomView(
  view: TimeRange,
  factor: number,
  anchor: number,
  limits: { minMs?: number; maxMs?: number } = {},
): TimeRange {
  const minMs = limits.minMs ?? MIN_VISIBLE_MS;
  const maxMs = limits.maxMs ?? MAX_VISIBLE_MS;
  const span = view.end - view.start;
  const next = clamp(span * factor, minMs, Math.max(minMs, maxMs));
  const fraction = span > 0 ? clamp((anchor - view.start) / span, 0, 1) : 0.5;
  const start = Math.round(anchor - fraction * next);
  return { start, end: start + Math.round(next) };
}

/**
 * Zooming as the timeline does it: as `zoomView`, but zooming out to a day or more shows the whole local day
 * around the anchor (23, 24 or 25 hours), so "all the way out" is always exactly one day.
 */
export function zoomViewInDay(
  view: TimeRange,
  factor: number,
  anchor: number,
  timeZone: string = workstationTimeZone(),
): TimeRange {
  const day = dayRange(anchor, timeZone);
  const dayLength = day.end - day.start;
  if ((view.end - view.start) * factor >= Math.min(dayLength, MAX_VISIBLE_MS)) return day;
  return zoomView(view, factor, anchor, { maxMs: dayLength });
}

/** The view moved by `deltaMs` (positive: later). */
export function panView(view: TimeRange, deltaMs: number): TimeRange {
  const delta = Math.round(deltaMs);
  return { start: view.start + delta, end: view.end + delta };
}

/**
 * The view moved so that `time` is inside it, with `marginFraction` of the width kept on the side it entered
 * (playback leaving the view on the right turns the page). Unchanged when `time` is already inside.
 */
export function followTime(view: TimeRange, time: number, marginFraction = 0.1): TimeRange {
  if (time >= view.start && time < view.end) return view;
  const span = view.end - view.start;
  if (time >= view.end) {
    const start = Math.round(time - marginFraction * span);
    return { start, end: start + span };
  }
  const end = Math.round(time + marginFraction * span);
  return { start: end - span, end };
}

// ── Calendar ─────────────────────────────────────────────────────────────────────────────────────────────────

/** One cell of the month grid: a local day with its `[start, end)`. */
export interface CalendarCell extends LocalDate {
  key: string;
  start: number;
  end: number;
  /** False for the leading and trailing days of the neighbouring months. */
  inMonth: boolean;
}

/** How many weeks a month grid always has (so its height never jumps): six, 42 days. */
export const MONTH_GRID_WEEKS = 6;

/**
 * The calendar of a month: six weeks starting on `weekStartsOn` (1 = Monday, 0 = Sunday), each cell a local day
 * with its `[start, end)` in `timeZone`. `boundaries` lists the 43 day edges, ready for `timeline.days`.
 */
export function monthGrid(
  year: number,
  month: number,
  timeZone: string = workstationTimeZone(),
  weekStartsOn = 1,
): { weeks: CalendarCell[][]; boundaries: number[] } {
  const first: LocalDate = { year, month, day: 1 };
  const firstWeekday = new Date(Date.UTC(year, month - 1, 1)).getUTCDay();
  const lead = (firstWeekday - weekStartsOn + 7) % 7;
  const gridStart = addDays(first, -lead);
  const boundaries: number[] = [];
  for (let index = 0; index <= MONTH_GRID_WEEKS * 7; index++) {
    boundaries.push(startOfDate(addDays(gridStart, index), timeZone));
  }
  const weeks: CalendarCell[][] = [];
  for (let week = 0; week < MONTH_GRID_WEEKS; week++) {
    const cells: CalendarCell[] = [];
    for (let weekday = 0; weekday < 7; weekday++) {
      const index = week * 7 + weekday;
      const date = addDays(gridStart, index);
      cells.push({
        ...date,
        key: dateKey(date),
        start: boundaries[index] ?? 0,
        end: boundaries[index + 1] ?? 0,
        inMonth: date.month === month,
      });
    }
    weeks.push(cells);
  }
  return { weeks, boundaries };
}

/** The month after (`delta` 1) or before (-1) a year and month. */
export function shiftMonth(year: number, month: number, delta: number): { year: number; month: number } {
  const index = year * 12 + (month - 1) + delta;
  return { year: Math.floor(index / 12), month: (index % 12) + 1 };
}

/** Short weekday names for the calendar header, in grid order, in the user's locale. */
export function weekdayNames(weekStartsOn = 1, locale?: string): string[] {
  const formatter = cachedFormatter(`weekday|${locale ?? ''}`, () =>
    Intl.DateTimeFormat(locale, { timeZone: 'UTC', weekday: 'short' }),
  );
  // 2023-01-01 was a Sunday.
  return Array.from({ length: 7 }, (_, index) =>
    formatter.format(Date.UTC(2023, 0, 1 + ((weekStartsOn + index) % 7))),
  );
}
