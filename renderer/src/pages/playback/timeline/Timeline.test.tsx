import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DetectionEvent, MethodInput, MethodResult } from '../../../../../common/contract/index.js';
import { ServicesProvider } from '../../../app-context.js';
import { createCamerasStore } from '../../../store/cameras-store.js';
import { createHealthStore } from '../../../store/health-store.js';
import { createStorageStore } from '../../../store/storage-store.js';
import {
  createFakeTransport,
  type FakeHandlers,
  type FakeTransport,
} from '../../../transport/fake-transport.js';
import { Timeline, type TimelineProps } from './Timeline.js';
import { dayRange, HOUR_MS, MINUTE_MS } from './timeline-math.js';

const BERLIN = 'Europe/Berlin';
const GATE = { id: 'cam-00000000a1', name: 'Gate' };
const YARD = { id: 'cam-00000000b2', name: 'Yard' };
/** Sunday 2026-10-25 in Berlin: 25 hours, from 22:00 UTC the day before. */
const AUTUMN = Date.parse('2026-10-25T10:00:00Z');
const AUTUMN_DAY = dayRange(AUTUMN, BERLIN);
/** Where the fake layout puts the track: 100 px from the left, 1000 px wide. */
const TRACK = { left: 100, width: 1000 };

type DayInput = MethodInput<'timeline.day'>;
type DayResult = MethodResult<'timeline.day'>;

/** Coverage per camera as the engine would store it; `timeline.day` clips it to the asked range. */
function coverageHandler(spans: Record<string, [number, number][]>) {
  return (input: DayInput): DayResult => ({
    start: input.start,
    end: input.end,
    cameras: (input.cameraIds ?? Object.keys(spans)).map((cameraId) => ({
      cameraId,
      spans: (spans[cameraId] ?? [])
        .filter(([start, end]) => end > input.start && start < input.end)
        .map(([start, end]): [number, number] => [Math.max(start, input.start), Math.min(end, input.end)]),
    })),
  });
}

function renderTimeline(handlers: Partial<FakeHandlers>, props: Partial<TimelineProps> = {}) {
  const transport: FakeTransport = createFakeTransport(handlers);
  const services = {
    transport,
    cameras: createCamerasStore(transport),
    health: createHealthStore(transport),
    storage: createStorageStore(transport),
  };
  const onSeek = vi.fn<TimelineProps['onSeek']>();
  const element = (overrides: Partial<TimelineProps> = {}) => (
    <ServicesProvider services={services}>
      <Timeline
        cameras={[GATE, YARD]}
        cursor={null}
        onSeek={onSeek}
        initialTime={AUTUMN}
        timeZone={BERLIN}
        {...props}
        {...overrides}
      />
    </ServicesProvider>
  );
  const result = render(element());
  return {
    ...result,
    transport,
    onSeek,
    rerenderWith: (overrides: Partial<TimelineProps>) => result.rerender(element(overrides)),
  };
}

function root(): HTMLElement {
  return screen.getByTestId('timeline');
}

function viewOf(): { start: number; end: number } {
  return { start: Number(root().dataset.viewStart), end: Number(root().dataset.viewEnd) };
}

function blocksOf(cameraId: string): [number, number][] {
  return screen
    .queryAllByTestId('coverage-block')
    .filter((block) => block.dataset.cameraId === cameraId)
    .map((block) => [Number(block.dataset.start), Number(block.dataset.end)]);
}

function band(cameraId: string): HTMLElement {
  const found = screen
    .getAllByTestId('timeline-band')
    .find((element) => element.dataset.cameraId === cameraId);
  if (found === undefined) throw new Error(`no band for ${cameraId}`);
  return found;
}

/** The client x of `time` on the fake track. */
function xOf(time: number): number {
  const view = viewOf();
  return TRACK.left + ((time - view.start) / (view.end - view.start)) * TRACK.width;
}

beforeEach(() => {
  vi.spyOn(HTMLElement.prototype, 'getBoundingClientRect').mockImplementation(function (this: HTMLElement) {
    const isTrack = this.classList.contains('timeline__tracks') || this.dataset.testid === 'timeline-band';
    const box = isTrack
      ? { x: TRACK.left, y: 0, width: TRACK.width, height: 28 }
      : { x: 0, y: 0, width: 0, height: 0 };
    return {
      ...box,
      left: box.x,
      top: 0,
      right: box.x + box.width,
      bottom: box.height,
      toJSON: () => box,
    };
  });
});

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
  vi.useRealTimers();
});

describe('Timeline', () => {
  it('shows the local day of initialTime, 25 hours on the autumn DST day, with one band per camera', async () => {
    const gate: [number, number][] = [
      [AUTUMN_DAY.start - HOUR_MS, AUTUMN_DAY.start + 2 * HOUR_MS],
      [AUTUMN_DAY.start + 3 * HOUR_MS, AUTUMN_DAY.start + 5 * HOUR_MS],
    ];
    const { transport } = renderTimeline({ 'timeline.day': coverageHandler({ [GATE.id]: gate }) });
    expect(viewOf()).toEqual(AUTUMN_DAY);
    expect(AUTUMN_DAY.end - AUTUMN_DAY.start).toBe(25 * HOUR_MS);
    expect(screen.getAllByTestId('timeline-band').map((element) => element.dataset.cameraId)).toEqual([
      GATE.id,
      YARD.id,
    ]);
    await waitFor(() => expect(blocksOf(GATE.id)).toHaveLength(2));
    // Clipped to the view; the gap between them is empty; the camera without footage has no block.
    expect(blocksOf(GATE.id)).toEqual([
      [AUTUMN_DAY.start, AUTUMN_DAY.start + 2 * HOUR_MS],
      [AUTUMN_DAY.start + 3 * HOUR_MS, AUTUMN_DAY.start + 5 * HOUR_MS],
    ]);
    expect(blocksOf(YARD.id)).toEqual([]);
    const [asked] = transport.callsTo('timeline.day');
    expect(asked).toMatchObject({ cameraIds: [GATE.id, YARD.id] });
    expect(asked!.start).toBeLessThanOrEqual(AUTUMN_DAY.start);
    expect(asked!.end).toBeGreaterThanOrEqual(AUTUMN_DAY.end);
    // A 25-hour day shows 02:00 twice on its axis.
    const axis = screen.getByTestId('timeline-axis');
    const labels = [...axis.querySelectorAll('.timeline__tick-label')].map((label) => label.textContent);
    expect(labels.filter((label) => label === '02:00')).toHaveLength(2);
    expect(labels.slice(1, 5)).toEqual(['02:00', '02:00', '04:00', '06:00']);
  });

  it('lays blocks out linearly over the band, so a time has a computable x', async () => {
    const span: [number, number] = [AUTUMN_DAY.start + 5 * HOUR_MS, AUTUMN_DAY.start + 10 * HOUR_MS];
    renderTimeline({ 'timeline.day': coverageHandler({ [GATE.id]: [span] }) });
    await waitFor(() => expect(blocksOf(GATE.id)).toHaveLength(1));
    const block = screen.getAllByTestId('coverage-block')[0]!;
    expect(parseFloat(block.style.left)).toBeCloseTo(20, 3);
    expect(parseFloat(block.style.width)).toBeCloseTo(20, 3);
  });

  it('seeks on a click and scrubs once per animation frame while dragging, then once more on release', () => {
    const frames: FrameRequestCallback[] = [];
    vi.spyOn(window, 'requestAnimationFrame').mockImplementation((callback) => frames.push(callback));
    vi.spyOn(window, 'cancelAnimationFrame').mockImplementation(() => undefined);
    const { onSeek } = renderTimeline({ 'timeline.day': coverageHandler({}) });
    const yard = band(YARD.id);
    const at = AUTUMN_DAY.start + 7 * HOUR_MS;

    fireEvent.pointerDown(yard, { clientX: xOf(at), button: 0, pointerId: 1 });
    fireEvent.pointerUp(yard, { clientX: xOf(at), button: 0, pointerId: 1 });
    expect(onSeek).toHaveBeenCalledTimes(1);
    expect(onSeek.mock.calls[0]![1]).toBe(YARD.id);
    expect(onSeek.mock.calls[0]![0]).toBeCloseTo(at, -2);

    onSeek.mockClear();
    fireEvent.pointerDown(yard, { clientX: xOf(at), button: 0, pointerId: 2 });
    for (const minutes of [10, 20, 30])
      fireEvent.pointerMove(yard, { clientX: xOf(at + minutes * MINUTE_MS), pointerId: 2 });
    expect(onSeek).not.toHaveBeenCalled();
    expect(frames).toHaveLength(1);
    act(() => frames.shift()!(0));
    expect(onSeek).toHaveBeenCalledTimes(1);
    expect(onSeek.mock.calls[0]![0]).toBeCloseTo(at + 30 * MINUTE_MS, -2);
    fireEvent.pointerMove(yard, { clientX: xOf(at + 40 * MINUTE_MS), pointerId: 2 });
    act(() => frames.shift()!(16));
    expect(onSeek).toHaveBeenCalledTimes(2);
    fireEvent.pointerMove(yard, { clientX: xOf(at + 50 * MINUTE_MS), pointerId: 2 });
    fireEvent.pointerUp(yard, { clientX: xOf(at + 55 * MINUTE_MS), pointerId: 2 });
    expect(onSeek).toHaveBeenCalledTimes(3);
    expect(onSeek.mock.calls[2]![0]).toBeCloseTo(at + 55 * MINUTE_MS, -2);
    // The frame still pending when the button came up does not seek again afterwards.
    for (const frame of frames.splice(0)) act(() => frame(32));
    expect(onSeek).toHaveBeenCalledTimes(3);
    // Moving without a button pressed only hovers.
    fireEvent.pointerMove(yard, { clientX: xOf(at), pointerId: 3 });
    expect(onSeek).toHaveBeenCalledTimes(3);
  });

  it('shows the hover time in the zone, telling the repeated hour apart', () => {
    renderTimeline({ 'timeline.day': coverageHandler({}) });
    // 00:30 UTC is 02:30 CEST, 01:30 UTC is 02:30 CET.
    fireEvent.pointerMove(band(GATE.id), { clientX: xOf(Date.parse('2026-10-25T00:30:00Z')) });
    const first = screen.getByTestId('timeline-hover-time').textContent;
    fireEvent.pointerMove(band(GATE.id), { clientX: xOf(Date.parse('2026-10-25T01:30:00Z')) });
    const second = screen.getByTestId('timeline-hover-time').textContent;
    expect(first).toMatch(/02:30:00/);
    expect(second).toMatch(/02:30:00/);
    expect(first).not.toBe(second);
    fireEvent.pointerLeave(screen.getByTestId('timeline-axis').parentElement!);
    expect(screen.queryByTestId('timeline-hover-time')).toBeNull();
  });

  it('zooms with the buttons between a minute and the whole day', () => {
    renderTimeline({ 'timeline.day': coverageHandler({}) });
    const zoomIn = screen.getByTestId('zoom-in');
    const zoomOut = screen.getByTestId('zoom-out');
    expect(zoomOut).toHaveProperty('disabled', true);
    fireEvent.click(zoomIn);
    const half = viewOf();
    expect(half.end - half.start).toBe(12.5 * HOUR_MS);
    // Around the centre of the view.
    expect((half.start + half.end) / 2).toBe((AUTUMN_DAY.start + AUTUMN_DAY.end) / 2);
    for (let click = 0; click < 20; click++) fireEvent.click(zoomIn);
    expect(viewOf().end - viewOf().start).toBe(MINUTE_MS);
    expect(zoomIn).toHaveProperty('disabled', true);
    expect(screen.getByTestId('timeline-span').textContent).toBe('1 min');
    for (let click = 0; click < 20; click++) fireEvent.click(zoomOut);
    expect(viewOf()).toEqual(AUTUMN_DAY);
  });

  it('zooms with the wheel around the pointer and pans by dragging the axis', () => {
    renderTimeline({ 'timeline.day': coverageHandler({}) });
    const tracks = screen.getByTestId('timeline-axis').parentElement!;
    const anchor = AUTUMN_DAY.start + 5 * HOUR_MS;
    const x = xOf(anchor);
    fireEvent.wheel(tracks, { deltaY: -300, clientX: x });
    const zoomed = viewOf();
    expect(zoomed.end - zoomed.start).toBeLessThan(AUTUMN_DAY.end - AUTUMN_DAY.start);
    // The time under the pointer stays under it.
    expect(xOf(anchor)).toBeCloseTo(x, 3);

    const axis = screen.getByTestId('timeline-axis');
    const before = viewOf();
    const span = before.end - before.start;
    fireEvent.pointerDown(axis, { clientX: 600, button: 0, pointerId: 4 });
    fireEvent.pointerMove(axis, { clientX: 400, pointerId: 4 });
    fireEvent.pointerUp(axis, { clientX: 400, pointerId: 4 });
    // Dragged 200 px of 1000 to the left: 20 % later.
    expect(viewOf().start - before.start).toBeCloseTo(0.2 * span, -1);
    expect(viewOf().end - viewOf().start).toBe(span);

    fireEvent.click(screen.getByTestId('pan-earlier'));
    expect(viewOf().start).toBeCloseTo(before.start + 0.2 * span - 0.5 * span, -1);
  });

  it('moves and zooms with the keyboard', () => {
    renderTimeline({ 'timeline.day': coverageHandler({}) });
    const tracks = screen.getByTestId('timeline-axis').parentElement!;
    const span = AUTUMN_DAY.end - AUTUMN_DAY.start;
    fireEvent.keyDown(tracks, { key: '+' });
    expect(viewOf().end - viewOf().start).toBe(span / 2);
    const zoomed = viewOf();
    fireEvent.keyDown(tracks, { key: 'ArrowRight' });
    expect(viewOf().start - zoomed.start).toBe(span / 20);
    fireEvent.keyDown(tracks, { key: 'ArrowLeft', shiftKey: true });
    expect(viewOf().start - zoomed.start).toBe(span / 20 - span / 4);
    fireEvent.keyDown(tracks, { key: '-' });
    expect(viewOf()).toEqual(AUTUMN_DAY);
    fireEvent.keyDown(tracks, { key: 'PageDown' });
    expect(viewOf()).toEqual({ start: AUTUMN_DAY.end, end: AUTUMN_DAY.end + 24 * HOUR_MS });
    fireEvent.keyDown(tracks, { key: 'PageUp' });
    expect(viewOf()).toEqual(AUTUMN_DAY);
  });

  it('steps across the DST days with previous and next day, and back to today', () => {
    renderTimeline({ 'timeline.day': coverageHandler({}) });
    fireEvent.click(screen.getByTestId('next-day'));
    expect(viewOf()).toEqual({ start: AUTUMN_DAY.end, end: AUTUMN_DAY.end + 24 * HOUR_MS });
    fireEvent.click(screen.getByTestId('prev-day'));
    fireEvent.click(screen.getByTestId('prev-day'));
    expect(viewOf()).toEqual({ start: AUTUMN_DAY.start - 24 * HOUR_MS, end: AUTUMN_DAY.start });
    fireEvent.click(screen.getByTestId('today'));
    expect(viewOf()).toEqual(dayRange(Date.now(), BERLIN));
  });

  it('keeps the previous drawing until the next answer, and drops an answer older than the one drawn', async () => {
    const pending: { input: DayInput; resolve: (result: DayResult) => void }[] = [];
    const { transport } = renderTimeline({
      'timeline.day': (input) => new Promise<DayResult>((resolve) => pending.push({ input, resolve })),
    });
    const answer = (index: number, spans: [number, number][]) =>
      act(async () => {
        const call = pending[index]!;
        call.resolve({
          start: call.input.start,
          end: call.input.end,
          cameras: [{ cameraId: GATE.id, spans }],
        });
        await Promise.resolve();
      });

    await waitFor(() => expect(pending).toHaveLength(1));
    await answer(0, [[AUTUMN_DAY.start + HOUR_MS, AUTUMN_DAY.start + 2 * HOUR_MS]]);
    expect(blocksOf(GATE.id)).toEqual([[AUTUMN_DAY.start + HOUR_MS, AUTUMN_DAY.start + 2 * HOUR_MS]]);
    expect(root().dataset.state).toBe('ready');

    fireEvent.click(screen.getByTestId('next-day'));
    await waitFor(() => expect(pending).toHaveLength(2));
    fireEvent.click(screen.getByTestId('next-day'));
    await waitFor(() => expect(pending).toHaveLength(3));
    expect(root().dataset.state).toBe('loading');
    // The old drawing stays (clipped to the new view: nothing of it is in view, so no block, but no blank error).
    expect(screen.queryByText(/Loading/)).toBeNull();

    const third = dayRange(AUTUMN_DAY.end + 25 * HOUR_MS, BERLIN);
    await answer(2, [[third.start + HOUR_MS, third.start + 3 * HOUR_MS]]);
    expect(blocksOf(GATE.id)).toEqual([[third.start + HOUR_MS, third.start + 3 * HOUR_MS]]);
    // The answer to the second request arrives last: dropped.
    await answer(1, [[third.start + 5 * HOUR_MS, third.start + 6 * HOUR_MS]]);
    expect(blocksOf(GATE.id)).toEqual([[third.start + HOUR_MS, third.start + 3 * HOUR_MS]]);
    expect(transport.callsTo('timeline.day')).toHaveLength(3);
  });

  it('asks again every 10 s while the view includes now, debounced while zooming', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    vi.setSystemTime(Date.parse('2026-06-15T10:00:00Z'));
    const { transport } = renderTimeline({ 'timeline.day': coverageHandler({}) }, { initialTime: undefined });
    // Each step in its own act: state set by a timer renders, and the effects it starts get their timers.
    const tick = async (ms: number) => {
      await act(() => vi.advanceTimersByTimeAsync(ms));
      await act(() => vi.advanceTimersByTimeAsync(0));
    };
    await tick(50);
    expect(transport.callsTo('timeline.day')).toHaveLength(1);
    await tick(10_000);
    expect(transport.callsTo('timeline.day')).toHaveLength(2);
    await tick(10_000);
    expect(transport.callsTo('timeline.day')).toHaveLength(3);

    // Wheel zooming fires many changes: one request after the last.
    const tracks = screen.getByTestId('timeline-axis').parentElement!;
    for (let notch = 0; notch < 5; notch++) {
      fireEvent.wheel(tracks, { deltaY: -100, clientX: 500 });
      await tick(30);
    }
    expect(transport.callsTo('timeline.day')).toHaveLength(3);
    // Not ready while the request waits out the debounce: the drawing is of another range.
    expect(root().dataset.state).toBe('loading');
    await tick(200);
    expect(transport.callsTo('timeline.day')).toHaveLength(4);
    expect(root().dataset.state).toBe('ready');

    // A past day is not asked again.
    fireEvent.click(screen.getByTestId('prev-day'));
    await tick(50);
    expect(transport.callsTo('timeline.day')).toHaveLength(5);
    await tick(30_000);
    expect(transport.callsTo('timeline.day')).toHaveLength(5);
  });

  it('draws the playback cursor and follows it when it leaves the view', () => {
    const { rerenderWith } = renderTimeline({ 'timeline.day': coverageHandler({}) });
    expect(screen.queryByTestId('timeline-cursor')).toBeNull();
    const inside = AUTUMN_DAY.start + 12 * HOUR_MS;
    rerenderWith({ cursor: inside });
    const cursor = screen.getByTestId('timeline-cursor');
    expect(parseFloat(cursor.style.left)).toBeCloseTo(48, 3);

    // Playing past midnight of a whole-day view shows the next day.
    rerenderWith({ cursor: AUTUMN_DAY.end - 1000 });
    rerenderWith({ cursor: AUTUMN_DAY.end + 1000 });
    expect(viewOf()).toEqual(dayRange(AUTUMN_DAY.end, BERLIN));

    // Zoomed in, the view turns the page.
    fireEvent.click(screen.getByTestId('zoom-in'));
    fireEvent.click(screen.getByTestId('zoom-in'));
    const zoomed = viewOf();
    rerenderWith({ cursor: zoomed.end - 1000 });
    rerenderWith({ cursor: zoomed.end + 1000 });
    expect(viewOf().start).toBeLessThan(zoomed.end + 1000);
    expect(viewOf().end).toBeGreaterThan(zoomed.end + 1000);
    expect(viewOf().end - viewOf().start).toBe(zoomed.end - zoomed.start);

    // When the user looks at another day, the cursor does not pull the view back.
    fireEvent.click(screen.getByTestId('prev-day'));
    const elsewhere = viewOf();
    rerenderWith({ cursor: zoomed.end + 2000 });
    expect(viewOf()).toEqual(elsewhere);
  });

  it('draws the events of the day on their camera band, live, and plays one from 5 s before it', async () => {
    const start = AUTUMN_DAY.start + HOUR_MS;
    const event = (id: number, cameraId: string, at: number, endTime: number | null): DetectionEvent => ({
      id,
      cameraId,
      label: 'person',
      startTime: at,
      endTime,
      bestTime: at + 1000,
      score: 0.87,
      box: { x: 0.1, y: 0.2, width: 0.2, height: 0.5 },
      zones: [],
      hasSnapshot: true,
      locked: false,
    });
    const { transport, onSeek } = renderTimeline({
      'timeline.day': coverageHandler({}),
      'events.list': (input) =>
        [event(7, YARD.id, start, start + 30_000)].filter((entry) =>
          input.cameraIds?.includes(entry.cameraId),
        ),
    });
    await waitFor(() => expect(within(band(YARD.id)).getAllByTestId('timeline-marker')).toHaveLength(1));
    // One request for the day shown, for both cameras.
    expect(transport.callsTo('events.list')).toEqual([
      { cameraIds: [GATE.id, YARD.id], from: AUTUMN_DAY.start, to: AUTUMN_DAY.end, limit: 500 },
    ]);
    expect(within(band(GATE.id)).queryAllByTestId('timeline-marker')).toHaveLength(0);
    const marker = within(band(YARD.id)).getByTestId('timeline-marker');
    expect(marker.getAttribute('aria-label')).toMatch(/person 87 % at/);
    // At the event's start, 30 s wide: a sliver of a 25-hour day, drawn at least a few pixels wide by CSS.
    expect(Number.parseFloat(marker.style.left)).toBeCloseTo((HOUR_MS / (25 * HOUR_MS)) * 100, 3);
    expect(Number.parseFloat(marker.style.width)).toBeCloseTo((30_000 / (25 * HOUR_MS)) * 100, 3);

    // A click plays from the pre-roll, and is not a scrub of the band under it.
    fireEvent.pointerDown(marker, { button: 0, pointerId: 1, clientX: 150 });
    fireEvent.click(marker);
    expect(onSeek.mock.calls).toEqual([[start - 5_000, YARD.id]]);

    // An event that starts on the gate now appears at once, open; its end closes it.
    act(() => transport.emit('events.created', event(8, GATE.id, start + 2 * HOUR_MS, null)));
    const open = within(band(GATE.id)).getByTestId('timeline-marker');
    expect(open.className).toContain('timeline__marker--open');
    act(() =>
      transport.emit('events.ended', event(8, GATE.id, start + 2 * HOUR_MS, start + 2 * HOUR_MS + 9000)),
    );
    expect(within(band(GATE.id)).getByTestId('timeline-marker').className).not.toContain('--open');
    // Another day's event is not this timeline's.
    act(() => transport.emit('events.created', event(9, GATE.id, AUTUMN_DAY.end + HOUR_MS, null)));
    expect(within(band(GATE.id)).getAllByTestId('timeline-marker')).toHaveLength(1);
  });

  it('opens a calendar of the month, marks the days with footage and shows a picked day', async () => {
    const march29 = dayRange(Date.parse('2026-03-29T12:00:00Z'), BERLIN);
    const { transport } = renderTimeline(
      {
        'timeline.day': coverageHandler({}),
        'timeline.days': ({ boundaries }) => ({
          days: boundaries.slice(0, -1).map((start, index) => ({
            start,
            end: boundaries[index + 1]!,
            hasFootage: start === march29.start || start === AUTUMN_DAY.start,
          })),
        }),
      },
      { initialTime: Date.parse('2026-03-20T12:00:00Z') },
    );
    fireEvent.click(screen.getByTestId('timeline-date'));
    await waitFor(() =>
      expect(screen.getAllByTestId('calendar-day').every((day) => day.dataset.hasFootage !== undefined)).toBe(
        true,
      ),
    );
    const [asked] = transport.callsTo('timeline.days');
    expect(asked!.boundaries).toHaveLength(43);
    expect(asked!.cameraIds).toEqual([GATE.id, YARD.id]);
    const days = screen.getAllByTestId('calendar-day');
    expect(days[0]!.dataset.date).toBe('2026-02-23');
    expect(days.filter((day) => day.dataset.hasFootage === 'true').map((day) => day.dataset.date)).toEqual([
      '2026-03-29',
    ]);
    fireEvent.click(days.find((day) => day.dataset.date === '2026-03-29')!);
    expect(viewOf()).toEqual(march29);
    expect(march29.end - march29.start).toBe(23 * HOUR_MS);
    expect(screen.queryByTestId('calendar')).toBeNull();

    // Next month from the calendar, then Escape closes it.
    fireEvent.click(screen.getByTestId('timeline-date'));
    fireEvent.click(screen.getByTestId('calendar-next-month'));
    await waitFor(() => expect(transport.callsTo('timeline.days')).toHaveLength(3));
    expect(screen.getByTestId('calendar-month').textContent).toMatch(/April/);
    fireEvent.keyDown(document, { key: 'Escape' });
    expect(screen.queryByTestId('calendar')).toBeNull();
  });
});
