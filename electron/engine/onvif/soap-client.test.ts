import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterEach, describe, expect, it } from 'vitest';

import { OnvifError } from './errors.js';
import {
  SoapClient,
  digestAuthorization,
  parseDigestChallenge,
  passwordDigest,
  usernameTokenHeader,
} from './soap-client.js';
import { find, parseXml } from './xml.js';

describe('digests', () => {
  it('PasswordDigest matches the ONVIF Application Programmer’s Guide example', () => {
    const nonce = Buffer.from('LKqI6G/AikKCQrN0zqZFlg==', 'base64');
    expect(passwordDigest(nonce, '2010-09-16T07:50:45Z', 'userpassword')).toBe(
      'tuOSpGlFlIXsozq4HFNeeGeFLEI=',
    );
  });

  it('the UsernameToken header carries the given time, nonce and its digest', () => {
    const nonce = Buffer.from('0123456789abcdef');
    const header = usernameTokenHeader(
      { username: 'a<b', password: 'pw' },
      Date.UTC(2026, 0, 2, 3, 4, 5),
      nonce,
    );
    const root = parseXml(`<s:Header xmlns:s="http://www.w3.org/2003/05/soap-envelope">${header}</s:Header>`);
    expect(find(root, 'Username')?.text).toBe('a<b');
    expect(find(root, 'Created')?.text).toBe('2026-01-02T03:04:05.000Z');
    expect(find(root, 'Nonce')?.text).toBe(nonce.toString('base64'));
    expect(find(root, 'Password')?.text).toBe(passwordDigest(nonce, '2026-01-02T03:04:05.000Z', 'pw'));
    expect(header).not.toContain('pw<');
  });

  it('HTTP digest matches the RFC 2617 example', () => {
    const challenge = parseDigestChallenge([
      'Basic realm="x"',
      'Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
    ]);
    expect(challenge).toEqual({
      realm: 'testrealm@host.com',
      nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
      qop: 'auth',
      opaque: '5ccc069c403ebaf9f0171e9517f40e41',
      algorithm: 'MD5',
    });
    const header = digestAuthorization(
      challenge!,
      { username: 'Mufasa', password: 'Circle Of Life' },
      '/dir/index.html',
      1,
      '0a4f113b',
      'GET',
    );
    expect(header).toContain('response="6629fae49393a05397450978507c4ef1"');
    expect(header).toContain('nc=00000001');
    expect(header).not.toContain('Circle Of Life');
    expect(parseDigestChallenge('Basic realm="x"')).toBeUndefined();
    expect(parseDigestChallenge(undefined)).toBeUndefined();
  });
});

describe('SoapClient against misbehaving servers', () => {
  const servers: http.Server[] = [];
  afterEach(async () => {
    await Promise.all(
      servers.splice(0).map((server) => {
        server.closeAllConnections();
        return new Promise((resolve) => server.close(resolve));
      }),
    );
  });

  async function serve(handler: http.RequestListener): Promise<string> {
    const server = http.createServer(handler);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/onvif/device_service`;
  }

  async function callError(url: string, client = new SoapClient({ credentials })): Promise<OnvifError> {
    try {
      await client.call(url, 'http://www.onvif.org/ver10/device/wsdl/GetDeviceInformation', '<x/>');
    } catch (error) {
      if (error instanceof OnvifError) {
        expect(error.message).not.toContain(credentials.password);
        expect(error.message).not.toContain(credentials.username);
        return error;
      }
      throw error;
    }
    throw new Error('call succeeded');
  }

  const credentials = { username: 'installer', password: 'hunter22' };
  const envelope = (body: string): string =>
    `<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body>${body}</env:Body></env:Envelope>`;

  it('refuses an answer over the size cap, declared or streamed', async () => {
    const declared = await serve((_request, response) => {
      response.writeHead(200, { 'Content-Length': String(2_000_000) });
      response.write('x'.repeat(1000));
    });
    expect(await callError(declared)).toMatchObject({
      code: 'bad_response',
      message: expect.stringMatching(/2000000 bytes/),
    });
    const streamed = await serve((_request, response) => {
      response.writeHead(200);
      response.end(envelope(`<a>${'x'.repeat(5000)}</a>`));
    });
    const client = new SoapClient({ credentials, maxBytes: 4096 });
    expect(await callError(streamed, client)).toMatchObject({
      code: 'bad_response',
      message: expect.stringMatching(/over 4096/),
    });
  });

  it('refuses an answer with a DOCTYPE, and reports non-XML errors by HTTP status', async () => {
    const doctype = await serve((_request, response) => {
      response.end(`<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>${envelope('<a>&e;</a>')}`);
    });
    expect(await callError(doctype)).toMatchObject({
      code: 'bad_response',
      message: expect.stringMatching(/DOCTYPE/),
    });
    const html = await serve((_request, response) => {
      response.writeHead(503);
      response.end('<html><body>busy');
    });
    expect(await callError(html)).toMatchObject({
      code: 'http_status',
      message: expect.stringMatching(/HTTP 503/),
    });
  });

  it('reads SOAP 1.1 style faults and keeps echoed credentials out of the message', async () => {
    const url = await serve((_request, response) => {
      response.writeHead(500);
      response.end(
        envelope(
          '<env:Fault><faultcode>env:Server</faultcode><faultstring>user installer: disk full</faultstring></env:Fault>',
        ),
      );
    });
    expect(await callError(url)).toMatchObject({
      code: 'soap_fault',
      message: expect.stringMatching(
        /answered GetDeviceInformation with a fault \(Server\): user \*\*\*: disk full$/,
      ),
    });
  });

  it('times out on a server that stops half way', async () => {
    const url = await serve((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'application/soap+xml' });
      response.write('<env:Envelope');
    });
    const started = Date.now();
    const error = await callError(url, new SoapClient({ credentials, timeoutMs: 300 }));
    expect(error.code).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('reports a connection dropped in the middle of the answer', async () => {
    const url = await serve((_request, response) => {
      response.writeHead(200, { 'Content-Length': '500' });
      response.write('<env:Envelope', () => response.socket?.destroy());
    });
    expect(await callError(url)).toMatchObject({ code: 'connection' });
  });

  it('a 401 without a Digest challenge is a refused password; a success needs a SOAP body', async () => {
    const basic = await serve((_request, response) => {
      response.writeHead(401, { 'WWW-Authenticate': 'Basic realm="cam"' });
      response.end();
    });
    expect(await callError(basic)).toMatchObject({ code: 'unauthorized' });
    const empty = await serve((_request, response) => response.end(envelope('')));
    expect(await callError(empty)).toMatchObject({
      code: 'bad_response',
      message: expect.stringMatching(/without a SOAP body/),
    });
  });
});
