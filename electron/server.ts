/**
 * Headless entry (`npm run server`): the engine + the gateway + the built renderer, no Electron.
 *
 * Environment: OMNISIGHT_HOST (127.0.0.1), OMNISIGHT_PORT (8640; 0 picks a free port),
 * OMNISIGHT_DATA_DIR (the platform's data folder), OMNISIGHT_RECORDINGS_DIR (<data>/recordings),
 * OMNISIGHT_LOG_LEVEL (info), OMNISIGHT_ALLOWED_HOSTS (comma-separated host names besides IP addresses and
 * localhost that browsers may use to reach it, e.g. nvr.local), OMNISIGHT_TRUSTED_PROXIES (comma-separated
 * addresses of reverse proxies whose X-Forwarded-For is believed), OMNISIGHT_TLS (`off`, or `self-signed`: a
 * certificate made once in <data>/tls with openssl), OMNISIGHT_TLS_CERT and OMNISIGHT_TLS_KEY (your own PEM
 * files; HTTPS with them).
 *
 * The gateway always needs an account. On the first start (no account yet) the server prints a one-time setup
 * code on its standard output (never into the log file); the web UI asks for it to create the admin account.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEngine } from './engine/index.js';
import { isIP } from 'node:net';
import { startGateway } from './engine/gateway/gateway.js';
import { ensureSelfSignedCertificate, loadTlsFiles } from './engine/gateway/tls.js';
import { createLogger } from './engine/logging/logger.js';
import { ForkWorkerHost } from './engine/workers/fork-worker-host.js';
import { defaultDataDir, findAppRoot, readVersion } from './engine/paths.js';

export const DEFAULT_PORT = 8640;

export interface ServerConfig {
  host: string;
  port: number;
  dataDir: string;
  recordingsDir: string | undefined;
  logLevel: string;
  allowedHosts: string[];
  trustedProxies: string[];
  tls: { mode: 'off' } | { mode: 'self-signed' } | { mode: 'files'; cert: string; key: string };
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}

/** Reads and checks the environment; throws an Error with a message meant for the person starting it. */
export function readServerConfig(env: NodeJS.ProcessEnv): ServerConfig {
  const host = env.OMNISIGHT_HOST?.trim() || '127.0.0.1';
  if (host !== 'localhost' && isIP(host) === 0) {
    throw new Error(
      `OMNISIGHT_HOST=${host} is not an IP address: give the address of the interface to listen on ` +
        '(127.0.0.1 for this machine only, a LAN address, or 0.0.0.0 for every interface)',
    );
  }
  const allowedHosts = list(env.OMNISIGHT_ALLOWED_HOSTS);
  for (const name of allowedHosts) {
    if (!/^[a-z0-9]([a-z0-9-]{0,62}\.?)*$/i.test(name) || name.length > 253)
      throw new Error(`OMNISIGHT_ALLOWED_HOSTS: ${name.slice(0, 80)} is not a host name`);
  }
  const trustedProxies = list(env.OMNISIGHT_TRUSTED_PROXIES);
  for (const address of trustedProxies) {
    if (isIP(address) === 0)
      throw new Error(`OMNISIGHT_TRUSTED_PROXIES: ${address.slice(0, 80)} is not an IP address`);
  }
  const portText = env.OMNISIGHT_PORT?.trim() || String(DEFAULT_PORT);
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) {
    throw new Error(`OMNISIGHT_PORT=${portText} is not a port number (0 to 65535; 0 picks a free port)`);
  }
  const dataDir = path.resolve(env.OMNISIGHT_DATA_DIR?.trim() || defaultDataDir());
  const recordings = env.OMNISIGHT_RECORDINGS_DIR?.trim();
  const certFile = env.OMNISIGHT_TLS_CERT?.trim();
  const keyFile = env.OMNISIGHT_TLS_KEY?.trim();
  const tlsMode = env.OMNISIGHT_TLS?.trim() || (certFile ? 'files' : 'off');
  let tls: ServerConfig['tls'];
  if (certFile || keyFile) {
    if (!certFile || !keyFile)
      throw new Error('OMNISIGHT_TLS_CERT and OMNISIGHT_TLS_KEY go together: give both files or neither');
    tls = { mode: 'files', cert: path.resolve(certFile), key: path.resolve(keyFile) };
  } else if (tlsMode === 'self-signed') tls = { mode: 'self-signed' };
  else if (tlsMode === 'off') tls = { mode: 'off' };
  else throw new Error(`OMNISIGHT_TLS=${tlsMode.slice(0, 40)} is not off or self-signed`);
  return {
    host: host === '::1' ? '::1' : host,
    port,
    dataDir,
    recordingsDir: recordings ? path.resolve(recordings) : undefined,
    logLevel: env.OMNISIGHT_LOG_LEVEL?.trim() || 'info',
    allowedHosts,
    trustedProxies,
    tls,
  };
}

async function main(): Promise<void> {
  let config: ServerConfig;
  try {
    config = readServerConfig(process.env);
  } catch (error) {
    process.stderr.write(`OmniSight: ${(error as Error).message}\n`);
    process.exit(2);
  }
  const appRoot = findAppRoot(path.dirname(fileURLToPath(import.meta.url)));
  const version = readVersion(appRoot);
  fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const logDir = path.join(config.dataDir, 'logs');
  fs.mkdirSync(logDir, { recursive: true, mode: 0o700 });
  const logger = createLogger({ logDir, stdout: true, level: config.logLevel });
  // Signals are handled from here on: one that arrives while the engine starts is kept and acted on once it
  // has started (a harness may signal as soon as it reads the "running" line, before a later line ran).
  let requested: string | undefined;
  let shutdown = (signal: string): void => {
    requested ??= signal;
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));

  const engine = await createEngine({
    dataDir: config.dataDir,
    ...(config.recordingsDir === undefined ? {} : { recordingsDir: config.recordingsDir }),
    migrationsDir: path.join(appRoot, 'drizzle'),
    version,
    logger,
    // Detection workers (motion) are forked from the built entries; none starts until detection is on.
    workerHost: new ForkWorkerHost({ workersDir: path.join(appRoot, 'out', 'workers'), logger }),
  });
  let gateway;
  try {
    const tls =
      config.tls.mode === 'files'
        ? loadTlsFiles(config.tls.cert, config.tls.key)
        : config.tls.mode === 'self-signed'
          ? await ensureSelfSignedCertificate(path.join(config.dataDir, 'tls'), [
              config.host,
              ...config.allowedHosts,
            ])
          : undefined;
    if (tls !== undefined) {
      logger.info(
        { component: 'server', source: tls.source, validTo: tls.validTo.toISOString() },
        `HTTPS certificate SHA-256 fingerprint ${tls.fingerprint256}`,
      );
    }
    gateway = await startGateway({
      engine,
      accounts: engine.accounts,
      version,
      ...(tls === undefined ? {} : { tls: { cert: tls.cert, key: tls.key } }),
      allowedHosts: config.allowedHosts,
      trustedProxies: config.trustedProxies,
      logger,
      host: config.host,
      port: config.port,
      staticDir: path.join(appRoot, 'out', 'renderer'),
    });
  } catch (error) {
    await engine.stop();
    throw error;
  }
  let stopping = false;
  shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ component: 'server', signal }, `Shutting down (${signal})`);
    void (async () => {
      await gateway.close();
      await engine.stop();
      logger.close();
      process.exit(0);
    })();
  };
  // The one line people and test harnesses look for.
  process.stdout.write(`OmniSight is running at ${gateway.url}/ (data: ${config.dataDir})\n`);
  const setupCode = engine.accounts.setupCode();
  if (setupCode !== null) {
    // Standard output only: the log file never holds it. It is useless once the admin account exists.
    process.stdout.write(
      `No account exists yet. Open ${gateway.url}/ and create the admin account with the setup code: ${setupCode}\n`,
    );
  }
  if (requested !== undefined) shutdown(requested);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === fs.realpathSync(process.argv[1])) {
  main().catch((error: unknown) => {
    process.stderr.write(`OmniSight failed to start: ${(error as Error).message}\n`);
    process.exit(1);
  });
}
