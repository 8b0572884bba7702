/**
 * HTTPS (issue 8): the built server with `OMNISIGHT_TLS=self-signed` makes its certificate once, serves only
 * TLS, logs the fingerprint, marks the session cookie Secure, and keeps the same certificate across a restart.
 */
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, startServer, type RunningServer } from '../support/server.js';

let server: RunningServer | undefined;
afterAll(async () => {
  await server?.stop();
});

function request(
  url: string,
  ca: Buffer,
  method = 'GET',
  body?: unknown,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const outgoing = https.request(
      url,
      { method, ca, headers: payload === undefined ? {} : { 'content-type': 'application/json' } },
      (response) => {
        let text = '';
        response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, text }),
        );
      },
    );
    outgoing.once('error', reject);
    outgoing.end(payload);
  });
}

describe('HTTPS', () => {
  it('serves TLS with a generated certificate, a Secure cookie, and the same certificate after a restart', async () => {
    const dataDir = makeTempDir();
    server = await startServer({ dataDir, setup: false, env: { OMNISIGHT_TLS: 'self-signed' } });
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const cert = fs.readFileSync(path.join(dataDir, 'tls', 'cert.pem'));
    const fingerprint = new X509Certificate(cert).fingerprint256;
    expect(server.output()).toContain(fingerprint);
    expect(fs.statSync(path.join(dataDir, 'tls', 'key.pem')).mode & 0o077).toBe(0);

    expect((await request(`${server.url}/api/auth/state`, cert)).text).toBe('{"setupRequired":true}');
    const setup = await request(`${server.url}/api/auth/setup`, cert, 'POST', {
      setupCode: server.setupCode,
      name: 'admin',
      password: 'tls admin password',
    });
    expect(setup.status).toBe(200);
    expect(String(setup.headers['set-cookie'])).toMatch(
      /omnisight_session=[\w-]+; .*HttpOnly; SameSite=Strict.*; Secure/,
    );
    // Without the certificate trusted, a client refuses it; plain HTTP on the port gets nothing usable.
    await expect(request(`${server.url}/api/health`, Buffer.from(''))).rejects.toThrow();
    const plainUrl = `${server.url.replace('https:', 'http:')}/api/health`;
    const plain = await new Promise<string>((resolve) => {
      const outgoing = http.get(plainUrl, (response) => {
        response.resume();
        resolve(`status ${response.statusCode ?? 0}`);
      });
      outgoing.once('error', (error) => resolve(`error ${error.message}`));
    });
    expect(plain).not.toBe('status 200');

    await server.stop();
    server = await startServer({ dataDir, setup: false, env: { OMNISIGHT_TLS: 'self-signed' } });
    expect(new X509Certificate(fs.readFileSync(path.join(dataDir, 'tls', 'cert.pem'))).fingerprint256).toBe(
      fingerprint,
    );
    expect((await request(`${server.url}/api/health`, cert)).status).toBe(200);
  }, 60_000);
});
