/**
 * The HTTP + socket.io gateway: REST routes from the route table, a generic `POST /api/rpc/:method` used by
 * the browser renderer, contract events pushed over socket.io, `/api/metrics`, and the built renderer.
 * It only decodes, calls the engine (which validates) and encodes errors.
 *
 * Every request except liveness, the UI's files and sign-in needs a session (issue 8): a bearer token or the
 * HttpOnly cookie. Contract calls go through the guard (`../auth/guard.ts`: roles and per-camera access), and
 * so do the file routes, socket.io (rooms per camera) and the live WebSocket. Host is checked against DNS
 * rebinding and Origin against cross-site requests on HTTP and WebSocket alike; a cookie-signed request that
 * changes anything must carry this server's Origin.
 */
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import { Server as SocketServer } from 'socket.io';
import { ContractError, HTTP_STATUS, toApiError, type ApiError } from '../../../common/contract/index.js';
import { contentSecurityPolicy } from '../../../common/csp.js';
import type { AccountService, Principal } from '../auth/account-service.js';
import { eventAudience, exportVisible, guardedCall, viewerOf, type Viewer } from '../auth/guard.js';
import type { EngineApi, LiveApi, Logger } from '../ports.js';
import { createLiveSocketServer } from './live-socket.js';
import { AUTH_ROUTES } from './auth-routes.js';
import {
  clientAddress,
  refusal as refusalOf,
  sessionCookie,
  sessionToken,
  type OriginPolicy,
} from './request-auth.js';
import { openApiDocument } from './openapi.js';
import { MEDIA_ROUTES, ROUTES } from './routes.js';

export interface GatewayOptions {
  engine: EngineApi & {
    metrics(): string;
    /** A finished export's file by id; absent on engines without exports. */
    exportFile?(id: unknown): { path: string; fileName: string };
    eventSnapshot?(
      id: unknown,
      kind: 'snapshot' | 'thumbnail',
      canSee?: (cameraId: string) => boolean,
    ): string;
    /** HLS for other players; absent on engines without recordings. */
    vod?: {
      playlist(cameraId: unknown, query: unknown): string;
      segmentFile(cameraId: unknown, segmentId: unknown): string;
      /** A segment file with a lease (retention keeps it) until `release()`; used for the segment route. */
      leaseSegment?(cameraId: unknown, segmentId: unknown): { file: string; release(): void };
    };
    /** Live fMP4 over `GET /api/live` upgraded to a WebSocket; absent on engines without recording. */
    live?: LiveApi;
  };
  /** Accounts and sessions: every request but sign-in and liveness needs one. */
  accounts: AccountService;
  logger: Logger;
  host: string;
  port: number;
  /** Host names (besides IP literals and localhost) the gateway answers to. */
  allowedHosts?: readonly string[];
  /** Addresses of reverse proxies whose `X-Forwarded-For` is believed (none by default). */
  trustedProxies?: readonly string[];
  /** Serve HTTPS with this certificate and key (see tls.ts); plain HTTP when absent. */
  tls?: { cert: Buffer; key: Buffer };
  /** The version the OpenAPI document names. */
  version?: string;
  /** The built renderer (`out/renderer`); the UI is not served when absent. */
  staticDir?: string;
}

export interface Gateway {
  /** `http://host:port` with the port actually bound. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const BODY_LIMIT = '64kb';

/** The CSP for the UI and API responses (see common/csp.ts). */
export const CONTENT_SECURITY_POLICY = contentSecurityPolicy({ websockets: true });

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function sendError(response: Response, error: ApiError): void {
  const retry = (error.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
  if (error.code === 'too_many_requests' && typeof retry === 'number')
    response.setHeader('Retry-After', String(retry));
  response.status(HTTP_STATUS[error.code]).json(error);
}

interface Locals {
  principal: Principal | null;
  viewer: Viewer | null;
  address: string;
}

function locals(response: Response): Locals {
  return response.locals as Locals;
}

/** The signed-in account of a request, or a 401 answer (then returns null). */
function requireViewer(response: Response): Viewer | null {
  const viewer = locals(response).viewer;
  if (viewer === null) sendError(response, { code: 'unauthorized', message: 'Sign in first' });
  return viewer;
}

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const { engine, accounts } = options;
  const policy: OriginPolicy = { allowedHosts: options.allowedHosts ?? [] };
  const trustedProxies = options.trustedProxies ?? [];
  const refusal = (headers: http.IncomingHttpHeaders): string | null => refusalOf(headers, policy);
  const call = (method: string, argument: unknown): Promise<unknown> => engine.call(method, argument);
  /** The session of a request's headers; a cookie session that changes something needs our Origin. */
  function principalOf(request: http.IncomingMessage): Principal | null {
    const found = sessionToken(request.headers);
    if (found === null) return null;
    const principal = accounts.authenticate(found.token);
    if (principal === null) return null;
    if (
      found.via === 'cookie' &&
      UNSAFE_METHODS.has(request.method ?? '') &&
      request.headers.origin === undefined
    )
      return null;
    return principal;
  }
  const logger = options.logger.child({ component: 'gateway' });
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');

  app.use((request, response, next) => {
    response.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    response.setHeader('X-Content-Type-Options', 'nosniff');
    response.setHeader('X-Frame-Options', 'DENY');
    response.setHeader('Referrer-Policy', 'no-referrer');
    response.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    response.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    const refused = refusal(request.headers);
    if (refused !== null) {
      sendError(response, { code: 'forbidden', message: refused });
      return;
    }
    const principal = principalOf(request);
    response.locals.principal = principal;
    response.locals.viewer = principal === null ? null : viewerOf(principal.user);
    response.locals.address = clientAddress(request.socket.remoteAddress, request.headers, trustedProxies);
    if (request.path.startsWith('/api/')) response.setHeader('Cache-Control', 'no-store');
    next();
  });
  app.use('/api', express.json({ limit: BODY_LIMIT, strict: false }));

  // Sign-in, setup, sign-out, who am I, change my password (auth-routes.ts).
  for (const route of AUTH_ROUTES) {
    const register = route.method === 'GET' ? app.get.bind(app) : app.post.bind(app);
    register(route.path, (request: Request, response: Response) => {
      const { principal, address } = locals(response);
      route
        .handle({ accounts, principal, address, body: request.body as unknown })
        .then((outcome) => {
          if (outcome.cookie !== undefined) {
            response.setHeader(
              'Set-Cookie',
              outcome.cookie === null
                ? sessionCookie('', 0, request.secure)
                : sessionCookie(outcome.cookie.token, outcome.cookie.maxAgeSeconds, request.secure),
            );
          }
          if (outcome.body === undefined) response.status(204).end();
          else response.status(200).json(outcome.body);
        })
        .catch((error: unknown) => {
          const apiError = toApiError(error);
          if (apiError.code === 'internal')
            logger.error({ err: error, route: route.path }, 'Auth route failed');
          sendError(response, apiError);
        });
    });
  }

  async function run(response: Response, method: string, argument: unknown, status = 200): Promise<void> {
    try {
      const result = await guardedCall(call, locals(response).viewer, method, argument);
      response.status(status).json(result);
    } catch (error) {
      const apiError = toApiError(error);
      if (apiError.code === 'internal') logger.error({ err: error, method }, `${method} failed`);
      sendError(response, apiError);
    }
  }

  for (const route of ROUTES) {
    const register = {
      GET: app.get.bind(app),
      POST: app.post.bind(app),
      PATCH: app.patch.bind(app),
      DELETE: app.delete.bind(app),
    }[route.method];
    register(route.path, (request: Request, response: Response) => {
      const argument = route.argument({
        params: request.params,
        query: request.query,
        body: request.body as unknown,
      });
      void run(response, route.call, argument, route.status);
    });
  }

  app.post('/api/rpc/:method', (request: Request<{ method: string }>, response: Response) => {
    void run(response, request.params.method, request.body);
  });

  // A finished export, looked up by id only (the id is validated; the path comes from the engine), with range
  // requests so a <video> can seek in it. Not a contract method: the answer is a file, not JSON.
  app.get('/api/exports/:id/download', (request: Request<{ id: string }>, response: Response) => {
    const viewer = requireViewer(response);
    if (viewer === null) return;
    void (async () => {
      let file: { path: string; fileName: string };
      try {
        if (engine.exportFile === undefined)
          throw new ContractError('unsupported', 'This engine has no exports');
        await exportVisible(call, viewer, request.params.id);
        file = engine.exportFile(request.params.id);
      } catch (error) {
        sendError(response, toApiError(error));
        return;
      }
      response.download(file.path, file.fileName, { headers: { 'Content-Type': 'video/mp4' } }, (error) => {
        if (error !== undefined && !response.headersSent) {
          logger.error({ err: error }, 'Export download failed');
          sendError(response, { code: 'internal', message: 'The export file could not be read' });
        }
      });
    })();
  });

  // An event's snapshot or thumbnail JPEG, by event id only (validated; the path comes from the engine).
  for (const [suffix, kind] of [
    ['snapshot.jpg', 'snapshot'],
    ['thumbnail.jpg', 'thumbnail'],
  ] as const) {
    app.get(`/api/events/:id/${suffix}`, (request: Request<{ id: string }>, response: Response) => {
      const viewer = requireViewer(response);
      if (viewer === null) return;
      let file: string;
      try {
        if (engine.eventSnapshot === undefined)
          throw new ContractError('unsupported', 'This engine has no detection events');
        file = engine.eventSnapshot(request.params.id, kind, (cameraId) => viewer.canSee(cameraId));
      } catch (error) {
        sendError(response, toApiError(error));
        return;
      }
      response.sendFile(
        file,
        { headers: { 'Content-Type': 'image/jpeg', 'Cache-Control': 'private, max-age=60' } },
        (error) => {
          if (error !== undefined && !response.headersSent) {
            logger.error({ err: error }, 'Event snapshot could not be sent');
            sendError(response, { code: 'internal', message: 'The snapshot could not be read' });
          }
        },
      );
    });
  }

  // HLS: the playlist, and segment files by id with range requests (players fetch byte ranges).
  for (const route of MEDIA_ROUTES) {
    app.get(route.path, (request: Request, response: Response) => {
      const cameraId = request.params.id;
      const viewer = requireViewer(response);
      if (viewer === null) return;
      try {
        // A camera the account may not see answers as an unknown one.
        if (typeof cameraId !== 'string' || !viewer.canSee(cameraId))
          throw new ContractError('not_found', `No camera ${String(cameraId).slice(0, 40)}`);
        const vod = engine.vod;
        if (vod === undefined) throw new ContractError('unsupported', 'This engine has no recordings');
        if (route.serves === 'vod.playlist') {
          const playlist = vod.playlist(cameraId, request.query);
          response
            .status(200)
            .type('application/vnd.apple.mpegurl')
            .set('Cache-Control', 'no-store')
            .send(playlist);
          return;
        }
        const leased = vod.leaseSegment?.(cameraId, request.params.segmentId);
        const file = leased?.file ?? vod.segmentFile(cameraId, request.params.segmentId);
        // Retention skips a leased segment: the lease lasts until the response ends or the client leaves.
        if (leased !== undefined) response.once('close', () => leased.release());
        response.sendFile(file, { headers: { 'Content-Type': 'video/mp4' }, dotfiles: 'deny' }, (error) => {
          if (error === undefined || response.headersSent) return;
          const missing = (error as { code?: unknown }).code === 'ENOENT';
          if (!missing) logger.error({ err: error, file }, 'Segment file could not be served');
          sendError(
            response,
            missing
              ? { code: 'not_found', message: 'The segment file is missing' }
              : { code: 'internal', message: 'The segment file could not be read' },
          );
        });
      } catch (error) {
        const apiError = toApiError(error);
        if (apiError.code === 'internal') logger.error({ err: error, route: route.path }, 'HLS failed');
        sendError(response, apiError);
      }
    });
  }

  // The OpenAPI document, for any signed-in account (it lists what each role may call). Generated once.
  let document: string | undefined;
  app.get('/api/openapi.json', (_request, response) => {
    if (requireViewer(response) === null) return;
    document ??= JSON.stringify(openApiDocument(options.version ?? '0.0.0'));
    response.type('application/json').send(document);
  });
  // Interactive docs would need a third-party page with its own scripts under our CSP: off in this build.
  app.get('/api/docs', (_request, response) => {
    sendError(response, {
      code: 'not_found',
      message: 'Interactive API docs are off; load /api/openapi.json into a viewer of your choice',
    });
  });

  app.get('/api/metrics', (_request, response) => {
    const viewer = requireViewer(response);
    if (viewer === null) return;
    if (viewer.user.role !== 'admin') {
      sendError(response, { code: 'forbidden', message: 'Metrics need an admin account' });
      return;
    }
    response.type('text/plain; version=0.0.4; charset=utf-8').send(engine.metrics());
  });

  app.use('/api', (request, response) => {
    sendError(response, {
      code: 'not_found',
      message: `No API route ${request.method} ${request.baseUrl}${request.path}`,
    });
  });

  const staticDir = options.staticDir;
  if (staticDir !== undefined && fs.existsSync(path.join(staticDir, 'index.html'))) {
    app.use(express.static(staticDir, { index: 'index.html', dotfiles: 'deny', fallthrough: true }));
    app.get(/^(?!\/api\/|\/socket\.io\/).*/, (_request, response) => {
      response.sendFile(path.join(staticDir, 'index.html'));
    });
  } else {
    logger.warn({ staticDir }, 'The built UI was not found; serving the API only (run `npm run build`)');
  }

  // Malformed JSON, oversized bodies and anything else express rejects: a plain ApiError, no stack trace.
  app.use((error: unknown, _request: Request, response: Response, _next: NextFunction) => {
    const status = (error as { status?: unknown }).status;
    const type = (error as { type?: unknown }).type;
    if (type === 'entity.parse.failed') {
      sendError(response, { code: 'validation', message: 'Request body is not valid JSON' });
    } else if (type === 'entity.too.large') {
      response.status(413).json({ code: 'validation', message: `Request body is larger than ${BODY_LIMIT}` });
    } else if (typeof status === 'number' && status >= 400 && status < 500) {
      response.status(status).json({ code: 'validation', message: 'Bad request' });
    } else {
      logger.error({ err: error }, 'Unhandled gateway error');
      sendError(response, toApiError(error));
    }
  });

  const server =
    options.tls === undefined
      ? http.createServer(app)
      : https.createServer({ cert: options.tls.cert, key: options.tls.key, minVersion: 'TLSv1.2' }, app);
  server.requestTimeout = 30_000;
  server.headersTimeout = 15_000;
  const io = new SocketServer(server, {
    serveClient: false,
    maxHttpBufferSize: 64 * 1024,
    allowRequest: (request, callback) => callback(null, refusal(request.headers) === null),
  });
  // socket.io: signed in by the cookie or `auth: { token }`; rooms per camera (viewers), or all (admins).
  // Clients send nothing the server listens to: pushes only.
  io.use((socket, next) => {
    const handshakeToken = (socket.handshake.auth as { token?: unknown }).token;
    const principal =
      typeof handshakeToken === 'string'
        ? accounts.authenticate(handshakeToken)
        : principalOf(socket.request);
    if (principal === null) {
      next(new Error('unauthorized'));
      return;
    }
    socket.data = { userId: principal.user.id, sessionKey: principal.sessionKey };
    const viewer = viewerOf(principal.user);
    if (principal.user.role === 'admin') void socket.join('admins');
    else if (viewer.visible === null) void socket.join('cameras:all');
    else void socket.join(viewer.visible.map((id) => `camera:${id}`));
    next();
  });
  const unsubscribe = engine.onAny((event, payload) => {
    io.to('admins').emit(event, payload);
    const audience = eventAudience(event, payload);
    if (audience !== 'admins')
      io.to([`camera:${audience.cameraId}`, 'cameras:all']).emit(event, audience.forViewers);
  });
  const liveSockets = createLiveSocketServer({
    live: engine.live,
    logger,
    admit: (request, cameraId) => {
      const refused = refusal(request.headers);
      if (refused !== null) return { status: 403, message: refused };
      const principal = principalOf(request);
      if (principal === null) return { status: 401, message: 'Sign in first' };
      if (cameraId !== null && !viewerOf(principal.user).canSee(cameraId))
        return { status: 404, message: `No camera ${cameraId.slice(0, 40)}` };
      return { userId: principal.user.id, sessionKey: principal.sessionKey };
    },
  });
  // Sockets of an account whose sessions ended or whose cameras changed close (clients reconnect and get
  // their new rooms); a sweep ends those whose session expired.
  const disconnectUser = (userId: string): void => {
    for (const socket of io.sockets.sockets.values()) {
      if ((socket.data as { userId?: string }).userId === userId) socket.disconnect(true);
    }
    liveSockets.closeFor(userId);
  };
  const stopListening = accounts.onChange((change) => disconnectUser(change.userId));
  const sweep = setInterval(() => {
    for (const socket of io.sockets.sockets.values()) {
      const key = (socket.data as { sessionKey?: string }).sessionKey;
      if (key === undefined || !accounts.stillValid(key)) socket.disconnect(true);
    }
    liveSockets.closeWhere((key) => !accounts.stillValid(key));
  }, 30_000);
  sweep.unref();
  // socket.io's engine ends upgrades for other paths only after a second, so this one answers first.
  server.on('upgrade', (request: http.IncomingMessage, socket, head: Buffer) => {
    liveSockets.handleUpgrade(request, socket, head);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const displayHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `${options.tls === undefined ? 'http' : 'https'}://${displayHost}:${address.port}`;
  logger.info({ url }, `Gateway listening on ${url}`);

  return {
    url,
    port: address.port,
    async close() {
      unsubscribe();
      stopListening();
      clearInterval(sweep);
      liveSockets.close();
      await io.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
