/**
 * SOAP 1.2 over HTTP for ONVIF devices: WS-Security UsernameToken (PasswordDigest) with the device's clock,
 * HTTP digest when the device challenges for it, a hard time limit and size cap on every exchange, and faults
 * turned into `OnvifError`s whose messages never carry credentials.
 */
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';

import { OnvifError, describeEndpoint } from './errors.js';
import { MAX_XML_BYTES, XmlError, child, escapeXml, find, parseXml, path, type XmlElement } from './xml.js';

export const SOAP_ENVELOPE_NS = 'http://www.w3.org/2003/05/soap-envelope';
const WSSE_NS = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd';
const WSU_NS = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd';
const PASSWORD_DIGEST =
  'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest';
const BASE64_BINARY =
  'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary';

/** 10 s: a camera answers in well under a second; a busy NVR box may take a few. */
export const DEFAULT_SOAP_TIMEOUT_MS = 10_000;

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

/** WS-Security PasswordDigest: Base64(SHA1(nonce bytes + created + password)). */
export function passwordDigest(nonce: Buffer, created: string, password: string): string {
  return createHash('sha1')
    .update(Buffer.concat([nonce, Buffer.from(created, 'utf8'), Buffer.from(password, 'utf8')]))
    .digest('base64');
}

/** The `<wsse:Security>` header for `credentials` at `createdMs` (the device's clock, not ours). */
export function usernameTokenHeader(
  credentials: Credentials,
  createdMs: number,
  nonce = randomBytes(16),
): string {
  const created = new Date(createdMs).toISOString();
  const digest = passwordDigest(nonce, created, credentials.password);
  return (
    `<wsse:Security s:mustUnderstand="1" xmlns:wsse="${WSSE_NS}" xmlns:wsu="${WSU_NS}">` +
    `<wsse:UsernameToken><wsse:Username>${escapeXml(credentials.username)}</wsse:Username>` +
    `<wsse:Password Type="${PASSWORD_DIGEST}">${digest}</wsse:Password>` +
    `<wsse:Nonce EncodingType="${BASE64_BINARY}">${nonce.toString('base64')}</wsse:Nonce>` +
    `<wsu:Created>${created}</wsu:Created></wsse:UsernameToken></wsse:Security>`
  );
}

/** A SOAP 1.2 envelope around `body` (already XML, namespaces declared inside it). */
export function soapEnvelope(body: string, header = ''): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="${SOAP_ENVELOPE_NS}">` +
    (header === '' ? '' : `<s:Header>${header}</s:Header>`) +
    `<s:Body>${body}</s:Body></s:Envelope>`
  );
}

/** A parsed `WWW-Authenticate: Digest …` challenge. */
export interface DigestChallenge {
  readonly realm: string;
  readonly nonce: string;
  readonly qop?: string;
  readonly opaque?: string;
  readonly algorithm: string;
}

/** The Digest challenge in a `WWW-Authenticate` header value, or undefined when it offers none. */
export function parseDigestChallenge(header: string | string[] | undefined): DigestChallenge | undefined {
  const values = header === undefined ? [] : Array.isArray(header) ? header : [header];
  for (const value of values) {
    const match = /^\s*Digest\s+(.*)$/is.exec(value);
    if (match === null) continue;
    const parameters: Record<string, string> = {};
    for (const part of (match[1] ?? '').matchAll(/([a-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/gi)) {
      parameters[(part[1] ?? '').toLowerCase()] =
        part[2] !== undefined ? part[2].replace(/\\(.)/g, '$1') : (part[3] ?? '');
    }
    if (parameters.nonce === undefined) continue;
    const qop = parameters.qop
      ?.split(',')
      .map((option) => option.trim())
      .find((option) => option === 'auth');
    return {
      realm: parameters.realm ?? '',
      nonce: parameters.nonce,
      algorithm: parameters.algorithm ?? 'MD5',
      ...(qop !== undefined ? { qop } : {}),
      ...(parameters.opaque !== undefined ? { opaque: parameters.opaque } : {}),
    };
  }
  return undefined;
}

/** The `Authorization: Digest …` value answering `challenge` for a POST to `uri` (RFC 7616, qop=auth). */
export function digestAuthorization(
  challenge: DigestChallenge,
  credentials: Credentials,
  uri: string,
  nc: number,
  cnonce = randomBytes(8).toString('hex'),
  method = 'POST',
): string {
  const algorithm = challenge.algorithm.toUpperCase();
  const hashName = algorithm.startsWith('SHA-256') ? 'sha256' : 'md5';
  const hash = (value: string): string => createHash(hashName).update(value, 'utf8').digest('hex');
  let ha1 = hash(`${credentials.username}:${challenge.realm}:${credentials.password}`);
  if (algorithm.endsWith('-SESS')) ha1 = hash(`${ha1}:${challenge.nonce}:${cnonce}`);
  const ha2 = hash(`${method}:${uri}`);
  const count = nc.toString(16).padStart(8, '0');
  const response =
    challenge.qop === undefined
      ? hash(`${ha1}:${challenge.nonce}:${ha2}`)
      : hash(`${ha1}:${challenge.nonce}:${count}:${cnonce}:${challenge.qop}:${ha2}`);
  const quote = (value: string): string => `"${value.replace(/(["\\])/g, '\\$1')}"`;
  const parts = [
    `username=${quote(credentials.username)}`,
    `realm=${quote(challenge.realm)}`,
    `nonce=${quote(challenge.nonce)}`,
    `uri=${quote(uri)}`,
    `algorithm=${challenge.algorithm}`,
    `response=${quote(response)}`,
  ];
  if (challenge.qop !== undefined)
    parts.push(`qop=${challenge.qop}`, `nc=${count}`, `cnonce=${quote(cnonce)}`);
  if (challenge.opaque !== undefined) parts.push(`opaque=${quote(challenge.opaque)}`);
  return `Digest ${parts.join(', ')}`;
}

interface HttpAnswer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

/** POST with a time limit over the whole exchange and a cap on the answer's size. */
function httpPost(
  url: URL,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
  maxBytes: number,
): Promise<HttpAnswer> {
  const endpoint = describeEndpoint(url);
  return new Promise((resolve, reject) => {
    const transport = url.protocol === 'https:' ? https : http;
    let settled = false;
    const finish = (error: OnvifError | null, answer?: HttpAnswer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error !== null) {
        request.destroy();
        reject(error);
      } else if (answer !== undefined) resolve(answer);
    };
    const request = transport.request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) },
        // Digest and WS-Security state is per exchange; a kept-alive socket only risks stale answers.
        agent: false,
      },
      (response) => {
        const declared = Number(response.headers['content-length']);
        if (Number.isFinite(declared) && declared > maxBytes) {
          finish(
            new OnvifError(
              'bad_response',
              `${endpoint} sent an answer of ${declared} bytes (limit ${maxBytes})`,
            ),
          );
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) {
            finish(new OnvifError('bad_response', `${endpoint} sent an answer over ${maxBytes} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        response.on('end', () =>
          finish(null, {
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks),
          }),
        );
        response.on('aborted', () =>
          finish(
            new OnvifError('connection', `${endpoint} dropped the connection in the middle of its answer`),
          ),
        );
        response.on('error', (error: NodeJS.ErrnoException) =>
          finish(
            new OnvifError('connection', `${endpoint} dropped the connection (${error.code ?? 'error'})`),
          ),
        );
      },
    );
    const timer = setTimeout(
      () => finish(new OnvifError('timeout', `${endpoint} did not answer within ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
    request.on('error', (error: NodeJS.ErrnoException) => {
      const code = error.code ?? 'error';
      const message =
        code === 'ECONNRESET' || code === 'EPIPE' || error.message === 'socket hang up'
          ? `${endpoint} closed the connection without answering (${code})`
          : code === 'ECONNREFUSED'
            ? `${endpoint} refused the connection (nothing listens on that port)`
            : `cannot reach ${endpoint} (${code})`;
      finish(new OnvifError('connection', message));
    });
    request.end(body);
  });
}

/** How a call authenticates. */
export interface CallOptions {
  /** Sign the call (UsernameToken, or HTTP digest once the device asked for it). Default true. */
  readonly authenticate?: boolean;
  /** Added to our clock for the UsernameToken's Created time: the device's clock offset. Default 0. */
  readonly clockOffsetMs?: number;
}

/** The answer to one call: the first element of the SOAP Body, and the device's HTTP `Date` if it sent one. */
export interface SoapAnswer {
  readonly body: XmlElement;
  readonly dateHeaderMs: number | undefined;
}

export interface SoapClientOptions {
  readonly credentials?: Credentials;
  readonly timeoutMs?: number;
  readonly maxBytes?: number;
  /** Our clock (tests). Default Date.now. */
  readonly now?: () => number;
}

/** Which authentication the client last used successfully or is switched to. */
export type AuthMode = 'ws-security' | 'http-digest';

/**
 * One device's SOAP endpoint(s). Starts with WS-Security; a 401 carrying a Digest challenge switches it to HTTP
 * digest for the rest of its life (the device told us what it wants).
 */
export class SoapClient {
  private readonly credentials: Credentials | undefined;
  private readonly timeoutMs: number;
  private readonly maxBytes: number;
  private readonly now: () => number;
  private challenge: DigestChallenge | undefined;
  private nonceCount = 0;
  authMode: AuthMode = 'ws-security';

  constructor(options: SoapClientOptions = {}) {
    this.credentials = options.credentials;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_SOAP_TIMEOUT_MS;
    this.maxBytes = options.maxBytes ?? MAX_XML_BYTES;
    this.now = options.now ?? Date.now;
  }

  /** Calls `action` (its full URI) at `url` with `body` (XML); resolves with the Body's first element. */
  async call(url: string, action: string, body: string, options: CallOptions = {}): Promise<SoapAnswer> {
    const target = new URL(url);
    const endpoint = describeEndpoint(target);
    const operation = action.slice(action.lastIndexOf('/') + 1);
    const authenticate = (options.authenticate ?? true) && this.credentials !== undefined;
    const credentials = this.credentials;
    const requestPath = `${target.pathname}${target.search}`;

    const send = (authorization: string | undefined): Promise<HttpAnswer> => {
      const header =
        authenticate && credentials !== undefined && this.authMode === 'ws-security'
          ? usernameTokenHeader(credentials, this.now() + (options.clockOffsetMs ?? 0))
          : '';
      const headers: Record<string, string> = {
        'Content-Type': `application/soap+xml; charset=utf-8; action="${action}"`,
      };
      if (authorization !== undefined) headers.Authorization = authorization;
      return httpPost(target, headers, soapEnvelope(body, header), this.timeoutMs, this.maxBytes);
    };
    const digestFor = (challenge: DigestChallenge | undefined): string | undefined =>
      challenge !== undefined && credentials !== undefined && authenticate
        ? digestAuthorization(challenge, credentials, requestPath, ++this.nonceCount)
        : undefined;

    let answer = await send(this.authMode === 'http-digest' ? digestFor(this.challenge) : undefined);
    if (answer.status === 401 && authenticate) {
      const challenge = parseDigestChallenge(answer.headers['www-authenticate']);
      if (challenge !== undefined) {
        this.challenge = challenge;
        this.nonceCount = 0;
        this.authMode = 'http-digest';
        answer = await send(digestFor(challenge));
      }
    }
    if (answer.status === 401) {
      throw new OnvifError('unauthorized', `${endpoint} refused the user name or password (HTTP 401)`);
    }

    const dateHeaderMs = parseDateHeader(answer.headers.date);
    let envelope: XmlElement;
    try {
      envelope = parseXml(answer.body, this.maxBytes);
    } catch (error) {
      if (answer.status < 200 || answer.status >= 300) {
        throw new OnvifError('http_status', `${endpoint} answered ${operation} with HTTP ${answer.status}`);
      }
      const reason = error instanceof XmlError ? error.message : 'unreadable XML';
      throw new OnvifError('bad_response', `${endpoint} answered ${operation} with unusable XML: ${reason}`);
    }
    const bodyElement = child(envelope, 'Body');
    const fault = child(bodyElement, 'Fault');
    if (fault !== undefined) throw this.faultError(fault, endpoint, operation);
    if (answer.status < 200 || answer.status >= 300) {
      throw new OnvifError('http_status', `${endpoint} answered ${operation} with HTTP ${answer.status}`);
    }
    const first = bodyElement?.children[0];
    if (envelope.local !== 'Envelope' || first === undefined) {
      throw new OnvifError('bad_response', `${endpoint} answered ${operation} without a SOAP body`);
    }
    return { body: first, dateHeaderMs };
  }

  private faultError(fault: XmlElement, endpoint: string, operation: string): OnvifError {
    const codes: string[] = [];
    // SOAP 1.2: Code/Value, Code/Subcode/Value, …; SOAP 1.1: faultcode.
    for (let code = child(fault, 'Code'); code !== undefined; code = child(code, 'Subcode')) {
      const value = child(code, 'Value')?.text;
      if (value !== undefined) codes.push(value);
    }
    const legacy = child(fault, 'faultcode')?.text;
    if (legacy !== undefined) codes.push(legacy);
    const localCodes = codes.map((code) => code.slice(code.indexOf(':') + 1));
    const reason = this.redact(
      (
        path(fault, 'Reason', 'Text')?.text ??
        child(fault, 'faultstring')?.text ??
        find(fault, 'Text')?.text ??
        ''
      )
        .replace(/\s+/g, ' ')
        .slice(0, 300),
    );
    if (localCodes.some((code) => AUTH_FAULTS.has(code))) {
      return new OnvifError(
        'unauthorized',
        `${endpoint} refused the user name or password${reason === '' ? '' : ` ("${reason}")`}`,
      );
    }
    const named = localCodes.filter((code) => code !== 'Sender' && code !== 'Receiver').join('/');
    return new OnvifError(
      'soap_fault',
      `${endpoint} answered ${operation} with a fault${named === '' ? '' : ` (${named})`}: ${reason === '' ? 'no reason given' : reason}`,
    );
  }

  /** Devices sometimes echo the user name back in a fault; it stays out of our messages. */
  private redact(text: string): string {
    let result = text;
    for (const secret of [this.credentials?.password, this.credentials?.username]) {
      if (secret !== undefined && secret.length >= 3) result = result.split(secret).join('***');
    }
    return result;
  }
}

/** Fault subcodes that mean "who you are was not accepted" (ONVIF, WS-Security). */
const AUTH_FAULTS = new Set([
  'NotAuthorized',
  'FailedAuthentication',
  'InvalidSecurityToken',
  'InvalidSecurity',
]);

function parseDateHeader(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}
