/**
 * Who a gateway request comes from: a bearer token (API clients) or the HttpOnly session cookie (the web UI),
 * the client address (proxy headers only from configured proxies), and the Host / Origin checks against DNS
 * rebinding and cross-site requests. Pure functions over headers, shared by HTTP, socket.io and the live
 * WebSocket.
 */
import type http from 'node:http';
import { isIP } from 'node:net';

export const SESSION_COOKIE = 'omnisight_session';

export interface OriginPolicy {
  /** Host names besides IP literals and `localhost` that this server answers to (e.g. `nvr.local`). */
  allowedHosts: readonly string[];
}

export function hostName(hostHeader: string): string {
  // `[::1]:8640` → `[::1]`, `localhost:8640` → `localhost`
  return hostHeader.startsWith('[')
    ? hostHeader.slice(0, hostHeader.indexOf(']') + 1)
    : hostHeader.replace(/:\d*$/, '');
}

/**
 * DNS rebinding needs a host name the attacker controls, so Host must be an IP literal, `localhost`, or a
 * name the user configured.
 */
export function hostAllowed(hostHeader: string | undefined, policy: OriginPolicy): boolean {
  if (hostHeader === undefined || hostHeader.length > 255) return false;
  const name = hostName(hostHeader).toLowerCase();
  if (name === 'localhost') return true;
  const bare = name.startsWith('[') ? name.slice(1, -1) : name;
  if (isIP(bare) !== 0) return true;
  return policy.allowedHosts.some((allowed) => allowed.toLowerCase() === name);
}

/** A present Origin must be this same host (scheme http or https). */
export function originMatches(headers: http.IncomingHttpHeaders): boolean {
  const origin = headers.origin;
  if (origin === undefined) return true;
  try {
    const parsed = new URL(origin);
    return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.host === headers.host;
  } catch {
    return false;
  }
}

/** Why a request is refused before anything else (Host, Origin), or null. */
export function refusal(headers: http.IncomingHttpHeaders, policy: OriginPolicy): string | null {
  if (!hostAllowed(headers.host, policy)) return 'Host header is not this server';
  if (!originMatches(headers)) return 'Cross-origin requests are not allowed';
  return null;
}

export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index > 0 && part.slice(0, index).trim() === name) return part.slice(index + 1).trim();
  }
  return undefined;
}

/** The token and how it came: `bearer` needs no CSRF check (browsers never add it by themselves). */
export function sessionToken(
  headers: http.IncomingHttpHeaders,
): { token: string; via: 'bearer' | 'cookie' } | null {
  const authorization = headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(\S{1,256})$/i.exec(authorization.trim());
    return match?.[1] === undefined ? null : { token: match[1], via: 'bearer' };
  }
  const cookie = cookieValue(headers.cookie, SESSION_COOKIE);
  return cookie === undefined || cookie === '' ? null : { token: cookie, via: 'cookie' };
}

/**
 * The client's address: the socket's, or, when the socket is a configured proxy, the last address in
 * `X-Forwarded-For` that is not itself a trusted proxy.
 */
export function clientAddress(
  remoteAddress: string | undefined,
  headers: http.IncomingHttpHeaders,
  trustedProxies: readonly string[],
): string {
  const strip = (address: string): string => address.replace(/^::ffff:/, '');
  const remote = strip(remoteAddress ?? 'unknown');
  if (!trustedProxies.includes(remote)) return remote;
  const forwarded = headers['x-forwarded-for'];
  const chain = (Array.isArray(forwarded) ? forwarded.join(',') : (forwarded ?? ''))
    .split(',')
    .map((entry) => strip(entry.trim()))
    .filter((entry) => entry !== '');
  for (let i = chain.length - 1; i >= 0; i--) {
    const entry = chain[i] ?? '';
    if (!trustedProxies.includes(entry)) return isIP(entry) === 0 ? remote : entry;
  }
  return remote;
}

export function sessionCookie(token: string, maxAgeSeconds: number, secure: boolean): string {
  return [
    `${SESSION_COOKIE}=${token}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`,
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}
