/**
 * The desktop app's LAN gateway switch (issue 8): keeps the `gateway` settings row and starts, moves or stops
 * the gateway to match it, at engine start and on `gateway.settings.set`. Headless (`npm run server`) takes the
 * same choices from its environment and does not use this.
 *
 * - Closed by default: nothing listens until someone switches it on in the desktop app.
 * - It cannot be switched on before an admin account exists (the gateway always needs an account; the
 *   desktop app creates it in the same step, so there is no default password and no setup code to copy).
 * - The choice is kept even when the gateway cannot start (port taken, no openssl): the status says why, and
 *   the next start tries again. One change at a time: a second waits for the first.
 */
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import {
  ContractError,
  GATEWAY_DEFAULT_PORT,
  GatewaySettings,
  type GatewaySettingsInput,
  type GatewayStatus,
} from '../../../common/contract/index.js';
import type { Db } from '../db/open-database.js';
import { settings } from '../db/schema.js';
import type { Logger } from '../ports.js';
import type { Gateway } from './gateway.js';
import { ensureSelfSignedCertificate, type TlsMaterial } from './tls.js';

const SETTINGS_KEY = 'gateway';

export const GATEWAY_DEFAULTS: GatewaySettings = {
  enabled: false,
  host: '0.0.0.0',
  port: GATEWAY_DEFAULT_PORT,
  tls: 'off',
  allowedHosts: [],
};

/** What one start needs besides the engine, which the caller's `start` closes over. */
export interface GatewayChoices {
  host: string;
  port: number;
  allowedHosts: readonly string[];
  tls?: { cert: Buffer; key: Buffer };
}

export interface GatewayControlOptions {
  db: Db;
  dataDir: string;
  logger: Logger;
  now: () => number;
  hasAdmin: () => boolean;
  start: (choices: GatewayChoices) => Promise<Gateway>;
  /** The self-signed certificate under `<dataDir>/tls` (tls.ts); tests may replace it. */
  certificate?: (dir: string, hosts: readonly string[]) => Promise<TlsMaterial>;
  interfaces?: () => NodeJS.Dict<os.NetworkInterfaceInfo[]>;
}

export interface GatewayControl {
  settings(): GatewaySettings;
  setSettings(input: GatewaySettingsInput): Promise<GatewayStatus>;
  status(): GatewayStatus;
  /** Starts the gateway when the stored choice says so (engine start); failures land in the status. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

function addressesOf(interfaces: NodeJS.Dict<os.NetworkInterfaceInfo[]>): GatewayStatus['addresses'] {
  const found: GatewayStatus['addresses'] = [];
  for (const [name, entries] of Object.entries(interfaces)) {
    for (const entry of entries ?? []) {
      // Link-local IPv6 needs a zone id no browser address bar takes.
      if (entry.family === 'IPv6' && entry.address.toLowerCase().startsWith('fe80:')) continue;
      found.push({ interface: name, address: entry.address, family: entry.family });
    }
  }
  return found;
}

/** Listening on every interface: no one address to name or certify. */
function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::';
}

function messageOf(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (code === 'EADDRINUSE') return 'The port is in use by another program: choose another port';
  if (code === 'EADDRNOTAVAIL') return 'This computer no longer has that address: choose another interface';
  if (code === 'EACCES') return 'The system refused that port: choose one above 1024';
  return error instanceof Error ? error.message : String(error);
}

export function createGatewayControl(options: GatewayControlOptions): GatewayControl {
  const logger = options.logger.child({ component: 'gateway-control' });
  const interfaces = options.interfaces ?? (() => os.networkInterfaces());
  const certificate = options.certificate ?? ensureSelfSignedCertificate;
  let running: { gateway: Gateway; settings: GatewaySettings; fingerprint: string | null } | null = null;
  let failure: string | null = null;
  let queue: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const isStopped = (): boolean => stopped;

  function read(): GatewaySettings {
    const row = options.db.select().from(settings).where(eq(settings.key, SETTINGS_KEY)).get();
    const parsed = GatewaySettings.safeParse({ ...GATEWAY_DEFAULTS, ...(row?.value as object | undefined) });
    if (row !== undefined && !parsed.success)
      logger.warn(
        {},
        'The stored gateway settings are not valid; the gateway stays off until they are saved',
      );
    return parsed.success ? parsed.data : GATEWAY_DEFAULTS;
  }

  function write(value: GatewaySettings): void {
    const now = options.now();
    options.db
      .insert(settings)
      .values({ key: SETTINGS_KEY, value, updatedAt: now })
      .onConflictDoUpdate({ target: settings.key, set: { value, updatedAt: now } })
      .run();
  }

  function urlOf(gateway: Gateway, chosen: GatewaySettings): string {
    if (!isWildcard(chosen.host)) return gateway.url;
    // Every interface: name one a phone on the LAN can reach.
    const lan = addressesOf(interfaces()).find(
      (entry) => entry.family === 'IPv4' && !entry.address.startsWith('127.'),
    );
    return gateway.url.replace(/\/\/[^/]+:/, `//${lan?.address ?? '127.0.0.1'}:`);
  }

  function status(): GatewayStatus {
    const current = read();
    return {
      state: running !== null ? 'running' : current.enabled && failure !== null ? 'error' : 'off',
      url: running === null ? null : urlOf(running.gateway, running.settings),
      error: running === null && current.enabled ? failure : null,
      certificateFingerprint: running?.fingerprint ?? null,
      hasAdmin: options.hasAdmin(),
      addresses: addressesOf(interfaces()),
    };
  }

  async function close(): Promise<void> {
    const current = running;
    running = null;
    if (current === null) return;
    await current.gateway.close();
    logger.info({}, 'LAN gateway stopped');
  }

  /** Brings the gateway in line with `wanted`; leaves a running one alone when nothing it uses changed. */
  async function apply(wanted: GatewaySettings): Promise<void> {
    if (running !== null && JSON.stringify(running.settings) === JSON.stringify(wanted)) return;
    await close();
    failure = null;
    if (!wanted.enabled || stopped) return;
    if (!options.hasAdmin()) {
      failure = 'No admin account exists: create one to switch the gateway on';
      return;
    }
    try {
      const material =
        wanted.tls === 'self-signed'
          ? await certificate(path.join(options.dataDir, 'tls'), [
              ...(isWildcard(wanted.host)
                ? ['127.0.0.1', ...addressesOf(interfaces()).map((entry) => entry.address)]
                : [wanted.host]),
              ...wanted.allowedHosts,
            ])
          : undefined;
      const gateway = await options.start({
        host: wanted.host,
        port: wanted.port,
        allowedHosts: wanted.allowedHosts,
        ...(material === undefined ? {} : { tls: { cert: material.cert, key: material.key } }),
      });
      // The engine may have stopped while it started.
      if (isStopped()) {
        await gateway.close();
        return;
      }
      running = { gateway, settings: wanted, fingerprint: material?.fingerprint256 ?? null };
      logger.info({ url: gateway.url, tls: wanted.tls }, 'LAN gateway started');
    } catch (error) {
      failure = messageOf(error);
      logger.warn({ err: error }, `LAN gateway could not start: ${failure}`);
    }
  }

  function serialized<T>(task: () => Promise<T>): Promise<T> {
    const next = queue.then(task, task);
    queue = next.catch(() => undefined);
    return next;
  }

  return {
    settings: read,
    status,
    setSettings(input) {
      return serialized(async () => {
        const wanted = GatewaySettings.parse({ ...read(), ...input });
        if (wanted.enabled && !options.hasAdmin()) {
          throw new ContractError(
            'validation',
            'Create an admin account first: the gateway always asks for a sign-in',
            { issues: [{ path: 'enabled', message: 'needs an admin account' }] },
          );
        }
        write(wanted);
        await apply(wanted);
        return status();
      });
    },
    start() {
      return serialized(() => apply(read()));
    },
    stop() {
      stopped = true;
      return serialized(close);
    },
  };
}
