/**
 * Pure helpers of the ONVIF wizard (OnvifWizard.tsx): what the user typed into the address field, how a found
 * device and a profile read, and the camera the chosen profiles make.
 */
import {
  discoveryTargetSize,
  DISCOVERY_ADDRESSES_MAX,
  splitDiscoveryTargets,
  type Camera,
  type DiscoveredCamera,
  type OnvifProfile,
} from '../../../../common/contract/index.js';

/** The unicast targets typed, or the first problem with them. */
export function parseTargets(text: string): { targets: string[] } | { problem: string } {
  const targets = splitDiscoveryTargets(text);
  let total = 0;
  for (const target of targets) {
    const size = discoveryTargetSize(target);
    if ('problem' in size) return { problem: size.problem };
    total += size.count;
  }
  if (total > DISCOVERY_ADDRESSES_MAX) {
    return { problem: `At most ${DISCOVERY_ADDRESSES_MAX} addresses per scan (these are ${total})` };
  }
  if (targets.length > 32) return { problem: 'At most 32 addresses or ranges per scan' };
  return { targets };
}

/** "Acme Vision AV-4K Dome", else the name, else the address. */
export function deviceTitle(
  device: Pick<DiscoveredCamera, 'manufacturer' | 'model' | 'name' | 'address'>,
): string {
  const makeModel = [device.manufacturer, device.model].filter((part) => part !== null).join(' ');
  return makeModel !== '' ? makeModel : (device.name ?? device.address);
}

/** A name to start the camera with: the device's own name, else its model, else its address. */
export function suggestedName(device: Pick<DiscoveredCamera, 'model' | 'name' | 'address'>): string {
  return (device.name ?? device.model ?? device.address).slice(0, 64);
}

/** "H.264 1920×1080, 25 fps". */
export function describeProfile(profile: OnvifProfile): string {
  const encoding = (profile.encoding ?? 'unknown codec').replace(/^H(26[45])$/i, 'H.$1');
  const size = profile.width !== null && profile.height !== null ? ` ${profile.width}×${profile.height}` : '';
  const fps = profile.fps === null ? '' : `, ${profile.fps} fps`;
  return `${encoding}${size}${fps}`;
}

export function isH265(profile: OnvifProfile): boolean {
  return /^(h\.?265|hevc)$/i.test(profile.encoding ?? '');
}

/** A scan id the engine accepts; `crypto.randomUUID` is missing on plain-http LAN pages. */
export function newScanId(): string {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return `scan-${Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')}`;
}

/** Adds or replaces a device by endpoint, keeping the order they arrived in. */
export function mergeDevices(
  known: readonly DiscoveredCamera[],
  incoming: readonly DiscoveredCamera[],
): DiscoveredCamera[] {
  const merged = [...known];
  for (const device of incoming) {
    const index = merged.findIndex((entry) => entry.endpoint === device.endpoint);
    if (index === -1) merged.push(device);
    else merged[index] = device;
  }
  return merged;
}

function hostOf(url: string): string | null {
  try {
    return new URL(url).hostname.toLowerCase().replace(/^\[|\]$/g, '');
  } catch {
    return null;
  }
}

/**
 * A device the user typed the address of (Add camera → Generic ONVIF) instead of one found by a scan, marked
 * already added when a saved camera streams from its host.
 */
export function typedDevice(
  xaddr: string,
  cameras: readonly Pick<Camera, 'name' | 'rtspUrl' | 'subStreamUrl'>[],
): DiscoveredCamera {
  const host = hostOf(xaddr) ?? xaddr;
  const saved = cameras.find((camera) =>
    [camera.rtspUrl, camera.subStreamUrl].some((url) => url !== null && hostOf(url) === host),
  );
  return {
    endpoint: xaddr,
    xaddr,
    address: host,
    manufacturer: null,
    model: null,
    name: null,
    location: null,
    alreadyAdded: saved !== undefined,
    addedAs: saved?.name ?? null,
  };
}
