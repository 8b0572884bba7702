import { act, cleanup, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SystemInfo } from '../../common/contract/index.js';
import { SYSTEM_REFRESH_MS } from './pages/SystemPage.js';
import { makeCamera, makeHealth, renderApp } from './testing.js';

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

const INFO: SystemInfo = {
  version: '0.1.0',
  startedAt: 1_700_000_000_000,
  uptimeMs: 3_723_000,
  dataDir: '/var/lib/omnisight',
  recordingsDir: '/var/lib/omnisight/recordings',
  databaseBytes: 5_452_595,
  nodeVersion: '22.11.0',
  platform: 'linux',
  cameraCount: 3,
  ffmpeg: { path: '/usr/bin/ffmpeg', version: '5.1.6', source: 'path' },
  ffmpegProblem: null,
};

describe('shell', () => {
  it('navigates between pages by hash and marks the current one', async () => {
    renderApp('live', { 'cameras.list': () => [], 'system.info': () => INFO });
    expect(await screen.findByText('No cameras yet. Add one on the Cameras page.')).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Live' }).getAttribute('aria-current')).toBe('page');

    const visit = (name: string) => {
      const link = screen.getByRole('link', { name });
      act(() => {
        window.location.hash = link.getAttribute('href') ?? '';
        window.dispatchEvent(new HashChangeEvent('hashchange'));
      });
    };
    visit('Playback');
    expect(screen.getByRole('heading', { name: 'Playback' })).toBeTruthy();
    visit('Events');
    expect(screen.getByRole('heading', { name: 'Events' })).toBeTruthy();
    visit('Cameras');
    expect(screen.getByRole('heading', { name: 'Cameras' })).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Cameras' }).getAttribute('aria-current')).toBe('page');
    expect(screen.getByRole('link', { name: 'Live' }).getAttribute('aria-current')).toBeNull();
    visit('System');
    expect(await screen.findByTestId('system-version')).toBeTruthy();
  });

  it('falls back to Live for an unknown hash', () => {
    window.location.hash = '#/nowhere';
    renderApp('live', { 'cameras.list': () => [] });
    act(() => {
      window.location.hash = '#/nowhere';
      window.dispatchEvent(new HashChangeEvent('hashchange'));
    });
    expect(screen.getByRole('heading', { name: 'Live' })).toBeTruthy();
  });
});

describe('System page', () => {
  it('shows version, uptime, directories, database size and camera count', async () => {
    renderApp('system', { 'cameras.list': () => [], 'system.info': () => INFO });
    expect((await screen.findByTestId('system-version')).textContent).toBe('0.1.0');
    expect(screen.getByTestId('system-uptime').textContent).toBe('1h 2m 3s');
    expect(screen.getByTestId('system-data-dir').textContent).toBe('/var/lib/omnisight');
    expect(screen.getByTestId('system-recordings-dir').textContent).toBe('/var/lib/omnisight/recordings');
    expect(screen.getByTestId('system-database-size').textContent).toBe('5.20 MB');
    expect(screen.getByTestId('system-camera-count').textContent).toBe('3');
    expect(screen.getByTestId('system-ffmpeg').textContent).toBe('5.1.6 (found on PATH)/usr/bin/ffmpeg');
  });

  it('says why recording cannot run when FFmpeg is missing', async () => {
    const ffmpegProblem = 'FFmpeg was not found: install it or set its path in settings';
    renderApp('system', {
      'cameras.list': () => [],
      'system.info': () => ({ ...INFO, ffmpeg: null, ffmpegProblem }),
    });
    expect((await screen.findByTestId('system-ffmpeg')).textContent).toBe(ffmpegProblem);
  });

  it('ticks the uptime every second and asks the engine again every few seconds', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setTimeout', 'clearTimeout', 'Date'] });
    let cameraCount = 3;
    const { transport } = renderApp('system', {
      'cameras.list': () => [],
      'system.info': () => ({ ...INFO, cameraCount }),
    });
    await act(async () => {
      await vi.advanceTimersByTimeAsync(0);
    });
    expect(screen.getByTestId('system-uptime').textContent).toBe('1h 2m 3s');

    await act(async () => {
      await vi.advanceTimersByTimeAsync(2000);
    });
    expect(screen.getByTestId('system-uptime').textContent).toBe('1h 2m 5s');

    cameraCount = 4;
    await act(async () => {
      await vi.advanceTimersByTimeAsync(SYSTEM_REFRESH_MS);
    });
    expect(screen.getByTestId('system-camera-count').textContent).toBe('4');
    expect(transport.callsTo('system.info').length).toBeGreaterThanOrEqual(2);
  });

  it('says when the information is not available', async () => {
    renderApp('system', { 'cameras.list': () => [] });
    expect(
      await screen.findByText(/^System information is not available: .*no handler for system\.info/),
    ).toBeTruthy();
  });
});

describe('System page: recording', () => {
  function recordingRow(name: string) {
    const row = screen.getByText(name, { selector: '[data-testid="recording-name"]' }).closest('tr');
    if (row === null) throw new Error(`no recording row for ${name}`);
    return within(row);
  }

  it('shows each camera’s health and the totals', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setTimeout', 'clearTimeout', 'Date'] });
    vi.setSystemTime(1_750_000_000_000);
    const front = makeCamera({ name: 'Front', status: 'recording' });
    const back = makeCamera({
      name: 'Back',
      status: 'reconnecting',
      statusReason: 'No route to host',
    });
    const off = makeCamera({ name: 'Off', enabled: false, status: 'disabled' });
    renderApp('system', {
      'cameras.list': () => [front, back, off],
      'system.info': () => INFO,
      'cameras.health': () => [
        makeHealth(front, {
          inputFps: 15,
          bitrateKbps: 1800,
          lastSegmentAgeMs: 4000,
          reconnectsLastHour: 0,
          bytesToday: 300 * 1024 ** 2,
          ffmpegCpuPct: 14.2,
          detectionDecode: { stream: 'sub', fps: 5, width: 640, format: 'rgb24' },
        }),
        makeHealth(back, {
          inputFps: 0,
          bitrateKbps: 0,
          lastSegmentAgeMs: 3_600_000,
          reconnectsLastHour: 5,
          bytesToday: 100 * 1024 ** 2,
          nextAttemptAt: Date.now() + 12_000,
          quarantinedSegments: 1,
          ffmpegCpuPct: null,
        }),
      ],
    });
    await act(async () => {
      await vi.advanceTimersByTimeAsync(0);
    });

    const frontRow = recordingRow('Front');
    expect(frontRow.getByText('Recording')).toBeTruthy();
    expect(frontRow.getByTestId('recording-fps').textContent).toBe('15 fps');
    expect(frontRow.getByTestId('recording-bitrate').textContent).toBe('1.80 Mbit/s');
    expect(frontRow.getByTestId('recording-last-segment').textContent).toBe('4 s ago');
    expect(frontRow.getByTestId('recording-reconnects').textContent).toBe('0');
    expect(frontRow.getByTestId('recording-today').textContent).toBe('300 MB');
    expect(frontRow.getByTestId('recording-cpu').textContent).toBe('14 %decodes sub · 5 fps · 640 px RGB');

    const backRow = recordingRow('Back');
    expect(backRow.getByText('Reconnecting')).toBeTruthy();
    expect(backRow.getByTestId('status-retry').textContent).toBe('retrying in 12 s');
    expect(backRow.getByTestId('recording-last-segment').textContent).toBe('1 h ago');
    expect(backRow.getByTestId('recording-reconnects').textContent).toBe('5');
    expect(backRow.getByTestId('recording-today').textContent).toBe('100 MB1 segment quarantined');
    // Not measured (not Linux, or FFmpeg not running): a dash, not a zero.
    expect(backRow.getByTestId('recording-cpu').textContent).toBe('—no decoding');

    // No figures for it yet: dashes, not zeros.
    expect(recordingRow('Off').getByTestId('recording-fps').textContent).toBe('—');

    expect(screen.getByTestId('total-recording').textContent).toBe('1 of 3 recording');
    expect(screen.getByTestId('total-fps').textContent).toBe('15 fps');
    expect(screen.getByTestId('total-bitrate').textContent).toBe('1.80 Mbit/s');
    expect(screen.getByTestId('total-reconnects').textContent).toBe('5');
    expect(screen.getByTestId('total-cpu').textContent).toBe('14 %');
    expect(screen.getByTestId('total-today').textContent).toBe('400 MB');
    expect(screen.getByTestId('total-dropped').textContent).toBe('0');
    expect(screen.getByTestId('total-quarantined').textContent).toBe('1');

    await act(async () => {
      await vi.advanceTimersByTimeAsync(2000);
    });
    expect(recordingRow('Front').getByTestId('recording-last-segment').textContent).toBe('6 s ago');
    expect(recordingRow('Back').getByTestId('status-retry').textContent).toBe('retrying in 10 s');
  });

  it('says when there are no cameras, and when recording cannot run', async () => {
    const ffmpegProblem = 'FFmpeg was not found: install it or set its path in settings';
    renderApp('system', {
      'cameras.list': () => [],
      'cameras.health': () => [],
      'system.info': () => ({ ...INFO, ffmpeg: null, ffmpegProblem }),
    });
    expect(await screen.findByTestId('recording-empty')).toBeTruthy();
    expect(await screen.findByText(`Recording cannot run: ${ffmpegProblem}`)).toBeTruthy();
  });

  it('says when the engine gives no health figures', async () => {
    renderApp('system', { 'cameras.list': () => [makeCamera({ name: 'Solo' })], 'system.info': () => INFO });
    expect((await screen.findByTestId('health-error')).textContent).toContain(
      'no handler for cameras.health',
    );
    expect(screen.getByTestId('recording-fps').textContent).toBe('—');
  });
});
