import type { LiveHandlers, LiveStreamKind } from './client-transport.js';

/** The part of the DOM `WebSocket` the live client uses; tests pass a fake. */
export interface LiveWebSocket {
  binaryType: BinaryType;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  close(code?: number): void;
}

/** The `ws:`/`wss:` URL of a camera's live stream on a server origin (`http://host:port`). */
export function liveSocketUrl(origin: string, cameraId: string, stream: LiveStreamKind): string {
  const url = new URL('/api/live', origin);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.searchParams.set('camera', cameraId);
  url.searchParams.set('stream', stream);
  return url.toString();
}

/**
 * Speaks the gateway's live protocol (electron/engine/gateway/live-socket.ts): a text `init` message announces the
 * MSE type and the next binary message is the init segment; other binary messages are fragments; a text `close`
 * says why the server ends the stream. A drop without one is `retry: true`.
 */
export function openLiveSocket(socket: LiveWebSocket, handlers: LiveHandlers): () => void {
  let pendingMime: string | null = null;
  let done = false;
  let closeReason: { reason: string; retry: boolean } | null = null;
  socket.binaryType = 'arraybuffer';

  function finish(reason: string, retry: boolean): void {
    if (done) return;
    done = true;
    socket.onmessage = null;
    socket.onclose = null;
    socket.onerror = null;
    handlers.onClose(reason, retry);
  }

  socket.onmessage = (event) => {
    if (done) return;
    const { data } = event;
    if (typeof data === 'string') {
      let message: { type?: unknown; mime?: unknown; reason?: unknown; retry?: unknown };
      try {
        message = JSON.parse(data) as typeof message;
      } catch {
        return;
      }
      if (message.type === 'init' && typeof message.mime === 'string') pendingMime = message.mime;
      else if (message.type === 'close') {
        closeReason = {
          reason: typeof message.reason === 'string' ? message.reason : 'The server ended the stream.',
          retry: message.retry === true,
        };
      }
      return;
    }
    if (!(data instanceof ArrayBuffer)) return;
    const bytes = new Uint8Array(data);
    if (pendingMime !== null) {
      const mime = pendingMime;
      pendingMime = null;
      handlers.onInit(mime, bytes);
    } else handlers.onFragment(bytes);
  };
  socket.onclose = (event) => {
    if (closeReason !== null) finish(closeReason.reason, closeReason.retry);
    else finish(`The live connection closed (code ${event.code}).`, true);
  };
  socket.onerror = () => undefined;

  return () => {
    if (done) return;
    done = true;
    socket.onmessage = null;
    socket.onclose = null;
    socket.onerror = null;
    socket.close(1000);
  };
}
