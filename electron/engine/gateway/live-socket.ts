/**
 * Live view over a WebSocket: `GET /api/live?camera=<id>&stream=main|sub` upgraded, one socket per tile.
 *
 * Protocol (server to client only; anything the client sends closes the socket):
 * - text `{"type":"init","mime":"video/mp4; codecs=\"…\"","stream":"sub"}`, then one binary message with the init
 *   segment; again whenever the camera's stream restarts;
 * - binary messages: one fMP4 fragment each (`moof` + `mdat`, at most about 200 ms);
 * - text `{"type":"close","reason":"…","retry":false}` before the server closes the socket (unknown camera,
 *   camera removed, shutting down).
 *
 * A slow client never slows the camera: past `MAX_BUFFERED_BYTES` unsent, fragments are dropped up to the next
 * keyframe (the live hub counts them).
 */
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { toApiError } from '../../../common/contract/index.js';
import type { LiveApi, Logger } from '../ports.js';

const LIVE_PATH = '/api/live';

/** About two seconds of a 4 Mb/s main stream: beyond this the client is not keeping up. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

export interface LiveSocketServer {
  /** Takes the upgrade when it is for the live path; false leaves it to others (socket.io). */
  handleUpgrade(request: http.IncomingMessage, socket: Duplex, head: Buffer): boolean;
  close(): void;
}

function reject(socket: Duplex, status: number, message: string): void {
  const body = JSON.stringify({ code: status === 403 ? 'forbidden' : 'not_found', message });
  socket.end(
    `HTTP/1.1 ${status} ${status === 403 ? 'Forbidden' : 'Not Found'}\r\n` +
      'Content-Type: application/json\r\nConnection: close\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

export function createLiveSocketServer(options: {
  live: LiveApi | undefined;
  /** Why a request is refused (Host, Origin), or null. */
  refusal: (headers: http.IncomingHttpHeaders) => string | null;
  logger: Logger;
}): LiveSocketServer {
  const logger = options.logger.child({ component: 'live-ws' });
  // Clients send nothing: a tiny payload limit makes anything else a protocol error.
  const server = new WebSocketServer({ noServer: true, maxPayload: 1024, perMessageDeflate: false });

  function serve(ws: WebSocket, cameraId: string | null, stream: string | null): void {
    const sendClose = (reason: string, retry: boolean): void => {
      if (ws.readyState !== ws.OPEN) return;
      ws.send(JSON.stringify({ type: 'close', reason, retry }));
      ws.close(1000);
    };
    let close: () => void;
    try {
      if (options.live === undefined) throw new Error('This engine has no live view.');
      close = options.live.open(cameraId, stream, {
        init(mime, served, data) {
          if (ws.readyState !== ws.OPEN) return;
          ws.send(JSON.stringify({ type: 'init', mime, stream: served }));
          ws.send(data, { binary: true });
        },
        fragment(data) {
          if (ws.readyState !== ws.OPEN) return true;
          if (ws.bufferedAmount > MAX_BUFFERED_BYTES) return false;
          ws.send(data, { binary: true });
          return true;
        },
        close: sendClose,
      });
    } catch (error) {
      const apiError = toApiError(error);
      sendClose(apiError.message, apiError.code === 'unavailable');
      return;
    }
    const stop = close;
    ws.on('message', () => ws.close(1003, 'This socket only sends'));
    ws.on('error', (error) => logger.debug({ err: error }, 'live socket error'));
    ws.on('close', () => stop());
  }

  return {
    handleUpgrade(request, socket, head) {
      const url = new URL(request.url ?? '/', 'http://localhost');
      if (url.pathname !== LIVE_PATH) return false;
      const refused = options.refusal(request.headers);
      if (refused !== null) {
        reject(socket, 403, refused);
        return true;
      }
      server.handleUpgrade(request, socket, head, (ws) =>
        serve(ws, url.searchParams.get('camera'), url.searchParams.get('stream') ?? 'sub'),
      );
      return true;
    },
    close() {
      for (const client of server.clients) client.terminate();
      server.close();
    },
  };
}
