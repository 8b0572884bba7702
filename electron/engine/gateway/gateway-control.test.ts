import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { toApiError, type GatewayStatus } from '../../../common/contract/index.js';
import { createEngine, type Engine } from '../index.js';

const MIGRATIONS = path.resolve(import.meta.dirname, '../../../drizzle');
const STATIC_DIR = path.resolve(import.meta.dirname, '../../../renderer');
const ADMIN = { name: 'owner', password: 'desktop switch 2026', role: 'admin' } as const;

let dataDir: string;
let engine: Engine;

function start(): Promise<Engine> {
  return createEngine({
    dataDir,
    migrationsDir: MIGRATIONS,
    version: '9.9.9',
    record: false,
    gateway: { staticDir: STATIC_DIR },
    accounts: { scrypt: { N: 2 ** 10, r: 8, p: 1 } },
  });
}

beforeEach(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'omnisight-gateway-switch-'));
  engine = await start();
});

afterEach(async () => {
  await engine.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function refused(url: string): Promise<boolean> {
  try {
    await fetch(url);
    return false;
  } catch {
    return true;
  }
}

const set = (input: Record<string, unknown>) =>
  engine.call('gateway.settings.set', input) as Promise<GatewayStatus>;
const status = () => engine.call('gateway.status', {}) as Promise<GatewayStatus>;

async function errorOf(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    return toApiError(error);
  }
  throw new Error('expected the call to fail');
}

async function signIn(url: string): Promise<string> {
  const response = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: ADMIN.name, password: ADMIN.password }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { token: string }).token;
}

describe('the desktop app gateway switch', () => {
  it('is off by default and cannot be switched on before an admin account exists', async () => {
    expect(await engine.call('gateway.settings.get', {})).toEqual({
      enabled: false,
      host: '0.0.0.0',
      port: 8640,
      tls: 'off',
      allowedHosts: [],
    });
    expect(await status()).toMatchObject({ state: 'off', url: null, error: null, hasAdmin: false });
    const port = await freePort();
    const error = await errorOf(set({ enabled: true, host: '127.0.0.1', port }));
    expect(error.code).toBe('validation');
    expect(error.message).toMatch(/admin account first/);
    // Nothing was stored and nothing listens.
    expect(await engine.call('gateway.settings.get', {})).toMatchObject({ enabled: false, port: 8640 });
    expect(await refused(`http://127.0.0.1:${port}/api/health`)).toBe(true);
  });

  it('rejects bad choices with a clear message and keeps the old ones', async () => {
    for (const bad of [
      { host: 'example.com' },
      { host: '127.0.0.1 -f lavfi' },
      { port: 80 },
      { port: 70000 },
      { tls: 'user' },
      { allowedHosts: ['nvr.local', 'nvr.local'] },
      { allowedHosts: ['<script>'] },
      { __proto__: { enabled: true } },
    ]) {
      const error = await errorOf(set(bad));
      expect(error.code, JSON.stringify(bad)).toBe('validation');
    }
    expect(await engine.call('gateway.settings.get', {})).toMatchObject({ enabled: false, host: '0.0.0.0' });
  });

  it('starts, answers only signed-in requests, refuses its own switch to the network, and stops', async () => {
    await engine.call('users.add', ADMIN);
    const port = await freePort();
    const running = await set({ enabled: true, host: '127.0.0.1', port });
    expect(running).toMatchObject({ state: 'running', url: `http://127.0.0.1:${port}`, hasAdmin: true });
    const url = running.url as string;
    expect((await fetch(`${url}/api/health`)).status).toBe(200);
    expect((await fetch(`${url}/api/cameras`)).status).toBe(401);

    // An admin on the network may not move or switch off the gateway, nor read its switch.
    const token = await signIn(url);
    for (const method of ['gateway.settings.set', 'gateway.settings.get', 'gateway.status']) {
      const response = await fetch(`${url}/api/rpc/${method}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(method === 'gateway.settings.set' ? { host: '0.0.0.0' } : {}),
      });
      expect(response.status, method).toBe(403);
      expect(JSON.stringify(await response.json())).toMatch(/only available in the desktop app/);
    }
    expect(await engine.call('gateway.settings.get', {})).toMatchObject({ host: '127.0.0.1', port });
    expect(
      (await fetch(`${url}/api/cameras`, { headers: { authorization: `Bearer ${token}` } })).status,
    ).toBe(200);

    // The same choices again leave the running gateway (and its sessions' connections) alone.
    expect((await set({ enabled: true })).url).toBe(url);

    const off = await set({ enabled: false });
    expect(off).toMatchObject({ state: 'off', url: null });
    expect(await refused(`${url}/api/health`)).toBe(true);
  });

  it('keeps a choice that cannot start, says why, and starts it with the next engine', async () => {
    await engine.call('users.add', ADMIN);
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as net.AddressInfo;
    const failed = await set({ enabled: true, host: '127.0.0.1', port });
    expect(failed).toMatchObject({ state: 'error', url: null });
    expect(failed.error).toMatch(/port is in use/);
    expect(await engine.call('gateway.settings.get', {})).toMatchObject({ enabled: true, port });

    await new Promise<void>((resolve) => blocker.close(() => resolve()));
    await engine.stop();
    engine = await start();
    await expect.poll(async () => (await status()).state).toBe('running');
    expect((await fetch(`http://127.0.0.1:${port}/api/health`)).status).toBe(200);
  });

  it('serves HTTPS with a certificate made on this computer, its fingerprint shown', async () => {
    await engine.call('users.add', ADMIN);
    const port = await freePort();
    const running = await set({ enabled: true, host: '127.0.0.1', port, tls: 'self-signed' });
    expect(running).toMatchObject({ state: 'running', url: `https://127.0.0.1:${port}` });
    expect(running.certificateFingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    const status = await new Promise<number>((resolve, reject) => {
      https
        .get(`${running.url}/api/health`, { rejectUnauthorized: false }, (response) => {
          resolve(response.statusCode ?? 0);
          response.resume();
        })
        .on('error', reject);
    });
    const fingerprint = await new Promise<string>((resolve, reject) => {
      const socket: TLSSocket = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
        resolve(socket.getPeerCertificate().fingerprint256);
        socket.end();
      });
      socket.on('error', reject);
    });
    const seen = { status, fingerprint };
    expect(seen).toEqual({ status: 200, fingerprint: running.certificateFingerprint });
    expect(await refused(`http://127.0.0.1:${port}/api/health`)).toBe(true);
  });

  it('lists this computer’s addresses to choose from', async () => {
    const { addresses } = await status();
    expect(addresses.some((entry) => entry.address === '127.0.0.1' && entry.family === 'IPv4')).toBe(true);
    expect(addresses.every((entry) => !entry.address.toLowerCase().startsWith('fe80:'))).toBe(true);
  });
});

describe('engines without the switch', () => {
  it('answers unsupported (npm run server takes its gateway from the environment)', async () => {
    const plain = await createEngine({
      dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'omnisight-no-switch-')),
      migrationsDir: MIGRATIONS,
      version: '9.9.9',
      record: false,
    });
    try {
      expect((await errorOf(plain.call('gateway.status', {}))).code).toBe('unsupported');
    } finally {
      await plain.stop();
      fs.rmSync(plain.dataDir, { recursive: true, force: true });
    }
  });
});
