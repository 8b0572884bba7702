import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  ContractError,
  STORAGE_LIMITS_DEFAULT,
  type LockedEvent,
  type StorageSettings,
} from '../../../../common/contract/index.js';
import { BANNER_SNOOZE_MS } from '../../components/StorageBanner.js';
import { makeStorageStatus, renderApp } from '../../testing.js';
import { formValuesOf, parseNumber, settingsInputOf, validateRetention } from './retention-form.js';

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

const GATE = 'cam-00000000a1';
const YARD = 'cam-00000000b2';
const T = Date.UTC(2026, 3, 1, 10, 0, 0);

function makeSettings(overrides: Partial<StorageSettings> = {}): StorageSettings {
  return {
    limits: STORAGE_LIMITS_DEFAULT,
    cameras: [
      { id: GATE, name: 'Gate', removed: false, retainDays: 14, retainEventDays: 30 },
      { id: YARD, name: 'Yard', removed: false, retainDays: null, retainEventDays: null },
      { id: 'cam-00000000c3', name: 'Old porch', removed: true, retainDays: null, retainEventDays: null },
    ],
    ...overrides,
  };
}

const STATUS = makeStorageStatus({
  cameras: [
    {
      id: GATE,
      name: 'Gate',
      bytes: 150e9,
      segments: 20_000,
      oldestTime: T - 14 * 86_400_000,
      newestTime: T,
      bytesPerDay: 10e9,
    },
  ],
  lastCleanup: {
    at: T,
    reason: 'scheduled',
    deletedSegments: 12,
    freedBytes: 1.2e9,
    skippedProtected: 3,
    failed: 0,
    durationMs: 40,
  },
});

function field(testId: string, row?: HTMLElement): HTMLInputElement {
  return (row === undefined ? screen : within(row)).getByTestId<HTMLInputElement>(testId);
}

function rowOf(name: string): HTMLElement {
  const row = screen.getByText(name, { selector: '.camera-name' }).closest('tr');
  if (row === null) throw new Error(`no row for ${name}`);
  return row;
}

describe('retention form values', () => {
  it('reads typed numbers: empty is no limit, anything else not a number is refused by the schema', () => {
    expect(parseNumber('')).toBeNull();
    expect(parseNumber(' 7 ')).toBe(7);
    expect(parseNumber('2,5')).toBe(2.5);
    expect(parseNumber('7 days')).toBeNaN();
  });

  it('sends only what changed and checks it with the contract', () => {
    const settings = makeSettings();
    const values = formValuesOf(settings);
    expect(settingsInputOf(settings, values)).toEqual({});
    values.limits.minFreeGb = '10';
    values.cameras[YARD] = { retainDays: '7', retainEventDays: '' };
    expect(validateRetention(settings, values, 500e9).input).toEqual({
      limits: { minFreeGb: 10 },
      cameras: [{ id: YARD, retainDays: 7, retainEventDays: null }],
    });
    values.limits.minFreeGb = '';
    values.limits.minFreePercent = '95';
    values.cameras[GATE] = { retainDays: '14', retainEventDays: '7' };
    values.cameras[YARD] = { retainDays: '-1', retainEventDays: '' };
    expect(validateRetention(settings, values, 500e9).errors).toEqual({
      'limits.minFreeGb': 'Must be a number of GB',
      'limits.minFreePercent': 'Must be at most 90 %',
      [`cameras.${GATE}.retainEventDays`]: 'Must be at least the days of continuous footage',
      [`cameras.${YARD}.retainDays`]: 'Must be at least 1 day',
    });
  });

  it('refuses a GB floor at or over the disk size', () => {
    const settings = makeSettings();
    const values = formValuesOf(settings);
    values.limits.minFreeGb = '600';
    expect(validateRetention(settings, values, 500e9).errors).toEqual({
      'limits.minFreeGb': 'Must be below the disk size (500.0 GB)',
    });
  });
});

describe('Storage page', () => {
  it('shows the root, the figures, the last cleanup and each camera’s footage, and follows pushes', async () => {
    const { transport } = renderApp('storage', {
      'cameras.list': () => [],
      'storage.status': () => STATUS,
      'storage.settings.get': () => makeSettings(),
      'events.listLocked': () => [],
    });
    expect((await screen.findByTestId('storage-root-state')).textContent).toBe('OK');
    expect(screen.getByTestId('storage-root-dir').textContent).toBe('/srv/omnisight/recordings');
    expect(screen.getByTestId('storage-state').textContent).toBe('Recording normally');
    expect(screen.getByTestId('storage-used').textContent).toBe('233 GB');
    expect(screen.getByTestId('storage-free').textContent).toBe('186 GB');
    expect(screen.getByTestId('storage-floor').textContent).toBe('23.3 GB');
    expect(screen.getByTestId('storage-limit').textContent).toBe('none');
    expect(screen.getByTestId('storage-days-remaining').textContent).toBe('12.5 days');
    expect(screen.getByTestId('storage-cleanup').textContent).toMatch(
      /\(scheduled\): deleted the 12 oldest segments, freeing 1.12 GB; kept 3 that are locked or in use/,
    );
    await screen.findByTestId('retention-table');
    // The removed camera has no footage left: not listed.
    expect(screen.getAllByTestId('retention-row').map((row) => row.dataset.cameraId)).toEqual([GATE, YARD]);
    expect(within(rowOf('Gate')).getByTestId('retention-bytes').textContent).toBe('140 GB');
    expect(field('retain-days', rowOf('Gate')).value).toBe('14');
    expect(field('retain-event-days', rowOf('Yard')).value).toBe('');
    expect(screen.getByTestId('locked-empty')).toBeTruthy();
    expect(screen.queryByTestId('storage-banner')).toBeNull();

    act(() =>
      transport.emit(
        'storage.statusChanged',
        makeStorageStatus({
          state: 'root_problem',
          root: {
            state: 'marker_mismatch',
            problem: 'The recordings folder belongs to another installation.',
          },
          message: 'The recordings folder belongs to another installation.',
        }),
      ),
    );
    expect(screen.getByTestId('storage-root-state').textContent).toBe('Wrong volume');
    expect(screen.getByTestId('storage-root-problem').textContent).toBe(
      'The recordings folder belongs to another installation.',
    );
    expect(screen.getByTestId('storage-free').textContent).toBe('—');
    expect(screen.getByTestId('storage-banner').dataset.kind).toBe('root_problem');
  });

  it('saves the changed rules and shows what the contract and the engine refuse beside the field', async () => {
    let settings = makeSettings();
    const { transport } = renderApp('storage', {
      'cameras.list': () => [],
      'storage.status': () => STATUS,
      'storage.settings.get': () => settings,
      'storage.settings.set': (input) => {
        if (input.limits?.minFreeGb === 400) {
          throw new ContractError(
            'validation',
            'Invalid storage settings: limits.minFreeGb: must be below the disk size',
            { issues: [{ path: 'limits.minFreeGb', message: 'must be below the disk size' }] },
          );
        }
        settings = {
          limits: { ...settings.limits, ...input.limits },
          cameras: settings.cameras.map((camera) => {
            const changed = input.cameras?.find((entry) => entry.id === camera.id);
            return changed === undefined ? camera : { ...camera, ...changed };
          }),
        };
        return settings;
      },
      'events.listLocked': () => [],
    });
    await screen.findByTestId('retention-table');

    // A bad value: told beside the field, nothing sent.
    fireEvent.change(field('retain-days', rowOf('Yard')), { target: { value: '0' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(within(rowOf('Yard')).getByTestId('retain-days-error').textContent).toBe('Must be at least 1 day');
    expect(field('retain-days', rowOf('Yard')).getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByTestId('retention-invalid')).toBeTruthy();
    expect(transport.callsTo('storage.settings.set')).toEqual([]);

    fireEvent.change(field('retain-days', rowOf('Yard')), { target: { value: '7' } });
    expect(within(rowOf('Yard')).queryByTestId('retain-days-error')).toBeNull();
    fireEvent.change(field('limit-maxTotalGb'), { target: { value: '300' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect((await screen.findByTestId('retention-saved')).textContent).toMatch(/^Saved\./);
    expect(transport.callsTo('storage.settings.set')).toEqual([
      { limits: { maxTotalGb: 300 }, cameras: [{ id: YARD, retainDays: 7, retainEventDays: null }] },
    ]);
    expect(field('limit-maxTotalGb').value).toBe('300');

    // The engine's refusal (the disk is smaller than the client knew) lands beside its field too.
    fireEvent.change(field('limit-minFreeGb'), { target: { value: '400' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect((await screen.findByTestId('limit-minFreeGb-error')).textContent).toBe(
      'Must be below the disk size',
    );
    expect(transport.callsTo('storage.settings.set')).toHaveLength(2);
  });

  it('explains a refused reconciliation and reconciles after confirmation', async () => {
    const refused = makeStorageStatus({
      message: '9 of 10 indexed segments have no file under /srv/omnisight/recordings: …',
      reconcile: {
        at: T,
        indexed: 0,
        removedRows: 0,
        quarantined: 0,
        refused: true,
        message: '9 of 10 indexed segments have no file under /srv/omnisight/recordings: …',
      },
    });
    const { transport } = renderApp('storage', {
      'cameras.list': () => [],
      'storage.status': () => refused,
      'storage.settings.get': () => makeSettings(),
      'storage.reconcile': () =>
        makeStorageStatus({
          reconcile: {
            at: T + 1000,
            indexed: 0,
            removedRows: 9,
            quarantined: 0,
            refused: false,
            message: 'Reconciled disk and index: 0 file(s) indexed, 9 row(s) of missing files removed.',
          },
        }),
      'events.listLocked': () => [],
    });
    const notice = await screen.findByTestId('reconcile-refused');
    expect(notice.textContent).toMatch(/Cleanup is paused/);
    expect(notice.textContent).toMatch(/9 of 10 indexed segments have no file/);
    expect(screen.getByTestId('storage-banner').dataset.kind).toBe('reconcile_refused');

    fireEvent.click(within(notice).getByRole('button', { name: 'Accept and reconcile…' }));
    const dialog = screen.getByTestId('reconcile-dialog');
    // Cancel sends nothing.
    fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(transport.callsTo('storage.reconcile')).toEqual([]);

    fireEvent.click(screen.getByRole('button', { name: 'Accept and reconcile…' }));
    fireEvent.click(
      within(screen.getByTestId('reconcile-dialog')).getByRole('button', { name: 'Accept and reconcile' }),
    );
    expect((await screen.findByTestId('reconcile-summary')).textContent).toMatch(/9 row\(s\) of missing/);
    expect(transport.callsTo('storage.reconcile')).toEqual([{ acceptLoss: true }]);
    // The summary and the dialog closing are separate updates; under load they land in separate renders.
    await waitFor(() => expect(screen.queryByTestId('reconcile-dialog')).toBeNull());
    await waitFor(() => expect(screen.queryByTestId('storage-banner')).toBeNull());
  });

  it('lists locked footage and unlocks it', async () => {
    const locked: LockedEvent[] = [
      {
        id: 7,
        cameraId: GATE,
        cameraName: 'Gate',
        type: 'person',
        startTime: T,
        endTime: T + 30_000,
        bytes: 45e6,
      },
      {
        id: 3,
        cameraId: YARD,
        cameraName: 'Yard',
        type: 'vehicle',
        startTime: T - 1000,
        endTime: null,
        bytes: 5e6,
      },
    ];
    const { transport } = renderApp('storage', {
      'cameras.list': () => [],
      'storage.status': () => STATUS,
      'storage.settings.get': () => makeSettings(),
      'events.listLocked': () => locked,
      'events.unlock': ({ id }) => ({ id, locked: false }),
    });
    const rows = await screen.findAllByTestId('locked-row');
    expect(rows.map((row) => row.dataset.eventId)).toEqual(['7', '3']);
    expect(rows[1]?.textContent).toMatch(/still going/);
    expect(screen.getByTestId('locked-total').textContent).toBe('2 locked events keep 47.7 MB of footage.');
    fireEvent.click(
      within(rows[0] as HTMLElement).getByRole('button', { name: /^Unlock person event on Gate/ }),
    );
    await act(() => Promise.resolve());
    expect(transport.callsTo('events.unlock')).toEqual([{ id: 7 }]);
    expect(screen.getAllByTestId('locked-row').map((row) => row.dataset.eventId)).toEqual(['3']);
  });
});

describe('low-space banner', () => {
  it('appears on any page when storage.lowSpace is pushed, goes when storage is ok again', async () => {
    let status = makeStorageStatus();
    const { transport } = renderApp('cameras', {
      'cameras.list': () => [],
      'storage.status': () => status,
    });
    await act(() => Promise.resolve());
    expect(screen.queryByTestId('storage-banner')).toBeNull();

    status = makeStorageStatus({
      state: 'low_space',
      freeBytes: 20e9,
      message: 'Disk nearly full: deleting the oldest footage to make room.',
    });
    await act(async () => {
      transport.emit('storage.lowSpace', {
        at: T,
        reason: 'below_floor',
        freeBytes: 20e9,
        floorBytes: 25e9,
        message: 'Free space is under the floor. Deleting the oldest footage to make room.',
      });
      await Promise.resolve();
    });
    const banner = await screen.findByTestId('storage-banner');
    expect(banner.dataset.kind).toBe('low_space');
    expect(banner.textContent).toMatch(/^Disk nearly full/);
    expect(banner.textContent).toMatch(/Free space is under the floor/);
    expect(banner.textContent).toMatch(/18.6 GB free of 466 GB; the floor keeps 23.3 GB free\./);
    expect(banner.textContent).toMatch(
      /lower retention, free space on the disk, or change the free-space floor/,
    );
    expect(within(banner).getByRole('link', { name: 'Open Storage' }).getAttribute('href')).toBe('#/storage');

    status = makeStorageStatus();
    act(() => transport.emit('storage.statusChanged', status));
    expect(screen.queryByTestId('storage-banner')).toBeNull();
  });

  it('comes back after being dismissed while recording stays stopped', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setTimeout', 'clearTimeout', 'Date'] });
    vi.setSystemTime(T);
    const stopped = makeStorageStatus({
      state: 'stopped_full',
      freeBytes: 1e9,
      message: 'Recording stopped: the disk is full and nothing more can be deleted.',
    });
    const { transport } = renderApp('live', { 'cameras.list': () => [], 'storage.status': () => stopped });
    await act(async () => {
      await vi.advanceTimersByTimeAsync(0);
    });
    const banner = screen.getByTestId('storage-banner');
    expect(banner.dataset.kind).toBe('stopped_full');
    expect(banner.textContent).toMatch(/^Disk full: recording stopped/);
    expect(banner.textContent).toMatch(
      /Recording stopped: the disk is full and nothing more can be deleted\./,
    );
    expect(banner.textContent).toMatch(
      /free space on the disk, unlock footage, delete exports, or lower the/,
    );

    fireEvent.click(within(banner).getByRole('button', { name: 'Dismiss' }));
    expect(screen.queryByTestId('storage-banner')).toBeNull();
    await act(async () => {
      await vi.advanceTimersByTimeAsync(BANNER_SNOOZE_MS / 2);
    });
    expect(screen.queryByTestId('storage-banner')).toBeNull();
    // A new push brings it back at once.
    await act(async () => {
      transport.emit('storage.lowSpace', {
        at: T + BANNER_SNOOZE_MS / 2,
        reason: 'nothing_deletable',
        freeBytes: 1e9,
        floorBytes: 25e9,
        message: 'Recording stopped: the disk is full and nothing more can be deleted.',
      });
      await vi.advanceTimersByTimeAsync(0);
    });
    fireEvent.click(within(screen.getByTestId('storage-banner')).getByRole('button', { name: 'Dismiss' }));
    expect(screen.queryByTestId('storage-banner')).toBeNull();
    // And so does time, while the condition holds.
    await act(async () => {
      await vi.advanceTimersByTimeAsync(BANNER_SNOOZE_MS + 20_000);
    });
    expect(screen.getByTestId('storage-banner').dataset.kind).toBe('stopped_full');
  });
});
