/**
 * The engine's ONVIF service behind `onvif.discover` and `onvif.connect` (README "Wizard"). Discovery only
 * sends Probes (no credentials) and reports what answered; credentials go only to the one device URL the user
 * passes to `connect`. Nothing here logs a user name, password or URL with credentials.
 */
import { randomUUID } from 'node:crypto';
import {
  ContractError,
  streamUrlProblem,
  type Camera,
  type DiscoveredCamera,
  type MethodInput,
  type OnvifConnectResult,
  type OnvifDiscoverResult,
  type OnvifProfile,
} from '../../../common/contract/index.js';
import type { EventBus } from '../events/event-bus.js';
import type { Logger } from '../ports.js';
import { splitCredentials } from '../cameras/stream-url.js';
import { createOnvifDevice, type MediaProfile, type OnvifDevice } from './device.js';
import { discover, expandTargets, WS_DISCOVERY_PORT, type DiscoveredDevice } from './discovery.js';
import { OnvifError } from './errors.js';
import { suggestStreams } from './suggest.js';

/** Scans at once: each binds a socket per interface for a few seconds. */
export const MAX_SCANS = 2;
/** Device sign-ins at once (each is a handful of HTTP exchanges). */
export const MAX_CONNECTS = 4;
/** Texts from the network are capped before they reach a page. */
const TEXT_MAX = 200;

export interface OnvifServiceOptions {
  /** The saved cameras, to mark devices already added. */
  cameras: { list(): Camera[] };
  events: EventBus;
  logger: Logger;
  /** Where probes go (3702; tests and unusual networks may change it). */
  discoveryPort?: number;
  /** Send the multicast probe on loopback too (tests with a simulator on this host). */
  includeLoopback?: boolean;
  /** Time limit of each SOAP exchange (default 10 s). */
  timeoutMs?: number;
  /** Makes the device client (tests). */
  createDevice?: typeof createOnvifDevice;
  /** Runs a scan (tests). */
  discover?: typeof discover;
}

export interface OnvifService {
  discover(input: MethodInput<'onvif.discover'>): Promise<OnvifDiscoverResult>;
  connect(input: MethodInput<'onvif.connect'>): Promise<OnvifConnectResult>;
  /** Ends running scans early (engine stop). */
  stop(): void;
}

function text(value: string | undefined): string | null {
  if (value === undefined) return null;
  // eslint-disable-next-line no-control-regex
  const clean = value.replace(/[\u0000-\u001f\u007f-\u009f]/gu, ' ').trim();
  return clean === '' ? null : clean.slice(0, TEXT_MAX);
}

function hostOf(url: string): string | null {
  try {
    const host = new URL(url).hostname.toLowerCase();
    return host.startsWith('[') ? host.slice(1, -1) : host;
  } catch {
    return null;
  }
}

/** Host (lower case) → name of the first saved camera streaming from it. */
function savedHosts(cameras: readonly Camera[]): Map<string, string> {
  const hosts = new Map<string, string>();
  for (const camera of cameras) {
    for (const url of [camera.rtspUrl, camera.subStreamUrl]) {
      const host = url === null ? null : hostOf(url);
      if (host !== null && !hosts.has(host)) hosts.set(host, camera.name);
    }
  }
  return hosts;
}

export function describeDiscovered(
  device: DiscoveredDevice,
  saved: ReadonlyMap<string, string>,
): DiscoveredCamera {
  const xaddrHost = hostOf(device.xaddr);
  const addedAs =
    saved.get(device.address.toLowerCase()) ?? (xaddrHost === null ? undefined : saved.get(xaddrHost));
  return {
    endpoint: device.endpoint.slice(0, TEXT_MAX),
    xaddr: device.xaddr.slice(0, 2048),
    address: device.address,
    manufacturer: text(device.manufacturer),
    model: text(device.model),
    name: text(device.name),
    location: text(device.location),
    alreadyAdded: addedAs !== undefined,
    addedAs: addedAs ?? null,
  };
}

/**
 * The stream URL a profile's URI gives, without credentials (they go in the camera's fields), on the device's
 * host when the device reports 0.0.0.0 or none; or why it cannot be used.
 */
export function streamUrlOf(uri: string, xaddr: string): { url: string } | { problem: string } {
  let url: URL;
  try {
    url = new URL(splitCredentials(uri).url);
  } catch {
    return { problem: 'The camera gave a stream address that is not a URL' };
  }
  if (url.hostname === '' || url.hostname === '0.0.0.0') {
    const host = new URL(xaddr).hostname;
    url.hostname = host;
  }
  const href = url.href;
  const problem = streamUrlProblem(href);
  return problem === null ? { url: href } : { problem: `The camera's stream address ${problem}` };
}

export function createOnvifService(options: OnvifServiceOptions): OnvifService {
  const logger = options.logger.child({ component: 'onvif' });
  const makeDevice = options.createDevice ?? createOnvifDevice;
  const runScan = options.discover ?? discover;
  const port = options.discoveryPort ?? WS_DISCOVERY_PORT;
  const scans = new Set<AbortController>();
  let connecting = 0;

  async function profilesOf(device: OnvifDevice, xaddr: string): Promise<OnvifProfile[]> {
    const profiles = await device.getProfiles();
    const result: OnvifProfile[] = [];
    for (const profile of profiles) result.push(await describeProfile(device, profile, xaddr));
    return result;
  }

  async function describeProfile(
    device: OnvifDevice,
    profile: MediaProfile,
    xaddr: string,
  ): Promise<OnvifProfile> {
    let streamUrl: string | null = null;
    let streamProblem: string | null = null;
    try {
      const found = streamUrlOf(await device.getStreamUri(profile), xaddr);
      if ('url' in found) streamUrl = found.url;
      else streamProblem = found.problem;
    } catch (error) {
      // One profile's fault (a JPEG profile without RTSP, say) does not hide the others.
      if (!(error instanceof OnvifError) || error.code === 'unauthorized') throw error;
      streamProblem = error.message;
    }
    return {
      token: profile.token.slice(0, TEXT_MAX),
      name: text(profile.name) ?? profile.token.slice(0, TEXT_MAX),
      service: profile.service,
      encoding: text(profile.encoding),
      width: profile.width ?? null,
      height: profile.height ?? null,
      fps: profile.frameRateLimit ?? null,
      streamUrl,
      streamProblem,
    };
  }

  return {
    async discover(input) {
      if (scans.size >= MAX_SCANS) {
        throw new ContractError('unavailable', 'Another scan is still running; try again in a few seconds');
      }
      let unicastAddresses: number;
      try {
        unicastAddresses = expandTargets(input.unicast ?? [], port).length;
      } catch (error) {
        throw new ContractError('validation', `Addresses to probe: ${(error as Error).message}`);
      }
      const controller = new AbortController();
      scans.add(controller);
      const saved = savedHosts(options.cameras.list());
      try {
        const result = await runScan({
          windowMs: input.windowMs ?? 4_000,
          unicast: input.unicast ?? [],
          port,
          includeLoopback: options.includeLoopback ?? false,
          signal: controller.signal,
          onDevice: (device) =>
            options.events.emit('onvif.discovered', {
              scanId: input.scanId,
              device: describeDiscovered(device, saved),
            }),
        });
        const devices = result.devices.map((device) => describeDiscovered(device, saved));
        logger.info(
          {
            scanId: input.scanId,
            found: devices.length,
            ignored: result.ignored,
            duplicates: result.duplicates,
            interfaces: result.interfaces.length,
            unicastAddresses,
          },
          'ONVIF scan finished',
        );
        return {
          scanId: input.scanId,
          devices,
          ignored: result.ignored,
          duplicates: result.duplicates,
          interfaces: [...result.interfaces],
          sendErrors: result.sendErrors.slice(0, 50),
          unicastAddresses,
        };
      } finally {
        scans.delete(controller);
      }
    },

    async connect(input) {
      if (connecting >= MAX_CONNECTS) {
        throw new ContractError('unavailable', 'Other sign-ins are still running; try again in a moment');
      }
      connecting++;
      const attempt = randomUUID().slice(0, 8);
      const host = hostOf(input.xaddr);
      const username = input.username ?? '';
      const credentials =
        username === '' && (input.password ?? '') === ''
          ? undefined
          : { username, password: input.password ?? '' };
      try {
        const device = makeDevice({
          xaddr: input.xaddr,
          ...(credentials === undefined ? {} : { credentials }),
          ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
        });
        const connected = await device.connect();
        const profiles = await profilesOf(device, input.xaddr);
        const information = connected.information;
        logger.info(
          {
            attempt,
            host,
            auth: connected.auth,
            clockOffsetMs: connected.clockOffsetMs,
            profiles: profiles.map((profile) => `${profile.token} ${profile.encoding ?? '?'}`),
          },
          'ONVIF sign-in',
        );
        return {
          ok: true,
          xaddr: input.xaddr,
          auth: connected.auth,
          clockOffsetMs: connected.clockOffsetMs,
          warnings: connected.warnings.map((warning) => ({ code: warning.code, message: warning.message })),
          information: {
            manufacturer: text(information.manufacturer),
            model: text(information.model),
            firmwareVersion: text(information.firmwareVersion),
            serialNumber: text(information.serialNumber),
          },
          profiles,
          suggested: suggestStreams(profiles),
        };
      } catch (error) {
        if (!(error instanceof OnvifError)) throw error;
        logger.info({ attempt, host, failure: error.code }, 'ONVIF sign-in failed');
        return { ok: false, failure: error.code, message: error.message };
      } finally {
        connecting--;
      }
    },

    stop() {
      for (const controller of scans) controller.abort();
    },
  };
}
