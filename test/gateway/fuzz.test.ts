/**
 * Fuzzes every route the running server documents in `/api/openapi.json` (issue 8) with inputs generated from
 * the document itself: wrong JSON types, malformed JSON, prototype keys, unknown fields, each declared field
 * with values of the wrong type or out of any sane range, and hostile path and query parameters. Signed in as
 * the admin (the deepest reach), and again without a session. No answer may be a 5xx.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../support/server.js';

type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  anyOf?: Schema[];
  oneOf?: Schema[];
};
type Parameter = { name: string; in: 'path' | 'query' | 'header'; schema?: Schema };
type Operation = {
  parameters?: Parameter[];
  requestBody?: { content: { 'application/json': { schema: Schema } } };
  'x-omnisight-access': string;
};
type Document = { paths: Record<string, Record<string, Operation>> };

let server: RunningServer;
let document: Document;

beforeAll(async () => {
  server = await startServer();
  const response = await server.fetch('/api/openapi.json');
  expect(response.status).toBe(200);
  document = (await response.json()) as Document;
}, 30_000);

afterAll(async () => {
  await server.stop();
});

const BAD_STRINGS = [
  '',
  'x'.repeat(5000),
  '../../../../etc/passwd',
  '..\\..\\omnisight.db',
  '/etc/passwd',
  '\u0000',
  '$(id)',
  '%00',
];
const BAD_NUMBERS = [-1, 1.5, -1e308, 1e308, 0, Number.MAX_SAFE_INTEGER + 2];
const HOSTILE_SEGMENTS = [
  '..%2F..%2Fomnisight.db',
  '%2e%2e%2f',
  '..%5C..%5C',
  'x'.repeat(300),
  '%00',
  '-1',
  '__proto__',
  'constructor',
  '%E0%A4%A',
  '%',
];

function typesOf(schema: Schema | undefined): string[] {
  if (schema === undefined) return [];
  const own = schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
  return [...own, ...(schema.anyOf ?? []).flatMap(typesOf), ...(schema.oneOf ?? []).flatMap(typesOf)];
}

/** Values of the wrong type, or of the right type but hostile, for a field of this schema. */
function wrongValues(schema: Schema): unknown[] {
  const types = new Set(typesOf(schema));
  const values: unknown[] = [{ nested: { deeper: [1, 2, 3] } }, [null, {}], null];
  if (!types.has('string')) values.push('not a number or object');
  else values.push(...BAD_STRINGS, 12345);
  if (types.has('number') || types.has('integer')) values.push(...BAD_NUMBERS, 'NaN');
  else values.push(-1);
  if (types.has('boolean')) values.push('yes', 1);
  if (types.has('array'))
    values.push(
      'not an array',
      Array.from({ length: 2000 }, (_, i) => i),
    );
  return values;
}

/** Bodies to send: raw texts and JSON values. */
function badBodies(schema: Schema | undefined): string[] {
  const bodies: unknown[] = [null, [], 'text', 42, true, { zz_unknown_field: 1 }];
  for (const [field, fieldSchema] of Object.entries(schema?.properties ?? {})) {
    for (const value of wrongValues(fieldSchema)) bodies.push({ [field]: value });
  }
  return [
    '{not json',
    '{"__proto__":{"admin":true}}',
    '{"constructor":{"prototype":{"admin":true}}}',
    '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]',
    ...bodies.map((body) => JSON.stringify(body)),
  ];
}

/** Concrete URLs for a documented path: each path parameter hostile in turn, the others plausible. */
function urls(path: string, operation: Operation): string[] {
  const params = (operation.parameters ?? []).filter((parameter) => parameter.in === 'path');
  const plausible = (name: string): string => (name === 'segmentId' || name === 'id' ? '1' : 'x');
  const fill = (hostile: string | null, index: number): string =>
    params.reduce(
      (url, parameter, i) =>
        url.replace(
          `{${parameter.name}}`,
          i === index && hostile !== null ? hostile : plausible(parameter.name),
        ),
      path,
    );
  if (params.length === 0) return [path];
  return params.flatMap((_, index) => HOSTILE_SEGMENTS.map((hostile) => fill(hostile, index)));
}

function queries(operation: Operation): string[] {
  const params = (operation.parameters ?? []).filter((parameter) => parameter.in === 'query');
  if (params.length === 0) return [''];
  const out = [''];
  for (const parameter of params) {
    for (const value of ['abc', '-1e400', '1e400', '', '../x', 'x'.repeat(3000), '[object Object]']) {
      out.push(`?${parameter.name}=${encodeURIComponent(value)}`);
    }
    out.push(`?${parameter.name}=1&${parameter.name}=2&${parameter.name}[x]=3`);
  }
  return out;
}

describe('fuzzing every documented route', () => {
  it('answers no bad input with a 5xx, signed in or not', async () => {
    const failures: string[] = [];
    let sent = 0;
    const send = async (
      method: string,
      url: string,
      body: string | undefined,
      token: boolean,
    ): Promise<void> => {
      const headers: Record<string, string> = token ? server.authHeaders() : {};
      if (body !== undefined) headers['content-type'] = 'application/json';
      const response = await fetch(server.url + url, {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
      });
      await response.arrayBuffer();
      sent++;
      if (response.status >= 500)
        failures.push(`${response.status} ${method} ${url} ${body?.slice(0, 120) ?? ''}`);
    };

    const operations = Object.entries(document.paths).flatMap(([path, byMethod]) =>
      Object.entries(byMethod).map(([method, operation]) => ({
        path,
        method: method.toUpperCase(),
        operation,
      })),
    );
    expect(operations.length).toBeGreaterThan(60);
    for (const { path, method, operation } of operations) {
      // Signing out would end the session the rest of the run uses; it takes no input anyway.
      if (path === '/api/auth/logout') continue;
      for (const url of urls(path, operation)) {
        for (const query of queries(operation)) {
          if (operation.requestBody === undefined) {
            await send(method, url + query, undefined, true);
          } else {
            for (const body of badBodies(operation.requestBody.content['application/json'].schema)) {
              await send(method, url + query, body, true);
            }
          }
        }
      }
      // Without a session: refused (or public), never a crash.
      await send(
        method,
        urls(path, operation)[0] ?? path,
        operation.requestBody === undefined ? undefined : '{}',
        false,
      );
    }
    expect(failures).toEqual([]);
    expect(sent).toBeGreaterThan(1000);
    // The server still answers normally afterwards.
    expect((await server.fetch('/api/cameras')).status).toBe(200);
  }, 300_000);
});
