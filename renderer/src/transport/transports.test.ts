import { afterEach, describe, expect, it, vi } from 'vitest';
import { ContractError, RemoteError, type Outcome } from '../../../common/contract/index.js';
import { makeCamera } from '../testing.js';
import { createFakeTransport } from './fake-transport.js';
import { createHttpTransport, type EventSocket } from './http-transport.js';
import { createDefaultTransport } from './index.js';
import { createIpcTransport, type OmnisightBridge } from './ipc-transport.js';

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

describe('createDefaultTransport', () => {
  afterEach(() => {
    delete window.omnisight;
  });

  it('uses IPC inside Electron and HTTP in a browser', () => {
    expect(createDefaultTransport().kind).toBe('http');
    window.omnisight = {
      invoke: () => Promise.resolve({ ok: true, value: null }),
      subscribe: () => () => undefined,
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
