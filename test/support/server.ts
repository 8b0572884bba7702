/**
 * Starts the built headless server (`out/server/server.js`, from `node scripts/build.mjs`) as a real child
 * process on a free loopback port with its own data directory, as a user would run it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SERVER_ENTRY = path.join(REPO_ROOT, 'out', 'server', 'server.js');

/** The admin account `startServer` creates through the first-run setup (unless told not to). */
export const TEST_ADMIN = { name: 'admin', password: 'omnisight test admin' } as const;

export interface RunningServer {
  url: string;
  dataDir: string;
  /** The admin's session token (null with `setup: false`, or when the data folder already had an account). */
  token: string | null;
  /** `{ authorization: 'Bearer …' }` for the admin session (empty without one). */
  authHeaders(): Record<string, string>;
  /** `fetch(url + route)` signed in as the admin. */
  fetch(route: string, init?: RequestInit): Promise<globalThis.Response>;
  /** The one-time setup code the server printed, while no account existed. */
  setupCode: string | null;
  child: ChildProcess;
  /** Everything the server printed so far (stdout and stderr). */
  output(): string;
  /** SIGTERM, then waits for exit; resolves with the exit code. */
  stop(): Promise<number | null>;
}

export interface StartServerOptions {
  dataDir?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
  /** Create the admin account with the printed setup code (default true); the attack suite does it itself. */
  setup?: boolean;
}

/** Signs in to a running server; resolves with the session token. */
export async function signIn(url: string, name: string, password: string): Promise<string> {
  const response = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, password }),
  });
  const json = (await response.json()) as { token?: string };
  if (response.status !== 200 || json.token === undefined)
    throw new Error(`sign-in as ${name} answered ${response.status}: ${JSON.stringify(json)}`);
  return json.token;
}

const tokens = new Map<string, string>();

/** The admin session of a server started here, by its URL (helpers that take only a base URL use it). */
export function authHeadersFor(url: string): Record<string, string> {
  const token = tokens.get(url);
  return token === undefined ? {} : { authorization: `Bearer ${token}` };
}

/** The admin session token of a server started here, by its URL (browser tests set it as the cookie). */
export function tokenFor(url: string): string | undefined {
  return tokens.get(new URL(url).origin);
}

export function makeTempDir(prefix = 'omnisight-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export async function startServer(options: StartServerOptions = {}): Promise<RunningServer> {
  if (!fs.existsSync(SERVER_ENTRY)) {
    throw new Error(`${SERVER_ENTRY} is missing: run \`node scripts/build.mjs\` (npm test does) first`);
  }
  const dataDir = options.dataDir ?? makeTempDir();
  const child = spawn(process.execPath, [SERVER_ENTRY], {
    cwd: REPO_ROOT,
    env: { ...process.env, OMNISIGHT_DATA_DIR: dataDir, OMNISIGHT_PORT: '0', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`server did not start within ${options.timeoutMs ?? 20_000} ms:\n${output}`)),
      options.timeoutMs ?? 20_000,
    );
    const onData = (): void => {
      const match = /OmniSight is running at (https?:\/\/\S+?)\/? /.exec(output);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${String(code)} before starting:\n${output}`));
    });
  });

  // The setup line follows the running line at once when no account exists yet.
  await new Promise((resolve) => setTimeout(resolve, 50));
  const setupCode = /setup code: (\S+)/.exec(output)?.[1] ?? null;
  let token: string | null = null;
  if (options.setup !== false) {
    if (setupCode !== null) {
      const response = await fetch(`${url}/api/auth/setup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ setupCode, ...TEST_ADMIN }),
      });
      const json = (await response.json()) as { token?: string };
      if (response.status !== 200 || json.token === undefined)
        throw new Error(`setup answered ${response.status}: ${JSON.stringify(json)}`);
      token = json.token;
    } else {
      token = await signIn(url, TEST_ADMIN.name, TEST_ADMIN.password);
    }
  }
  const authHeaders = (): Record<string, string> =>
    token === null ? {} : { authorization: `Bearer ${token}` };
  if (token !== null) tokens.set(url, token);

  return {
    url,
    dataDir,
    token,
    setupCode,
    authHeaders,
    fetch: (route, init = {}) =>
      fetch(url + route, {
        ...init,
        headers: { ...authHeaders(), ...(init.headers as Record<string, string> | undefined) },
      }),
    child,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
