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
 * The upgrade needs a signed-in account that may see the camera (401, 403 or 404 before any media); the
 * socket closes when that account signs out or loses the camera.
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
  /** Closes the sockets of one account (signed out, password changed, access changed). */
  closeFor(userId: string): void;
  /** Closes sockets whose session no longer holds. */
  closeWhere(invalid: (sessionKey: string) => boolean): void;
  close(): void;
}

/** Who may open a live socket for a camera: the account, or why not (401, 403 or 404). */
export type LiveAdmission =
  { userId: string; sessionKey: string } | { status: 401 | 403 | 404; message: string };

const STATUS_TEXT = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found' } as const;
const STATUS_CODE = { 401: 'unauthorized', 403: 'forbidden', 404: 'not_found' } as const;

function reject(socket: Duplex, status: 401 | 403 | 404, message: string): void {
  const body = JSON.stringify({ code: STATUS_CODE[status], message });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status]}\r\n` +
      'Content-Type: application/json\r\nConnection: close\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

export function createLiveSocketServer(options: {
  live: LiveApi | undefined;
  /** Checks Host, Origin, the session and the account's access to the camera. */
  admit: (request: http.IncomingMessage, cameraId: string | null) => LiveAdmission;
  logger: Logger;
}): LiveSocketServer {
  const logger = options.logger.child({ component: 'live-ws' });
  // Clients send nothing: a tiny payload limit makes anything else a protocol error.
  const server = new WebSocketServer({ noServer: true, maxPayload: 1024, perMessageDeflate: false });
  const owners = new Map<WebSocket, { userId: string; sessionKey: string }>();

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
    ws.on('close', () => {
      owners.delete(ws);
      stop();
    });
  }

  function closeMatching(match: (owner: { userId: string; sessionKey: string }) => boolean): void {
    for (const [ws, owner] of owners) {
      if (!match(owner)) continue;
      owners.delete(ws);
      if (ws.readyState === ws.OPEN)
        ws.send(JSON.stringify({ type: 'close', reason: 'Signed out', retry: false }));
      ws.close(1008, 'Signed out');
    }
  }

  return {
    handleUpgrade(request, socket, head) {
      const url = new URL(request.url ?? '/', 'http://localhost');
      if (url.pathname !== LIVE_PATH) return false;
      const cameraId = url.searchParams.get('camera');
      const admission = options.admit(request, cameraId);
      if ('status' in admission) {
        reject(socket, admission.status, admission.message);
        return true;
      }
      server.handleUpgrade(request, socket, head, (ws) => {
        owners.set(ws, admission);
        serve(ws, cameraId, url.searchParams.get('stream') ?? 'sub');
      });
      return true;
    },
    closeFor(userId) {
      closeMatching((owner) => owner.userId === userId);
    },
    closeWhere(invalid) {
      closeMatching((owner) => invalid(owner.sessionKey));
    },
    close() {
      for (const client of server.clients) client.terminate();
      server.close();
    },
  };
}
