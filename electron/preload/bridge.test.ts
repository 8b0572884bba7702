import { describe, expect, it, vi } from 'vitest';
import { createBridge, type IpcRendererLike } from './bridge.js';
import {
  EVENT_CHANNEL,
  INVOKE_CHANNEL,
  LIVE_CHANNEL,
  LIVE_CLOSE_CHANNEL,
  LIVE_OPEN_CHANNEL,
  SEGMENT_CHANNEL,
  SUBSCRIBE_CHANNEL,
  type LiveMessage,
} from './ipc-channels.js';

/** An ipcRenderer stand-in: records invokes, lets the test deliver events the way Electron does. */
function createFakeIpcRenderer(
  answer: (channel: string, request: unknown) => unknown = () => ({ ok: true, value: null }),
) {
  const invokes: Array<[string, unknown]> = [];
  const handlers = new Map<string, (event: unknown, ...args: unknown[]) => void>();
  const ipcRenderer: IpcRendererLike = {
    invoke(channel, ...args) {
      invokes.push([channel, args[0]]);
      return Promise.resolve(answer(channel, args[0]));
    },
    on(channel, listener) {
      handlers.set(channel, listener);
    },
  };
  // Electron passes an IpcRendererEvent whose `sender` is ipcRenderer itself: the object the page must never get.
  const rawEvent = { sender: ipcRenderer, senderId: 0, ports: [] };
  const deliver = (name: unknown, payload: unknown) => handlers.get(EVENT_CHANNEL)?.(rawEvent, name, payload);
  return { ipcRenderer, invokes, deliver, handlers, rawEvent };
}

describe('createBridge', () => {
  it('exposes exactly invoke, subscribe, openLive and segment, as functions, frozen', () => {
    const bridge = createBridge(createFakeIpcRenderer().ipcRenderer);
    expect(Object.keys(bridge).sort()).toEqual(['invoke', 'openLive', 'segment', 'subscribe']);
    expect(typeof bridge.openLive).toBe('function');
    expect(typeof bridge.segment).toBe('function');
    expect(typeof bridge.invoke).toBe('function');
    expect(typeof bridge.subscribe).toBe('function');
    expect(Object.isFrozen(bridge)).toBe(true);
  });

  it('invoke sends { method, argument } on the invoke channel and returns the envelope', async () => {
    const fake = createFakeIpcRenderer(() => ({ ok: true, value: { status: 'ok', version: '0.1.0' } }));
    const bridge = createBridge(fake.ipcRenderer);
    await expect(bridge.invoke('system.health', {})).resolves.toEqual({
      ok: true,
      value: { status: 'ok', version: '0.1.0' },
    });
    expect(fake.invokes).toEqual([[INVOKE_CHANNEL, { method: 'system.health', argument: {} }]]);
  });

  it('turns a malformed answer into an internal error envelope', async () => {
    const bridge = createBridge(createFakeIpcRenderer(() => 'surprise').ipcRenderer);
    await expect(bridge.invoke('system.health', {})).resolves.toMatchObject({
      ok: false,
      error: { code: 'internal' },
    });
  });

  it('passes error envelopes through', async () => {
    const error = { code: 'forbidden', message: 'no' };
    const bridge = createBridge(createFakeIpcRenderer(() => ({ ok: false, error })).ipcRenderer);
    await expect(bridge.invoke('system.health', {})).resolves.toEqual({ ok: false, error });
  });

  it('delivers only the payload to listeners, never the IPC event', () => {
    const fake = createFakeIpcRenderer();
    const bridge = createBridge(fake.ipcRenderer);
    const listener = vi.fn();
    bridge.subscribe('cameras.added', listener);
    fake.deliver('cameras.added', { id: 'cam-0123456789' });
    expect(listener).toHaveBeenCalledTimes(1);
    expect(listener.mock.calls[0]).toEqual([{ id: 'cam-0123456789' }]);
    expect(JSON.stringify(listener.mock.calls)).not.toContain('sender');
  });

  it('routes events by name and ignores events nobody listens to', () => {
    const fake = createFakeIpcRenderer();
    const bridge = createBridge(fake.ipcRenderer);
    const added = vi.fn();
    const removed = vi.fn();
    bridge.subscribe('cameras.added', added);
    bridge.subscribe('cameras.removed', removed);
    fake.deliver('cameras.removed', { id: 'x' });
    fake.deliver('cameras.updated', { id: 'y' });
    fake.deliver(42, { id: 'z' });
    expect(added).not.toHaveBeenCalled();
    expect(removed).toHaveBeenCalledWith({ id: 'x' });
  });

  it('tells the main process the full set of subscribed events whenever it changes', () => {
    const fake = createFakeIpcRenderer();
    const bridge = createBridge(fake.ipcRenderer);
    const first = bridge.subscribe('cameras.added', () => undefined);
    const second = bridge.subscribe('cameras.added', () => undefined);
    const third = bridge.subscribe('cameras.removed', () => undefined);
    first();
    second();
    third();
    expect(fake.invokes).toEqual([
      [SUBSCRIBE_CHANNEL, { events: ['cameras.added'] }],
      [SUBSCRIBE_CHANNEL, { events: ['cameras.added', 'cameras.removed'] }],
      [SUBSCRIBE_CHANNEL, { events: ['cameras.removed'] }],
      [SUBSCRIBE_CHANNEL, { events: [] }],
    ]);
  });

  it('unsubscribe is idempotent and the same function may subscribe twice', () => {
    const fake = createFakeIpcRenderer();
    const bridge = createBridge(fake.ipcRenderer);
    const listener = vi.fn();
    const one = bridge.subscribe('cameras.added', listener);
    bridge.subscribe('cameras.added', listener);
    one();
    one();
    fake.deliver('cameras.added', 1);
    expect(listener).toHaveBeenCalledTimes(1);
  });

  it('a throwing listener does not keep the next one from its event', async () => {
    const fake = createFakeIpcRenderer();
    const bridge = createBridge(fake.ipcRenderer);
    const next = vi.fn();
    bridge.subscribe('cameras.added', () => {
      throw new Error('bug in the page');
    });
    bridge.subscribe('cameras.added', next);
    const rethrown = new Promise<unknown>((resolve) => {
      const original = globalThis.queueMicrotask;
      globalThis.queueMicrotask = (callback) => {
        globalThis.queueMicrotask = original;
        try {
          callback();
        } catch (error) {
          resolve(error);
        }
      };
    });
    fake.deliver('cameras.added', 1);
    expect(next).toHaveBeenCalledWith(1);
    await expect(rethrown).resolves.toMatchObject({ message: 'bug in the page' });
  });

  it('rejects a subscription without an event name or a function', () => {
    const bridge = createBridge(createFakeIpcRenderer().ipcRenderer);
    expect(() => bridge.subscribe(42 as unknown as string, () => undefined)).toThrow(TypeError);
    expect(() => bridge.subscribe('cameras.added', 'nope' as unknown as () => void)).toThrow(TypeError);
  });
});

describe('createBridge: live media', () => {
  it('opens with an id of its own, hands the page only the messages of that id, and closes it', () => {
    const fake = createFakeIpcRenderer();
    const bridge = createBridge(fake.ipcRenderer);
    const got: LiveMessage[] = [];
    const close = bridge.openLive('cam-0123456789', 'sub', (message) => got.push(message));
    expect(fake.invokes[0]).toEqual([
      LIVE_OPEN_CHANNEL,
      { id: 1, cameraId: 'cam-0123456789', stream: 'sub' },
    ]);
    const live = fake.handlers.get(LIVE_CHANNEL)!;
    live(fake.rawEvent, 1, { type: 'fragment', data: new Uint8Array(2) });
    live(fake.rawEvent, 2, { type: 'fragment', data: new Uint8Array(3) });
    expect(got).toEqual([{ type: 'fragment', data: new Uint8Array(2) }]);
    close();
    expect(fake.invokes[1]).toEqual([LIVE_CLOSE_CHANNEL, { id: 1 }]);
    live(fake.rawEvent, 1, { type: 'fragment', data: new Uint8Array(2) });
    expect(got).toHaveLength(1);
  });

  it('turns a refused open into a close message', async () => {
    const fake = createFakeIpcRenderer(() => ({
      ok: false,
      error: { code: 'not_found', message: 'No camera' },
    }));
    const got: LiveMessage[] = [];
    createBridge(fake.ipcRenderer).openLive('cam-0000000000', 'main', (message) => got.push(message));
    await vi.waitFor(() => expect(got).toEqual([{ type: 'close', reason: 'No camera', retry: false }]));
  });
});

describe('createBridge: segment bytes', () => {
  it('asks for a whole file or one range of it, and passes the outcome on', async () => {
    const fake = createFakeIpcRenderer(() => ({ ok: true, value: new Uint8Array([1, 2]) }));
    const bridge = createBridge(fake.ipcRenderer);
    await expect(bridge.segment('cam-0123456789', 7)).resolves.toEqual({
      ok: true,
      value: new Uint8Array([1, 2]),
    });
    await bridge.segment('cam-0123456789', 7, { start: 100, length: 2 });
    // Only the two numbers of a range cross, whatever else the object carries.
    const range = { start: 5, length: 1, path: '/etc/passwd' };
    await bridge.segment('cam-0123456789', 7, range);
    expect(fake.invokes).toEqual([
      [SEGMENT_CHANNEL, { cameraId: 'cam-0123456789', segmentId: 7 }],
      [SEGMENT_CHANNEL, { cameraId: 'cam-0123456789', segmentId: 7, start: 100, length: 2 }],
      [SEGMENT_CHANNEL, { cameraId: 'cam-0123456789', segmentId: 7, start: 5, length: 1 }],
    ]);
    await expect(bridge.segment('cam-0123456789', 7, 5 as never)).rejects.toThrow(TypeError);
    expect(fake.invokes).toHaveLength(3);
  });

  it('turns a malformed answer into an internal error', async () => {
    const fake = createFakeIpcRenderer(() => new Uint8Array([1]));
    await expect(createBridge(fake.ipcRenderer).segment('cam-0123456789', 7)).resolves.toMatchObject({
      ok: false,
      error: { code: 'internal' },
    });
  });
});
