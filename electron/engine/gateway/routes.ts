/**
 * The one route table: REST resources mapped onto contract methods. The gateway registers each row; the
 * OpenAPI document (issue 8) is generated from the same rows and the contract's schemas.
 */
import type { MethodName } from '../../../common/contract/index.js';

export interface RouteRequest {
  params: Record<string, string | string[] | undefined>;
  query: Record<string, unknown>;
  body: unknown;
}

export interface Route {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Express path syntax. */
  path: string;
  call: MethodName;
  /** Builds the contract argument from the request; validation happens in the engine. */
  argument: (request: RouteRequest) => unknown;
  /** Status on success (200 unless stated). */
  status?: number;
}

const none = (): unknown => ({});

/** The body merged with path parameters; a non-object body is passed through so validation names it. */
function bodyWith(request: RouteRequest, extra: Record<string, unknown>): unknown {
  const body = request.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  return { ...body, ...extra };
}

/** `GET /api/events?camera=a&camera=b&label=person&zone=&from=&to=&minScore=&limit=&before=` as `events.list`. */
function eventsQuery(query: Record<string, unknown>): unknown {
  const list = (value: unknown): unknown =>
    value === undefined ? undefined : Array.isArray(value) ? value : [value];
  const number = (value: unknown): unknown =>
    typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))
      ? Number(value)
      : value;
  const argument: Record<string, unknown> = {
    cameraIds: list(query.camera),
    labels: list(query.label),
    zone: query.zone,
    from: number(query.from),
    to: number(query.to),
    minScore: number(query.minScore),
    limit: number(query.limit),
    before: number(query.before),
  };
  return Object.fromEntries(Object.entries(argument).filter(([, value]) => value !== undefined));
}

export const ROUTES: readonly Route[] = [
  { method: 'GET', path: '/api/health', call: 'system.health', argument: none },
  { method: 'GET', path: '/api/system', call: 'system.info', argument: none },
  { method: 'GET', path: '/api/cameras', call: 'cameras.list', argument: none },
  {
    method: 'POST',
    path: '/api/streams/probe',
    call: 'streams.probe',
    argument: (request) => request.body,
  },
  {
    method: 'POST',
    path: '/api/onvif/discover',
    call: 'onvif.discover',
    argument: (request) => request.body,
  },
  {
    method: 'POST',
    path: '/api/onvif/connect',
    call: 'onvif.connect',
    argument: (request) => request.body,
  },
  {
    method: 'GET',
    path: '/api/events',
    call: 'events.list',
    argument: (request) => eventsQuery(request.query),
  },
  {
    method: 'POST',
    path: '/api/cameras',
    call: 'cameras.add',
    argument: (request) => request.body,
    status: 201,
  },
  {
    method: 'GET',
    path: '/api/cameras/:id',
    call: 'cameras.get',
    argument: (request) => ({ id: request.params.id }),
  },
  {
    method: 'GET',
    path: '/api/cameras/:id/ptz',
    call: 'ptz.info',
    argument: (request) => ({ id: request.params.id }),
  },
  {
    method: 'POST',
    path: '/api/cameras/:id/ptz/move',
    call: 'ptz.move',
    argument: (request) => bodyWith(request, { id: request.params.id }),
  },
  {
    method: 'POST',
    path: '/api/cameras/:id/ptz/stop',
    call: 'ptz.stop',
    argument: (request) => ({ id: request.params.id }),
  },
  {
    method: 'POST',
    path: '/api/cameras/:id/ptz/goto',
    call: 'ptz.gotoPreset',
    argument: (request) => bodyWith(request, { id: request.params.id }),
  },
  {
    method: 'POST',
    path: '/api/cameras/:id/ptz/presets',
    call: 'ptz.setPreset',
    argument: (request) => bodyWith(request, { id: request.params.id }),
  },
  {
    method: 'PATCH',
    path: '/api/cameras/:id',
    call: 'cameras.update',
    argument: (request) => bodyWith(request, { id: request.params.id }),
  },
  {
    method: 'DELETE',
    path: '/api/cameras/:id',
    call: 'cameras.remove',
    // The caller must say what happens to the recordings: `?recordings=keep`.
    argument: (request) => ({ id: request.params.id, recordings: request.query.recordings }),
  },
];

/**
 * Routes whose answer is media, not JSON (HLS for other players, see README "HLS"). The gateway serves them
 * itself; they are listed here with the others so the OpenAPI document and the camera-scoped access checks of
 * issue 8 cover them.
 */
export interface MediaRoute {
  method: 'GET';
  path: string;
  serves: 'vod.playlist' | 'vod.segment';
}

export const MEDIA_ROUTES: readonly MediaRoute[] = [
  // `?start=&end=` in UTC ms: an HLS VOD playlist over the recorded segments in that range.
  { method: 'GET', path: '/api/cameras/:id/vod.m3u8', serves: 'vod.playlist' },
  // One segment file by id (never a path), with range requests: the playlist's maps and media point here.
  { method: 'GET', path: '/api/cameras/:id/segments/:segmentId.mp4', serves: 'vod.segment' },
];
