import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CameraHealth } from '../../../common/contract/index.js';
import { makeCamera, makeHealth } from '../testing.js';
import { createFakeTransport } from '../transport/fake-transport.js';
import { createHealthStore, HEALTH_REFRESH_MS } from './health-store.js';

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('health store', () => {
  const camera = makeCamera({ status: 'recording' });

  it('polls only while watched, once however many watch, and stops with the last release', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setTimeout', 'clearTimeout', 'Date'] });
    const transport = createFakeTransport({ 'cameras.health': () => [makeHealth(camera)] });
    const store = createHealthStore(transport);
    const polls = () => transport.callsTo('cameras.health').length;

    await vi.advanceTimersByTimeAsync(HEALTH_REFRESH_MS * 2);
    expect(polls()).toBe(0);

    const releaseA = store.getState().watch();
    const releaseB = store.getState().watch();
    await vi.advanceTimersByTimeAsync(0);
    expect(polls()).toBe(1);
    expect(store.getState().byId[camera.id]?.inputFps).toBe(15);
    expect(transport.listenerCount('cameras.statusChanged')).toBe(1);

    await vi.advanceTimersByTimeAsync(HEALTH_REFRESH_MS);
    expect(polls()).toBe(2);

    releaseA();
    releaseA();
    await vi.advanceTimersByTimeAsync(HEALTH_REFRESH_MS);
    expect(polls()).toBe(3);

    releaseB();
    await vi.advanceTimersByTimeAsync(HEALTH_REFRESH_MS * 3);
    expect(polls()).toBe(3);
    expect(transport.listenerCount('cameras.statusChanged')).toBe(0);
  });

  it('replays status events that arrive while a poll is in flight onto its answer', async () => {
    const answer = deferred<CameraHealth[]>();
    const transport = createFakeTransport({ 'cameras.health': () => answer.promise });
    const store = createHealthStore(transport);
    const release = store.getState().watch();

    transport.emit('cameras.statusChanged', {
      id: camera.id,
      status: 'reconnecting',
      reason: 'Connection refused',
      nextAttemptAt: 1_750_000_005_000,
    });
    answer.resolve([makeHealth(camera)]);
    await vi.waitFor(() => expect(store.getState().receivedAt).not.toBeNull());
    expect(store.getState().byId[camera.id]).toMatchObject({
      status: 'reconnecting',
      statusReason: 'Connection refused',
      nextAttemptAt: 1_750_000_005_000,
      inputFps: 15,
    });

    // Later events patch the figures in place; a removed camera's go.
    transport.emit('cameras.statusChanged', {
      id: camera.id,
      status: 'recording',
      reason: null,
      nextAttemptAt: null,
    });
    expect(store.getState().byId[camera.id]).toMatchObject({ status: 'recording', nextAttemptAt: null });
    transport.emit('cameras.removed', { id: camera.id });
    expect(store.getState().byId).toEqual({});
    release();
  });

  it('keeps the last figures and reports the error when a poll fails, and polls again after a resync', async () => {
    let fail = false;
    const transport = createFakeTransport({
      'cameras.health': () => {
        if (fail) throw new Error('boom');
        return [makeHealth(camera)];
      },
    });
    const store = createHealthStore(transport);
    const release = store.getState().watch();
    await vi.waitFor(() => expect(store.getState().byId[camera.id]).toBeDefined());

    fail = true;
    transport.resync();
    await vi.waitFor(() =>
      expect(store.getState().error).toBe('Internal error; see the OmniSight log for details.'),
    );
    expect(store.getState().byId[camera.id]).toBeDefined();

    fail = false;
    await store.getState().refresh();
    expect(store.getState().error).toBeNull();
    release();
  });
});
