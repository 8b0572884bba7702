/**
 * RTSP URL templates of common camera makes, for adding a camera by host when its URL is not known. Pure and
 * shared: the add-camera form fills the URL fields from them, and the engine never needs them (it stores the
 * URLs the user confirmed). Paths are the makers' documented defaults for the first channel; `channel` picks
 * another one on NVRs and multi-sensor cameras.
 */

export interface CameraTemplate {
  id: string;
  label: string;
  /** The camera's usual RTSP port. */
  port: number;
  /** Main stream path and query for a channel (1-based). */
  main: (channel: number) => string;
  /** Sub stream path and query, when the make has a standard one. */
  sub: ((channel: number) => string) | null;
  /** Shown beside the form: what to check on this make. */
  note: string;
}

export const CAMERA_TEMPLATES: readonly CameraTemplate[] = [
  {
    id: 'hikvision',
    label: 'Hikvision (and most OEM versions)',
    port: 554,
    main: (channel) => `/Streaming/Channels/${channel}01`,
    sub: (channel) => `/Streaming/Channels/${channel}02`,
    note: 'Channel 1 main is 101, sub 102. The sub stream is often H.264 even when the main is H.265.',
  },
  {
    id: 'dahua',
    label: 'Dahua / Amcrest / Lorex',
    port: 554,
    main: (channel) => `/cam/realmonitor?channel=${channel}&subtype=0`,
    sub: (channel) => `/cam/realmonitor?channel=${channel}&subtype=1`,
    note: 'subtype=0 is the main stream, 1 the first sub stream.',
  },
  {
    id: 'reolink',
    label: 'Reolink',
    port: 554,
    main: (channel) => `/h264Preview_${String(channel).padStart(2, '0')}_main`,
    sub: (channel) => `/h264Preview_${String(channel).padStart(2, '0')}_sub`,
    note: '4K and 5 MP models send H.265 on the main stream: use the sub stream for tiles, or RTMP/H.264 settings.',
  },
  {
    id: 'axis',
    label: 'Axis',
    port: 554,
    main: (channel) => `/axis-media/media.amp?camera=${channel}&videocodec=h264`,
    sub: (channel) => `/axis-media/media.amp?camera=${channel}&videocodec=h264&resolution=640x360`,
    note: 'The sub stream is the same stream scaled by the camera (resolution=640x360).',
  },
  {
    id: 'uniview',
    label: 'Uniview',
    port: 554,
    main: (channel) => `/unicast/c${channel}/s0/live`,
    sub: (channel) => `/unicast/c${channel}/s1/live`,
    note: 's0 is the main stream, s1 the sub stream.',
  },
  {
    id: 'tapo',
    label: 'TP-Link Tapo',
    port: 554,
    main: () => '/stream1',
    sub: () => '/stream2',
    note: 'Create a camera account in the Tapo app (Advanced settings → Camera account) and use it here.',
  },
  {
    id: 'hanwha',
    label: 'Hanwha (Wisenet)',
    port: 554,
    main: () => '/profile2/media.smp',
    sub: () => '/profile3/media.smp',
    note: 'Profile numbers depend on the model’s profile list (profile1 is often MJPEG): check the camera’s Video profile page.',
  },
];

export interface TemplateTarget {
  host: string;
  port?: number;
  channel?: number;
}

/** Why a host typed for a template is unusable, or null. Pure, for inline form messages. */
export function templateHostProblem(host: string): string | null {
  const value = host.trim();
  if (value === '') return 'must not be empty';
  if (value.length > 253) return 'must be at most 253 characters';
  // A host name, an IPv4 address or a bracketed IPv6 address: nothing that could add a path or user info.
  if (!/^(\[[0-9a-f:.]+\]|[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*)$/i.test(value)) {
    return 'must be a host name or IP address (no scheme, path or user name)';
  }
  return null;
}

/** The main and sub stream URLs (without credentials) for a template and a host. */
export function templateUrls(
  template: CameraTemplate,
  target: TemplateTarget,
): { rtspUrl: string; subStreamUrl: string | null } {
  const problem = templateHostProblem(target.host);
  if (problem !== null) throw new RangeError(`host ${problem}`);
  const port = target.port ?? template.port;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError('port must be 1 to 65535');
  const channel = target.channel ?? 1;
  if (!Number.isInteger(channel) || channel < 1 || channel > 64)
    throw new RangeError('channel must be 1 to 64');
  const origin = `rtsp://${target.host.trim()}${port === 554 ? '' : `:${port}`}`;
  return {
    rtspUrl: origin + template.main(channel),
    subStreamUrl: template.sub === null ? null : origin + template.sub(channel),
  };
}

/**
 * "Generic ONVIF": no RTSP path to guess; the camera is asked for its streams. ONVIF fixes the device service
 * entry point at /onvif/device_service on the camera's HTTP port, so a host (and port) is enough to sign in.
 */
export const GENERIC_ONVIF = {
  id: 'onvif',
  label: 'Generic ONVIF (ask the camera for its streams)',
  port: 80,
  note: 'Signs in to the camera over ONVIF and reads its stream addresses, as Find cameras does; PTZ works too.',
} as const;

/** The ONVIF device service URL of a host (and HTTP port, 80 by default). */
export function onvifDeviceUrl(target: { host: string; port?: number }): string {
  const problem = templateHostProblem(target.host);
  if (problem !== null) throw new RangeError(`host ${problem}`);
  const port = target.port ?? GENERIC_ONVIF.port;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError('port must be 1 to 65535');
  return `http://${target.host.trim()}${port === 80 ? '' : `:${port}`}/onvif/device_service`;
}
