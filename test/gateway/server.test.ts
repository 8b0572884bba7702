/**
 * The built headless server as a user runs it: a real process, a real SQLite file, real HTTP and socket.io.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_NAMES } from '../../common/contract/index.js';
import { makeTempDir, SERVER_ENTRY, startServer, type RunningServer } from '../support/server.js';

let server: RunningServer;
let socket: Socket;
const pushed: { event: string; payload: unknown }[] = [];

async function api(method: string, url: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(server.url + url, {
    method,
    headers: {
      ...server.authHeaders(),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    text,
    json: text.startsWith('{') || text.startsWith('[') ? JSON.parse(text) : null,
  };
}

const responses: string[] = [];
async function recorded(method: string, url: string, body?: unknown) {
  const result = await api(method, url, body);
  responses.push(result.text);
  return result;
}

beforeAll(async () => {
  server = await startServer();
  socket = io(server.url, { transports: ['websocket'], forceNew: true, auth: { token: server.token } });
  for (const event of EVENT_NAMES) socket.on(event, (payload: unknown) => pushed.push({ event, payload }));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
});

afterAll(async () => {
  socket.close();
  await server.stop();
  fs.rmSync(server.dataDir, { recursive: true, force: true });
});

describe('headless server', () => {
  it('answers health with status and version', async () => {
    const health = await api('GET', '/api/health');
    expect(health.status).toBe(200);
    expect(health.json).toEqual({ status: 'ok', version: expect.stringMatching(/^\d+\.\d+\.\d+/) as string });
  });

  it('serves the UI at / with a CSP', async () => {
    const response = await fetch(`${server.url}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await response.text()).toContain('<div id="root">');
  });

  it('answers 400 naming the field for a bad body, and for malformed JSON', async () => {
    const bad = await api('POST', '/api/cameras', { name: 'x', rtspUrl: 'http://cam/x' });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ code: 'validation', details: { issues: [{ path: 'rtspUrl' }] } });
    expect(bad.json.message).toContain('rtspUrl');
    const missing = await api('POST', '/api/cameras', {});
    expect(missing.json.details.issues.map((issue: { path: string }) => issue.path)).toEqual([
      'name',
      'rtspUrl',
    ]);
    const malformed = await api('POST', '/api/cameras', '{"name":');
    expect(malformed.status).toBe(400);
    expect(malformed.json).toEqual({ code: 'validation', message: 'Request body is not valid JSON' });
    const huge = await api('POST', '/api/cameras', { name: 'x'.repeat(100_000), rtspUrl: 'rtsp://h/x' });
    expect(huge.status).toBe(413);
  });

  it('keeps a camera password out of every response, event and log line', async () => {
    const added = await recorded('POST', '/api/cameras', {
      name: 'Gate',
      rtspUrl: 'rtsp://user:Pa55wordZ9@host/x',
    });
    expect(added.status).toBe(201);
    expect(added.json).toMatchObject({ rtspUrl: 'rtsp://host/x', username: 'user', hasPassword: true });
    const id = added.json.id as string;
    await recorded('GET', '/api/cameras');
    await recorded('GET', `/api/cameras/${id}`);
    await recorded('PATCH', `/api/cameras/${id}`, { name: 'Gate 2' });
    await recorded('POST', '/api/cameras', { name: 'Dup', rtspUrl: 'rtsp://user:Pa55wordZ9@host/x' });
    await recorded('POST', '/api/cameras', { name: 'Bad', rtspUrl: 'ftp://user:Pa55wordZ9@host/x' });
    await recorded('POST', '/api/rpc/cameras.get', { id });
    await recorded('GET', '/api/metrics');
    await recorded('GET', '/api/system');
    // The recorder's status changes may come in between (the host does not resolve); they are checked below too.
    const changes = () =>
      pushed.map((entry) => entry.event).filter((event) => event !== 'cameras.statusChanged');
    await expect.poll(() => changes().length).toBeGreaterThanOrEqual(2);
    expect(changes()).toEqual(['cameras.added', 'cameras.updated']);

    const logs = fs
      .readdirSync(path.join(server.dataDir, 'logs'))
      .map((file) => fs.readFileSync(path.join(server.dataDir, 'logs', file), 'utf8'))
      .join('\n');
    expect(logs).toContain('Camera added');
    for (const text of [...responses, JSON.stringify(pushed), logs, server.output()]) {
      expect(text).not.toContain('Pa55wordZ9');
    }
  });

  it('maps REST routes onto the contract: get, patch, delete', async () => {
    const added = await api('POST', '/api/cameras', { name: 'Side', rtspUrl: 'rtsp://side/x' });
    const id = added.json.id as string;
    expect((await api('GET', `/api/cameras/${id}`)).json.name).toBe('Side');
    const patched = await api('PATCH', `/api/cameras/${id}`, { enabled: false });
    expect(patched.json).toMatchObject({ enabled: false, status: 'disabled' });
    expect((await api('PATCH', `/api/cameras/${id}`, ['x'])).status).toBe(400);
    expect((await api('DELETE', `/api/cameras/${id}`)).status).toBe(400);
    expect((await api('DELETE', `/api/cameras/${id}?recordings=keep`)).json).toEqual({
      id,
      recordings: 'keep',
    });
    expect((await api('GET', `/api/cameras/${id}`)).status).toBe(404);
    expect((await api('GET', '/api/cameras/cam-zzz')).status).toBe(400);
    expect((await api('GET', '/api/nothing')).status).toBe(404);
    expect((await api('POST', '/api/rpc/cameras.nothing', {})).status).toBe(404);
  });

  it('refuses foreign Host headers (DNS rebinding) and cross-site origins', async () => {
    // fetch() does not let a caller set Host; node:http does.
    const rebound = await new Promise<number>((resolve, reject) => {
      const request = http.get(
        `${server.url}/api/cameras`,
        { headers: { host: 'evil.example' } },
        (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        },
      );
      request.once('error', reject);
    });
    expect(rebound).toBe(403);
    const crossSite = await api(
      'POST',
      '/api/cameras',
      { name: 'x', rtspUrl: 'rtsp://a/b' },
      {
        origin: 'https://evil.example',
      },
    );
    expect(crossSite.status).toBe(403);
    const evilSocket = io(server.url, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      extraHeaders: { origin: 'https://evil.example' },
    });
    const outcome = await new Promise<string>((resolve) => {
      evilSocket.once('connect', () => resolve('connected'));
      evilSocket.once('connect_error', () => resolve('refused'));
    });
    evilSocket.close();
    expect(outcome).toBe('refused');
  });

  it('stops gracefully on SIGTERM with exit code 0', async () => {
    const other = await startServer();
    expect(await other.stop()).toBe(0);
    fs.rmSync(other.dataDir, { recursive: true, force: true });
    expect(other.output()).toContain('Shutting down (SIGTERM)');
    expect(other.output()).toContain('Engine stopped');
  });
});

describe('server configuration', () => {
  it('refuses a listening host that is not an IP address', () => {
    const result = spawnSync(process.execPath, [SERVER_ENTRY], {
      env: { ...process.env, OMNISIGHT_HOST: 'evil.example', OMNISIGHT_DATA_DIR: makeTempDir() },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/OMNISIGHT_HOST=evil\.example is not an IP address/);
  });

  it('refuses a port that is not a number', () => {
    const result = spawnSync(process.execPath, [SERVER_ENTRY], {
      env: { ...process.env, OMNISIGHT_PORT: '80x', OMNISIGHT_DATA_DIR: makeTempDir() },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('OMNISIGHT_PORT=80x is not a port number');
  });
});
