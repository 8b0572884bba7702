/**
 * An ONVIF device simulator for tests: a SOAP responder (device, Media1, Media2 minimal) on node:http and a
 * WS-Discovery responder on UDP, answering from a small configuration, with switches for the faults a client
 * must survive. It parses requests with its own small regexes, not the engine's XML reader, so a bug there is
 * not mirrored here. See README.md.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import dgram from 'node:dgram';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface SimulatedProfile {
  readonly token: string;
  readonly name: string;
  /** H.265 profiles are listed by Media2 only, as on real devices (Media1 cannot describe H.265). */
  readonly encoding: 'H264' | 'H265' | 'JPEG';
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  /** What GetStreamUri answers, e.g. a fake camera's rtsp://127.0.0.1:PORT/main. */
  readonly streamUri: string;
  /** What GetSnapshotUri answers; absent: the device faults (snapshots are optional). */
  readonly snapshotUri?: string;
}

/** Switches that can be flipped while the simulator runs (`sim.faults.x = …`). */
export interface SimulatorFaults {
  /** Refuse every credential, as if the password had been changed on the camera. */
  wrongPassword: boolean;
  /** Operations (e.g. 'GetProfiles') answered with a SOAP fault (Receiver, ter:Action). */
  soapFault: string[];
  /** Operations whose connection is destroyed after the request is read, without an answer. */
  drop: string[];
  /** Operations never answered (the client's time limit must fire). */
  hang: string[];
  /** Extra copies of each ProbeMatches sent. */
  duplicateReplies: number;
  /** Garbage datagrams sent before each ProbeMatches. */
  garbageReplies: number;
  /** XAddrs: a link-local, an IPv6 and a 0.0.0.0 one instead of the real address. */
  severalXAddrs: boolean;
}

export interface OnvifSimulatorOptions {
  readonly host?: string;
  readonly manufacturer?: string;
  readonly model?: string;
  readonly name?: string;
  readonly firmwareVersion?: string;
  readonly serialNumber?: string;
  /** EndpointReference address; default a fresh urn:uuid. */
  readonly endpoint?: string;
  readonly username: string;
  readonly password: string;
  readonly profiles: readonly SimulatedProfile[];
  /** Offer Media2 (GetServices lists it). Default true. */
  readonly media2?: boolean;
  /** How the device wants to be signed in to. Default 'ws-security'. */
  readonly auth?: 'ws-security' | 'http-digest';
  /** The device's clock minus the real one, seconds (reported honestly by GetSystemDateAndTime). */
  readonly clockSkewSeconds?: number;
  /** How far a UsernameToken's Created may be from the device's clock. Default 5 s. */
  readonly acceptWindowSeconds?: number;
  /**
   * WS-Discovery: `port` 0 (default) binds a free port on `host` for unicast probes; `multicast` joins
   * 239.255.255.250 on `interfaceAddress` and binds 3702 on all addresses. `false`: no discovery responder.
   */
  readonly discovery?:
    false | { readonly port?: number; readonly multicast?: boolean; readonly interfaceAddress?: string };
  readonly faults?: Partial<SimulatorFaults>;
  /** Offer a PTZ service (GetServices lists it; every profile gets a PTZ configuration). */
  readonly ptz?: {
    readonly presets?: readonly { readonly token: string; readonly name: string }[];
    /** A motorised-lens camera: zoom only, no pan or tilt. */
    readonly zoomOnly?: boolean;
  };
}

/** One PTZ command the simulator received and accepted. */
export interface PtzCommand {
  readonly operation: 'ContinuousMove' | 'Stop' | 'GotoPreset' | 'SetPreset';
  readonly profileToken: string;
  readonly pan?: number;
  readonly tilt?: number;
  readonly zoom?: number;
  /** ContinuousMove's Timeout as sent (xs:duration). */
  readonly timeout?: string;
  readonly preset?: string;
  readonly name?: string;
}

export interface SimulatedPtz {
  readonly commands: PtzCommand[];
  readonly presets: { token: string; name: string }[];
  /** The velocity of the move in progress (null when stopped); a move's Timeout is not simulated. */
  moving: { pan: number; tilt: number; zoom: number } | null;
}

export interface RequestRecord {
  readonly operation: string;
  readonly service: 'device' | 'media' | 'media2' | 'ptz';
  /** How the request was signed and whether it passed. */
  readonly auth: 'none' | 'ws-security' | 'http-digest';
  readonly accepted: boolean;
}

export interface OnvifSimulator {
  /** http://host:port/onvif/device_service */
  readonly xaddr: string;
  readonly endpoint: string;
  /** The UDP port answering probes (3702 in multicast mode), or null without discovery. */
  readonly discoveryPort: number | null;
  readonly faults: SimulatorFaults;
  /** Every SOAP request received, in order. */
  readonly requests: RequestRecord[];
  /** PTZ state and commands; null without the `ptz` option. */
  readonly ptz: SimulatedPtz | null;
  /** Probes received over UDP. */
  readonly probes: { readonly from: string; readonly messageId: string }[];
  stop(): Promise<void>;
}

const NS = {
  s: 'http://www.w3.org/2003/05/soap-envelope',
  tds: 'http://www.onvif.org/ver10/device/wsdl',
  trt: 'http://www.onvif.org/ver10/media/wsdl',
  tr2: 'http://www.onvif.org/ver20/media/wsdl',
  tt: 'http://www.onvif.org/ver10/schema',
  ter: 'http://www.onvif.org/ver10/error',
  tptz: 'http://www.onvif.org/ver20/ptz/wsdl',
};
const NAMESPACES = Object.entries(NS)
  .map(([prefix, uri]) => `xmlns:${prefix}="${uri}"`)
  .join(' ');
const UNAUTHENTICATED = new Set(['GetSystemDateAndTime']);
const REALM = 'onvif-sim';

function escape(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Text of the first element with this local name, any prefix, with the five XML entities decoded. */
function element(xml: string, local: string): string | undefined {
  const match = new RegExp(`<(?:[\\w.-]+:)?${local}(?:\\s[^>]*)?>([^<]*)</(?:[\\w.-]+:)?${local}>`).exec(xml);
  const text = match?.[1]?.trim();
  return text
    ?.replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

function envelope(body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><s:Envelope ${NAMESPACES}><s:Body>${body}</s:Body></s:Envelope>`;
}

function fault(code: 'Sender' | 'Receiver', subcode: string, reason: string): string {
  return envelope(
    `<s:Fault><s:Code><s:Value>s:${code}</s:Value><s:Subcode><s:Value>ter:${subcode}</s:Value></s:Subcode></s:Code>` +
      `<s:Reason><s:Text xml:lang="en">${escape(reason)}</s:Text></s:Reason></s:Fault>`,
  );
}

class Fault extends Error {
  constructor(
    readonly status: number,
    readonly xml: string,
  ) {
    super('fault');
  }
}

export async function startOnvifSimulator(options: OnvifSimulatorOptions): Promise<OnvifSimulator> {
  const host = options.host ?? '127.0.0.1';
  const endpoint = options.endpoint ?? `urn:uuid:${randomUUID()}`;
  const media2 = options.media2 ?? true;
  const authMode = options.auth ?? 'ws-security';
  const windowMs = (options.acceptWindowSeconds ?? 5) * 1000;
  const deviceNow = (): number => Date.now() + (options.clockSkewSeconds ?? 0) * 1000;
  const faults: SimulatorFaults = {
    wrongPassword: false,
    soapFault: [],
    drop: [],
    hang: [],
    duplicateReplies: 0,
    garbageReplies: 0,
    severalXAddrs: false,
    ...options.faults,
  };
  const requests: RequestRecord[] = [];
  const probes: { from: string; messageId: string }[] = [];
  const sockets = new Set<Socket>();
  const usedNonces = new Set<string>();
  const digestNonces = new Set<string>();
  let baseUrl = '';
  const ptz: SimulatedPtz | null =
    options.ptz === undefined
      ? null
      : { commands: [], presets: (options.ptz.presets ?? []).map((preset) => ({ ...preset })), moving: null };
  let nextPreset = 1;
  const ptzConfiguration = (): string => {
    if (ptz === null) return '';
    const space = (kind: string): string =>
      `http://www.onvif.org/ver10/tptz/${kind}Spaces/VelocityGenericSpace`;
    return (
      `<tt:Name>ptz</tt:Name><tt:UseCount>${options.profiles.length}</tt:UseCount><tt:NodeToken>node0</tt:NodeToken>` +
      (options.ptz?.zoomOnly === true
        ? ''
        : `<tt:DefaultContinuousPanTiltVelocitySpace>${space('PanTilt')}</tt:DefaultContinuousPanTiltVelocitySpace>`) +
      `<tt:DefaultContinuousZoomVelocitySpace>${space('Zoom')}</tt:DefaultContinuousZoomVelocitySpace>` +
      '<tt:DefaultPTZTimeout>PT5S</tt:DefaultPTZTimeout>'
    );
  };

  const checkUsernameToken = (xml: string): boolean => {
    const username = element(xml, 'Username');
    const digest = element(xml, 'Password');
    const nonce = element(xml, 'Nonce');
    const created = element(xml, 'Created');
    if (username === undefined || digest === undefined || nonce === undefined || created === undefined)
      return false;
    const createdMs = Date.parse(created);
    if (!Number.isFinite(createdMs) || Math.abs(createdMs - deviceNow()) > windowMs) return false;
    if (usedNonces.has(nonce)) return false;
    const expected = createHash('sha1')
      .update(
        Buffer.concat([Buffer.from(nonce, 'base64'), Buffer.from(created), Buffer.from(options.password)]),
      )
      .digest('base64');
    if (faults.wrongPassword || username !== options.username || expected !== digest) return false;
    usedNonces.add(nonce);
    return true;
  };

  const checkHttpDigest = (header: string | undefined): boolean => {
    if (header?.startsWith('Digest ') !== true) return false;
    const field = (name: string): string | undefined =>
      // Preceded by a space or comma, so `nonce` does not match inside `cnonce`.
      (
        new RegExp(`[\\s,]${name}=(?:"([^"]*)"|([^,\\s]+))`).exec(header)?.slice(1) as
          (string | undefined)[] | undefined
      )?.find((value) => value !== undefined);
    const [username, nonce, uri, response, nc, cnonce, qop] = [
      'username',
      'nonce',
      'uri',
      'response',
      'nc',
      'cnonce',
      'qop',
    ].map(field);
    if (username === undefined || nonce === undefined || uri === undefined || response === undefined)
      return false;
    if (!digestNonces.has(nonce)) return false;
    const md5 = (value: string): string => createHash('md5').update(value).digest('hex');
    const ha1 = md5(`${options.username}:${REALM}:${options.password}`);
    const ha2 = md5(`POST:${uri}`);
    const expected =
      qop === 'auth'
        ? md5(`${ha1}:${nonce}:${nc ?? ''}:${cnonce ?? ''}:auth:${ha2}`)
        : md5(`${ha1}:${nonce}:${ha2}`);
    return !faults.wrongPassword && username === options.username && expected === response;
  };

  const dateTime = (ms: number): string => {
    const date = new Date(ms);
    return (
      `<tt:Time><tt:Hour>${date.getUTCHours()}</tt:Hour><tt:Minute>${date.getUTCMinutes()}</tt:Minute>` +
      `<tt:Second>${date.getUTCSeconds()}</tt:Second></tt:Time><tt:Date><tt:Year>${date.getUTCFullYear()}</tt:Year>` +
      `<tt:Month>${date.getUTCMonth() + 1}</tt:Month><tt:Day>${date.getUTCDate()}</tt:Day></tt:Date>`
    );
  };

  const profile = (token: string | undefined, service: 'media' | 'media2'): SimulatedProfile => {
    const found = options.profiles.find(
      (candidate) => candidate.token === token && (service === 'media2' || candidate.encoding !== 'H265'),
    );
    if (found === undefined)
      throw new Fault(400, fault('Sender', 'InvalidArgVal', 'The requested profile token does not exist'));
    return found;
  };

  const rateControl = (entry: SimulatedProfile): string =>
    `<tt:RateControl><tt:FrameRateLimit>${entry.fps}</tt:FrameRateLimit><tt:EncodingInterval>1</tt:EncodingInterval>` +
    `<tt:BitrateLimit>4096</tt:BitrateLimit></tt:RateControl>`;
  const resolution = (entry: SimulatedProfile): string =>
    `<tt:Resolution><tt:Width>${entry.width}</tt:Width><tt:Height>${entry.height}</tt:Height></tt:Resolution>`;

  const answerPtz = (operation: string, xml: string, state: SimulatedPtz): string => {
    const profileToken = element(xml, 'ProfileToken') ?? '';
    if (!options.profiles.some((entry) => entry.token === profileToken)) {
      throw new Fault(400, fault('Sender', 'NoProfile', 'The requested profile token does not exist'));
    }
    switch (operation) {
      case 'ContinuousMove': {
        const panTilt = /<(?:[\w.-]+:)?PanTilt\s[^>]*?x="([^"]*)"[^>]*?y="([^"]*)"/.exec(xml);
        const zoom = /<(?:[\w.-]+:)?Zoom\s[^>]*?x="([^"]*)"/.exec(xml);
        const timeout = element(xml, 'Timeout');
        const command: PtzCommand = {
          operation,
          profileToken,
          ...(panTilt === null ? {} : { pan: Number(panTilt[1]), tilt: Number(panTilt[2]) }),
          ...(zoom === null ? {} : { zoom: Number(zoom[1]) }),
          ...(timeout === undefined ? {} : { timeout }),
        };
        const values = [command.pan, command.tilt, command.zoom].filter((value) => value !== undefined);
        if (values.length === 0 || values.some((value) => !Number.isFinite(value) || Math.abs(value) > 1)) {
          throw new Fault(
            400,
            fault('Sender', 'InvalidVelocity', 'The velocity is outside the generic space'),
          );
        }
        if (options.ptz?.zoomOnly === true && panTilt !== null && (command.pan !== 0 || command.tilt !== 0)) {
          throw new Fault(400, fault('Sender', 'InvalidVelocity', 'This camera cannot pan or tilt'));
        }
        state.commands.push(command);
        state.moving = { pan: command.pan ?? 0, tilt: command.tilt ?? 0, zoom: command.zoom ?? 0 };
        return '<tptz:ContinuousMoveResponse/>';
      }
      case 'Stop':
        state.commands.push({ operation, profileToken });
        state.moving = null;
        return '<tptz:StopResponse/>';
      case 'GetPresets':
        return `<tptz:GetPresetsResponse>${state.presets
          .map(
            (preset) =>
              `<tptz:Preset token="${escape(preset.token)}"><tt:Name>${escape(preset.name)}</tt:Name></tptz:Preset>`,
          )
          .join('')}</tptz:GetPresetsResponse>`;
      case 'GotoPreset': {
        const preset = element(xml, 'PresetToken') ?? '';
        if (!state.presets.some((entry) => entry.token === preset)) {
          throw new Fault(400, fault('Sender', 'NoToken', 'The requested preset token does not exist'));
        }
        state.commands.push({ operation, profileToken, preset });
        state.moving = null;
        return '<tptz:GotoPresetResponse/>';
      }
      case 'SetPreset': {
        const name = element(xml, 'PresetName') ?? '';
        const given = element(xml, 'PresetToken');
        const token = given ?? `sim-preset-${nextPreset++}`;
        const existing = state.presets.find((entry) => entry.token === token);
        if (given === undefined) {
          state.presets.push({ token, name });
        } else if (existing === undefined) {
          throw new Fault(400, fault('Sender', 'NoToken', 'The requested preset token does not exist'));
        } else {
          existing.name = name;
        }
        state.commands.push({ operation, profileToken, preset: token, name });
        return `<tptz:SetPresetResponse><tptz:PresetToken>${escape(token)}</tptz:PresetToken></tptz:SetPresetResponse>`;
      }
    }
    throw new Fault(
      400,
      fault('Sender', 'ActionNotSupported', `${operation} is not supported by this simulator`),
    );
  };

  const answer = (service: RequestRecord['service'], operation: string, xml: string): string => {
    const token = element(xml, 'ProfileToken');
    const snapshot = (entry: SimulatedProfile): string => {
      if (entry.snapshotUri === undefined)
        throw new Fault(500, fault('Receiver', 'ActionNotSupported', 'No snapshot for this profile'));
      return entry.snapshotUri;
    };
    if (service === 'ptz' && ptz !== null) return answerPtz(operation, xml, ptz);
    if (service === 'device') {
      switch (operation) {
        case 'GetSystemDateAndTime':
          return (
            `<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime><tt:DateTimeType>NTP</tt:DateTimeType>` +
            `<tt:DaylightSavings>false</tt:DaylightSavings><tt:TimeZone><tt:TZ>UTC0</tt:TZ></tt:TimeZone>` +
            `<tt:UTCDateTime>${dateTime(deviceNow())}</tt:UTCDateTime></tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>`
          );
        case 'GetDeviceInformation':
          return (
            `<tds:GetDeviceInformationResponse><tds:Manufacturer>${escape(options.manufacturer ?? 'OmniSight')}</tds:Manufacturer>` +
            `<tds:Model>${escape(options.model ?? 'SimCam 1')}</tds:Model><tds:FirmwareVersion>${escape(options.firmwareVersion ?? '1.0.0')}</tds:FirmwareVersion>` +
            `<tds:SerialNumber>${escape(options.serialNumber ?? 'SIM0001')}</tds:SerialNumber><tds:HardwareId>sim</tds:HardwareId></tds:GetDeviceInformationResponse>`
          );
        case 'GetServices': {
          const service = (namespace: string, path: string, major: number): string =>
            `<tds:Service><tds:Namespace>${namespace}</tds:Namespace><tds:XAddr>${baseUrl}${path}</tds:XAddr>` +
            `<tds:Version><tt:Major>${major}</tt:Major><tt:Minor>60</tt:Minor></tds:Version></tds:Service>`;
          return (
            `<tds:GetServicesResponse>${service(NS.tds, '/onvif/device_service', 2)}${service(NS.trt, '/onvif/media_service', 2)}` +
            (media2 ? service(NS.tr2, '/onvif/media2_service', 2) : '') +
            `${ptz === null ? '' : service(NS.tptz, '/onvif/ptz_service', 2)}</tds:GetServicesResponse>`
          );
        }
        case 'GetCapabilities':
          return (
            `<tds:GetCapabilitiesResponse><tds:Capabilities><tt:Device><tt:XAddr>${baseUrl}/onvif/device_service</tt:XAddr></tt:Device>` +
            `<tt:Media><tt:XAddr>${baseUrl}/onvif/media_service</tt:XAddr></tt:Media></tds:Capabilities></tds:GetCapabilitiesResponse>`
          );
      }
    } else if (service === 'media') {
      switch (operation) {
        case 'GetProfiles':
          return `<trt:GetProfilesResponse>${options.profiles
            .filter((entry) => entry.encoding !== 'H265')
            .map(
              (entry) =>
                `<trt:Profiles token="${escape(entry.token)}" fixed="true"><tt:Name>${escape(entry.name)}</tt:Name>` +
                `<tt:VideoEncoderConfiguration token="vec_${escape(entry.token)}"><tt:Name>vec</tt:Name><tt:UseCount>1</tt:UseCount>` +
                `<tt:Encoding>${entry.encoding}</tt:Encoding>${resolution(entry)}<tt:Quality>5</tt:Quality>${rateControl(entry)}` +
                `</tt:VideoEncoderConfiguration>` +
                (ptz === null
                  ? ''
                  : `<tt:PTZConfiguration token="ptz0">${ptzConfiguration()}</tt:PTZConfiguration>`) +
                `</trt:Profiles>`,
            )
            .join('')}</trt:GetProfilesResponse>`;
        case 'GetStreamUri':
          return (
            `<trt:GetStreamUriResponse><trt:MediaUri><tt:Uri>${escape(profile(token, 'media').streamUri)}</tt:Uri>` +
            `<tt:InvalidAfterConnect>false</tt:InvalidAfterConnect><tt:InvalidAfterReboot>false</tt:InvalidAfterReboot>` +
            `<tt:Timeout>PT0S</tt:Timeout></trt:MediaUri></trt:GetStreamUriResponse>`
          );
        case 'GetSnapshotUri':
          return (
            `<trt:GetSnapshotUriResponse><trt:MediaUri><tt:Uri>${escape(snapshot(profile(token, 'media')))}</tt:Uri>` +
            `<tt:InvalidAfterConnect>false</tt:InvalidAfterConnect><tt:InvalidAfterReboot>false</tt:InvalidAfterReboot>` +
            `<tt:Timeout>PT0S</tt:Timeout></trt:MediaUri></trt:GetSnapshotUriResponse>`
          );
      }
    } else {
      switch (operation) {
        case 'GetProfiles':
          return `<tr2:GetProfilesResponse>${options.profiles
            .map(
              (entry) =>
                `<tr2:Profiles token="${escape(entry.token)}" fixed="true"><tr2:Name>${escape(entry.name)}</tr2:Name>` +
                `<tr2:Configurations><tr2:VideoEncoder token="vec_${escape(entry.token)}" GovLength="${entry.fps}">` +
                `<tt:Name>vec</tt:Name><tt:UseCount>1</tt:UseCount><tt:Encoding>${entry.encoding}</tt:Encoding>` +
                `${resolution(entry)}${rateControl(entry)}<tt:Quality>5</tt:Quality></tr2:VideoEncoder>` +
                (ptz === null ? '' : `<tr2:PTZ token="ptz0">${ptzConfiguration()}</tr2:PTZ>`) +
                `</tr2:Configurations></tr2:Profiles>`,
            )
            .join('')}</tr2:GetProfilesResponse>`;
        case 'GetStreamUri':
          return `<tr2:GetStreamUriResponse><tr2:Uri>${escape(profile(token, 'media2').streamUri)}</tr2:Uri></tr2:GetStreamUriResponse>`;
        case 'GetSnapshotUri':
          return `<tr2:GetSnapshotUriResponse><tr2:Uri>${escape(snapshot(profile(token, 'media2')))}</tr2:Uri></tr2:GetSnapshotUriResponse>`;
      }
    }
    throw new Fault(
      400,
      fault('Sender', 'ActionNotSupported', `${operation} is not supported by this simulator`),
    );
  };

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const xml = Buffer.concat(chunks).toString('utf8');
      const service =
        request.url === '/onvif/device_service'
          ? 'device'
          : request.url === '/onvif/media_service'
            ? 'media'
            : request.url === '/onvif/media2_service' && media2
              ? 'media2'
              : request.url === '/onvif/ptz_service' && ptz !== null
                ? 'ptz'
                : null;
      const operation = /<(?:[\w.-]+:)?Body[^>]*>\s*<(?:[\w.-]+:)?(\w+)/.exec(xml)?.[1] ?? '';
      const send = (status: number, body: string, headers: Record<string, string> = {}): void => {
        response.writeHead(status, {
          'Content-Type': 'application/soap+xml; charset=utf-8',
          Date: new Date(deviceNow()).toUTCString(),
          ...headers,
        });
        response.end(body);
      };
      if (service === null) {
        send(404, '');
        return;
      }
      // Authentication first, as a device does: the fault switches below apply to signed-in calls.
      let auth: RequestRecord['auth'] = 'none';
      let accepted = true;
      if (!UNAUTHENTICATED.has(operation)) {
        if (authMode === 'http-digest') {
          auth = request.headers.authorization !== undefined ? 'http-digest' : 'none';
          accepted = checkHttpDigest(request.headers.authorization);
          if (!accepted) {
            const nonce = randomBytes(12).toString('hex');
            digestNonces.add(nonce);
            requests.push({ operation, service, auth, accepted });
            send(401, '', {
              'WWW-Authenticate': `Digest realm="${REALM}", qop="auth", nonce="${nonce}", algorithm=MD5`,
            });
            return;
          }
        } else {
          auth = /UsernameToken/.test(xml) ? 'ws-security' : 'none';
          accepted = checkUsernameToken(xml);
          if (!accepted) {
            requests.push({ operation, service, auth, accepted });
            send(400, fault('Sender', 'NotAuthorized', 'Sender not Authorized'));
            return;
          }
        }
      }
      requests.push({ operation, service, auth, accepted });
      if (faults.drop.includes(operation)) {
        request.socket.destroy();
        return;
      }
      if (faults.hang.includes(operation)) return;
      if (faults.soapFault.includes(operation)) {
        send(500, fault('Receiver', 'Action', `Simulated failure: ${operation} is unavailable right now`));
        return;
      }
      try {
        send(200, envelope(answer(service, operation, xml)));
      } catch (error) {
        if (!(error instanceof Fault)) throw error;
        send(error.status, error.xml);
      }
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const xaddr = `${baseUrl}/onvif/device_service`;

  let udp: dgram.Socket | null = null;
  if (options.discovery !== false) {
    const discovery = options.discovery ?? {};
    const multicast = discovery.multicast ?? false;
    udp = dgram.createSocket({ type: 'udp4', reuseAddr: true });
    const socket = udp;
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(multicast ? { port: 3702 } : { port: discovery.port ?? 0, address: host }, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    if (multicast) socket.addMembership('239.255.255.250', discovery.interfaceAddress ?? host);
    socket.on('error', () => undefined);
    socket.on('message', (message, remote) => {
      const text = message.toString('utf8');
      if (!/<(?:[\w.-]+:)?Probe[\s>]/.test(text)) return;
      const types = element(text, 'Types');
      if (types !== undefined && types !== '' && !/NetworkVideoTransmitter/.test(types)) return;
      const messageId = element(text, 'MessageID') ?? '';
      probes.push({ from: remote.address, messageId });
      const scopes = [
        'onvif://www.onvif.org/type/video_encoder',
        'onvif://www.onvif.org/Profile/Streaming',
        `onvif://www.onvif.org/hardware/${encodeURIComponent(options.model ?? 'SimCam 1')}`,
        `onvif://www.onvif.org/name/${encodeURIComponent(options.name ?? options.manufacturer ?? 'OmniSight')}`,
        `onvif://www.onvif.org/manufacturer/${encodeURIComponent(options.manufacturer ?? 'OmniSight')}`,
      ].join(' ');
      const path = '/onvif/device_service';
      const xaddrs = faults.severalXAddrs
        ? `http://169.254.77.1:${port}${path} http://[fe80::77:1]:${port}${path} http://0.0.0.0:${port}${path}`
        : xaddr;
      const reply =
        `<?xml version="1.0" encoding="UTF-8"?><SOAP-ENV:Envelope xmlns:SOAP-ENV="${NS.s}"` +
        ` xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:wsdd="http://schemas.xmlsoap.org/ws/2005/04/discovery"` +
        ` xmlns:dn="http://www.onvif.org/ver10/network/wsdl" xmlns:tds="${NS.tds}"><SOAP-ENV:Header>` +
        `<wsa:MessageID>urn:uuid:${randomUUID()}</wsa:MessageID><wsa:RelatesTo>${escape(messageId)}</wsa:RelatesTo>` +
        '<wsa:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</wsa:To>' +
        '<wsa:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches</wsa:Action></SOAP-ENV:Header>' +
        `<SOAP-ENV:Body><wsdd:ProbeMatches><wsdd:ProbeMatch><wsa:EndpointReference><wsa:Address>${escape(endpoint)}</wsa:Address>` +
        `</wsa:EndpointReference><wsdd:Types>dn:NetworkVideoTransmitter tds:Device</wsdd:Types><wsdd:Scopes>${escape(scopes)}</wsdd:Scopes>` +
        `<wsdd:XAddrs>${xaddrs}</wsdd:XAddrs><wsdd:MetadataVersion>1</wsdd:MetadataVersion></wsdd:ProbeMatch>` +
        '</wsdd:ProbeMatches></SOAP-ENV:Body></SOAP-ENV:Envelope>';
      const garbage = [
        randomBytes(64),
        Buffer.from(reply.slice(0, reply.length / 2)),
        Buffer.from('<html><body>not a camera</body></html>'),
      ];
      for (let index = 0; index < faults.garbageReplies; index++) {
        socket.send(garbage[index % garbage.length] as Buffer, remote.port, remote.address);
      }
      for (let copy = 0; copy <= faults.duplicateReplies; copy++)
        socket.send(reply, remote.port, remote.address);
    });
  }

  let stopped = false;
  return {
    xaddr,
    endpoint,
    discoveryPort: udp === null ? null : udp.address().port,
    faults,
    requests,
    ptz,
    probes,
    async stop() {
      if (stopped) return;
      stopped = true;
      udp?.close();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
