/**
 * HTTPS for the gateway (issue 8): the user's own certificate and key, or a self-signed one generated once
 * into `<dataDir>/tls/` with the `openssl` command (argv array, no shell) and reused until it nears expiry.
 * The key is the user's alone (0600). The SHA-256 fingerprint is printed at start so a user can check what
 * the browser shows before accepting it.
 */
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';

export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  /** `AB:CD:…`, SHA-256 of the certificate. */
  fingerprint256: string;
  validTo: Date;
  source: 'user' | 'self-signed';
}

/** A generated certificate is replaced this long before it expires. */
const RENEW_BEFORE_MS = 30 * 24 * 60 * 60_000;

function material(cert: Buffer, key: Buffer, source: TlsMaterial['source']): TlsMaterial {
  const parsed = new X509Certificate(cert);
  return { cert, key, fingerprint256: parsed.fingerprint256, validTo: new Date(parsed.validTo), source };
}

/** Reads the user's certificate and key; throws an Error that names the file and what is wrong. */
export function loadTlsFiles(certFile: string, keyFile: string): TlsMaterial {
  let cert: Buffer;
  let key: Buffer;
  try {
    cert = fs.readFileSync(certFile);
    key = fs.readFileSync(keyFile);
  } catch (error) {
    throw new Error(`The TLS certificate or key cannot be read: ${(error as Error).message}`, {
      cause: error,
    });
  }
  try {
    return material(cert, key, 'user');
  } catch (error) {
    throw new Error(`${certFile} is not a PEM certificate`, { cause: error });
  }
}

function run(command: string, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: 30_000 }, (error, _stdout, stderr) => {
      if (error === null) resolve();
      else if ((error as { code?: unknown }).code === 'ENOENT')
        reject(
          new Error(
            `HTTPS with a certificate made here needs ${command}, which this computer lacks: install OpenSSL or choose HTTP`,
          ),
        );
      else reject(new Error(`${command} failed: ${(stderr || error.message).trim().slice(0, 300)}`));
    });
  });
}

/** Subject alternative names for the certificate: localhost, loopback, the bound address and allowed names. */
export function subjectAltNames(hosts: readonly string[]): string {
  const names = new Set(['DNS:localhost', 'IP:127.0.0.1', 'IP:::1']);
  for (const host of hosts) {
    if (host === '0.0.0.0' || host === '::' || host === '') continue;
    names.add(isIP(host) === 0 ? `DNS:${host}` : `IP:${host}`);
  }
  return [...names].join(',');
}

/**
 * The self-signed certificate in `dir` (made when missing, unreadable or expiring within 30 days), covering
 * `hosts` besides localhost. Needs `openssl` (OpenSSL 1.1.1 or later).
 */
export async function ensureSelfSignedCertificate(
  dir: string,
  hosts: readonly string[],
  options: { openssl?: string; now?: number } = {},
): Promise<TlsMaterial> {
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  const now = options.now ?? Date.now();
  // The names a certificate was made for are kept beside it: a new bound address or host name makes a new one.
  const sanFile = path.join(dir, 'names.txt');
  const wanted = subjectAltNames(hosts);
  try {
    const existing = material(fs.readFileSync(certFile), fs.readFileSync(keyFile), 'self-signed');
    const covers = fs.readFileSync(sanFile, 'utf8') === wanted;
    if (existing.validTo.getTime() - now > RENEW_BEFORE_MS && covers) return existing;
  } catch {
    // missing or unreadable: make a new one
  }
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
  const tmpKey = `${keyFile}.tmp`;
  const tmpCert = `${certFile}.tmp`;
  fs.rmSync(tmpKey, { force: true });
  fs.rmSync(tmpCert, { force: true });
  await run(options.openssl ?? 'openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    tmpKey,
    '-out',
    tmpCert,
    '-days',
    '397',
    '-subj',
    '/CN=OmniSight NVR',
    '-addext',
    `subjectAltName=${wanted}`,
  ]);
  fs.chmodSync(tmpKey, 0o600);
  fs.renameSync(tmpKey, keyFile);
  fs.renameSync(tmpCert, certFile);
  fs.writeFileSync(sanFile, wanted, { mode: 0o600 });
  return material(fs.readFileSync(certFile), fs.readFileSync(keyFile), 'self-signed');
}
