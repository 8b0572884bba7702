import { describe, expect, it } from 'vitest';
import type { Camera } from '../../../common/contract/index.js';
import { makeCamera } from '../testing.js';
import { createFakeTransport } from '../transport/fake-transport.js';
import { applyCameraEvent, createCamerasStore } from './cameras-store.js';

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

async function settled(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 0));
}

describe('applyCameraEvent', () => {
  const camera = makeCamera({ name: 'A' });

  it('adds idempotently and keeps the list oldest first', () => {
    const older = makeCamera({ createdAt: camera.createdAt - 10 });
    const once = applyCameraEvent([camera], { name: 'cameras.added', payload: older });
    expect(once.map((entry) => entry.id)).toEqual([older.id, camera.id]);
    expect(applyCameraEvent(once, { name: 'cameras.added', payload: older })).toEqual(once);
  });

  it('never lets a late, older copy overwrite a newer one', () => {
    const newer = { ...camera, name: 'B', updatedAt: camera.updatedAt + 1 };
    const list = applyCameraEvent([newer], { name: 'cameras.updated', payload: camera });
    expect(list[0]?.name).toBe('B');
  });

  it('patches the status and ignores unknown ids', () => {
    const list = applyCameraEvent([camera], {
      name: 'cameras.statusChanged',
      payload: { id: camera.id, status: 'auth_failed', reason: '401 from camera', nextAttemptAt: null },
    });
    expect(list[0]).toMatchObject({ status: 'auth_failed', statusReason: '401 from camera' });
    const other = { id: 'cam-ffffffffff', status: 'recording', reason: null, nextAttemptAt: null } as const;
    expect(applyCameraEvent(list, { name: 'cameras.statusChanged', payload: other })).toEqual(list);
    expect(applyCameraEvent(list, { name: 'cameras.removed', payload: { id: 'cam-ffffffffff' } })).toEqual(
      list,
    );
  });
});

describe('createCamerasStore', () => {
  it('replays events that arrive while the list is in flight', async () => {
    const early = makeCamera({ name: 'early' });
    const gone = makeCamera({ name: 'gone' });
    const late = makeCamera({ name: 'late' });
    const answer = deferred<Camera[]>();
    const transport = createFakeTransport({ 'cameras.list': () => answer.promise });
    const store = createCamerasStore(transport);
    store.getState().start();
    expect(store.getState().loadState).toBe('loading');

    transport.emit('cameras.added', late);
    transport.emit('cameras.removed', { id: gone.id });
    // The list was taken before both events.
    answer.resolve([early, gone]);
    await settled();

    expect(store.getState().loadState).toBe('ready');
    expect(store.getState().cameras.map((camera) => camera.name)).toEqual(['early', 'late']);
    store.getState().stop();
  });

  it('reloads when the event stream reconnects, and stops listening on stop()', async () => {
    let listed: Camera[] = [makeCamera({ name: 'one' })];
    const transport = createFakeTransport({ 'cameras.list': () => listed });
    const store = createCamerasStore(transport);
    store.getState().start();
    await settled();
    expect(store.getState().cameras).toHaveLength(1);

    listed = [...listed, makeCamera({ name: 'two' })];
    transport.resync();
    await settled();
    expect(store.getState().cameras.map((camera) => camera.name)).toEqual(['one', 'two']);

    store.getState().stop();
    expect(transport.listenerCount('cameras.added')).toBe(0);
    transport.emit('cameras.added', makeCamera({ name: 'three' }));
    expect(store.getState().cameras).toHaveLength(2);
  });

  it('starts once however often start() is called', async () => {
    const transport = createFakeTransport({ 'cameras.list': () => [] });
    const store = createCamerasStore(transport);
    store.getState().start();
    store.getState().start();
    await settled();
    expect(transport.listenerCount('cameras.updated')).toBe(1);
    expect(transport.callsTo('cameras.list')).toHaveLength(1);
    store.getState().stop();
  });

  it('reports a failed load', async () => {
    const transport = createFakeTransport({});
    const store = createCamerasStore(transport);
    store.getState().start();
    await settled();
    expect(store.getState()).toMatchObject({
      loadState: 'error',
      loadError: 'The fake transport has no handler for cameras.list.',
    });
  });
});
