import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  ContractError,
  type Camera,
  type CameraAddInput,
  type CameraHealth,
} from '../../../../common/contract/index.js';
import { HEALTH_REFRESH_MS } from '../../store/health-store.js';
import { makeCamera, makeHealth, renderApp } from '../../testing.js';

afterEach(() => {
  cleanup();
  vi.useRealTimers();
  setVisibility('visible');
});

function setVisibility(state: DocumentVisibilityState): void {
  Object.defineProperty(document, 'visibilityState', { value: state, configurable: true });
  document.dispatchEvent(new Event('visibilitychange'));
}

function useClock(): void {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setTimeout', 'clearTimeout', 'Date'] });
  vi.setSystemTime(1_750_000_000_000);
}

async function advance(milliseconds: number): Promise<void> {
  await act(async () => {
    await vi.advanceTimersByTimeAsync(milliseconds);
  });
}

function rowOf(name: string) {
  const row = screen.getByText(name, { selector: '[data-testid="camera-name"]' }).closest('tr');
  if (row === null) throw new Error(`no row for ${name}`);
  return within(row);
}

describe('Cameras page: recording health', () => {
  it('shows fps, bitrate, last segment age, reconnects and today’s bytes per camera', async () => {
    useClock();
    const front = makeCamera({ name: 'Front', status: 'recording' });
    const yard = makeCamera({ name: 'Yard', status: 'recording' });
    const health: CameraHealth[] = [
      makeHealth(front, {
        inputFps: 14.96,
        bitrateKbps: 2345,
        lastSegmentAgeMs: 12_000,
        reconnectsLastHour: 2,
        bytesToday: 1.5 * 1024 ** 3,
      }),
      makeHealth(yard, {
        inputFps: 7.5,
        bitrateKbps: 850,
        lastSegmentAgeMs: null,
        reconnectsLastHour: 1,
        bytesToday: 0,
        droppedFragments: 3,
      }),
    ];
    renderApp('cameras', { 'cameras.list': () => [front, yard], 'cameras.health': () => health });
    await advance(0);

    const frontRow = rowOf('Front');
    expect(frontRow.getByTestId('health-fps').textContent).toBe('15 fps');
    expect(frontRow.getByTestId('health-bitrate').textContent).toBe('2.35 Mbit/s');
    expect(frontRow.getByTestId('health-last-segment').textContent).toBe('12 s ago');
    expect(frontRow.getByTestId('health-reconnects').textContent).toBe('2');
    expect(frontRow.getByTestId('health-today').textContent).toBe('1.50 GB');
    expect(frontRow.queryByTestId('health-dropped')).toBeNull();

    const yardRow = rowOf('Yard');
    expect(yardRow.getByTestId('health-fps').textContent).toBe('7.5 fps');
    expect(yardRow.getByTestId('health-bitrate').textContent).toBe('850 kbit/s');
    expect(yardRow.getByTestId('health-last-segment').textContent).toBe('none yet');
    expect(yardRow.getByTestId('camera-health').textContent).toContain('1 reconnect/h');
    expect(yardRow.getByTestId('health-today').textContent).toBe('0 B');
    expect(yardRow.getByTestId('health-dropped').textContent).toBe('3 fragments dropped (disk too slow)');

    // The age advances every second between polls.
    await advance(2000);
    expect(frontRow.getByTestId('health-last-segment').textContent).toBe('14 s ago');
  });

  it('polls every few seconds while visible, stops when hidden or when the page is left', async () => {
    useClock();
    const camera = makeCamera({ name: 'Gate', status: 'recording' });
    let fps = 10;
    const { transport } = renderApp('cameras', {
      'cameras.list': () => [camera],
      'cameras.health': () => [makeHealth(camera, { inputFps: fps })],
    });
    await advance(0);
    const polls = () => transport.callsTo('cameras.health').length;
    expect(polls()).toBe(1);
    expect(rowOf('Gate').getByTestId('health-fps').textContent).toBe('10 fps');
    expect(HEALTH_REFRESH_MS).toBeGreaterThanOrEqual(2000);
    expect(HEALTH_REFRESH_MS).toBeLessThanOrEqual(5000);

    fps = 12.5;
    await advance(HEALTH_REFRESH_MS);
    expect(polls()).toBe(2);
    expect(rowOf('Gate').getByTestId('health-fps').textContent).toBe('12.5 fps');

    act(() => setVisibility('hidden'));
    await advance(HEALTH_REFRESH_MS * 3);
    expect(polls()).toBe(2);

    // Back in view: at once, then on the interval again.
    act(() => setVisibility('visible'));
    await advance(0);
    expect(polls()).toBe(3);
    await advance(HEALTH_REFRESH_MS);
    expect(polls()).toBe(4);

    // Another page that shows no health stops the polling.
    act(() => {
      window.location.hash = '#/live';
      window.dispatchEvent(new HashChangeEvent('hashchange'));
    });
    await advance(HEALTH_REFRESH_MS * 3);
    expect(polls()).toBe(4);
  });

  it('counts down to the next attempt while reconnecting and shows the last error', async () => {
    useClock();
    const camera = makeCamera({
      name: 'Porch',
      status: 'reconnecting',
      statusReason: 'Connection refused by 192.0.2.10:554',
    });
    const nextAttemptAt = Date.now() + 7000;
    renderApp('cameras', {
      'cameras.list': () => [camera],
      'cameras.health': () => [makeHealth(camera, { inputFps: 0, nextAttemptAt })],
    });
    await advance(0);

    const status = rowOf('Porch').getByTestId('camera-status');
    expect(within(status).getByText('Reconnecting')).toBeTruthy();
    expect(within(status).getByTestId('status-retry').textContent).toBe('retrying in 7 s');
    expect(within(status).getByTestId('status-reason').parentElement?.textContent).toBe(
      'Last error: Connection refused by 192.0.2.10:554',
    );
    await advance(1000);
    expect(within(status).getByTestId('status-retry').textContent).toBe('retrying in 6 s');
    await advance(6000);
    expect(within(status).getByTestId('status-retry').textContent).toBe('retrying now…');
  });

  it('keeps statuses, reasons and the countdown live from status events between polls', async () => {
    useClock();
    const camera = makeCamera({ name: 'Dock', status: 'recording' });
    const { transport } = renderApp('cameras', {
      'cameras.list': () => [camera],
      'cameras.health': () => [makeHealth(camera)],
    });
    await advance(0);
    expect(rowOf('Dock').getByText('Recording')).toBeTruthy();

    act(() =>
      transport.emit('cameras.statusChanged', {
        id: camera.id,
        status: 'reconnecting',
        reason: 'The stream stalled for 10 s',
        nextAttemptAt: Date.now() + 30_000,
      }),
    );
    const status = rowOf('Dock').getByTestId('camera-status');
    expect(within(status).getByText('Reconnecting')).toBeTruthy();
    expect(within(status).getByTestId('status-reason').textContent).toBe('The stream stalled for 10 s');
    await advance(0);
    expect(within(status).getByTestId('status-retry').textContent).toBe('retrying in 30 s');

    act(() =>
      transport.emit('cameras.statusChanged', {
        id: camera.id,
        status: 'recording',
        reason: null,
        nextAttemptAt: null,
      }),
    );
    expect(within(status).getByText('Recording')).toBeTruthy();
    expect(within(status).queryByTestId('status-retry')).toBeNull();
    expect(within(status).queryByTestId('status-reason')).toBeNull();
  });

  it('says plainly when the camera refused the user name or password', async () => {
    const refused = makeCamera({ name: 'Garage', status: 'auth_failed', statusReason: null });
    const explained = makeCamera({
      name: 'Shed',
      status: 'auth_failed',
      statusReason: 'The camera refused the user name or password (401 Unauthorized)',
    });
    renderApp('cameras', {
      'cameras.list': () => [refused, explained],
      'cameras.health': () => [makeHealth(refused, { inputFps: 0 }), makeHealth(explained, { inputFps: 0 })],
    });
    await screen.findByText('Garage');

    const garage = rowOf('Garage').getByTestId('camera-status');
    expect(within(garage).getByText('Auth failed')).toBeTruthy();
    expect(within(garage).getByTestId('status-auth').textContent).toBe(
      'The camera refused the user name or password.',
    );
    expect(within(garage).getByText('Check the user name and password with Edit.')).toBeTruthy();

    // The engine's own sentence says it already: it shows once.
    const shed = rowOf('Shed').getByTestId('camera-status');
    expect(within(shed).queryByTestId('status-auth')).toBeNull();
    expect(within(shed).getByTestId('status-reason').textContent).toBe(
      'The camera refused the user name or password (401 Unauthorized)',
    );
  });

  it('shows a dash until the figures arrive, and “not recording” for a disabled camera', async () => {
    const off = makeCamera({ name: 'Off', enabled: false, status: 'disabled' });
    const fresh = makeCamera({ name: 'Fresh' });
    renderApp('cameras', {
      'cameras.list': () => [off, fresh],
      'cameras.health': () => [makeHealth(off, { inputFps: 0, bitrateKbps: 0, bytesToday: 2048 })],
    });
    await waitFor(() => expect(rowOf('Off').queryByTestId('camera-health')).not.toBeNull());
    expect(rowOf('Off').getByText('not recording')).toBeTruthy();
    expect(rowOf('Off').getByTestId('health-today').textContent).toBe('2.00 KB');
    expect(rowOf('Fresh').getByTestId('health-pending').textContent).toBe('—');
  });
});

/** A tiny engine for the demo button: it refuses a second camera on a URL, as the real one does. */
function demoEngine(initial: Camera[]) {
  const stored = [...initial];
  return {
    stored,
    handlers: {
      'cameras.list': () => [...stored],
      'cameras.health': () => [],
      'cameras.add': (input: { name: string; rtspUrl: string }) => {
        const clash = stored.find((camera) => camera.rtspUrl === input.rtspUrl);
        if (clash !== undefined) {
          throw new ContractError(
            'conflict',
            `rtspUrl: camera "${clash.name}" already uses this stream URL`,
            {
              field: 'rtspUrl',
            },
          );
        }
        const camera = makeCamera({ name: input.name, rtspUrl: input.rtspUrl });
        stored.push(camera);
        return camera;
      },
    },
  };
}

describe('Cameras page: add demo camera', () => {
  it('adds “Demo camera” on demo:test-pattern from the empty state', async () => {
    const { handlers } = demoEngine([]);
    const { transport } = renderApp('cameras', handlers);
    await screen.findByTestId('cameras-empty');

    fireEvent.click(screen.getByRole('button', { name: 'Add demo camera' }));
    await screen.findByText('Demo camera', { selector: '[data-testid="camera-name"]' });
    expect(transport.callsTo('cameras.add')).toEqual([{ name: 'Demo camera', rtspUrl: 'demo:test-pattern' }]);
  });

  it('picks the next free name and URL when they are taken', async () => {
    const { handlers } = demoEngine([
      makeCamera({ name: 'Demo camera', rtspUrl: 'demo:test-pattern' }),
      makeCamera({ name: 'Demo camera 2', rtspUrl: 'demo:lobby' }),
      makeCamera({ name: 'Porch', rtspUrl: 'demo:test-pattern-2' }),
    ]);
    const { transport } = renderApp('cameras', handlers);
    await screen.findByText('Porch');

    fireEvent.click(screen.getByRole('button', { name: 'Add demo camera' }));
    await screen.findByText('Demo camera 3', { selector: '[data-testid="camera-name"]' });
    expect(transport.callsTo('cameras.add')).toEqual([
      { name: 'Demo camera 3', rtspUrl: 'demo:test-pattern-3' },
    ]);
  });

  it('reloads and tries the next URL when another window took it meanwhile', async () => {
    const { handlers, stored } = demoEngine([]);
    const { transport } = renderApp('cameras', handlers);
    await screen.findByTestId('cameras-empty');
    // Added elsewhere, and this window missed the event.
    stored.push(makeCamera({ name: 'Other window', rtspUrl: 'demo:test-pattern' }));

    fireEvent.click(screen.getByRole('button', { name: 'Add demo camera' }));
    await screen.findByText('Demo camera', { selector: '[data-testid="camera-name"]' });
    expect(transport.callsTo('cameras.add').map((input: CameraAddInput) => input.rtspUrl)).toEqual([
      'demo:test-pattern',
      'demo:test-pattern-2',
    ]);
    expect(screen.getByText('Other window')).toBeTruthy();
    expect(screen.queryByTestId('demo-error')).toBeNull();
  });

  it('says why when the demo camera cannot be added', async () => {
    renderApp('cameras', {
      'cameras.list': () => [],
      'cameras.add': () => {
        throw new ContractError('unavailable', 'The engine is shutting down.');
      },
    });
    await screen.findByTestId('cameras-empty');
    fireEvent.click(screen.getByRole('button', { name: 'Add demo camera' }));
    expect((await screen.findByTestId('demo-error')).textContent).toContain(
      'The demo camera could not be added: The engine is shutting down.',
    );
    fireEvent.click(screen.getByRole('button', { name: 'Dismiss' }));
    expect(screen.queryByTestId('demo-error')).toBeNull();
  });
});
