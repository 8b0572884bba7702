import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureSelfSignedCertificate, loadTlsFiles, subjectAltNames } from './tls.js';

let dir: string;
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('TLS material', () => {
  it('makes a self-signed certificate once, with the key user-only, and reuses it', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omnisight-tls-'));
    const tls = path.join(dir, 'tls');
    const first = await ensureSelfSignedCertificate(tls, ['192.168.1.20', 'nvr.local']);
    expect(first.source).toBe('self-signed');
    expect(first.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(fs.statSync(path.join(tls, 'key.pem')).mode & 0o077).toBe(0);
    const cert = new X509Certificate(first.cert);
    expect(cert.subjectAltName).toContain('DNS:nvr.local');
    expect(cert.subjectAltName).toContain('IP Address:192.168.1.20');
    expect(cert.checkPrivateKey((await import('node:crypto')).createPrivateKey(first.key))).toBe(true);
    const again = await ensureSelfSignedCertificate(tls, ['192.168.1.20', 'nvr.local']);
    expect(again.fingerprint256).toBe(first.fingerprint256);
    // Another address, or a certificate near its end, makes a new one.
    const moved = await ensureSelfSignedCertificate(tls, ['10.0.0.5']);
    expect(moved.fingerprint256).not.toBe(first.fingerprint256);
    const renewed = await ensureSelfSignedCertificate(tls, ['10.0.0.5'], {
      now: moved.validTo.getTime() - 1000,
    });
    expect(renewed.fingerprint256).not.toBe(moved.fingerprint256);
  });

  it('says in words when openssl is missing', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omnisight-tls-'));
    await expect(
      ensureSelfSignedCertificate(path.join(dir, 'tls'), [], { openssl: path.join(dir, 'no-openssl') }),
    ).rejects.toThrow(/lacks: install OpenSSL or choose HTTP/);
  });

  it('reads the user’s own files and names what is wrong', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omnisight-tls-'));
    const made = await ensureSelfSignedCertificate(dir, []);
    const own = loadTlsFiles(path.join(dir, 'cert.pem'), path.join(dir, 'key.pem'));
    expect(own).toMatchObject({ source: 'user', fingerprint256: made.fingerprint256 });
    expect(() => loadTlsFiles(path.join(dir, 'missing.pem'), path.join(dir, 'key.pem'))).toThrow(
      /cannot be read/,
    );
    expect(() => loadTlsFiles(path.join(dir, 'key.pem'), path.join(dir, 'key.pem'))).toThrow(
      /not a PEM certificate/,
    );
  });

  it('lists localhost, loopback and the named hosts, not the wildcard address', () => {
    expect(subjectAltNames(['0.0.0.0', 'nvr.local', '10.1.2.3'])).toBe(
      'DNS:localhost,IP:127.0.0.1,IP:::1,DNS:nvr.local,IP:10.1.2.3',
    );
  });
});
