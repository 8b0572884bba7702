import { act, cleanup, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SystemInfo } from '../../common/contract/index.js';
import { SYSTEM_REFRESH_MS } from './pages/SystemPage.js';
import { renderApp } from './testing.js';

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
    expect(screen.getByTestId('placeholder').textContent).toBe(
      'Live view arrives with issue 5 (live grid and timeline).',
    );
    expect(screen.getByRole('link', { name: 'Live' }).getAttribute('aria-current')).toBe('page');

    const visit = (name: string) => {
      const link = screen.getByRole('link', { name });
      act(() => {
        window.location.hash = link.getAttribute('href') ?? '';
        window.dispatchEvent(new HashChangeEvent('hashchange'));
      });
    };
    visit('Playback');
    expect(screen.getByTestId('placeholder').textContent).toBe('Playback arrives with issue 5.');
    visit('Events');
    expect(screen.getByTestId('placeholder').textContent).toBe('Events arrive with issue 6 (detection).');
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
    expect((await screen.findByRole('alert')).textContent).toContain('no handler for system.info');
  });
});
