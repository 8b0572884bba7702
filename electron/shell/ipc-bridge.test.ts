import { describe, expect, it } from 'vitest';
import {
  ContractError,
  isMethodName,
  methods,
  parseArgument,
  type Camera,
  type EventName,
} from '../../common/contract/index.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EngineApi, LiveApi, LiveSink, Logger } from '../engine/ports.js';
import {
  EVENT_CHANNEL,
  INVOKE_CHANNEL,
  LIVE_CHANNEL,
  LIVE_CLOSE_CHANNEL,
  LIVE_OPEN_CHANNEL,
  SEGMENT_CHANNEL,
  SUBSCRIBE_CHANNEL,
} from '../preload/ipc-channels.js';
import { registerIpcBridge, type BridgeInvokeEvent, type BridgeIpcMain } from './ipc-bridge.js';

const APP_PAGE = 'app://omnisight/index.html#/cameras';

const CAMERA: Camera = {
  id: 'cam-0123456789',
  name: 'Gate',
  rtspUrl: 'rtsp://192.0.2.10/stream1',
  subStreamUrl: null,
  username: 'viewer',
  hasPassword: true,
  enabled: true,
  segmentSeconds: 60,
  rtspTransport: 'tcp',
  recordMode: 'continuous',
  preRollSeconds: 5,
  postRollSeconds: 5,
  status: 'connecting',
  statusReason: null,
  onvif: null,
  onvifLinked: false,
  createdAt: 1_700_000_000_000,
  updatedAt: 1_700_000_000_000,
};

/** A tiny engine on the real contract: validates with the real schemas through `parseArgument`. */
function createFakeEngine() {
  const calls: string[] = [];
  const listeners = new Set<(event: EventName, payload: unknown) => void>();
  const engine: Pick<EngineApi, 'call' | 'onAny'> = {
    call(method, argument) {
      calls.push(method);
      return Promise.resolve().then(() => {
        if (!isMethodName(method)) throw new ContractError('not_found', 'Unknown method');
        if (method === 'cameras.get') {
          const { id } = parseArgument(methods['cameras.get'].input, argument, 'argument for cameras.get');
          if (id !== CAMERA.id) throw new ContractError('not_found', `No camera ${id}`);
          return CAMERA;
        }
        parseArgument(methods[method].input, argument, `argument for ${method}`);
        if (method === 'system.health') return { status: 'ok', version: '0.1.0' };
        throw new Error('connect ECONNREFUSED rtsp://admin:hunter2@192.0.2.10');
      });
    },
    onAny(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  const emit = (event: EventName, payload: unknown): void => {
    for (const listener of listeners) listener(event, payload);
  };
  return { engine, calls, emit, listenerCount: () => listeners.size };
}

class FakeWebContents {
  readonly sent: unknown[][] = [];
  #destroyed = false;
  readonly #onDestroyed: Array<() => void> = [];
  destroyedListenerCount = 0;

  constructor(
    readonly id: number,
    public url: string,
  ) {}

  send(channel: string, ...args: unknown[]): void {
    this.sent.push([channel, ...args]);
  }
  isDestroyed(): boolean {
    return this.#destroyed;
  }
  getURL(): string {
    return this.url;
  }
  once(_event: 'destroyed', listener: () => void): void {
    this.destroyedListenerCount += 1;
    this.#onDestroyed.push(listener);
  }
  destroy(): void {
    this.#destroyed = true;
    for (const listener of this.#onDestroyed.splice(0)) listener();
  }
}

function createFakeIpcMain() {
  const handlers = new Map<string, (event: BridgeInvokeEvent, ...args: unknown[]) => Promise<unknown>>();
  const ipcMain: BridgeIpcMain = {
    handle(channel, listener) {
      if (handlers.has(channel)) throw new Error(`second handler for ${channel}`);
      handlers.set(channel, listener);
    },
    removeHandler(channel) {
      handlers.delete(channel);
    },
  };
  /** What `ipcRenderer.invoke(channel, request)` from a frame at `frameUrl` would get back. */
  const invoke = (channel: string, sender: FakeWebContents, frameUrl: string | null, request: unknown) => {
    const handler = handlers.get(channel);
    if (!handler) throw new Error(`No handler registered for '${channel}'`);
    return handler({ sender, senderFrame: frameUrl === null ? null : { url: frameUrl } }, request);
  };
  return { ipcMain, handlers, invoke };
}

function createRecordingLogger() {
  const lines: Array<{ level: string; message: string; fields: object }> = [];
  const make = (): Logger => ({
    debug: (fields, message) => lines.push({ level: 'debug', message, fields }),
    info: (fields, message) => lines.push({ level: 'info', message, fields }),
    warn: (fields, message) => lines.push({ level: 'warn', message, fields }),
    error: (fields, message) => lines.push({ level: 'error', message, fields }),
    child: () => make(),
  });
  return { logger: make(), lines };
}

function setup() {
  const fake = createFakeEngine();
  const ipc = createFakeIpcMain();
  const log = createRecordingLogger();
  const bridge = registerIpcBridge({ ipcMain: ipc.ipcMain, engine: fake.engine, logger: log.logger });
  const page = new FakeWebContents(1, APP_PAGE);
  const call = (request: unknown, frameUrl: string | null = APP_PAGE, sender = page) =>
    ipc.invoke(INVOKE_CHANNEL, sender, frameUrl, request);
  const subscribe = (events: unknown, sender: FakeWebContents = page, frameUrl: string | null = sender.url) =>
    ipc.invoke(SUBSCRIBE_CHANNEL, sender, frameUrl, { events });
  return { ...fake, ...ipc, ...log, bridge, page, call, subscribe };
}

describe('registerIpcBridge: calls', () => {
  it('registers exactly the invoke, subscribe, live and segment channels', () => {
    const { handlers } = setup();
    expect([...handlers.keys()].sort()).toEqual(
      [INVOKE_CHANNEL, SUBSCRIBE_CHANNEL, LIVE_OPEN_CHANNEL, LIVE_CLOSE_CHANNEL, SEGMENT_CHANNEL].sort(),
    );
  });

  it.each([
    ['a web page', 'https://evil.example/'],
    ['a look-alike host', 'app://omnisight.evil.example/index.html'],
    ['another app host', 'app://other/index.html'],
    ['a file page', 'file:///home/user/index.html'],
    ['credentials in the URL', 'app://user:pass@omnisight/index.html'],
    ['an unparsable URL', 'not a url'],
    ['an empty URL', ''],
  ])('refuses a call from %s with forbidden, without calling the engine', async (_what, frameUrl) => {
    const { call, calls, lines } = setup();
    const outcome = await call({ method: 'system.health', argument: {} }, frameUrl);
    expect(outcome).toEqual({ ok: false, error: expect.objectContaining({ code: 'forbidden' }) });
    expect(calls).toEqual([]);
    expect(lines.some((line) => line.level === 'warn' && line.message.includes('refused IPC'))).toBe(true);
    // The log names the scheme, never the foreign URL (it could carry a host or a token).
    expect(JSON.stringify(lines)).not.toContain('evil.example');
  });

  it('refuses a call whose frame is gone (senderFrame null)', async () => {
    const { call, calls } = setup();
    const outcome = await call({ method: 'system.health', argument: {} }, null);
    expect(outcome).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(calls).toEqual([]);
  });

  it('answers a good call with an ok envelope', async () => {
    const { call } = setup();
    await expect(call({ method: 'cameras.get', argument: { id: CAMERA.id } })).resolves.toEqual({
      ok: true,
      value: CAMERA,
    });
    await expect(call({ method: 'system.health', argument: {} })).resolves.toEqual({
      ok: true,
      value: { status: 'ok', version: '0.1.0' },
    });
  });

  it('answers a bad argument with a validation envelope that names the field', async () => {
    const { call } = setup();
    const outcome = await call({ method: 'cameras.get', argument: { id: 42 } });
    expect(outcome).toMatchObject({
      ok: false,
      error: { code: 'validation', details: { issues: [{ path: 'id' }] } },
    });
  });

  it('passes contract errors through as plain data (never throws across IPC)', async () => {
    const { call } = setup();
    const outcome = await call({ method: 'cameras.get', argument: { id: 'cam-ffffffffff' } });
    expect(outcome).toEqual({ ok: false, error: { code: 'not_found', message: 'No camera cam-ffffffffff' } });
  });

  it('rejects an unknown method as not_found without calling the engine', async () => {
    const { call, calls } = setup();
    await expect(call({ method: 'cameras.format', argument: {} })).resolves.toEqual({
      ok: false,
      error: { code: 'not_found', message: 'Unknown method "cameras.format".' },
    });
    // Prototype keys are not methods, and odd names are not echoed back.
    const odd = await call({ method: '__proto__', argument: {} });
    expect(odd).toEqual({ ok: false, error: { code: 'not_found', message: 'Unknown method.' } });
    expect(calls).toEqual([]);
  });

  it.each([
    ['a string', 'system.health'],
    ['null', null],
    ['no method', { argument: {} }],
    ['a numeric method', { method: 7 }],
  ])('answers a malformed request (%s) with validation', async (_what, request) => {
    const { call, calls } = setup();
    await expect(call(request)).resolves.toMatchObject({ ok: false, error: { code: 'validation' } });
    expect(calls).toEqual([]);
  });

  it('turns an unexpected engine error into a generic internal error and logs it', async () => {
    const { call, lines } = setup();
    const outcome = await call({ method: 'system.info', argument: {} });
    expect(outcome).toEqual({
      ok: false,
      error: { code: 'internal', message: 'Internal error; see the OmniSight log for details.' },
    });
    expect(JSON.stringify(outcome)).not.toContain('hunter2');
    expect(lines.some((line) => line.level === 'error')).toBe(true);
  });
});

describe('registerIpcBridge: events', () => {
  it('forwards an event only to pages that subscribed to it', async () => {
    const { subscribe, emit, page } = setup();
    const other = new FakeWebContents(2, APP_PAGE);
    const quiet = new FakeWebContents(3, APP_PAGE);
    await expect(subscribe(['cameras.added', 'cameras.statusChanged'])).resolves.toEqual({
      ok: true,
      value: null,
    });
    await subscribe(['cameras.removed'], other);

    emit('cameras.added', CAMERA);
    emit('cameras.updated', CAMERA);

    expect(page.sent).toEqual([[EVENT_CHANNEL, 'cameras.added', CAMERA]]);
    expect(other.sent).toEqual([]);
    expect(quiet.sent).toEqual([]);
  });

  it('refuses a subscription from a foreign origin and sends it nothing', async () => {
    const { subscribe, emit, bridge } = setup();
    const evil = new FakeWebContents(9, 'https://evil.example/');
    await expect(subscribe(['cameras.added'], evil)).resolves.toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    emit('cameras.added', CAMERA);
    expect(evil.sent).toEqual([]);
    expect(bridge.subscriberCount).toBe(0);
  });

  it('rejects unknown event names and malformed subscriptions', async () => {
    const { subscribe, page } = setup();
    await expect(subscribe(['cameras.added', 'system.rebooted'])).resolves.toMatchObject({
      ok: false,
      error: { code: 'validation' },
    });
    await expect(subscribe('cameras.added')).resolves.toMatchObject({
      ok: false,
      error: { code: 'validation' },
    });
    expect(page.sent).toEqual([]);
  });

  it('replaces the set on each subscription; an empty set stops events', async () => {
    const { subscribe, emit, page, bridge } = setup();
    await subscribe(['cameras.added']);
    await subscribe(['cameras.removed']);
    emit('cameras.added', CAMERA);
    emit('cameras.removed', { id: CAMERA.id });
    expect(page.sent).toEqual([[EVENT_CHANNEL, 'cameras.removed', { id: CAMERA.id }]]);

    await subscribe([]);
    emit('cameras.removed', { id: CAMERA.id });
    expect(page.sent).toHaveLength(1);
    expect(bridge.subscriberCount).toBe(0);
    // Re-subscribing never stacks 'destroyed' listeners on the same webContents.
    await subscribe(['cameras.added']);
    expect(page.destroyedListenerCount).toBe(1);
  });

  it('stops sending to a page that left the app origin', async () => {
    const { subscribe, emit, page } = setup();
    await subscribe(['cameras.added']);
    page.url = 'https://evil.example/';
    emit('cameras.added', CAMERA);
    expect(page.sent).toEqual([]);
  });

  it('forgets a page when its webContents is destroyed', async () => {
    const { subscribe, emit, page, bridge } = setup();
    await subscribe(['cameras.added']);
    expect(bridge.subscriberCount).toBe(1);
    page.destroy();
    expect(bridge.subscriberCount).toBe(0);
    emit('cameras.added', CAMERA);
    expect(page.sent).toEqual([]);
  });

  it('keeps forwarding to other pages when sending to one throws', async () => {
    const { subscribe, emit, page, lines } = setup();
    const broken = new FakeWebContents(2, APP_PAGE);
    broken.send = () => {
      throw new Error('An object could not be cloned.');
    };
    await subscribe(['cameras.added'], broken);
    await subscribe(['cameras.added']);
    emit('cameras.added', CAMERA);
    expect(page.sent).toHaveLength(1);
    expect(lines.some((line) => line.message === 'could not forward an event')).toBe(true);
  });

  it('dispose removes both handlers and the engine subscription', async () => {
    const { bridge, handlers, listenerCount, subscribe, emit, page } = setup();
    await subscribe(['cameras.added']);
    bridge.dispose();
    expect(handlers.size).toBe(0);
    expect(listenerCount()).toBe(0);
    emit('cameras.added', CAMERA);
    expect(page.sent).toEqual([]);
  });
});

describe('registerIpcBridge: media', () => {
  function mediaSetup() {
    const sinks: { cameraId: unknown; stream: unknown; sink: LiveSink; closed: boolean }[] = [];
    const live: LiveApi = {
      open(cameraId, stream, sink) {
        if (cameraId !== CAMERA.id) throw new ContractError('not_found', `No camera ${String(cameraId)}`);
        const entry = { cameraId, stream, sink, closed: false };
        sinks.push(entry);
        return () => {
          entry.closed = true;
        };
      },
    };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omnisight-ipc-'));
    const file = path.join(dir, 'segment.mp4');
    fs.writeFileSync(file, Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
    const fake = createFakeEngine();
    const ipc = createFakeIpcMain();
    /** Leases taken and released, in order (`+7` acquired segment 7, `-7` released it). */
    const leases: string[] = [];
    const bridge = registerIpcBridge({
      ipcMain: ipc.ipcMain,
      engine: fake.engine,
      logger: createRecordingLogger().logger,
      live,
      leaseSegment(cameraId, segmentId) {
        if (cameraId !== CAMERA.id || (segmentId !== 7 && segmentId !== 9))
          throw new ContractError('not_found', 'No such segment');
        leases.push(`+${segmentId}`);
        // Segment 9's file is gone (retention deleted it after the row was read).
        return {
          file: segmentId === 7 ? file : path.join(dir, 'gone.mp4'),
          release: () => leases.push(`-${segmentId}`),
        };
      },
    });
    const page = new FakeWebContents(1, APP_PAGE);
    return { ...ipc, bridge, page, sinks, dir, leases };
  }

  it('streams live media to the page under the id it chose, and stops on close or when the page goes', async () => {
    const { invoke, page, sinks, bridge, dir } = mediaSetup();
    try {
      await expect(
        invoke(LIVE_OPEN_CHANNEL, page, APP_PAGE, { id: 3, cameraId: CAMERA.id, stream: 'sub' }),
      ).resolves.toEqual({ ok: true, value: null });
      const sink = sinks[0]!.sink;
      sink.init('video/mp4; codecs="avc1.42c01f"', 'main', Buffer.from([1, 2]));
      expect(sink.fragment(Buffer.from([3]))).toBe(true);
      expect(
        page.sent.map(([channel, id, message]) => [channel, id, (message as { type: string }).type]),
      ).toEqual([
        [LIVE_CHANNEL, 3, 'init'],
        [LIVE_CHANNEL, 3, 'fragment'],
      ]);
      expect(bridge.liveCount).toBe(1);
      await invoke(LIVE_CLOSE_CHANNEL, page, APP_PAGE, { id: 3 });
      expect(sinks[0]!.closed).toBe(true);
      expect(bridge.liveCount).toBe(0);

      await invoke(LIVE_OPEN_CHANNEL, page, APP_PAGE, { id: 4, cameraId: CAMERA.id, stream: 'main' });
      page.destroy();
      expect(sinks[1]!.closed).toBe(true);
      expect(bridge.liveCount).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers an unknown camera, a malformed request and a foreign page with an error, opening nothing', async () => {
    const { invoke, page, sinks, dir } = mediaSetup();
    try {
      await expect(
        invoke(LIVE_OPEN_CHANNEL, page, APP_PAGE, { id: 1, cameraId: 'cam-0000000000', stream: 'main' }),
      ).resolves.toMatchObject({ ok: false, error: { code: 'not_found' } });
      await expect(invoke(LIVE_OPEN_CHANNEL, page, APP_PAGE, { id: 'x' })).resolves.toMatchObject({
        ok: false,
        error: { code: 'validation' },
      });
      await expect(
        invoke(LIVE_OPEN_CHANNEL, page, 'https://evil.example/', {
          id: 2,
          cameraId: CAMERA.id,
          stream: 'main',
        }),
      ).resolves.toMatchObject({ ok: false, error: { code: 'forbidden' } });
      expect(sinks).toHaveLength(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads a segment file the engine resolves, and passes its errors on', async () => {
    const { invoke, page, dir, leases } = mediaSetup();
    try {
      const answer = (await invoke(SEGMENT_CHANNEL, page, APP_PAGE, {
        cameraId: CAMERA.id,
        segmentId: 7,
      })) as {
        ok: true;
        value: Uint8Array;
      };
      expect([...answer.value]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      await expect(
        invoke(SEGMENT_CHANNEL, page, APP_PAGE, { cameraId: CAMERA.id, segmentId: 8 }),
      ).resolves.toMatchObject({ ok: false, error: { code: 'not_found' } });
      await expect(
        invoke(SEGMENT_CHANNEL, page, APP_PAGE, { cameraId: CAMERA.id, segmentId: 9 }),
      ).resolves.toMatchObject({
        ok: false,
        error: { code: 'not_found', message: 'The segment file is gone (deleted by retention?).' },
      });
      await expect(
        invoke(SEGMENT_CHANNEL, page, 'https://evil.example/', { cameraId: CAMERA.id, segmentId: 7 }),
      ).resolves.toMatchObject({ ok: false, error: { code: 'forbidden' } });
      // Every lease taken was released once the read was over, the failed one too.
      expect(leases).toEqual(['+7', '-7', '+9', '-9']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads a byte range of a segment file, as an HTTP range would, leased during the read', async () => {
    const { invoke, page, dir, leases } = mediaSetup();
    const range = async (start: number, length: number) =>
      (await invoke(SEGMENT_CHANNEL, page, APP_PAGE, {
        cameraId: CAMERA.id,
        segmentId: 7,
        start,
        length,
      })) as {
        ok: boolean;
        value?: Uint8Array;
        error?: { code: string; message: string };
      };
    try {
      expect([...(await range(3, 4)).value!]).toEqual([3, 4, 5, 6]);
      expect([...(await range(0, 1)).value!]).toEqual([0]);
      // A range past the end answers the bytes there are.
      expect([...(await range(8, 100)).value!]).toEqual([8, 9]);
      expect(await range(10, 1)).toMatchObject({ ok: false, error: { code: 'validation' } });
      expect(leases).toEqual(['+7', '-7', '+7', '-7', '+7', '-7', '+7', '-7']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a malformed segment request before resolving any file', async () => {
    const { invoke, page, dir, leases } = mediaSetup();
    try {
      for (const request of [
        null,
        'cam-0123456789/7',
        { cameraId: CAMERA.id },
        { cameraId: CAMERA.id, segmentId: '7' },
        { cameraId: '../../etc/passwd', segmentId: 7 },
        { cameraId: CAMERA.id, segmentId: 7, start: -1, length: 4 },
        { cameraId: CAMERA.id, segmentId: 7, start: 0.5, length: 4 },
        { cameraId: CAMERA.id, segmentId: 7, start: 0, length: 0 },
        { cameraId: CAMERA.id, segmentId: 7, start: 0, length: 65 * 1024 * 1024 },
        { cameraId: CAMERA.id, segmentId: 7, start: 4 },
        { cameraId: CAMERA.id, segmentId: 7, length: 4 },
        { cameraId: CAMERA.id, segmentId: 7, start: 0, length: 4, path: '/etc/passwd' },
      ]) {
        await expect(invoke(SEGMENT_CHANNEL, page, APP_PAGE, request)).resolves.toMatchObject({
          ok: false,
          error: { code: 'validation' },
        });
      }
      expect(leases).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
