import { z } from 'zod';
import { CONTROL_CHARACTERS, OnvifXaddr, Password, Username } from './cameras.js';

/**
 * The ONVIF side of the add-camera wizard: `onvif.discover` (WS-Discovery, suggests and never connects) and
 * `onvif.connect` (signs in to the one device the user picked and reads its profiles and stream URLs).
 */

export const DISCOVERY_WINDOW_MS_MIN = 1_000;
export const DISCOVERY_WINDOW_MS_MAX = 10_000;
export const DISCOVERY_WINDOW_MS_DEFAULT = 4_000;
/** Addresses one scan may probe by unicast, ranges expanded (one /24 subnet). */
export const DISCOVERY_ADDRESSES_MAX = 256;
const TARGET_TEXT_MAX = 64;

const OCTET = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}$`);
const IPV4_RANGE = new RegExp(`^(${OCTET}\\.${OCTET}\\.${OCTET}\\.)${OCTET}-${OCTET}$`);
const IPV6 = /^[0-9a-f:.]+$/i;

/** A scan's id, made by the caller so it can match `onvif.discovered` events that arrive before the answer. */
export const ScanId = z
  .string({ error: 'is required' })
  .regex(/^[A-Za-z0-9_-]{8,64}$/, 'must be 8 to 64 letters, digits, "-" or "_"');

/**
 * How many addresses a unicast target stands for, or why it is unacceptable. Accepted: `192.168.1.20`,
 * `192.168.1.20-40` (a range of the last octet), either with `:port`, and a bare IPv6 address. Pure, so the
 * wizard shows the engine's message inline.
 */
export function discoveryTargetSize(raw: string): { count: number } | { problem: string } {
  const target = raw.trim();
  if (target.length === 0) return { problem: 'must not be empty' };
  if (target.length > TARGET_TEXT_MAX || CONTROL_CHARACTERS.test(target)) {
    return { problem: `"${target.slice(0, TARGET_TEXT_MAX)}" is not an address` };
  }
  if (target.includes(':') && (target.match(/:/g) ?? []).length > 1) {
    return IPV6.test(target) ? { count: 1 } : { problem: `"${target}" is not an IP address` };
  }
  const withPort = /^(.+):(\d{1,5})$/.exec(target);
  const host = withPort === null ? target : (withPort[1] ?? '');
  if (withPort !== null) {
    const port = Number(withPort[2]);
    if (port < 1 || port > 65_535) return { problem: `"${target}" has a port outside 1-65535` };
  }
  if (IPV4.test(host)) return { count: 1 };
  const range = IPV4_RANGE.exec(host);
  if (range !== null) {
    const [first, last] = host
      .slice(host.lastIndexOf('.') + 1)
      .split('-')
      .map(Number) as [number, number];
    if (first > last) return { problem: `"${target}": the range must go up (like 192.168.1.20-40)` };
    return { count: last - first + 1 };
  }
  return {
    problem: `"${target}" is not an IP address or range (like 192.168.1.20 or 192.168.1.20-40)`,
  };
}

/** Splits what the user typed (commas, spaces or new lines between targets) into targets. */
export function splitDiscoveryTargets(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
}

export const DiscoveryTarget = z
  .string({ error: 'must be an address' })
  .trim()
  .superRefine((value, context) => {
    const size = discoveryTargetSize(value);
    if ('problem' in size) context.addIssue({ code: 'custom', message: size.problem });
  });

export const OnvifDiscoverInput = z
  .strictObject({
    scanId: ScanId,
    /** Addresses to probe directly as well (cameras on another subnet, where multicast does not reach). */
    unicast: z.array(DiscoveryTarget).max(32, 'must list at most 32 addresses or ranges').optional(),
    windowMs: z
      .number({ error: 'must be a number of milliseconds' })
      .int('must be whole milliseconds')
      .min(DISCOVERY_WINDOW_MS_MIN, `must be at least ${DISCOVERY_WINDOW_MS_MIN} ms`)
      .max(DISCOVERY_WINDOW_MS_MAX, `must be at most ${DISCOVERY_WINDOW_MS_MAX} ms`)
      .optional(),
  })
  .superRefine((value, context) => {
    let total = 0;
    for (const target of value.unicast ?? []) {
      const size = discoveryTargetSize(target);
      if ('count' in size) total += size.count;
    }
    if (total > DISCOVERY_ADDRESSES_MAX) {
      context.addIssue({
        code: 'custom',
        path: ['unicast'],
        message: `must stand for at most ${DISCOVERY_ADDRESSES_MAX} addresses in all (got ${total})`,
      });
    }
  });
export type OnvifDiscoverInput = z.input<typeof OnvifDiscoverInput>;

/** A camera that answered the probe. Every text came from the network: shown as text, capped in length. */
export const DiscoveredCamera = z.object({
  /** The device's identity (EndpointReference, usually urn:uuid:…), stable across address changes. */
  endpoint: z.string(),
  /** The device service URL to sign in to. */
  xaddr: z.string(),
  /** The address the answer came from. */
  address: z.string(),
  manufacturer: z.string().nullable(),
  model: z.string().nullable(),
  name: z.string().nullable(),
  location: z.string().nullable(),
  /** A saved camera already streams from this host. */
  alreadyAdded: z.boolean(),
  /** That camera's name, when there is one. */
  addedAs: z.string().nullable(),
});
export type DiscoveredCamera = z.infer<typeof DiscoveredCamera>;

/** Pushed once per new device, as soon as its first answer arrives. */
export const OnvifDiscovered = z.object({ scanId: ScanId, device: DiscoveredCamera });

export const OnvifDiscoverResult = z.object({
  scanId: ScanId,
  devices: z.array(DiscoveredCamera),
  /** Datagrams that were not an answer to this scan (garbage, truncated XML, another client's answers). */
  ignored: z.number().int(),
  /** Repeated answers from a device already listed. */
  duplicates: z.number().int(),
  /** Local addresses the multicast probe went out from. */
  interfaces: z.array(z.string()),
  /** Addresses or interfaces a probe could not be sent to, as "address: reason". */
  sendErrors: z.array(z.string()),
  /** Unicast addresses probed (ranges expanded). */
  unicastAddresses: z.number().int(),
});
export type OnvifDiscoverResult = z.infer<typeof OnvifDiscoverResult>;

export const OnvifConnectInput = z.strictObject({
  xaddr: OnvifXaddr,
  username: Username.optional(),
  password: Password.optional(),
});
export type OnvifConnectInput = z.input<typeof OnvifConnectInput>;

/** Why signing in or reading the profiles failed; each has its own message. */
export const ONVIF_FAILURES = [
  'unauthorized',
  'soap_fault',
  'timeout',
  'connection',
  'http_status',
  'bad_response',
  'unsupported',
] as const;

export const OnvifProfile = z.object({
  token: z.string(),
  name: z.string(),
  /** Which media service described it: Media2 is the one that can describe H.265. */
  service: z.enum(['media', 'media2']),
  /** As the device names it: H264, H265, JPEG… */
  encoding: z.string().nullable(),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  fps: z.number().nullable(),
  /** The RTSP URL without credentials; null when the device gave none usable (see `streamProblem`). */
  streamUrl: z.string().nullable(),
  streamProblem: z.string().nullable(),
});
export type OnvifProfile = z.infer<typeof OnvifProfile>;

export const OnvifConnectResult = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    xaddr: z.string(),
    auth: z.enum(['ws-security', 'http-digest', 'none']),
    /** Device clock minus ours, ms; null when the device did not say. */
    clockOffsetMs: z.number().nullable(),
    /** Things that worked but should be fixed (a camera clock far off). */
    warnings: z.array(z.object({ code: z.literal('clock_skew'), message: z.string() })),
    information: z.object({
      manufacturer: z.string().nullable(),
      model: z.string().nullable(),
      firmwareVersion: z.string().nullable(),
      serialNumber: z.string().nullable(),
    }),
    profiles: z.array(OnvifProfile),
    /** Profile tokens: the largest stream for recording, a smaller one for detection and grid tiles. */
    suggested: z.object({ main: z.string().nullable(), sub: z.string().nullable() }),
  }),
  z.object({ ok: z.literal(false), failure: z.enum(ONVIF_FAILURES), message: z.string() }),
]);
export type OnvifConnectResult = z.infer<typeof OnvifConnectResult>;
