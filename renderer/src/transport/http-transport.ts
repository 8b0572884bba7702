import { io } from 'socket.io-client';
import {
  HTTP_STATUS,
  isApiError,
  RemoteError,
  type ErrorCode,
  type EventName,
  type EventPayload,
  type MethodArgument,
  type MethodName,
  type MethodResult,
} from '../../../common/contract/index.js';
import type { ClientTransport } from './client-transport.js';
import { liveSocketUrl, openLiveSocket, type LiveWebSocket } from './live-socket.js';

/** The part of a socket.io client socket this transport uses; tests pass a fake. */
export interface EventSocket {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
  close(): unknown;
}

export interface HttpTransportOptions {
  /** Origin of the headless server, e.g. `http://nvr.local:8080`. Defaults to the page's own origin. */
  origin?: string;
  /** Defaults to the global `fetch`. */
  fetch?: typeof fetch;
  /** Opens the event socket; defaults to socket.io-client on the same origin (path `/socket.io`). */
  connect?: (origin: string) => EventSocket;
  /** Opens a live WebSocket; defaults to the DOM's `WebSocket`. */
  openSocket?: (url: string) => LiveWebSocket;
}

/** An HTTP transport that can also be shut down (tests, or a window that switches engines). */
export interface HttpTransport extends ClientTransport {
  close(): void;
}

const CODE_FOR_STATUS = new Map<number, ErrorCode>(
  Object.entries(HTTP_STATUS).map(([code, status]) => [status, code as ErrorCode]),
);

/** An error for an answer that is not the contract's `ApiError` (a proxy page, a crashed server). */
function errorForStatus(method: string, response: Response): RemoteError {
  const gatewayDown = response.status === 502 || response.status === 503 || response.status === 504;
  const code: ErrorCode = gatewayDown ? 'unavailable' : (CODE_FOR_STATUS.get(response.status) ?? 'internal');
  const statusText = response.statusText === '' ? '' : ` ${response.statusText}`;
  return new RemoteError({
    code,
    message: `The server answered ${method} with HTTP ${response.status}${statusText} and no error details.`,
  });
}

async function readJson(response: Response): Promise<{ ok: true; value: unknown } | { ok: false }> {
  try {
    return { ok: true, value: (await response.json()) as unknown };
  } catch {
    return { ok: false };
  }
}

/**
 * The transport in a browser talking to `omnisight server`: each command is `POST /api/rpc/<method>` with the
 * argument as the JSON body; events arrive on one shared socket.io connection, each under its contract name.
 */
export function createHttpTransport(options: HttpTransportOptions = {}): HttpTransport {
  const origin = options.origin ?? window.location.origin;
  const fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const connect =
    options.connect ??
    ((url: string) => io(url, { path: '/socket.io', transports: ['websocket', 'polling'] }));
  // The DOM's handler properties are typed with `this` and MessageEvent; the client needs only their shape.
  const openSocket = options.openSocket ?? ((url: string) => new WebSocket(url) as unknown as LiveWebSocket);
  const resyncListeners = new Set<() => void>();
  let socket: EventSocket | null = null;

  // One connection for every subscription, opened by the first one.
  function eventSocket(): EventSocket {
    if (socket === null) {
      socket = connect(origin);
      socket.on('connect', () => {
        for (const listener of [...resyncListeners]) listener();
      });
    }
    return socket;
  }

  return {
    kind: 'http',
    async invoke<M extends MethodName>(name: M, argument: MethodArgument<M>): Promise<MethodResult<M>> {
      let response: Response;
      try {
        response = await fetchImpl(`${origin}/api/rpc/${encodeURIComponent(name)}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify(argument),
        });
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new RemoteError({
          code: 'unavailable',
          message: `Cannot reach the OmniSight server at ${origin} (${reason}).`,
        });
      }
      const body = await readJson(response);
      if (response.ok) {
        if (!body.ok) {
          throw new RemoteError({
            code: 'internal',
            message: `The server answered ${name} with malformed JSON.`,
          });
        }
        // The server encodes the contract's result types; the renderer trusts the engine it talks to.
        return body.value as MethodResult<M>;
      }
      if (body.ok && isApiError(body.value)) throw new RemoteError(body.value);
      throw errorForStatus(name, response);
    },
    subscribe<E extends EventName>(name: E, listener: (payload: EventPayload<E>) => void): () => void {
      const target = eventSocket();
      // A wrapper per subscription, so subscribing the same listener twice still unsubscribes one at a time.
      const handler = (payload: unknown): void => listener(payload as EventPayload<E>);
      target.on(name, handler);
      return () => {
        target.off(name, handler);
      };
    },
    openLive(cameraId, stream, handlers) {
      return openLiveSocket(openSocket(liveSocketUrl(origin, cameraId, stream)), handlers);
    },
    async fetchSegment(cameraId, segmentId, { range, signal } = {}) {
      const url = `${origin}/api/cameras/${encodeURIComponent(cameraId)}/segments/${segmentId}.mp4`;
      const init: RequestInit = {};
      if (signal !== undefined) init.signal = signal;
      if (range !== undefined)
        init.headers = { range: `bytes=${range.start}-${range.start + range.length - 1}` };
      let response: Response;
      try {
        response = await fetchImpl(url, init);
      } catch (error) {
        if (signal?.aborted === true) throw error;
        const reason = error instanceof Error ? error.message : String(error);
        throw new RemoteError({
          code: 'unavailable',
          message: `Cannot reach the OmniSight server at ${origin} (${reason}).`,
        });
      }
      if (response.status === 206 || (response.ok && range === undefined))
        return await response.arrayBuffer();
      // A server (or proxy) that ignores Range answers the whole file: take the range from it.
      if (response.ok && range !== undefined)
        return (await response.arrayBuffer()).slice(range.start, range.start + range.length);
      if (response.status === 416) {
        throw new RemoteError({
          code: 'validation',
          message: `Bytes ${range?.start ?? 0}… are past the end of segment ${segmentId} (HTTP 416).`,
        });
      }
      const body = await readJson(response);
      if (body.ok && isApiError(body.value)) throw new RemoteError(body.value);
      throw errorForStatus(`segment ${segmentId}`, response);
    },
    onResync(listener: () => void): () => void {
      resyncListeners.add(listener);
      eventSocket();
      return () => {
        resyncListeners.delete(listener);
      };
    },
    close(): void {
      socket?.close();
      socket = null;
      resyncListeners.clear();
    },
  };
}
