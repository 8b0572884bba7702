/**
 * The OpenAPI 3.1 document of the gateway (`GET /api/openapi.json`), generated from the one route table
 * (`routes.ts`, `auth-routes.ts`) and the contract's zod schemas, so it cannot drift from what the server
 * validates. Every contract method is also documented as its `POST /api/rpc/<method>` form. Each operation says
 * who may call it (`x-omnisight-access`: public, viewer or admin; viewers only for their cameras).
 */
import { z } from 'zod';
import {
  ApiErrorSchema,
  METHOD_ACCESS,
  METHOD_NAMES,
  methods,
  type MethodAccess,
} from '../../../common/contract/index.js';
import { AUTH_ROUTES } from './auth-routes.js';
import { MEDIA_ROUTES, ROUTES } from './routes.js';

type Json = Record<string, unknown>;

function schema(type: z.ZodType, io: 'input' | 'output'): Json {
  const converted = z.toJSONSchema(type, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Json;
  delete converted.$schema;
  return converted;
}

const ERROR_REF = { $ref: '#/components/schemas/ApiError' };

function errorResponses(access: MethodAccess): Json {
  const responses: Json = {
    '400': {
      description: 'Invalid argument (field issues in `details.issues`)',
      content: { 'application/json': { schema: ERROR_REF } },
    },
    '404': {
      description: 'Not found (also a camera the account may not see)',
      content: { 'application/json': { schema: ERROR_REF } },
    },
    '413': { description: 'Body over 64 KB' },
  };
  if (access !== 'public') {
    responses['401'] = {
      description: 'Not signed in, or the session ended',
      content: { 'application/json': { schema: ERROR_REF } },
    };
    responses['403'] = {
      description: 'Needs an admin account, or a cross-site request',
      content: { 'application/json': { schema: ERROR_REF } },
    };
  }
  return responses;
}

function security(access: MethodAccess): Json[] {
  return access === 'public' ? [] : [{ bearer: [] }, { cookie: [] }];
}

/** `/api/cameras/:id/segments/:segmentId.mp4` → `/api/cameras/{id}/segments/{segmentId}.mp4` and its names. */
function pathOf(expressPath: string): { path: string; params: string[] } {
  const params: string[] = [];
  const path = expressPath.replace(/:([A-Za-z]+)/g, (_match, name: string) => {
    params.push(name);
    return `{${name}}`;
  });
  return { path, params };
}

function pathParameters(params: readonly string[]): Json[] {
  return params.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } }));
}

const EVENTS_QUERY: Json[] = [
  {
    name: 'camera',
    in: 'query',
    schema: { type: 'array', items: { type: 'string' } },
    style: 'form',
    explode: true,
  },
  {
    name: 'label',
    in: 'query',
    schema: { type: 'array', items: { type: 'string' } },
    style: 'form',
    explode: true,
  },
  ...(['zone', 'from', 'to', 'minScore', 'limit', 'before'] as const).map((name) => ({
    name,
    in: 'query',
    schema: name === 'zone' ? { type: 'string' } : { type: 'number' },
  })),
];

export function openApiDocument(version: string): Json {
  const paths: Record<string, Record<string, Json>> = {};
  const add = (path: string, method: string, operation: Json): void => {
    paths[path] ??= {};
    paths[path][method.toLowerCase()] = operation;
  };

  for (const route of ROUTES) {
    const spec = methods[route.call];
    const access = METHOD_ACCESS[route.call];
    const { path, params } = pathOf(route.path);
    const operation: Json = {
      operationId: `${route.method.toLowerCase()}:${route.path}`,
      summary: spec.summary,
      description: `The contract method \`${route.call}\`.`,
      'x-omnisight-access': access,
      'x-omnisight-method': route.call,
      security: security(access),
      parameters: [
        ...pathParameters(params),
        ...(route.call === 'events.list' ? EVENTS_QUERY : []),
        ...(route.method === 'DELETE'
          ? [{ name: 'recordings', in: 'query', required: true, schema: { type: 'string', enum: ['keep'] } }]
          : []),
      ],
      responses: {
        [String(route.status ?? 200)]: {
          description: 'OK',
          content: { 'application/json': { schema: schema(spec.output, 'output') } },
        },
        ...errorResponses(access),
      },
    };
    if (route.method === 'POST' || route.method === 'PATCH') {
      operation.requestBody = {
        required: true,
        content: { 'application/json': { schema: schema(spec.input, 'input') } },
      };
    }
    add(path, route.method, operation);
  }

  for (const name of METHOD_NAMES) {
    const spec = methods[name];
    const access = METHOD_ACCESS[name];
    // The desktop app's own methods are refused by the gateway to everyone: not part of its API.
    if (access === 'desktop') continue;
    add(`/api/rpc/${name}`, 'POST', {
      operationId: `rpc:${name}`,
      summary: spec.summary,
      'x-omnisight-access': access,
      'x-omnisight-method': name,
      security: security(access),
      requestBody: {
        required: true,
        content: { 'application/json': { schema: schema(spec.input, 'input') } },
      },
      responses: {
        '200': {
          description: 'OK',
          content: { 'application/json': { schema: schema(spec.output, 'output') } },
        },
        ...errorResponses(access),
      },
    });
  }

  for (const route of AUTH_ROUTES) {
    const access: MethodAccess = route.signedIn ? 'viewer' : 'public';
    add(route.path, route.method, {
      operationId: `auth:${route.path}`,
      summary: route.summary,
      'x-omnisight-access': access,
      security: security(access),
      ...(route.input === undefined
        ? {}
        : {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: schema(route.input, 'input') } },
            },
          }),
      responses: {
        ...(route.output === undefined
          ? { '204': { description: 'Done' } }
          : {
              '200': {
                description: 'OK',
                content: { 'application/json': { schema: schema(route.output, 'output') } },
              },
            }),
        ...errorResponses(access),
        ...(route.path === '/api/auth/login' || route.path === '/api/auth/setup'
          ? {
              '429': {
                description: 'Locked after repeated failures; see Retry-After',
                content: { 'application/json': { schema: ERROR_REF } },
              },
            }
          : {}),
      },
    });
  }

  for (const route of MEDIA_ROUTES) {
    const { path, params } = pathOf(route.path);
    const playlist = route.serves === 'vod.playlist';
    add(path, 'GET', {
      operationId: `media:${route.serves}`,
      summary: playlist
        ? 'An HLS VOD playlist (fMP4) over the recordings of one camera in a UTC range.'
        : 'One recorded segment file by id, with range requests.',
      'x-omnisight-access': 'viewer',
      security: security('viewer'),
      parameters: [
        ...pathParameters(params),
        ...(playlist
          ? [
              { name: 'start', in: 'query', required: true, schema: { type: 'integer' } },
              { name: 'end', in: 'query', required: true, schema: { type: 'integer' } },
            ]
          : [{ name: 'Range', in: 'header', schema: { type: 'string' } }]),
      ],
      responses: {
        '200': {
          description: 'OK',
          content: playlist
            ? { 'application/vnd.apple.mpegurl': { schema: { type: 'string' } } }
            : { 'video/mp4': { schema: { type: 'string', format: 'binary' } } },
        },
        ...(playlist
          ? {}
          : { '206': { description: 'Partial content' }, '416': { description: 'Range past the end' } }),
        ...errorResponses('viewer'),
      },
    });
  }

  const files: [string, string, string][] = [
    ['/api/exports/{id}/download', 'A finished export file (MP4), by id.', 'video/mp4'],
    ['/api/events/{id}/snapshot.jpg', "An event's snapshot (JPEG), by id.", 'image/jpeg'],
    ['/api/events/{id}/thumbnail.jpg', "An event's thumbnail (JPEG), by id.", 'image/jpeg'],
  ];
  for (const [path, summary, type] of files) {
    add(path, 'GET', {
      operationId: `file:${path}`,
      summary,
      'x-omnisight-access': 'viewer',
      security: security('viewer'),
      parameters: pathParameters(['id']),
      responses: {
        '200': { description: 'OK', content: { [type]: { schema: { type: 'string', format: 'binary' } } } },
        ...errorResponses('viewer'),
      },
    });
  }
  add('/api/metrics', 'GET', {
    operationId: 'metrics',
    summary: 'Prometheus metrics (text exposition format).',
    'x-omnisight-access': 'admin',
    security: security('admin'),
    responses: {
      '200': { description: 'OK', content: { 'text/plain': { schema: { type: 'string' } } } },
      ...errorResponses('admin'),
    },
  });

  return {
    openapi: '3.1.0',
    info: {
      title: 'OmniSight gateway API',
      version,
      description:
        'Every contract method as REST where it has a resource and as `POST /api/rpc/<method>`. Sign in with ' +
        '`POST /api/auth/login` and send `Authorization: Bearer <token>`. Events are pushed over socket.io ' +
        '(`/socket.io`, under their contract names); live video is a WebSocket at `/api/live?camera=<id>&stream=main|sub`.',
    },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'The token from /api/auth/login' },
        cookie: { type: 'apiKey', in: 'cookie', name: 'omnisight_session' },
      },
      schemas: { ApiError: schema(ApiErrorSchema, 'output') },
    },
    paths,
  };
}
