import { afterEach, describe, expect, it, vi } from 'vitest';
import type { StorageLowSpace, StorageStatus } from '../../../common/contract/index.js';
import { makeStorageStatus } from '../testing.js';
import { createFakeTransport } from '../transport/fake-transport.js';
import { alertKindOf, createStorageStore, STORAGE_REFRESH_MS } from './storage-store.js';

afterEach(() => {
  vi.useRealTimers();
});

const GB = 1_000_000_000;
const makeStatus = makeStorageStatus;

const LOW: StorageLowSpace = {
  at: 1_750_000_000_000,
  reason: 'below_floor',
  freeBytes: 20 * GB,
  floorBytes: 25 * GB,
  message: 'Free space is under the floor. Deleting the oldest footage to make room.',
};

function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

describe('storage store', () => {
  it('loads the status and follows pushes; a push wins over an answer still on its way', async () => {
    let answer = makeStatus();
    let release: (() => void) | null = null;
    const transport = createFakeTransport({
      'storage.status': async () => {
        const current = answer;
        if (release === null) await new Promise<void>((resolve) => (release = resolve));
        return current;
      },
    });
    const store = createStorageStore(transport);
    store.getState().start();
    expect(transport.listenerCount('storage.statusChanged')).toBe(1);
    // The first answer is held back; a push arrives meanwhile and must not be overwritten by it.
    const pushed = makeStatus({ state: 'low_space', message: 'Disk nearly full' });
    transport.emit('storage.statusChanged', pushed);
    expect(store.getState().status).toBe(pushed);
    (release as (() => void) | null)?.();
    await settle();
    expect(store.getState().status).toBe(pushed);

    answer = makeStatus({ freeBytes: 199 * GB });
    await store.getState().refresh();
    expect(store.getState().status?.freeBytes).toBe(199 * GB);
    store.getState().stop();
    expect(transport.listenerCount('storage.statusChanged')).toBe(0);
    expect(transport.listenerCount('storage.lowSpace')).toBe(0);
  });

  it('keeps a low-space push until a later status says storage is ok again', async () => {
    let answer = makeStatus({ state: 'low_space' });
    const transport = createFakeTransport({ 'storage.status': () => answer });
    const store = createStorageStore(transport);
    store.getState().start();
    await settle();
    transport.emit('storage.lowSpace', LOW);
    await settle();
    expect(store.getState().lowSpace).toEqual(LOW);
    expect(alertKindOf(store.getState())).toBe('low_space');

    answer = makeStatus();
    transport.emit('storage.statusChanged', answer);
    expect(store.getState().lowSpace).toBeNull();
    expect(alertKindOf(store.getState())).toBeNull();
    store.getState().stop();
  });

  it('polls only while watched and visible', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'] });
    const transport = createFakeTransport({ 'storage.status': () => makeStatus() });
    const store = createStorageStore(transport);
    const release = store.getState().watch();
    await vi.advanceTimersByTimeAsync(0);
    expect(transport.callsTo('storage.status')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(STORAGE_REFRESH_MS * 2);
    expect(transport.callsTo('storage.status')).toHaveLength(3);
    release();
    await vi.advanceTimersByTimeAsync(STORAGE_REFRESH_MS * 3);
    expect(transport.callsTo('storage.status')).toHaveLength(3);
  });

  it('says why a status is not available', async () => {
    const store = createStorageStore(createFakeTransport({}));
    await store.getState().refresh();
    expect(store.getState().error).toMatch(/no handler for storage\.status/);
    expect(alertKindOf(store.getState())).toBeNull();
  });

  it('names the condition the banner shows, the most severe first', () => {
    const kind = (status: StorageStatus | null, lowSpace: StorageLowSpace | null = null) =>
      alertKindOf({ status, lowSpace });
    expect(kind(null)).toBeNull();
    expect(kind(makeStatus())).toBeNull();
    expect(kind(null, LOW)).toBe('low_space');
    expect(kind(makeStatus(), { ...LOW, reason: 'nothing_deletable' })).toBe('stopped_full');
    expect(kind(makeStatus({ state: 'stopped_full' }), LOW)).toBe('stopped_full');
    expect(kind(makeStatus({ state: 'root_problem', root: { state: 'missing', problem: 'gone' } }))).toBe(
      'root_problem',
    );
    expect(
      kind(
        makeStatus({
          reconcile: { at: 0, indexed: 0, removedRows: 0, quarantined: 0, refused: true, message: 'x' },
        }),
      ),
    ).toBe('reconcile_refused');
  });
});
