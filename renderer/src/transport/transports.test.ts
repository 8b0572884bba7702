import { afterEach, describe, expect, it, vi } from 'vitest';
import { ContractError, RemoteError, type Outcome } from '../../../common/contract/index.js';
import { makeCamera } from '../testing.js';
import { createFakeTransport } from './fake-transport.js';
import { createHttpTransport, type EventSocket } from './http-transport.js';
import { createDefaultTransport } from './index.js';
import { createIpcTransport, type BridgeLiveMessage, type OmnisightBridge } from './ipc-transport.js';
import type { LiveWebSocket } from './live-socket.js';

/** Handlers that record what a live stream delivered. */
function liveRecorder() {
  const seen: string[] = [];
  return {
    seen,
    handlers: {
      onInit: (mime: string, init: Uint8Array) => seen.push(`init ${mime} ${init.length}`),
      onFragment: (data: Uint8Array) => seen.push(`fragment ${data.length}`),
      onClose: (reason: string, retry: boolean) => seen.push(`close ${reason} ${retry}`),
    },
  };
}

async function rejection(promise: Promise<unknown>): Promise<RemoteError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(RemoteError);
    return error as RemoteError;
  }
  throw new Error('expected a rejection');
}

function jsonResponse(status: number, body: unknown, statusText = ''): Response {
  return new Response(typeof body === 'string' ? body : JSON.stringify(body), {
    status,
    statusText,
    headers: { 'content-type': 'application/json' },
  });
}

/** A socket.io stand-in: records handlers and lets the test fire server events. */
function fakeSocket() {
  const handlers = new Map<string, Set<(...args: unknown[]) => void>>();
  const socket: EventSocket & { fire(event: string, payload?: unknown): void; closed: boolean } = {
    closed: false,
    on(event, listener) {
      const set = handlers.get(event) ?? new Set();
      set.add(listener);
      handlers.set(event, set);
      return socket;
    },
    off(event, listener) {
      handlers.get(event)?.delete(listener);
      return socket;
    },
    close() {
      socket.closed = true;
      return socket;
    },
    fire(event, payload) {
      for (const listener of handlers.get(event) ?? []) listener(payload);
    },
  };
  return socket;
}

describe('HTTP transport', () => {
  it('posts the argument to /api/rpc/<method> and answers the JSON result', async () => {
    const camera = makeCamera();
    const fetch = vi.fn<typeof globalThis.fetch>(() => Promise.resolve(jsonResponse(200, camera)));
    const transport = createHttpTransport({ origin: 'http://nvr.test:8080', fetch });

    await expect(transport.invoke('cameras.get', { id: camera.id })).resolves.toEqual(camera);
    const [url, init] = fetch.mock.calls[0]!;
    expect(url).toBe('http://nvr.test:8080/api/rpc/cameras.get');
    expect(init?.method).toBe('POST');
    expect(init?.body).toBe(JSON.stringify({ id: camera.id }));
    expect(new Headers(init?.headers).get('content-type')).toBe('application/json');
  });

  it('rejects with the server’s ApiError on a non-2xx answer', async () => {
    const issues = [{ path: 'rtspUrl', message: 'must name a host (rtsp://host[:port]/path)' }];
    const fetch = () =>
      Promise.resolve(
        jsonResponse(400, { code: 'validation', message: 'Invalid argument', details: { issues } }),
      );
    const transport = createHttpTransport({ origin: 'http://nvr.test', fetch });
    const error = await rejection(transport.invoke('cameras.add', { name: 'x', rtspUrl: 'rtsp:///' }));
    expect(error).toMatchObject({ code: 'validation', message: 'Invalid argument', details: { issues } });
  });

  it('makes a clear error when the body is not an ApiError', async () => {
    const transport = createHttpTransport({
      origin: 'http://nvr.test',
      fetch: () => Promise.resolve(jsonResponse(502, '<html>Bad gateway</html>', 'Bad Gateway')),
    });
    const error = await rejection(transport.invoke('system.info', {}));
    expect(error.code).toBe('unavailable');
    expect(error.message).toBe(
      'The server answered system.info with HTTP 502 Bad Gateway and no error details.',
    );

    const notFound = createHttpTransport({
      origin: 'http://nvr.test',
      fetch: () => Promise.resolve(jsonResponse(404, { error: 'nope' })),
    });
    expect((await rejection(notFound.invoke('system.info', {}))).code).toBe('not_found');

    const teapot = createHttpTransport({
      origin: 'http://nvr.test',
      fetch: () => Promise.resolve(jsonResponse(418, 'short and stout')),
    });
    expect((await rejection(teapot.invoke('system.info', {}))).code).toBe('internal');
  });

  it('rejects with unavailable when the server cannot be reached', async () => {
    const transport = createHttpTransport({
      origin: 'http://nvr.test',
      fetch: () => Promise.reject(new TypeError('Failed to fetch')),
    });
    const error = await rejection(transport.invoke('system.health', {}));
    expect(error.code).toBe('unavailable');
    expect(error.message).toBe('Cannot reach the OmniSight server at http://nvr.test (Failed to fetch).');
  });

  it('rejects with internal on a 200 answer that is not JSON', async () => {
    const transport = createHttpTransport({
      origin: 'http://nvr.test',
      fetch: () => Promise.resolve(new Response('<!doctype html>', { status: 200 })),
    });
    expect((await rejection(transport.invoke('cameras.list', {}))).code).toBe('internal');
  });

  it('shares one socket for every subscription and unsubscribes one listener at a time', () => {
    const socket = fakeSocket();
    const connect = vi.fn(() => socket);
    const transport = createHttpTransport({ origin: 'http://nvr.test', fetch: vi.fn(), connect });
    const added: unknown[] = [];
    const removed: unknown[] = [];
    const stopAdded = transport.subscribe('cameras.added', (camera) => added.push(camera.id));
    transport.subscribe('cameras.removed', (payload) => removed.push(payload.id));
    expect(connect).toHaveBeenCalledTimes(1);
    expect(connect).toHaveBeenCalledWith('http://nvr.test');

    const camera = makeCamera();
    socket.fire('cameras.added', camera);
    socket.fire('cameras.removed', { id: camera.id });
    stopAdded();
    socket.fire('cameras.added', camera);
    expect(added).toEqual([camera.id]);
    expect(removed).toEqual([camera.id]);

    transport.close();
    expect(socket.closed).toBe(true);
  });

  it('tells resync listeners each time the socket connects', () => {
    const socket = fakeSocket();
    const transport = createHttpTransport({
      origin: 'http://nvr.test',
      fetch: vi.fn(),
      connect: () => socket,
    });
    const resync = vi.fn();
    const stop = transport.onResync(resync);
    socket.fire('connect');
    socket.fire('connect');
    expect(resync).toHaveBeenCalledTimes(2);
    stop();
    socket.fire('connect');
    expect(resync).toHaveBeenCalledTimes(2);
  });
});

describe('IPC transport', () => {
  function bridge(answer: (method: string, argument: unknown) => Promise<Outcome<unknown>>) {
    const listeners = new Map<string, (payload: unknown) => void>();
    const value: OmnisightBridge = {
      invoke: answer,
      subscribe(event, listener) {
        listeners.set(event, listener);
        return () => listeners.delete(event);
      },
      openLive: () => () => undefined,
      segment: () => Promise.resolve({ ok: true, value: new Uint8Array() }),
    };
    return { value, listeners };
  }

  it('answers the value of an ok outcome', async () => {
    const seen: unknown[] = [];
    const { value } = bridge((method, argument) => {
      seen.push([method, argument]);
      return Promise.resolve({ ok: true, value: { status: 'ok', version: '1.2.3' } });
    });
    const transport = createIpcTransport(value);
    await expect(transport.invoke('system.health', {})).resolves.toEqual({ status: 'ok', version: '1.2.3' });
    expect(seen).toEqual([['system.health', {}]]);
  });

  it('rejects with RemoteError carrying the error data of a failed outcome', async () => {
    const { value } = bridge(() =>
      Promise.resolve({ ok: false, error: { code: 'not_found', message: 'No camera cam-0000000001.' } }),
    );
    const error = await rejection(createIpcTransport(value).invoke('cameras.get', { id: 'cam-0000000001' }));
    expect(error).toMatchObject({ code: 'not_found', message: 'No camera cam-0000000001.' });
  });

  it('turns a broken bridge or a malformed answer into RemoteError', async () => {
    const broken = bridge(() => Promise.reject(new Error('No handler registered')));
    const error = await rejection(createIpcTransport(broken.value).invoke('system.info', {}));
    expect(error.code).toBe('unavailable');
    expect(error.message).toContain('No handler registered');

    const malformed = bridge(() => Promise.resolve({ nonsense: true } as unknown as Outcome<unknown>));
    expect((await rejection(createIpcTransport(malformed.value).invoke('system.info', {}))).code).toBe(
      'internal',
    );
  });

  it('subscribes through the bridge', () => {
    const { value, listeners } = bridge(() => Promise.resolve({ ok: true, value: null }));
    const received: string[] = [];
    const stop = createIpcTransport(value).subscribe('cameras.removed', (payload) =>
      received.push(payload.id),
    );
    listeners.get('cameras.removed')?.({ id: 'cam-0000000001' });
    expect(received).toEqual(['cam-0000000001']);
    stop();
    expect(listeners.size).toBe(0);
  });
});

describe('media over IPC', () => {
  it('relays live messages to the handlers and closes through the bridge', () => {
    const ipc = (() => {
      const listeners = new Map<string, (message: BridgeLiveMessage) => void>();
      const value: OmnisightBridge = {
        invoke: () => Promise.resolve({ ok: true, value: null }),
        subscribe: () => () => undefined,
        openLive(cameraId, stream, listener) {
          listeners.set(`${cameraId}/${stream}`, listener);
          return () => listeners.delete(`${cameraId}/${stream}`);
        },
        segment: () => Promise.resolve({ ok: true, value: new Uint8Array() }),
      };
      return { value, listeners };
    })();
    const { seen, handlers } = liveRecorder();
    const close = createIpcTransport(ipc.value).openLive('cam-0000000001', 'sub', handlers);
    const send = ipc.listeners.get('cam-0000000001/sub')!;
    send({ type: 'init', mime: 'video/mp4; codecs="avc1.42c01f"', stream: 'sub', data: new Uint8Array(5) });
    send({ type: 'fragment', data: new Uint8Array(9) });
    send({ type: 'close', reason: 'The camera was removed.', retry: false });
    expect(seen).toEqual([
      'init video/mp4; codecs="avc1.42c01f" 5',
      'fragment 9',
      'close The camera was removed. false',
    ]);
    close();
    expect(ipc.listeners.size).toBe(0);
  });

  it('answers exactly the segment bytes, or the engine error', async () => {
    const transport = createIpcTransport({
      invoke: () => Promise.resolve({ ok: true, value: null }),
      subscribe: () => () => undefined,
      openLive: () => () => undefined,
      segment: (cameraId, segmentId) =>
        Promise.resolve(
          segmentId === 7
            ? { ok: true, value: new Uint8Array([1, 2, 3, 4]).subarray(1, 3) }
            : { ok: false, error: { code: 'not_found', message: `No segment ${segmentId} of ${cameraId}.` } },
        ),
    });
    expect([...new Uint8Array(await transport.fetchSegment('cam-0000000001', 7))]).toEqual([2, 3]);
    const error = await rejection(transport.fetchSegment('cam-0000000001', 8));
    expect(error).toMatchObject({ code: 'not_found', message: 'No segment 8 of cam-0000000001.' });
  });

  it('reads a range through the bridge, in pieces of at most 64 MiB, and stops at the end of the file', async () => {
    const asked: { start: number; length: number }[] = [];
    const fileSize = 150 * 1024 * 1024;
    const transport = createIpcTransport({
      invoke: () => Promise.resolve({ ok: true, value: null }),
      subscribe: () => () => undefined,
      openLive: () => () => undefined,
      segment: (_cameraId, _segmentId, range) => {
        if (range === undefined) throw new Error('a whole file was asked for');
        asked.push(range);
        // Each byte is its offset modulo 251, so the test can tell the bytes came from the right place.
        const length = Math.max(0, Math.min(range.length, fileSize - range.start));
        const bytes = new Uint8Array(length);
        for (let index = 0; index < length; index += 4096) bytes[index] = (range.start + index) % 251;
        return Promise.resolve({ ok: true, value: bytes });
      },
    });
    const small = new Uint8Array(
      await transport.fetchSegment('cam-0000000001', 7, { range: { start: 300, length: 10 } }),
    );
    expect(small.length).toBe(10);
    expect(small[0]).toBe(300 % 251);
    const start = 10 * 1024 * 1024;
    const big = new Uint8Array(
      await transport.fetchSegment('cam-0000000001', 7, { range: { start, length: 130 * 1024 * 1024 } }),
    );
    const MiB = 1024 * 1024;
    expect(asked.slice(1)).toEqual([
      { start, length: 64 * MiB },
      { start: start + 64 * MiB, length: 64 * MiB },
      { start: start + 128 * MiB, length: 2 * MiB },
    ]);
    expect(big.length).toBe(130 * MiB);
    expect(big[64 * MiB]).toBe((start + 64 * MiB) % 251);
    // Past the end of the file: the bytes there are.
    const tail = await transport.fetchSegment('cam-0000000001', 7, {
      range: { start: fileSize - 5, length: 100 },
    });
    expect(tail.byteLength).toBe(5);
  });

  it('answers a malformed segment from the bridge, or a cancelled read, with an error', async () => {
    const transport = createIpcTransport({
      invoke: () => Promise.resolve({ ok: true, value: null }),
      subscribe: () => () => undefined,
      openLive: () => () => undefined,
      segment: () => Promise.resolve({ ok: true, value: 'not bytes' as unknown as Uint8Array }),
    });
    expect(await rejection(transport.fetchSegment('cam-0000000001', 7))).toMatchObject({ code: 'internal' });
    const controller = new AbortController();
    controller.abort();
    await expect(
      transport.fetchSegment('cam-0000000001', 7, {
        range: { start: 0, length: 1 },
        signal: controller.signal,
      }),
    ).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('media over HTTP', () => {
  function fakeLiveSocket() {
    const socket: LiveWebSocket & { closedWith: number | null } = {
      binaryType: 'blob',
      onmessage: null,
      onclose: null,
      onerror: null,
      closedWith: null,
      close(code) {
        socket.closedWith = code ?? null;
      },
    };
    return socket;
  }

  it('opens the live WebSocket and pairs each init announcement with the next binary message', () => {
    const urls: string[] = [];
    const socket = fakeLiveSocket();
    const transport = createHttpTransport({
      origin: 'https://nvr.test:8443',
      openSocket: (url) => {
        urls.push(url);
        return socket;
      },
    });
    const { seen, handlers } = liveRecorder();
    const close = transport.openLive('cam-0000000001', 'sub', handlers);
    expect(urls).toEqual(['wss://nvr.test:8443/api/live?camera=cam-0000000001&stream=sub']);
    expect(socket.binaryType).toBe('arraybuffer');
    socket.onmessage?.({ data: JSON.stringify({ type: 'init', mime: 'video/mp4', stream: 'main' }) });
    socket.onmessage?.({ data: new ArrayBuffer(4) });
    socket.onmessage?.({ data: new ArrayBuffer(6) });
    socket.onmessage?.({ data: '{not json' });
    socket.onmessage?.({
      data: JSON.stringify({ type: 'close', reason: 'The camera was removed.', retry: false }),
    });
    socket.onclose?.({ code: 1000, reason: '' });
    expect(seen).toEqual(['init video/mp4 4', 'fragment 6', 'close The camera was removed. false']);
    close();
    expect(socket.closedWith).toBeNull();
  });

  it('reports a dropped connection as retryable, and closes the socket when the viewer leaves', () => {
    const dropped = fakeLiveSocket();
    const { seen, handlers } = liveRecorder();
    createHttpTransport({ origin: 'http://nvr.test', openSocket: () => dropped }).openLive(
      'cam-0000000001',
      'main',
      handlers,
    );
    dropped.onclose?.({ code: 1006, reason: '' });
    expect(seen).toEqual(['close The live connection closed (code 1006). true']);

    const left = fakeLiveSocket();
    const quiet = liveRecorder();
    const close = createHttpTransport({ origin: 'http://nvr.test', openSocket: () => left }).openLive(
      'cam-0000000001',
      'main',
      quiet.handlers,
    );
    close();
    expect(left.closedWith).toBe(1000);
    expect(quiet.seen).toEqual([]);
  });

  it('fetches a segment by id and turns a 404 into the server error', async () => {
    const fetch = vi.fn<typeof globalThis.fetch>((input) =>
      Promise.resolve(
        (input as string).endsWith('/7.mp4')
          ? new Response(new Uint8Array([9, 8, 7]), { status: 200 })
          : jsonResponse(404, { code: 'not_found', message: 'No segment 8.' }),
      ),
    );
    const transport = createHttpTransport({ origin: 'http://nvr.test', fetch });
    expect([...new Uint8Array(await transport.fetchSegment('cam-0000000001', 7))]).toEqual([9, 8, 7]);
    expect(fetch.mock.calls[0]![0] as string).toBe(
      'http://nvr.test/api/cameras/cam-0000000001/segments/7.mp4',
    );
    expect(await rejection(transport.fetchSegment('cam-0000000001', 8))).toMatchObject({
      code: 'not_found',
      message: 'No segment 8.',
    });
  });

  it('fetches a byte range with a Range header, and copes with a server that ignores it', async () => {
    const file = new Uint8Array(100).map((_, index) => index);
    let honour = true;
    const fetch = vi.fn<typeof globalThis.fetch>((_input, init) => {
      const header = new Headers(init?.headers).get('range');
      const match = /^bytes=(\d+)-(\d+)$/.exec(header ?? '');
      if (match === null || !honour) return Promise.resolve(new Response(file, { status: 200 }));
      const [start, end] = [Number(match[1]), Number(match[2])];
      if (start >= file.length) return Promise.resolve(new Response(null, { status: 416 }));
      return Promise.resolve(new Response(file.slice(start, end + 1), { status: 206 }));
    });
    const transport = createHttpTransport({ origin: 'http://nvr.test', fetch });
    const range = { start: 10, length: 5 };
    expect([...new Uint8Array(await transport.fetchSegment('cam-0000000001', 7, { range }))]).toEqual([
      10, 11, 12, 13, 14,
    ]);
    expect(new Headers(fetch.mock.calls[0]![1]?.headers).get('range')).toBe('bytes=10-14');
    honour = false;
    expect([...new Uint8Array(await transport.fetchSegment('cam-0000000001', 7, { range }))]).toEqual([
      10, 11, 12, 13, 14,
    ]);
    honour = true;
    expect(
      await rejection(transport.fetchSegment('cam-0000000001', 7, { range: { start: 200, length: 5 } })),
    ).toMatchObject({ code: 'validation' });
  });
});

describe('createDefaultTransport', () => {
  afterEach(() => {
    delete window.omnisight;
  });

  it('uses IPC inside Electron and HTTP in a browser', () => {
    expect(createDefaultTransport().kind).toBe('http');
    window.omnisight = {
      invoke: () => Promise.resolve({ ok: true, value: null }),
      subscribe: () => () => undefined,
      openLive: () => () => undefined,
      segment: () => Promise.resolve({ ok: true, value: new Uint8Array() }),
    };
    expect(createDefaultTransport().kind).toBe('ipc');
  });
});

describe('fake transport', () => {
  it('validates arguments like the real boundary, with field issues', async () => {
    const transport = createFakeTransport({ 'cameras.add': () => makeCamera() });
    const error = await rejection(transport.invoke('cameras.add', { name: '', rtspUrl: 'ftp://x' }));
    expect(error.code).toBe('validation');
    expect(error.details).toEqual({
      issues: [
        { path: 'name', message: 'must not be empty' },
        { path: 'rtspUrl', message: 'must start with rtsp://, rtsps:// or demo: (got ftp:)' },
      ],
    });
  });

  it('answers unsupported without a handler and passes ContractError data through', async () => {
    const transport = createFakeTransport({
      'cameras.get': () => {
        throw new ContractError('not_found', 'No such camera.', { id: 'cam-0000000001' });
      },
    });
    expect((await rejection(transport.invoke('system.info', {}))).code).toBe('unsupported');
    const error = await rejection(transport.invoke('cameras.get', { id: 'cam-0000000001' }));
    expect(error).toMatchObject({
      code: 'not_found',
      message: 'No such camera.',
      details: { id: 'cam-0000000001' },
    });
    expect(transport.calls.map((call) => call.method)).toEqual(['system.info', 'cameras.get']);
  });
});
