import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { METHOD_ACCESS, METHOD_NAMES } from '../../../common/contract/index.js';
import { openApiDocument } from './openapi.js';
import { MEDIA_ROUTES, ROUTES } from './routes.js';

type Operation = { 'x-omnisight-access'?: string; security?: unknown[]; requestBody?: unknown };

const document = openApiDocument('1.2.3') as {
  openapi: string;
  info: { version: string };
  paths: Record<string, Record<string, Operation>>;
};

describe('OpenAPI document', () => {
  it('validates against the OpenAPI 3.1 schema', async () => {
    const result = await new Validator().validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(document.openapi).toBe('3.1.0');
    expect(document.info.version).toBe('1.2.3');
  });

  it('documents every contract method, REST route and media route, each with who may call it', () => {
    for (const name of METHOD_NAMES) {
      const operation = document.paths[`/api/rpc/${name}`]?.post;
      if (METHOD_ACCESS[name] === 'desktop') {
        expect(operation, `${name} is the desktop app's own`).toBeUndefined();
        continue;
      }
      expect(operation?.['x-omnisight-access'], name).toBe(METHOD_ACCESS[name]);
      expect(operation?.requestBody, name).toBeDefined();
    }
    for (const route of [...ROUTES, ...MEDIA_ROUTES]) {
      const path = route.path.replace(/:([A-Za-z]+)/g, '{$1}');
      expect(document.paths[path]?.[route.method.toLowerCase()], `${route.method} ${path}`).toBeDefined();
    }
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const access = operation['x-omnisight-access'];
        expect(['public', 'viewer', 'admin'], `${method} ${path}`).toContain(access);
        // Only liveness and sign-in need no credentials.
        if (access === 'public') expect(operation.security, `${method} ${path}`).toEqual([]);
        else expect(operation.security?.length, `${method} ${path}`).toBe(2);
      }
    }
    expect(document.paths['/api/health']?.get?.['x-omnisight-access']).toBe('public');
  });

  it('states the schemas the engine validates: strict objects, limits and enums', () => {
    const add = document.paths['/api/cameras']?.post as {
      requestBody: { content: { 'application/json': { schema: Record<string, unknown> } } };
    };
    const body = add.requestBody.content['application/json'].schema;
    expect(body).toMatchObject({
      type: 'object',
      additionalProperties: false,
      required: ['name', 'rtspUrl'],
    });
  });
});
