/**
 * The attack suite (issue 8): a real headless server, set up through its first-run code, with an admin, two
 * recording `demo:` cameras and a viewer allowed only the first. Each attack is tried and shown refused with the
 * right status, with nothing changed; no answer anywhere is a 5xx; and no password or token reaches an
 * answer, a pushed message or the log.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import Database from 'better-sqlite3';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startServer, type RunningServer } from '../support/server.js';

const ADMIN = { name: 'Admin', password: 'admin pass 4711' };
const VIEWER = { name: 'viewer', password: 'viewer pass 0815' };

let server: RunningServer;
let adminToken = '';
let viewerToken = '';
let camA = '';
let camB = '';
/** Every answer the suite received: none may be a 5xx or carry a secret. */
const answers: { route: string; status: number; text: string }[] = [];
const sockets: Socket[] = [];
/** Every socket.io message any client of the suite received. */
const pushed: string[] = [];

interface Answer {
  status: number;
  text: string;
  json: unknown;
  headers: Headers;
}

async function call(
  method: string,
  route: string,
  options: { token?: string | null; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  }
  const response = await fetch(server.url + route, {
    method,
    headers,
    ...(body === undefined ? {} : { body }),
  });
  const text = await response.text();
  answers.push({ route: `${method} ${route}`, status: response.status, text });
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: response.status, text, json, headers: response.headers };
}

const admin = (method: string, route: string, body?: unknown): Promise<Answer> =>
  call(method, route, { token: adminToken, ...(body === undefined ? {} : { body }) });
const viewer = (method: string, route: string, body?: unknown): Promise<Answer> =>
  call(method, route, { token: viewerToken, ...(body === undefined ? {} : { body }) });
const rpc = (token: string, method: string, argument: unknown): Promise<Answer> =>
  call('POST', `/api/rpc/${method}`, { token, body: argument });

function connect(options: { token?: string; headers?: Record<string, string> }): Promise<Socket | Error> {
  const socket = io(server.url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    ...(options.token === undefined ? {} : { auth: { token: options.token } }),
    ...(options.headers === undefined ? {} : { extraHeaders: options.headers }),
  });
  sockets.push(socket);
  socket.onAny((event: string, ...args: unknown[]) => pushed.push(`${event} ${JSON.stringify(args)}`));
  return new Promise((resolve) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error) => resolve(error));
  });
}

function liveStatus(cameraId: string, headers: Record<string, string>): Promise<number> {
  const socket = new WebSocket(
    `${server.url.replace('http', 'ws')}/api/live?camera=${cameraId}&stream=main`,
    {
      headers,
    },
  );
  return new Promise((resolve) => {
    socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
    socket.once('open', () => {
      socket.close();
      resolve(101);
    });
    socket.once('error', () => undefined);
  });
}

function cameraNames(answer: Answer): string[] {
  return (answer.json as { id: string }[]).map((camera) => camera.id).sort();
}

/** Signs a JWT with HS256 and the given key (an attacker's forgery: the server uses no JWTs at all). */
function jwt(header: object, payload: object, key: Buffer | null): string {
  const encode = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${encode(header)}.${encode(payload)}`;
  return key === null
    ? `${unsigned}.`
    : `${unsigned}.${createHmac('sha256', key).update(unsigned).digest('base64url')}`;
}

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

beforeAll(async () => {
  server = await startServer({ setup: false });
}, 30_000);

afterAll(async () => {
  for (const socket of sockets) socket.close();
  await server.stop();
});

describe('gateway attack suite', () => {
  it('is closed before setup, and setup needs the printed one-time code', async () => {
    expect(server.setupCode).toMatch(/^([A-Z2-9]{4}-){4}[A-Z2-9]{4}$/);
    // The code is printed on standard output, never written to the log file.
    const logs = fs.readdirSync(path.join(server.dataDir, 'logs'));
    for (const file of logs) {
      expect(fs.readFileSync(path.join(server.dataDir, 'logs', file), 'utf8')).not.toContain(
        server.setupCode,
      );
    }
    expect((await call('GET', '/api/cameras')).status).toBe(401);
    expect((await call('GET', '/api/auth/state')).json).toEqual({ setupRequired: true });
    const wrong = await call('POST', '/api/auth/setup', { body: { setupCode: 'AAAA-BBBB', ...ADMIN } });
    expect(wrong.status).toBe(401);
    const done = await call('POST', '/api/auth/setup', { body: { setupCode: server.setupCode, ...ADMIN } });
    expect(done.status).toBe(200);
    adminToken = (done.json as { token: string }).token;
    expect((await call('GET', '/api/auth/state')).json).toEqual({ setupRequired: false });
    // A second setup is refused: the code is spent.
    const again = await call('POST', '/api/auth/setup', {
      body: { setupCode: server.setupCode, name: 'mallory', password: 'mallory pass 1' },
    });
    expect(again.status).toBe(409);

    const a = await admin('POST', '/api/cameras', { name: 'Yard', rtspUrl: 'demo:yard', segmentSeconds: 2 });
    const b = await admin('POST', '/api/cameras', {
      name: 'Office',
      rtspUrl: 'demo:office',
      segmentSeconds: 2,
    });
    expect([a.status, b.status]).toEqual([201, 201]);
    camA = (a.json as { id: string }).id;
    camB = (b.json as { id: string }).id;
    const added = await rpc(adminToken, 'users.add', { ...VIEWER, role: 'viewer', cameraIds: [camA] });
    expect(added.status).toBe(200);
    const login = await call('POST', '/api/auth/login', { body: VIEWER });
    expect(login.status).toBe(200);
    viewerToken = (login.json as { token: string }).token;
  }, 30_000);

  it('refuses no token, a forged token, alg none, a JWT signed with another key, and an expired session', async () => {
    const forged = [
      null,
      'x'.repeat(43),
      jwt({ alg: 'none', typ: 'JWT' }, { sub: 'admin', role: 'admin' }, null),
      jwt({ alg: 'HS256', typ: 'JWT' }, { sub: 'admin', role: 'admin', exp: 4e9 }, randomBytes(32)),
      `${adminToken}x`,
    ];
    for (const token of forged) {
      expect((await call('GET', '/api/cameras', { token })).status).toBe(401);
      expect((await call('POST', '/api/rpc/cameras.list', { token, body: {} })).status).toBe(401);
      const socket = await connect(token === null ? {} : { token });
      expect(socket).toBeInstanceOf(Error);
      expect(await liveStatus(camA, token === null ? {} : { authorization: `Bearer ${token}` })).toBe(401);
    }
    // An expired session: its row's expiry moved into the past in the real database file.
    const login = await call('POST', '/api/auth/login', { body: VIEWER });
    const token = (login.json as { token: string }).token;
    expect((await call('GET', '/api/auth/me', { token })).status).toBe(200);
    const db = new Database(path.join(server.dataDir, 'omnisight.db'));
    db.prepare('UPDATE sessions SET expires_at = 1 WHERE token_hash = ?').run(
      createHash('sha256').update(token).digest('hex'),
    );
    db.close();
    expect((await call('GET', '/api/auth/me', { token })).status).toBe(401);
    expect((await call('GET', '/api/cameras', { token })).status).toBe(401);
    // Signing out ends a session for good.
    const other = ((await call('POST', '/api/auth/login', { body: VIEWER })).json as { token: string }).token;
    expect((await call('POST', '/api/auth/logout', { token: other })).status).toBe(204);
    expect((await call('GET', '/api/cameras', { token: other })).status).toBe(401);
  }, 60_000);

  it('keeps a viewer to its cameras: lists, camera, snapshot, HLS, segments, events, exports, live and rooms', async () => {
    // What the admin sees, to aim at.
    const segments = await until('segments of the second camera', async () => {
      const found = await rpc(adminToken, 'recordings.segments', {
        cameraId: camB,
        start: Date.now() - 3_600_000,
        end: Date.now() + 60_000,
      });
      const list = (found.json as { segments?: { id: number }[] }).segments ?? [];
      return list.length > 0 ? list : undefined;
    });
    const segmentId = segments[0]?.id ?? 0;
    const exported = await rpc(adminToken, 'exports.create', {
      cameraIds: [camB],
      startTime: Date.now() - 60_000,
      endTime: Date.now(),
    });
    expect(exported.status).toBe(200);
    const exportId = (exported.json as { id: string }[])[0]?.id ?? '';

    const listed = await viewer('GET', '/api/cameras');
    expect(cameraNames(listed)).toEqual([camA]);
    // Viewers never see how the engine reaches a camera.
    expect(listed.json).toEqual([
      expect.objectContaining({ id: camA, rtspUrl: '', username: null, onvif: null }),
    ]);
    expect((await viewer('GET', `/api/cameras/${camA}`)).status).toBe(200);

    // Another camera answers exactly like one that does not exist (no enumeration).
    const other = await viewer('GET', `/api/cameras/${camB}`);
    const missing = await viewer('GET', '/api/cameras/cam-0000000000');
    expect(other.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(other.text.replace(camB, 'ID')).toBe(missing.text.replace('cam-0000000000', 'ID'));

    const now = Date.now();
    const refusedAsMissing = [
      await rpc(viewerToken, 'cameras.get', { id: camB }),
      await rpc(viewerToken, 'cameras.snapshot', { id: camB }),
      await rpc(viewerToken, 'ptz.info', { id: camB }),
      await rpc(viewerToken, 'recordings.segments', { cameraId: camB, start: now - 3_600_000, end: now }),
      await rpc(viewerToken, 'recordings.fragments', { cameraId: camB, segmentId }),
      await rpc(viewerToken, 'timeline.day', { cameraIds: [camB], start: now - 3_600_000, end: now }),
      await rpc(viewerToken, 'events.list', { cameraIds: [camB] }),
      await rpc(viewerToken, 'exports.create', { cameraIds: [camB], startTime: now - 60_000, endTime: now }),
      await rpc(viewerToken, 'exports.cancel', { id: exportId }),
      await rpc(viewerToken, 'exports.delete', { id: exportId }),
      await viewer('GET', `/api/cameras/${camB}/vod.m3u8?start=${now - 3_600_000}&end=${now}`),
      await viewer('GET', `/api/cameras/${camB}/segments/${segmentId}.mp4`),
      await viewer('GET', `/api/events?camera=${camB}`),
      await viewer('GET', `/api/exports/${exportId}/download`),
    ];
    expect(refusedAsMissing.map((answer) => answer.status)).toEqual(refusedAsMissing.map(() => 404));
    // The same requests for the viewer's own camera work.
    expect(
      (await viewer('GET', `/api/cameras/${camA}/vod.m3u8?start=${now - 3_600_000}&end=${now}`)).status,
    ).toBe(200);
    // Lists without a camera filter hold only the viewer's cameras.
    const day = await rpc(viewerToken, 'timeline.day', { start: now - 3_600_000, end: now + 1000 });
    expect(JSON.stringify(day.json)).not.toContain(camB);
    expect(JSON.stringify((await rpc(viewerToken, 'exports.list', {})).json)).not.toContain(camB);
    expect(JSON.stringify((await rpc(viewerToken, 'cameras.health', {})).json)).not.toContain(camB);
    // The export is still there for the admin, untouched.
    const exports = (await rpc(adminToken, 'exports.list', {})).json as { id: string }[];
    expect(exports.map((entry) => entry.id)).toContain(exportId);

    expect(await liveStatus(camB, { authorization: `Bearer ${viewerToken}` })).toBe(404);
    expect(await liveStatus(camA, { authorization: `Bearer ${viewerToken}` })).toBe(101);

    // socket.io rooms: the viewer hears its camera only, whatever it asks to join.
    const viewerSocket = await connect({ token: viewerToken });
    const adminSocket = await connect({ token: adminToken });
    if (viewerSocket instanceof Error || adminSocket instanceof Error) throw new Error('sockets refused');
    const heardByViewer: unknown[] = [];
    const heardByAdmin: unknown[] = [];
    viewerSocket.on('cameras.updated', (payload: unknown) => heardByViewer.push(payload));
    adminSocket.on('cameras.updated', (payload: unknown) => heardByAdmin.push(payload));
    viewerSocket.emit('join', `camera:${camB}`);
    viewerSocket.emit('subscribe', { room: `camera:${camB}` });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await admin('PATCH', `/api/cameras/${camB}`, { name: 'Office 2' });
    await admin('PATCH', `/api/cameras/${camA}`, { name: 'Yard 2' });
    await until('both updates at the admin', () =>
      Promise.resolve(heardByAdmin.length >= 2 ? true : undefined),
    );
    await until('the update at the viewer', () =>
      Promise.resolve(heardByViewer.length >= 1 ? true : undefined),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(heardByViewer).toEqual([expect.objectContaining({ id: camA, name: 'Yard 2', rtspUrl: '' })]);
    expect(heardByAdmin).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: camB, rtspUrl: 'demo:office' })]),
    );
  }, 90_000);

  it('refuses admin commands from a viewer over REST and socket.io, changing nothing', async () => {
    const before = cameraNames(await admin('GET', '/api/cameras'));
    const attempts = [
      await viewer('POST', '/api/cameras', { name: 'Mine', rtspUrl: 'demo:mine' }),
      await viewer('PATCH', `/api/cameras/${camA}`, { enabled: false }),
      await viewer('DELETE', `/api/cameras/${camA}?recordings=keep`),
      await viewer('GET', '/api/system'),
      await viewer('GET', '/api/metrics'),
      await viewer('POST', '/api/streams/probe', { mainUrl: 'demo:x' }),
      await viewer('POST', '/api/onvif/discover', {}),
      await rpc(viewerToken, 'users.add', { name: 'evil', password: 'evil pass 12', role: 'admin' }),
      await rpc(viewerToken, 'users.list', {}),
      await rpc(viewerToken, 'users.update', { id: 'usr-0000000000', role: 'admin' }),
      await rpc(viewerToken, 'notifications.settings.get', {}),
      await rpc(viewerToken, 'detection.settings.set', {}),
      await rpc(viewerToken, 'storage.settings.set', {}),
      await rpc(viewerToken, 'events.lock', { id: 1 }),
      await rpc(viewerToken, 'ptz.setPreset', { id: camA, name: 'x' }),
    ];
    expect(attempts.map((answer) => answer.status)).toEqual(attempts.map(() => 403));
    const socket = await connect({ token: viewerToken });
    if (socket instanceof Error) throw socket;
    socket.emit('cameras.remove', { id: camA, recordings: 'keep' });
    socket.emit('rpc', { method: 'cameras.remove', argument: { id: camA } });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(cameraNames(await admin('GET', '/api/cameras'))).toEqual(before);
    expect(((await rpc(adminToken, 'users.list', {})).json as unknown[]).length).toBe(2);
    expect((await admin('GET', `/api/cameras/${camA}`)).json).toMatchObject({ enabled: true });
  });

  it('refuses cross-site POSTs, cookie writes without an Origin, foreign hosts and foreign-Origin sockets', async () => {
    const cookie = `omnisight_session=${adminToken}`;
    const body = { name: 'CSRF', rtspUrl: 'demo:csrf' };
    const crossSite = await call('POST', '/api/cameras', {
      body,
      headers: { cookie, origin: 'https://evil.example' },
    });
    expect(crossSite.status).toBe(403);
    const noOrigin = await call('POST', '/api/cameras', { body, headers: { cookie } });
    expect(noOrigin.status).toBe(401);
    // The same cookie with this server's own Origin is the web UI and works (read-only check here).
    const own = await call('GET', '/api/cameras', { headers: { cookie } });
    expect(own.status).toBe(200);
    expect(cameraNames(await admin('GET', '/api/cameras'))).not.toContain('CSRF');
    expect(JSON.stringify((await admin('GET', '/api/cameras')).json)).not.toContain('CSRF');

    const rebound = await new Promise<number>((resolve, reject) => {
      const request = http.get(
        `${server.url}/api/cameras`,
        { headers: { host: 'evil.example', authorization: `Bearer ${adminToken}` } },
        (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        },
      );
      request.once('error', reject);
    });
    expect(rebound).toBe(403);
    const foreignSocket = await connect({ token: adminToken, headers: { origin: 'https://evil.example' } });
    expect(foreignSocket).toBeInstanceOf(Error);
    expect(await liveStatus(camA, { cookie, origin: 'https://evil.example' })).toBe(403);
  });

  it('refuses __proto__ and constructor in bodies and ids, and path traversal in every path-like parameter', async () => {
    const polluted = [
      await admin('POST', '/api/cameras', '{"name":"P","rtspUrl":"demo:p","__proto__":{"enabled":false}}'),
      await admin(
        'POST',
        '/api/cameras',
        '{"name":"P","rtspUrl":"demo:p","constructor":{"prototype":{"x":1}}}',
      ),
      await admin('PATCH', `/api/cameras/${camA}`, '{"__proto__":{"name":"hacked"}}'),
      await admin('GET', '/api/cameras/__proto__'),
      await admin('GET', '/api/cameras/constructor'),
      await rpc(adminToken, 'users.update', { id: '__proto__', role: 'viewer' }),
      await rpc(adminToken, 'users.remove', { id: 'constructor' }),
    ];
    expect(polluted.map((answer) => answer.status)).toEqual(polluted.map(() => 400));
    expect((await admin('POST', '/api/rpc/__proto__', {})).status).toBe(404);
    expect((await admin('POST', '/api/rpc/constructor', {})).status).toBe(404);
    expect((await admin('POST', '/api/rpc/toString', {})).status).toBe(404);

    const traversals = [
      '..%2F..%2Fomnisight.db',
      '%2e%2e%2f%2e%2e%2fomnisight.db',
      '..%5C..%5Comnisight.db',
      '%2Fetc%2Fpasswd',
    ];
    const now = Date.now();
    for (const evil of traversals) {
      const tried = [
        await admin('GET', `/api/cameras/${evil}`),
        await admin('GET', `/api/cameras/${evil}/vod.m3u8?start=${now - 60_000}&end=${now}`),
        await admin('GET', `/api/cameras/${camA}/segments/${evil}.mp4`),
        await admin('GET', `/api/exports/${evil}/download`),
        await admin('GET', `/api/events/${evil}/snapshot.jpg`),
        await admin('GET', `/api/events/${evil}/thumbnail.jpg`),
        await rpc(adminToken, 'recordings.fragments', {
          cameraId: camA,
          segmentId: decodeURIComponent(evil),
        }),
        await rpc(adminToken, 'exports.delete', { id: decodeURIComponent(evil) }),
      ];
      for (const answer of tried) {
        expect([400, 404]).toContain(answer.status);
        expect(answer.text).not.toMatch(/SQLite format|root:/);
      }
    }
    // A plain `../` is resolved by the URL parser before it is sent: `/omnisight.db`, which is no API route
    // and no file of the UI, so the single-page fallback answers with the UI itself, never the database.
    const plain = await admin('GET', '/api/cameras/../../omnisight.db');
    expect(plain.text).not.toContain('SQLite format');
    expect(plain.text.toLowerCase()).toContain('<!doctype html>');
  });

  it('refuses camera URLs outside the allowlist, keeps shell-like names as text, and refuses absurd ranges and bodies', async () => {
    const urls = [
      'file:///etc/passwd',
      'concat:/etc/passwd|/etc/shadow',
      'exec:id',
      'rtsp://h -f lavfi -i testsrc',
      'rtsp://h/x\n-f lavfi',
      'http://camera/stream',
      'subfile:,,start,0,end,0,,:/etc/passwd',
      '-i /etc/passwd',
    ];
    for (const rtspUrl of urls) {
      const answer = await admin('POST', '/api/cameras', { name: 'Bad', rtspUrl });
      expect(answer.status, rtspUrl).toBe(400);
    }
    const shell = await admin('POST', '/api/cameras', {
      name: '$(id) `id` ; rm -rf /',
      rtspUrl: 'demo:shell',
      enabled: false,
    });
    expect(shell.status).toBe(201);
    expect(shell.json).toMatchObject({ name: '$(id) `id` ; rm -rf /' });

    const now = Date.now();
    const absurd = [
      await rpc(adminToken, 'timeline.day', { start: now, end: now - 1 }),
      await rpc(adminToken, 'timeline.day', { start: -1e18, end: 1e300 }),
      await rpc(adminToken, 'timeline.day', { start: 0, end: 8.64e15 }),
      await rpc(adminToken, 'recordings.segments', {
        cameraId: camA,
        start: 0,
        end: Number.MAX_SAFE_INTEGER,
      }),
      await rpc(adminToken, 'events.list', { from: 1e20 }),
      await rpc(adminToken, 'exports.create', { cameraIds: [camA], startTime: 0, endTime: 1e15 }),
      await admin('GET', `/api/cameras/${camA}/vod.m3u8?start=0&end=99999999999999`),
      await admin('GET', `/api/cameras/${camA}/vod.m3u8?start=abc&end=NaN`),
      await admin('GET', '/api/events?from=-1e400&limit=1e9'),
    ];
    expect(absurd.map((answer) => answer.status)).toEqual(absurd.map(() => 400));

    const oversized = await admin('POST', '/api/cameras', {
      name: 'Big',
      rtspUrl: 'demo:big',
      padding: 'x'.repeat(100_000),
    });
    expect(oversized.status).toBe(413);
    const hugeLogin = await call('POST', '/api/auth/login', {
      body: { name: 'x', password: 'y'.repeat(200_000) },
    });
    expect(hugeLogin.status).toBe(413);
  });

  it('locks out brute force per account, with one answer for unknown names, also across a restart', async () => {
    const wrong = await call('POST', '/api/auth/login', { body: { name: VIEWER.name, password: 'guess 1' } });
    const unknown = await call('POST', '/api/auth/login', { body: { name: 'nobody', password: 'guess 1' } });
    expect(wrong.status).toBe(401);
    expect(unknown.text).toBe(wrong.text);
    for (let i = 2; i <= 5; i++) {
      expect(
        (await call('POST', '/api/auth/login', { body: { name: VIEWER.name, password: `guess ${i}` } }))
          .status,
      ).toBe(401);
    }
    // Locked now, even for the right password, with a Retry-After.
    const locked = await call('POST', '/api/auth/login', { body: VIEWER });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);

    await server.stop();
    server = await startServer({ dataDir: server.dataDir, setup: false });
    expect(server.setupCode).toBeNull();
    expect((await call('POST', '/api/auth/login', { body: VIEWER })).status).toBe(429);
    // Sessions survive the restart (they are in the database).
    expect((await call('GET', '/api/auth/me', { token: adminToken })).status).toBe(200);
  }, 60_000);

  it('never answers 5xx, and no password or token reaches an answer, a push or the log', () => {
    const failures = answers.filter((answer) => answer.status >= 500);
    expect(failures).toEqual([]);
    const logs = fs
      .readdirSync(path.join(server.dataDir, 'logs'))
      .map((file) => fs.readFileSync(path.join(server.dataDir, 'logs', file), 'utf8'))
      .join('\n');
    expect(logs).toContain('Signed in');
    expect(pushed.length).toBeGreaterThan(0);
    const secrets = [ADMIN.password, VIEWER.password, adminToken, viewerToken];
    // Answers to login and setup carry the caller's own new token; every other answer carries none.
    const others = answers.filter((answer) => !/\/api\/auth\/(login|setup)$/.test(answer.route));
    for (const secret of secrets) {
      expect(logs).not.toContain(secret);
      expect(server.output()).not.toContain(secret);
      for (const answer of others) expect(answer.text, answer.route).not.toContain(secret);
      for (const message of pushed) expect(message).not.toContain(secret);
    }
    const db = fs.readFileSync(path.join(server.dataDir, 'omnisight.db'));
    for (const secret of secrets) expect(db.includes(Buffer.from(secret))).toBe(false);
  });
});
