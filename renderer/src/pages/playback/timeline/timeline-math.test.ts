import { describe, expect, it } from 'vitest';
import {
  chooseTickSteps,
  dayHourTicks,
  dayRange,
  followTime,
  formatClock,
  formatDayLabel,
  formatHover,
  HOUR_MS,
  localDateKey,
  MINUTE_MS,
  monthGrid,
  nextDay,
  panView,
  previousDay,
  shiftMonth,
  ticks,
  timeToX,
  wallToEpoch,
  weekdayNames,
  xToTime,
  zoneOffsetMs,
  zoomView,
  zoomViewInDay,
  DAY_MS,
  SECOND_MS,
} from './timeline-math.js';

const BERLIN = 'Europe/Berlin';
const NEW_YORK = 'America/New_York';
const TOKYO = 'Asia/Tokyo';
const SANTIAGO = 'America/Santiago';

const utc = (iso: string): number => Date.parse(iso);
const labels = (list: { label: string }[]): string[] => list.map((tick) => tick.label);
const hours = (ms: number): number => ms / HOUR_MS;

/** The 24 labels `00:00` … `23:00`. */
const plainDay = Array.from({ length: 24 }, (_, hour) => `${String(hour).padStart(2, '0')}:00`);

describe('zone offsets and wall times', () => {
  it('reads the offset on either side of a transition', () => {
    // Berlin springs forward at 01:00 UTC on 2026-03-29 and falls back at 01:00 UTC on 2026-10-25.
    expect(zoneOffsetMs(utc('2026-03-29T00:59:59Z'), BERLIN)).toBe(HOUR_MS);
    expect(zoneOffsetMs(utc('2026-03-29T01:00:00Z'), BERLIN)).toBe(2 * HOUR_MS);
    expect(zoneOffsetMs(utc('2026-10-25T00:59:59Z'), BERLIN)).toBe(2 * HOUR_MS);
    expect(zoneOffsetMs(utc('2026-10-25T01:00:00Z'), BERLIN)).toBe(HOUR_MS);
    expect(zoneOffsetMs(utc('2026-03-08T07:00:00Z'), NEW_YORK)).toBe(-4 * HOUR_MS);
    expect(zoneOffsetMs(utc('2026-03-08T06:59:00Z'), NEW_YORK)).toBe(-5 * HOUR_MS);
    expect(zoneOffsetMs(utc('2026-07-01T00:00:00Z'), TOKYO)).toBe(9 * HOUR_MS);
    expect(zoneOffsetMs(utc('2026-07-01T00:00:00Z'), 'Asia/Kathmandu')).toBe(5.75 * HOUR_MS);
  });

  it('turns a repeated wall time into its first instant and a skipped one into the end of the gap', () => {
    // 02:30 happens twice in Berlin on 2026-10-25 (CEST, then CET): the earlier one.
    expect(wallToEpoch(Date.UTC(2026, 9, 25, 2, 30), BERLIN)).toBe(utc('2026-10-25T00:30:00Z'));
    // 02:30 never happens on 2026-03-29: the gap ends at 03:00 CEST = 01:00 UTC.
    expect(wallToEpoch(Date.UTC(2026, 2, 29, 2, 30), BERLIN)).toBe(utc('2026-03-29T01:00:00Z'));
    expect(wallToEpoch(Date.UTC(2026, 2, 29, 12, 0, 0, 250), BERLIN)).toBe(utc('2026-03-29T10:00:00.250Z'));
  });
});

describe('local days', () => {
  it.each([
    [BERLIN, '2026-03-29T12:00:00Z', '2026-03-28T23:00:00Z', '2026-03-29T22:00:00Z', 23],
    [BERLIN, '2026-10-25T12:00:00Z', '2026-10-24T22:00:00Z', '2026-10-25T23:00:00Z', 25],
    [BERLIN, '2026-06-15T12:00:00Z', '2026-06-14T22:00:00Z', '2026-06-15T22:00:00Z', 24],
    [NEW_YORK, '2026-03-08T12:00:00Z', '2026-03-08T05:00:00Z', '2026-03-09T04:00:00Z', 23],
    [NEW_YORK, '2026-11-01T12:00:00Z', '2026-11-01T04:00:00Z', '2026-11-02T05:00:00Z', 25],
    [TOKYO, '2026-03-29T12:00:00Z', '2026-03-28T15:00:00Z', '2026-03-29T15:00:00Z', 24],
    ['UTC', '2026-10-25T23:59:59Z', '2026-10-25T00:00:00Z', '2026-10-26T00:00:00Z', 24],
    // Santiago skips midnight on 2026-09-06: the day starts at 01:00 local.
    [SANTIAGO, '2026-09-06T12:00:00Z', '2026-09-06T04:00:00Z', '2026-09-07T03:00:00Z', 23],
    // ... and repeats 23:00 on 2026-04-04.
    [SANTIAGO, '2026-04-04T12:00:00Z', '2026-04-04T03:00:00Z', '2026-04-05T04:00:00Z', 25],
  ])('%s day of %s is [%s, %s): %i h', (zone, instant, start, end, length) => {
    const range = dayRange(utc(instant), zone);
    expect(range).toEqual({ start: utc(start), end: utc(end) });
    expect(hours(range.end - range.start)).toBe(length);
    // Every instant of the day, first and last included, has the same day.
    expect(dayRange(range.start, zone)).toEqual(range);
    expect(dayRange(range.end - 1, zone)).toEqual(range);
    expect(localDateKey(range.start, zone)).toBe(localDateKey(range.end - 1, zone));
    expect(localDateKey(range.end, zone)).not.toBe(localDateKey(range.start, zone));
  });

  it('steps across DST days to the neighbouring days', () => {
    const october25 = dayRange(utc('2026-10-25T12:00:00Z'), BERLIN);
    const next = nextDay(october25.start, BERLIN);
    const previous = previousDay(october25.start, BERLIN);
    expect(next).toEqual({ start: october25.end, end: utc('2026-10-26T23:00:00Z') });
    expect(previous).toEqual({ start: utc('2026-10-23T22:00:00Z'), end: october25.start });
    expect(hours(next.end - next.start)).toBe(24);
    expect(previousDay(nextDay(october25.start, BERLIN).start, BERLIN)).toEqual(october25);
    // Across a month and a year.
    expect(localDateKey(nextDay(utc('2026-12-31T12:00:00Z'), TOKYO).start, TOKYO)).toBe('2027-01-01');
    expect(localDateKey(previousDay(utc('2026-03-01T12:00:00Z'), NEW_YORK).start, NEW_YORK)).toBe(
      '2026-02-28',
    );
  });
});

describe('ticks', () => {
  it('shows the repeated hour twice on a 25-hour day', () => {
    const berlin = dayHourTicks(utc('2026-10-25T12:00:00Z'), BERLIN);
    expect(berlin).toHaveLength(25);
    expect(labels(berlin).slice(0, 5)).toEqual(['00:00', '01:00', '02:00', '02:00', '03:00']);
    expect(berlin[2]!.time).toBe(utc('2026-10-25T00:00:00Z'));
    expect(berlin[3]!.time).toBe(utc('2026-10-25T01:00:00Z'));
    expect(berlin.map((tick) => tick.time)).toEqual(
      Array.from({ length: 25 }, (_, index) => utc('2026-10-24T22:00:00Z') + index * HOUR_MS),
    );

    const newYork = dayHourTicks(utc('2026-11-01T12:00:00Z'), NEW_YORK);
    expect(labels(newYork)).toEqual(['00:00', '01:00', ...plainDay.slice(1)]);
    expect(newYork[1]!.time).toBe(utc('2026-11-01T05:00:00Z'));
    expect(newYork[2]!.time).toBe(utc('2026-11-01T06:00:00Z'));
  });

  it('skips the hour that does not exist on a 23-hour day', () => {
    const berlin = dayHourTicks(utc('2026-03-29T12:00:00Z'), BERLIN);
    expect(labels(berlin)).toEqual(plainDay.filter((label) => label !== '02:00'));
    expect(berlin[2]!.time - berlin[1]!.time).toBe(HOUR_MS);

    const newYork = dayHourTicks(utc('2026-03-08T12:00:00Z'), NEW_YORK);
    expect(labels(newYork)).toEqual(plainDay.filter((label) => label !== '02:00'));
    expect(newYork[2]!.time).toBe(utc('2026-03-08T07:00:00Z'));
  });

  it('has 24 plain hours in a zone without DST', () => {
    const tokyo = dayHourTicks(utc('2026-03-29T12:00:00Z'), TOKYO);
    expect(labels(tokyo)).toEqual(plainDay);
    expect(tokyo[0]!.dayStart).toBe(true);
    expect(tokyo.filter((tick) => tick.dayStart)).toHaveLength(1);
    expect(labels(dayHourTicks(utc('2026-10-25T12:00:00Z'), 'UTC'))).toEqual(plainDay);
  });

  it('labels the minutes around the change in local time', () => {
    // 01:50 to 03:10 CEST-or-CET in Berlin on the spring day, every 10 minutes: 02:xx never shows.
    const spring = ticks(
      { start: utc('2026-03-29T00:50:00Z'), end: utc('2026-03-29T01:11:00Z') },
      10 * MINUTE_MS,
      BERLIN,
    );
    expect(labels(spring)).toEqual(['01:50', '03:00', '03:10']);
    // In autumn the half hour after 02:30 CEST is 02:30 CET again.
    const autumn = ticks(
      { start: utc('2026-10-25T00:30:00Z'), end: utc('2026-10-25T01:31:00Z') },
      30 * MINUTE_MS,
      BERLIN,
    );
    expect(labels(autumn)).toEqual(['02:30', '02:00', '02:30']);
    // A quarter-hour zone still ticks on its own round minutes.
    const kathmandu = ticks(
      { start: utc('2026-07-01T00:00:00Z'), end: utc('2026-07-01T01:00:00Z') },
      10 * MINUTE_MS,
      'Asia/Kathmandu',
    );
    expect(labels(kathmandu)).toEqual(['05:50', '06:00', '06:10', '06:20', '06:30', '06:40']);
  });

  it('marks the start of a day that begins after a skipped midnight', () => {
    const santiago = dayHourTicks(utc('2026-09-06T12:00:00Z'), SANTIAGO);
    expect(santiago).toHaveLength(23);
    expect(santiago[0]).toMatchObject({ label: '01:00', dayStart: true, time: utc('2026-09-06T04:00:00Z') });
    // A range across midnight marks the new day.
    const across = ticks(
      { start: utc('2026-06-15T21:00:00Z'), end: utc('2026-06-15T23:00:00Z') },
      HOUR_MS,
      BERLIN,
    );
    expect(across.map((tick) => [tick.label, tick.dayStart])).toEqual([
      ['23:00', false],
      ['00:00', true],
    ]);
  });

  it('uses seconds in the labels below a minute', () => {
    const list = ticks(
      { start: utc('2026-06-15T10:00:00Z'), end: utc('2026-06-15T10:01:00Z') },
      15 * SECOND_MS,
      BERLIN,
    );
    expect(labels(list)).toEqual(['12:00:00', '12:00:15', '12:00:30', '12:00:45']);
  });

  it('chooses a tick step for every zoom from a day down to a minute', () => {
    expect(chooseTickSteps(DAY_MS, 1200)).toEqual({ major: 2 * HOUR_MS, minor: 30 * MINUTE_MS });
    expect(chooseTickSteps(DAY_MS, 700)).toEqual({ major: 3 * HOUR_MS, minor: 30 * MINUTE_MS });
    expect(chooseTickSteps(25 * HOUR_MS, 2400)).toEqual({ major: HOUR_MS, minor: 10 * MINUTE_MS });
    expect(chooseTickSteps(HOUR_MS, 1200)).toEqual({ major: 5 * MINUTE_MS, minor: MINUTE_MS });
    expect(chooseTickSteps(10 * MINUTE_MS, 1200)).toEqual({ major: MINUTE_MS, minor: 10 * SECOND_MS });
    expect(chooseTickSteps(MINUTE_MS, 1200)).toEqual({ major: 5 * SECOND_MS, minor: 5 * SECOND_MS });
    // Label spacing holds at every zoom from 24 h to 1 min on a narrow and a wide track.
    for (const width of [320, 800, 1920]) {
      for (let visible = DAY_MS; visible >= MINUTE_MS; visible = Math.floor(visible / 1.7)) {
        const { major, minor } = chooseTickSteps(visible, width);
        const majorPx = (major / visible) * width;
        expect(major % minor).toBe(0);
        if (major !== 12 * HOUR_MS && major !== 5 * SECOND_MS) expect(majorPx).toBeGreaterThanOrEqual(64);
        expect(ticks({ start: 0, end: visible }, major, 'UTC').length).toBeLessThanOrEqual(
          Math.ceil(width / 14) + 1,
        );
      }
    }
  });
});

describe('labels', () => {
  it('formats clock times and the hover readout in the zone, telling the repeated hours apart', () => {
    expect(formatClock(utc('2026-10-25T00:30:00Z'), BERLIN)).toBe('02:30');
    expect(formatClock(utc('2026-10-25T01:30:05Z'), BERLIN, { seconds: true })).toBe('02:30:05');
    const first = formatHover(utc('2026-10-25T00:30:00Z'), BERLIN, 'en-US');
    const second = formatHover(utc('2026-10-25T01:30:00Z'), BERLIN, 'en-US');
    expect(first).toBe('Sun, Oct 25, 2026 02:30:00 GMT+2');
    expect(second).toBe('Sun, Oct 25, 2026 02:30:00 GMT+1');
    expect(formatHover(utc('2026-11-01T05:30:00Z'), NEW_YORK, 'en-US')).toBe('Sun, Nov 1, 2026 01:30:00 EDT');
    expect(formatHover(utc('2026-11-01T06:30:00Z'), NEW_YORK, 'en-US')).toBe('Sun, Nov 1, 2026 01:30:00 EST');
  });

  it('names a new day on the axis by its weekday and date in the zone', () => {
    expect(formatDayLabel(utc('2026-10-25T22:59:59Z'), BERLIN, 'en-US')).toBe('25 Sun');
    expect(formatDayLabel(utc('2026-10-25T23:00:00Z'), BERLIN, 'en-US')).toBe('26 Mon');
  });

  it('names weekdays in grid order', () => {
    expect(weekdayNames(1, 'en-US')).toEqual(['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']);
    expect(weekdayNames(0, 'en-US')[0]).toBe('Sun');
  });
});

describe('time ↔ pixels', () => {
  it('round-trips x → time → x over DST days', () => {
    for (const [zone, instant] of [
      [BERLIN, '2026-03-29T12:00:00Z'],
      [BERLIN, '2026-10-25T12:00:00Z'],
      [NEW_YORK, '2026-03-08T12:00:00Z'],
      [NEW_YORK, '2026-11-01T12:00:00Z'],
      [TOKYO, '2026-03-29T12:00:00Z'],
    ] as const) {
      const view = dayRange(utc(instant), zone);
      for (const width of [317, 1000, 1920]) {
        for (let x = 0; x <= width; x += width / 13) {
          expect(timeToX(xToTime(x, view, width), view, width)).toBeCloseTo(x, 6);
        }
        expect(timeToX(view.start, view, width)).toBe(0);
        expect(timeToX(view.end, view, width)).toBe(width);
      }
    }
  });

  it('places the hours of a 25-hour day evenly, the repeated hour included', () => {
    const view = dayRange(utc('2026-10-25T12:00:00Z'), BERLIN);
    const xs = dayHourTicks(view.start, BERLIN).map((tick) => timeToX(tick.time, view, 2500));
    expect(xs.map((x) => Math.round(x))).toEqual(Array.from({ length: 25 }, (_, index) => index * 100));
  });
});

describe('zoom and pan', () => {
  const view = { start: utc('2026-06-15T08:00:00Z'), end: utc('2026-06-15T10:00:00Z') };

  it('keeps the anchor at its x while zooming', () => {
    const anchor = utc('2026-06-15T08:30:00Z');
    const zoomed = zoomView(view, 0.5, anchor);
    expect(zoomed).toEqual({ start: utc('2026-06-15T08:15:00Z'), end: utc('2026-06-15T09:15:00Z') });
    expect(timeToX(anchor, zoomed, 1000)).toBeCloseTo(timeToX(anchor, view, 1000), 6);
  });

  it('clamps the width to [1 min, 24 h]', () => {
    const anchor = utc('2026-06-15T09:00:00Z');
    const tiny = zoomView(view, 1e-6, anchor);
    expect(tiny.end - tiny.start).toBe(MINUTE_MS);
    expect(tiny.start).toBe(anchor - MINUTE_MS / 2);
    expect(zoomView(tiny, 0.5, anchor)).toEqual(tiny);
    const huge = zoomView(view, 1e6, anchor);
    expect(huge.end - huge.start).toBe(DAY_MS);
    expect(huge.start).toBe(anchor - DAY_MS / 2);
  });

  it('zooms all the way out to the whole local day, 23 or 25 hours on DST days', () => {
    const autumn = { start: utc('2026-10-25T10:00:00Z'), end: utc('2026-10-25T11:00:00Z') };
    expect(zoomViewInDay(autumn, 100, utc('2026-10-25T10:30:00Z'), BERLIN)).toEqual(
      dayRange(utc('2026-10-25T10:30:00Z'), BERLIN),
    );
    const spring = { start: utc('2026-03-29T10:00:00Z'), end: utc('2026-03-29T11:00:00Z') };
    const whole = zoomViewInDay(spring, 30, utc('2026-03-29T10:30:00Z'), BERLIN);
    expect(hours(whole.end - whole.start)).toBe(23);
    const part = zoomViewInDay(spring, 2, utc('2026-03-29T10:30:00Z'), BERLIN);
    expect(hours(part.end - part.start)).toBe(2);
  });

  it('pans and follows a time leaving the view', () => {
    expect(panView(view, HOUR_MS)).toEqual({ start: view.start + HOUR_MS, end: view.end + HOUR_MS });
    expect(followTime(view, view.start + 1)).toBe(view);
    expect(followTime(view, view.end + MINUTE_MS)).toEqual({
      start: view.end + MINUTE_MS - 12 * MINUTE_MS,
      end: view.end + MINUTE_MS + 108 * MINUTE_MS,
    });
    expect(followTime(view, view.start - MINUTE_MS).end).toBe(view.start - MINUTE_MS + 12 * MINUTE_MS);
  });
});

describe('month grid', () => {
  it('lays out six Monday-first weeks of local days with their DST lengths', () => {
    const { weeks, boundaries } = monthGrid(2026, 10, BERLIN);
    expect(weeks).toHaveLength(6);
    expect(boundaries).toHaveLength(43);
    const cells = weeks.flat();
    // October 2026 starts on a Thursday: Monday 28 September opens the grid.
    expect(cells[0]).toMatchObject({ key: '2026-09-28', inMonth: false, start: utc('2026-09-27T22:00:00Z') });
    expect(cells[3]).toMatchObject({ key: '2026-10-01', inMonth: true });
    expect(cells.at(-1)).toMatchObject({ key: '2026-11-08', inMonth: false });
    const october25 = cells.find((cell) => cell.key === '2026-10-25')!;
    expect(hours(october25.end - october25.start)).toBe(25);
    expect(cells.filter((cell) => cell.end - cell.start !== DAY_MS).map((cell) => cell.key)).toEqual([
      '2026-10-25',
    ]);
    for (let index = 0; index < cells.length; index++) {
      expect(cells[index]!.start).toBe(boundaries[index]);
      expect(cells[index]!.end).toBe(boundaries[index + 1]);
      expect(dayRange(cells[index]!.start, BERLIN)).toEqual({
        start: cells[index]!.start,
        end: cells[index]!.end,
      });
    }
  });

  it('has the 23-hour days of March in Berlin and New York, and none in Tokyo', () => {
    const short = (zone: string) =>
      monthGrid(2026, 3, zone)
        .weeks.flat()
        .filter((cell) => cell.end - cell.start !== DAY_MS)
        .map((cell) => [cell.key, hours(cell.end - cell.start)]);
    expect(short(BERLIN)).toEqual([['2026-03-29', 23]]);
    expect(short(NEW_YORK)).toEqual([['2026-03-08', 23]]);
    expect(short(TOKYO)).toEqual([]);
    expect(monthGrid(2026, 3, TOKYO, 0).weeks[0]![0]!.key).toBe('2026-03-01');
  });

  it('steps months across years', () => {
    expect(shiftMonth(2026, 12, 1)).toEqual({ year: 2027, month: 1 });
    expect(shiftMonth(2026, 1, -1)).toEqual({ year: 2025, month: 12 });
  });
});
