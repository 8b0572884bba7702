/**
 * One ONVIF device, reached at the XAddr the user chose: sign in (WS-Security with the device's clock, or HTTP
 * digest), read its identity, find its media services and list profiles with their stream and snapshot URIs.
 * Media2 is used when the device offers it, since only Media2 can describe H.265 profiles.
 */
import { OnvifError, describeEndpoint } from './errors.js';
import { SoapClient, type AuthMode, type Credentials } from './soap-client.js';
import { child, childrenNamed, escapeXml, path, textAt, type XmlElement } from './xml.js';

export const DEVICE_NS = 'http://www.onvif.org/ver10/device/wsdl';
export const MEDIA_NS = 'http://www.onvif.org/ver10/media/wsdl';
export const MEDIA2_NS = 'http://www.onvif.org/ver20/media/wsdl';
export const PTZ_NS = 'http://www.onvif.org/ver20/ptz/wsdl';
export const SCHEMA_NS = 'http://www.onvif.org/ver10/schema';

/** Below this the difference is rounding (device time has 1 s resolution) and network delay. */
const CLOCK_RETRY_THRESHOLD_MS = 1_000;

export interface DeviceOptions {
  /** The device service URL (from discovery or typed by the user). Credentials go only to this host. */
  readonly xaddr: string;
  readonly credentials?: Credentials;
  readonly timeoutMs?: number;
  readonly now?: () => number;
}

/** Something that worked but that the user should fix or know. */
export interface OnvifWarning {
  readonly code: 'clock_skew';
  readonly message: string;
}

export interface ConnectResult {
  readonly auth: AuthMode | 'none';
  /** Device clock minus ours, ms (from GetSystemDateAndTime, else the HTTP Date header); null if unknown. */
  readonly clockOffsetMs: number | null;
  readonly warnings: readonly OnvifWarning[];
  readonly information: DeviceInformation;
}

export interface DeviceInformation {
  readonly manufacturer?: string;
  readonly model?: string;
  readonly firmwareVersion?: string;
  readonly serialNumber?: string;
  readonly hardwareId?: string;
}

export interface MediaProfile {
  readonly token: string;
  readonly name: string;
  /** Which media service described it; stream URIs must be asked of the same one. */
  readonly service: 'media' | 'media2';
  /** As the device names it: H264, H265, JPEG, MPEG4 (Media1 says H264 in upper case too). */
  readonly encoding?: string;
  readonly width?: number;
  readonly height?: number;
  readonly frameRateLimit?: number;
  /** The profile's PTZ configuration, when it has one: which axes it moves. */
  readonly ptz?: { readonly panTilt: boolean; readonly zoom: boolean };
}

export interface OnvifDevice {
  /** Reads the clock, signs in and reads the device information. Call before anything else. */
  connect(): Promise<ConnectResult>;
  getDeviceInformation(): Promise<DeviceInformation>;
  /** Namespace → service URL (host rewritten to the chosen device's host). */
  getServices(): Promise<ReadonlyMap<string, string>>;
  /** Media2 profiles when offered (they include H.265), else Media1 profiles. */
  getProfiles(): Promise<MediaProfile[]>;
  getStreamUri(profile: MediaProfile): Promise<string>;
  getSnapshotUri(profile: MediaProfile): Promise<string | undefined>;
  /** The PTZ service URL (GetServices, else GetCapabilities), or undefined when the device has none. */
  getPtzUrl(): Promise<string | undefined>;
  /**
   * One signed request to a service by namespace (`prefix:name` in that namespace, `tt:` for the schema),
   * answering the response body. For services this module does not wrap (PTZ).
   */
  serviceCall(
    url: string,
    namespace: string,
    prefix: string,
    name: string,
    inner?: string,
  ): Promise<XmlElement>;
}

const DEVICE_ACTION = (name: string): string => `${DEVICE_NS}/${name}`;

export function createOnvifDevice(options: DeviceOptions): OnvifDevice {
  const deviceUrl = new URL(options.xaddr);
  if (deviceUrl.protocol !== 'http:' && deviceUrl.protocol !== 'https:') {
    throw new OnvifError('unsupported', `ONVIF needs an http or https address, not ${deviceUrl.protocol}`);
  }
  // Credentials never travel in the URL; they are sent only as a digest.
  deviceUrl.username = '';
  deviceUrl.password = '';
  const endpoint = describeEndpoint(deviceUrl);
  const now = options.now ?? Date.now;
  const client = new SoapClient({
    now,
    ...(options.credentials !== undefined ? { credentials: options.credentials } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
  });
  let clockOffsetMs = 0;
  let services: Map<string, string> | undefined;

  const deviceCall = async (name: string, inner = ''): Promise<XmlElement> =>
    (
      await client.call(
        deviceUrl.href,
        DEVICE_ACTION(name),
        `<tds:${name} xmlns:tds="${DEVICE_NS}">${inner}</tds:${name}>`,
        {
          clockOffsetMs,
        },
      )
    ).body;

  /** A service URL on the chosen host: a device may report a private, NATed or 0.0.0.0 address. */
  const onChosenHost = (xaddr: string): string => {
    const url = new URL(xaddr, deviceUrl);
    url.protocol = deviceUrl.protocol;
    url.hostname = deviceUrl.hostname;
    url.port = url.port === '' ? deviceUrl.port : url.port;
    url.username = '';
    url.password = '';
    return url.href;
  };

  const readClock = async (): Promise<number | null> => {
    const sentAt = now();
    try {
      const answer = await client.call(
        deviceUrl.href,
        DEVICE_ACTION('GetSystemDateAndTime'),
        `<tds:GetSystemDateAndTime xmlns:tds="${DEVICE_NS}"/>`,
        { authenticate: false },
      );
      const midpoint = (sentAt + now()) / 2;
      const deviceMs = parseUtcDateTime(path(answer.body, 'SystemDateAndTime', 'UTCDateTime'));
      // Devices report whole seconds, truncated: half a second is the unbiased guess for the rest.
      if (deviceMs !== undefined) return Math.round(deviceMs + 500 - midpoint);
      return answer.dateHeaderMs !== undefined ? Math.round(answer.dateHeaderMs - midpoint) : null;
    } catch (error) {
      // An unreachable device fails here with its own message; a device that wants auth for its clock
      // (some do) or faults on it is still worth signing in to.
      if (error instanceof OnvifError && (error.code === 'timeout' || error.code === 'connection'))
        throw error;
      return null;
    }
  };

  const getDeviceInformation = async (): Promise<DeviceInformation> => {
    const body = await deviceCall('GetDeviceInformation');
    return compact({
      manufacturer: textAt(body, 'Manufacturer'),
      model: textAt(body, 'Model'),
      firmwareVersion: textAt(body, 'FirmwareVersion'),
      serialNumber: textAt(body, 'SerialNumber'),
      hardwareId: textAt(body, 'HardwareId'),
    });
  };

  const getServices = async (): Promise<ReadonlyMap<string, string>> => {
    if (services !== undefined) return services;
    const found = new Map<string, string>();
    try {
      const body = await deviceCall('GetServices', '<tds:IncludeCapability>false</tds:IncludeCapability>');
      for (const service of childrenNamed(body, 'Service')) {
        const namespace = textAt(service, 'Namespace');
        const xaddr = textAt(service, 'XAddr');
        if (namespace !== undefined && xaddr !== undefined) found.set(namespace, onChosenHost(xaddr));
      }
    } catch (error) {
      // GetServices is optional before ONVIF 2.0; GetCapabilities is the older way to find Media1.
      if (!(error instanceof OnvifError) || error.code !== 'soap_fault') throw error;
    }
    if (!found.has(MEDIA_NS)) {
      const body = await deviceCall('GetCapabilities', `<tds:Category>All</tds:Category>`);
      const media = textAt(body, 'Capabilities', 'Media', 'XAddr');
      if (media !== undefined) found.set(MEDIA_NS, onChosenHost(media));
    }
    services = found;
    return found;
  };

  const serviceCall = async (
    url: string,
    namespace: string,
    prefix: string,
    name: string,
    inner = '',
  ): Promise<XmlElement> => {
    const body = `<${prefix}:${name} xmlns:${prefix}="${namespace}" xmlns:tt="${SCHEMA_NS}">${inner}</${prefix}:${name}>`;
    return (await client.call(url, `${namespace}/${name}`, body, { clockOffsetMs })).body;
  };

  const mediaCall = async (service: 'media' | 'media2', name: string, inner = ''): Promise<XmlElement> => {
    const namespace = service === 'media2' ? MEDIA2_NS : MEDIA_NS;
    const url = (await getServices()).get(namespace);
    if (url === undefined) {
      throw new OnvifError(
        'unsupported',
        `${endpoint} offers no ${service === 'media2' ? 'Media2' : 'media'} service`,
      );
    }
    return serviceCall(url, namespace, service === 'media2' ? 'tr2' : 'trt', name, inner);
  };

  let ptzUrl: string | null | undefined;
  const getPtzUrl = async (): Promise<string | undefined> => {
    if (ptzUrl !== undefined) return ptzUrl ?? undefined;
    const listed = (await getServices()).get(PTZ_NS);
    if (listed !== undefined) {
      ptzUrl = listed;
      return listed;
    }
    // Devices older than ONVIF 2.0 list PTZ only in GetCapabilities.
    try {
      const body = await deviceCall('GetCapabilities', `<tds:Category>PTZ</tds:Category>`);
      const xaddr = textAt(body, 'Capabilities', 'PTZ', 'XAddr');
      ptzUrl = xaddr === undefined ? null : onChosenHost(xaddr);
    } catch (error) {
      // A device without PTZ may fault on the PTZ category: that means "none".
      if (!(error instanceof OnvifError) || error.code !== 'soap_fault') throw error;
      ptzUrl = null;
    }
    return ptzUrl ?? undefined;
  };

  const getProfiles = async (): Promise<MediaProfile[]> => {
    const available = await getServices();
    if (available.has(MEDIA2_NS)) {
      const body = await mediaCall('media2', 'GetProfiles', '<tr2:Type>All</tr2:Type>');
      return childrenNamed(body, 'Profiles').map((profile) =>
        readProfile(
          profile,
          'media2',
          path(profile, 'Configurations', 'VideoEncoder'),
          path(profile, 'Configurations', 'PTZ'),
        ),
      );
    }
    if (!available.has(MEDIA_NS)) throw new OnvifError('unsupported', `${endpoint} offers no media service`);
    const body = await mediaCall('media', 'GetProfiles');
    return childrenNamed(body, 'Profiles').map((profile) =>
      readProfile(
        profile,
        'media',
        child(profile, 'VideoEncoderConfiguration'),
        child(profile, 'PTZConfiguration'),
      ),
    );
  };

  const requireUri = (value: string | undefined, what: string): string => {
    if (value === undefined)
      throw new OnvifError('bad_response', `${endpoint} answered ${what} without a URI`);
    return value;
  };

  const getStreamUri = async (profile: MediaProfile): Promise<string> => {
    const token = escapeXml(profile.token);
    if (profile.service === 'media2') {
      const body = await mediaCall(
        'media2',
        'GetStreamUri',
        `<tr2:Protocol>RtspUnicast</tr2:Protocol><tr2:ProfileToken>${token}</tr2:ProfileToken>`,
      );
      return requireUri(textAt(body, 'Uri'), 'GetStreamUri');
    }
    const body = await mediaCall(
      'media',
      'GetStreamUri',
      '<trt:StreamSetup><tt:Stream>RTP-Unicast</tt:Stream><tt:Transport><tt:Protocol>RTSP</tt:Protocol></tt:Transport>' +
        `</trt:StreamSetup><trt:ProfileToken>${token}</trt:ProfileToken>`,
    );
    return requireUri(textAt(body, 'MediaUri', 'Uri'), 'GetStreamUri');
  };

  const getSnapshotUri = async (profile: MediaProfile): Promise<string | undefined> => {
    const token = escapeXml(profile.token);
    try {
      const body = await mediaCall(
        profile.service,
        'GetSnapshotUri',
        `<${profile.service === 'media2' ? 'tr2' : 'trt'}:ProfileToken>${token}</${profile.service === 'media2' ? 'tr2' : 'trt'}:ProfileToken>`,
      );
      return profile.service === 'media2' ? textAt(body, 'Uri') : textAt(body, 'MediaUri', 'Uri');
    } catch (error) {
      // Snapshots are optional in ONVIF Profile S: a fault means "none", anything else is a real failure.
      if (error instanceof OnvifError && error.code === 'soap_fault') return undefined;
      throw error;
    }
  };

  const connect = async (): Promise<ConnectResult> => {
    const measured = await readClock();
    clockOffsetMs = 0;
    const warnings: OnvifWarning[] = [];
    let information: DeviceInformation;
    try {
      information = await getDeviceInformation();
    } catch (error) {
      const skewed = measured !== null && Math.abs(measured) >= CLOCK_RETRY_THRESHOLD_MS;
      if (
        !(error instanceof OnvifError) ||
        error.code !== 'unauthorized' ||
        client.authMode !== 'ws-security' ||
        !skewed
      ) {
        throw error;
      }
      // Refused with our clock: try again with the device's. If that works, the password was right and
      // only the time was wrong, which is worth telling the user.
      clockOffsetMs = measured;
      try {
        information = await getDeviceInformation();
      } catch (retryError) {
        if (retryError instanceof OnvifError && retryError.code === 'unauthorized') {
          throw new OnvifError(
            'unauthorized',
            `${retryError.message}; the camera's clock is also ${describeOffset(measured)}, but signing in with its time was refused too`,
          );
        }
        throw retryError;
      }
      warnings.push({
        code: 'clock_skew',
        message:
          `The camera's clock is ${describeOffset(measured)}. It refused our sign-in until we used its time; ` +
          'set its clock (NTP) so its overlay and events match the recordings.',
      });
    }
    return {
      auth: options.credentials === undefined ? 'none' : client.authMode,
      clockOffsetMs: measured,
      warnings,
      information,
    };
  };

  return {
    connect,
    getDeviceInformation,
    getServices,
    getProfiles,
    getStreamUri,
    getSnapshotUri,
    getPtzUrl,
    serviceCall,
  };
}

function readProfile(
  profile: XmlElement,
  service: 'media' | 'media2',
  encoder: XmlElement | undefined,
  ptz: XmlElement | undefined,
): MediaProfile {
  const number = (value: string | undefined): number | undefined => {
    const parsed = value === undefined ? NaN : Number(value);
    return Number.isFinite(parsed) ? parsed : undefined;
  };
  return compact({
    token: profile.attributes.token ?? '',
    name: textAt(profile, 'Name') ?? profile.attributes.token ?? '',
    service,
    encoding: textAt(encoder, 'Encoding'),
    width: number(textAt(encoder, 'Resolution', 'Width')),
    height: number(textAt(encoder, 'Resolution', 'Height')),
    frameRateLimit: number(textAt(encoder, 'RateControl', 'FrameRateLimit')),
    ptz:
      ptz === undefined
        ? undefined
        : {
            // A configuration names the spaces it moves in; limits alone also mean the axis exists.
            panTilt:
              child(ptz, 'DefaultContinuousPanTiltVelocitySpace') !== undefined ||
              child(ptz, 'PanTiltLimits') !== undefined,
            zoom:
              child(ptz, 'DefaultContinuousZoomVelocitySpace') !== undefined ||
              child(ptz, 'ZoomLimits') !== undefined,
          },
  });
}

/** tt:DateTime (Date Year/Month/Day, Time Hour/Minute/Second) as UTC ms, or undefined if incomplete. */
export function parseUtcDateTime(element: XmlElement | undefined): number | undefined {
  const field = (...locals: string[]): number => Number(textAt(element, ...locals) ?? NaN);
  const parts = [
    field('Date', 'Year'),
    field('Date', 'Month'),
    field('Date', 'Day'),
    field('Time', 'Hour'),
    field('Time', 'Minute'),
    field('Time', 'Second'),
  ];
  if (parts.some((part) => !Number.isInteger(part))) return undefined;
  const [year, month, day, hour, minute, second] = parts as [number, number, number, number, number, number];
  return Date.UTC(year, month - 1, day, hour, minute, second);
}

function describeOffset(offsetMs: number): string {
  const seconds = Math.round(Math.abs(offsetMs) / 1000);
  const amount = seconds >= 120 ? `${Math.round(seconds / 60)} min` : `${seconds} s`;
  return `${amount} ${offsetMs > 0 ? 'ahead of' : 'behind'} this computer's`;
}

/** Drops undefined fields so optional properties stay absent (exactOptionalPropertyTypes). */
function compact<T extends object>(value: { [K in keyof T]: T[K] | undefined }): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}
