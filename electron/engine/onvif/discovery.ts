/**
 * WS-Discovery (ONVIF profile): a Probe for NetworkVideoTransmitter sent to 239.255.255.250:3702 from every
 * suitable IPv4 interface, and optionally unicast to addresses the user typed; ProbeMatches are collected for
 * a short window and streamed to a callback as they arrive. Discovery only listens: it never signs in or sends
 * credentials anywhere (the user picks a result, then `createOnvifDevice` talks to that address alone).
 */
import { randomUUID } from 'node:crypto';
import dgram from 'node:dgram';
import { isIP } from 'node:net';
import os from 'node:os';

import { XmlError, childrenNamed, parseXml, path, textAt, type XmlElement } from './xml.js';

export const WS_DISCOVERY_ADDRESS = '239.255.255.250';
export const WS_DISCOVERY_PORT = 3702;
/** A single ProbeMatch is about 1-2 kB; a UDP datagram cannot exceed 64 kB anyway. */
const MAX_DATAGRAM_BYTES = 64 * 1024;
/** A range the user types is for one subnet at most. */
const MAX_UNICAST_TARGETS = 256;

/** One device found, merged over every answer with the same endpoint reference. */
export interface DiscoveredDevice {
  /** EndpointReference Address (usually urn:uuid:…): the device's identity across address changes. */
  readonly endpoint: string;
  /** The XAddr to use: the one on the replying host's address when there is one. */
  readonly xaddr: string;
  /** Every XAddr offered, 0.0.0.0 replaced by the sender's address. */
  readonly xaddrs: readonly string[];
  /** The address the answer came from. */
  readonly address: string;
  readonly manufacturer?: string;
  readonly model?: string;
  readonly name?: string;
  readonly location?: string;
  readonly scopes: readonly string[];
  readonly types: readonly string[];
}

export interface DiscoveryOptions {
  /** How long to collect answers, ms. Default 4000 (the ONVIF recommendation is 3-5 s). */
  readonly windowMs?: number;
  /** Send the multicast probe. Default true. */
  readonly multicast?: boolean;
  /** Include loopback interfaces for multicast (tests). Default false. */
  readonly includeLoopback?: boolean;
  /** Only these local IPv4 interface addresses (default: every suitable one). */
  readonly interfaceAddresses?: readonly string[];
  /**
   * Unicast targets: `192.168.1.20`, `192.168.1.20-40` (last octet range), `host:port`. At most 256 in all.
   */
  readonly unicast?: readonly string[];
  /** Destination port for probes. Default 3702; tests point it at a simulator. */
  readonly port?: number;
  /** Called once per new device, as soon as its first answer arrives. */
  readonly onDevice?: (device: DiscoveredDevice) => void;
  readonly signal?: AbortSignal;
}

export interface DiscoveryResult {
  readonly devices: readonly DiscoveredDevice[];
  /** Datagrams that were not a ProbeMatches answer to us (malformed XML, wrong message, no endpoint). */
  readonly ignored: number;
  /** Answers for an endpoint already listed (same camera answering twice or on two interfaces). */
  readonly duplicates: number;
  /** Local interface addresses the multicast probe went out on. */
  readonly interfaces: readonly string[];
  /** Sends that failed (interface down, no route), as "address: reason". */
  readonly sendErrors: readonly string[];
}

/** The Probe message: SOAP 1.2 over UDP, WS-Addressing 2004/08 as ONVIF requires. */
export function buildProbe(messageId: string = `urn:uuid:${randomUUID()}`): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"' +
    ' xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing"' +
    ' xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery"' +
    ' xmlns:dn="http://www.onvif.org/ver10/network/wsdl">' +
    '<s:Header>' +
    `<a:MessageID>${messageId}</a:MessageID>` +
    '<a:To s:mustUnderstand="1">urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To>' +
    '<a:Action s:mustUnderstand="1">http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</a:Action>' +
    '</s:Header>' +
    '<s:Body><d:Probe><d:Types>dn:NetworkVideoTransmitter</d:Types></d:Probe></s:Body>' +
    '</s:Envelope>'
  );
}

/** What one datagram held: the matches in it, or why it was ignored. */
export type ParsedAnswer =
  | { readonly kind: 'matches'; readonly relatesTo?: string; readonly matches: DiscoveredDevice[] }
  | { readonly kind: 'ignored'; readonly reason: string };

/** Parses a ProbeMatches datagram from `sender` (its IP address). Never throws. */
export function parseProbeMatches(datagram: Buffer | string, sender: string): ParsedAnswer {
  let envelope: XmlElement;
  try {
    envelope = parseXml(datagram, MAX_DATAGRAM_BYTES);
  } catch (error) {
    return { kind: 'ignored', reason: error instanceof XmlError ? error.message : 'unreadable' };
  }
  const probeMatches = path(envelope, 'Body', 'ProbeMatches');
  if (envelope.local !== 'Envelope' || probeMatches === undefined) {
    return { kind: 'ignored', reason: 'not a ProbeMatches message' };
  }
  const matches: DiscoveredDevice[] = [];
  for (const match of childrenNamed(probeMatches, 'ProbeMatch')) {
    const endpoint = textAt(match, 'EndpointReference', 'Address');
    const xaddrs = splitList(textAt(match, 'XAddrs'))
      .map((xaddr) => fixXAddr(xaddr, sender))
      .filter((xaddr): xaddr is string => xaddr !== undefined);
    if (endpoint === undefined || xaddrs.length === 0) continue;
    const scopes = splitList(textAt(match, 'Scopes'));
    matches.push({
      endpoint,
      xaddr: pickXAddr(xaddrs, sender),
      xaddrs: [...new Set(xaddrs)],
      address: sender,
      ...readScopes(scopes),
      scopes,
      types: splitList(textAt(match, 'Types')).map((type) => type.slice(type.indexOf(':') + 1)),
    });
  }
  if (matches.length === 0) return { kind: 'ignored', reason: 'ProbeMatches without a usable match' };
  const relatesTo = textAt(envelope, 'Header', 'RelatesTo');
  return { kind: 'matches', matches, ...(relatesTo !== undefined ? { relatesTo } : {}) };
}

function splitList(value: string | undefined): string[] {
  return value === undefined ? [] : value.split(/\s+/).filter((item) => item !== '');
}

/** A usable http(s) XAddr with an unspecified host (0.0.0.0, ::) replaced by the sender's address. */
function fixXAddr(xaddr: string, sender: string): string | undefined {
  let url: URL;
  try {
    url = new URL(xaddr);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.hostname === '0.0.0.0' || url.hostname === '[::]') {
    url.hostname = isIP(sender) === 6 ? `[${sender}]` : sender;
  }
  url.username = '';
  url.password = '';
  return url.href;
}

/** The XAddr on the replying host's address, else the first IPv4 one, else the first. */
function pickXAddr(xaddrs: readonly string[], sender: string): string {
  const host = (xaddr: string): string => new URL(xaddr).hostname.replace(/^\[|\]$/g, '');
  return (
    xaddrs.find((xaddr) => host(xaddr) === sender) ??
    xaddrs.find((xaddr) => isIP(host(xaddr)) === 4) ??
    (xaddrs[0] as string)
  );
}

/** manufacturer/model/name/location from `onvif://www.onvif.org/<key>/<value>` scopes (URL-decoded). */
export function readScopes(
  scopes: readonly string[],
): Pick<DiscoveredDevice, 'manufacturer' | 'model' | 'name' | 'location'> {
  const found: { manufacturer?: string; model?: string; name?: string; location?: string } = {};
  for (const scope of scopes) {
    const match = /^onvif:\/\/www\.onvif\.org\/([^/]+)\/(.+)$/i.exec(scope);
    if (match === null) continue;
    const key = (match[1] ?? '').toLowerCase();
    let value: string;
    try {
      value = decodeURIComponent((match[2] ?? '').replace(/\+/g, ' ')).trim();
    } catch {
      value = (match[2] ?? '').trim();
    }
    if (value === '') continue;
    if (key === 'hardware') found.model ??= value;
    else if (key === 'name') found.name ??= value;
    else if (key === 'location' && !value.includes('/')) found.location ??= value;
    else if (key === 'manufacturer' || key === 'mfr') found.manufacturer ??= value;
  }
  return found;
}

/** Expands unicast targets into `{ host, port }`; throws on nonsense or more than 256 targets. */
export function expandTargets(
  targets: readonly string[],
  defaultPort: number,
): { host: string; port: number }[] {
  const expanded: { host: string; port: number }[] = [];
  for (const raw of targets) {
    const target = raw.trim();
    const withPort = /^(.+):(\d{1,5})$/.exec(target);
    const hostPart = withPort !== null && isIP(target) !== 6 ? (withPort[1] ?? '') : target;
    const port = withPort !== null && isIP(target) !== 6 ? Number(withPort[2]) : defaultPort;
    if (port < 1 || port > 65535) throw new Error(`invalid port in "${target}"`);
    const range = /^(\d{1,3}\.\d{1,3}\.\d{1,3}\.)(\d{1,3})-(\d{1,3})$/.exec(hostPart);
    if (range !== null) {
      const first = Number(range[2]);
      const last = Number(range[3]);
      if (first > last || last > 255 || isIP(`${range[1]}${first}`) !== 4)
        throw new Error(`invalid range "${target}"`);
      for (let octet = first; octet <= last; octet++) expanded.push({ host: `${range[1]}${octet}`, port });
    } else if (isIP(hostPart) !== 0) {
      expanded.push({ host: hostPart, port });
    } else {
      throw new Error(`"${target}" is not an IP address or range`);
    }
    if (expanded.length > MAX_UNICAST_TARGETS)
      throw new Error(`more than ${MAX_UNICAST_TARGETS} addresses to probe`);
  }
  return expanded;
}

/** IPv4 interface addresses to probe from: up (listed), not internal unless asked. */
export function probeInterfaces(includeLoopback = false): string[] {
  const addresses: string[] = [];
  for (const entries of Object.values(os.networkInterfaces())) {
    for (const entry of entries ?? []) {
      if (entry.family !== 'IPv4') continue;
      if (entry.internal && !includeLoopback) continue;
      addresses.push(entry.address);
    }
  }
  return addresses;
}

function bindSocket(address: string | undefined): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket({ type: 'udp4', reuseAddr: false });
    socket.once('error', reject);
    socket.bind({ port: 0, ...(address !== undefined ? { address } : {}) }, () => {
      socket.off('error', reject);
      resolve(socket);
    });
  });
}

function send(socket: dgram.Socket, message: Buffer, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) =>
    socket.send(message, port, host, (error) => (error ? reject(error) : resolve())),
  );
}

/**
 * Probes and collects for `windowMs`. Resolves with every device found (each once), how many datagrams were
 * ignored and which interfaces were used. Stops early when `signal` aborts.
 */
export async function discover(options: DiscoveryOptions = {}): Promise<DiscoveryResult> {
  const windowMs = options.windowMs ?? 4000;
  const port = options.port ?? WS_DISCOVERY_PORT;
  const unicastTargets = expandTargets(options.unicast ?? [], port);
  const messageId = `urn:uuid:${randomUUID()}`;
  const probe = Buffer.from(buildProbe(messageId), 'utf8');
  const devices = new Map<string, DiscoveredDevice>();
  const sockets: dgram.Socket[] = [];
  const interfaces: string[] = [];
  const sendErrors: string[] = [];
  let ignored = 0;
  let duplicates = 0;

  const onMessage = (datagram: Buffer, remote: dgram.RemoteInfo): void => {
    const answer = parseProbeMatches(datagram, remote.address);
    // A ProbeMatches for someone else's probe (another NVR scanning) is not ours to count as found.
    if (answer.kind === 'ignored' || (answer.relatesTo !== undefined && answer.relatesTo !== messageId)) {
      ignored++;
      return;
    }
    for (const match of answer.matches) {
      const known = devices.get(match.endpoint);
      if (known !== undefined) {
        duplicates++;
        const xaddrs = [...new Set([...known.xaddrs, ...match.xaddrs])];
        const scopes = [...new Set([...known.scopes, ...match.scopes])];
        devices.set(match.endpoint, { ...known, xaddrs, scopes });
        continue;
      }
      devices.set(match.endpoint, match);
      options.onDevice?.(match);
    }
  };

  try {
    if (options.multicast ?? true) {
      const addresses = options.interfaceAddresses ?? probeInterfaces(options.includeLoopback ?? false);
      for (const address of addresses) {
        let socket: dgram.Socket;
        try {
          socket = await bindSocket(address);
        } catch (error) {
          sendErrors.push(`${address}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
          continue;
        }
        sockets.push(socket);
        socket.on('message', onMessage);
        socket.on('error', () => undefined);
        try {
          socket.setMulticastInterface(address);
          socket.setMulticastTTL(1);
          // Also deliver to listeners on this host (a simulator, or a camera app on the same machine).
          socket.setMulticastLoopback(true);
          await send(socket, probe, port, WS_DISCOVERY_ADDRESS);
          interfaces.push(address);
        } catch (error) {
          sendErrors.push(`${address}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
        }
      }
    }
    if (unicastTargets.length > 0) {
      const socket = await bindSocket(undefined);
      sockets.push(socket);
      socket.on('message', onMessage);
      socket.on('error', () => undefined);
      for (const target of unicastTargets) {
        try {
          await send(socket, probe, target.port, target.host);
        } catch (error) {
          sendErrors.push(`${target.host}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
        }
      }
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, windowMs);
      options.signal?.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          resolve();
        },
        { once: true },
      );
    });
  } finally {
    for (const socket of sockets) socket.close();
  }
  return { devices: [...devices.values()], ignored, duplicates, interfaces, sendErrors };
}
