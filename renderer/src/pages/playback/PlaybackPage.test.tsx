import { act, cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeCamera, makeStorageStatus, renderApp } from '../../testing.js';

afterEach(cleanup);
beforeEach(() => window.localStorage.clear());

const T = Date.UTC(2026, 3, 1, 10, 0, 0);

function handlers(cameras = [makeCamera({ name: 'Gate' }), makeCamera({ name: 'Yard' })]) {
  return {
    cameras,
    handlers: {
      'cameras.list': () => cameras,
      'storage.status': () => makeStorageStatus(),
      'timeline.day': ({ start, end }: { start: number; end: number }) => ({ start, end, cameras: [] }),
      'timeline.days': ({ boundaries }: { boundaries: number[] }) => ({
        days: boundaries
          .slice(1)
          .map((end, index) => ({ start: boundaries[index] ?? 0, end, hasFootage: false })),
      }),
      'recordings.segments': ({ cameraId }: { cameraId: string }) => ({
        cameraId,
        segments: [{ id: 1, start: T, end: T + 60_000, bytes: 1000, recordingId: 1 }],
      }),
    },
  };
}

const time = () => Number(screen.getByTestId('playback-time').getAttribute('data-time'));

describe('Playback page', () => {
  it('picks cameras (remembered), shows a tile per camera and never a silent black tile', async () => {
    const { cameras, handlers: answer } = handlers();
    const [gate, yard] = cameras;
    const app = renderApp('playback', answer);
    const boxes = await screen.findAllByTestId('playback-camera');
    expect(boxes.map((box) => box.getAttribute('data-camera-id'))).toEqual([gate?.id, yard?.id]);
    expect(screen.getByTestId('playback-hint').textContent).toContain('Choose up to four cameras');
    expect(screen.getByTestId<HTMLButtonElement>('play-pause').disabled).toBe(true);
    expect(screen.getByTestId('timeline')).toBeTruthy();

    fireEvent.click(boxes[1]!);
    const tile = await screen.findByTestId('playback-tile');
    expect(tile.getAttribute('data-camera-id')).toBe(yard?.id);
    expect(tile.querySelector('video')).not.toBeNull();
    expect(JSON.parse(window.localStorage.getItem('omnisight.playback.cameras') ?? '[]')).toEqual([yard?.id]);
    // jsdom has no Media Source Extensions: the tile says so instead of staying black.
    await waitFor(() =>
      expect(screen.getByTestId('playback-overlay').textContent).toBe(
        'This browser cannot play recordings (it has no Media Source Extensions).',
      ),
    );
    expect(tile.getAttribute('data-state')).toBe('error');
    app.unmount();

    // The choice survives a reload.
    renderApp('playback', answer);
    await waitFor(() => expect(screen.getAllByTestId('playback-tile')).toHaveLength(1));
    expect(screen.getAllByTestId<HTMLInputElement>('playback-camera').map((box) => box.checked)).toEqual([
      false,
      true,
    ]);
  });

  it('allows four cameras at most', async () => {
    const { handlers: answer } = handlers([1, 2, 3, 4, 5].map((n) => makeCamera({ name: `Cam ${n}` })));
    renderApp('playback', answer);
    const boxes = await screen.findAllByTestId<HTMLInputElement>('playback-camera');
    for (const box of boxes.slice(0, 4)) fireEvent.click(box);
    await waitFor(() => expect(screen.getAllByTestId('playback-tile')).toHaveLength(4));
    expect(boxes[4]?.disabled).toBe(true);
    fireEvent.click(boxes[0]!);
    await waitFor(() => expect(screen.getAllByTestId('playback-tile')).toHaveLength(3));
    expect(boxes[4]?.disabled).toBe(false);
  });

  it('moves the shared clock with the controls and lists the segments of the playing camera', async () => {
    const { cameras, handlers: answer } = handlers();
    const app = renderApp('playback', answer);
    fireEvent.click((await screen.findAllByTestId('playback-camera'))[0]!);
    await screen.findByTestId('playback-tile');
    const start = time();
    expect(Math.abs(start - (Date.now() - 60_000))).toBeLessThan(5000);
    expect(screen.getByTestId('playback-time').textContent).toMatch(/\d{2}:\d{2}:\d{2}/);

    fireEvent.click(screen.getByTestId('forward-10'));
    await waitFor(() => expect(time()).toBe(start + 10_000));
    expect(app.transport.callsTo('recordings.segments')[0]).toMatchObject({ cameraId: cameras[0]?.id });
    fireEvent.click(screen.getByTestId('back-10'));
    await waitFor(() => expect(time()).toBe(start));
    // Without a known frame rate a step is 40 ms; stepping pauses.
    fireEvent.click(screen.getByTestId('step-forward'));
    await waitFor(() => expect(time()).toBe(start + 40));
    fireEvent.click(screen.getByTestId('step-back'));
    await waitFor(() => expect(time()).toBe(start));

    fireEvent.click(screen.getByTestId('play-pause'));
    expect(screen.getByTestId('play-pause').textContent).toBe('Pause');
    fireEvent.change(screen.getByTestId('speed'), { target: { value: '8' } });
    expect(screen.getByTestId<HTMLSelectElement>('speed').value).toBe('8');
    // Sound is off above 2×.
    expect(screen.getByTestId('mute').textContent).toBe('Sound off');
    expect(screen.getByTestId<HTMLButtonElement>('mute').disabled).toBe(true);
    await act(async () => {
      fireEvent.click(screen.getByTestId('play-pause'));
      await Promise.resolve();
    });
    expect(screen.getByTestId('play-pause').textContent).toBe('Play');
    // No events in the days shown (the fake answers none): the event buttons are off.
    expect(screen.getByTestId<HTMLButtonElement>('next-event').disabled).toBe(true);
  });

  it("steps to the chosen cameras' detection events, each from 5 s before it", async () => {
    const { cameras, handlers: answer } = handlers();
    const [gate, yard] = cameras;
    const now = Date.now();
    const event = (id: number, cameraId: string, startTime: number) => ({
      id,
      cameraId,
      label: 'person',
      startTime,
      endTime: startTime + 10_000,
      bestTime: startTime + 2_000,
      score: 0.8,
      box: { x: 0, y: 0, width: 0.1, height: 0.1 },
      zones: [],
      hasSnapshot: false,
      locked: false,
    });
    // A gate event after the starting position (a minute ago), one before it, and a yard event, not on the timeline
    // of the gate alone and not stepped to.
    const listed = [
      event(1, gate!.id, now - 120_000),
      event(2, gate!.id, now - 30_000),
      event(3, yard!.id, now - 45_000),
    ];
    renderApp('playback', {
      ...answer,
      'events.list': ({ cameraIds }: { cameraIds?: string[] }) =>
        listed.filter((entry) => cameraIds?.includes(entry.cameraId)),
    });
    fireEvent.click((await screen.findAllByTestId('playback-camera'))[0]!);
    await screen.findByTestId('playback-tile');
    const start = time();
    await waitFor(() => expect(screen.getByTestId<HTMLButtonElement>('next-event').disabled).toBe(false));
    // The timeline shows the chosen camera only: its two events.
    expect(screen.getAllByTestId('timeline-marker')).toHaveLength(2);
    fireEvent.click(screen.getByTestId('next-event'));
    await waitFor(() => expect(time()).toBe(now - 35_000));
    fireEvent.click(screen.getByTestId('prev-event'));
    await waitFor(() => expect(time()).toBe(now - 125_000));
    expect(start).toBeGreaterThan(now - 125_000);
  });
});
