import dgram from 'node:dgram';

import { afterEach, describe, expect, it } from 'vitest';

import { buildProbe, discover, expandTargets, parseProbeMatches, readScopes } from './discovery.js';
import { find, parseXml } from './xml.js';

/** A ProbeMatches as ONVIF devices send it (WS-Discovery 2005/04, SOAP 1.2), with the given parts. */
function probeMatches(parts: {
  relatesTo?: string;
  matches: { endpoint: string; xaddrs: string; scopes?: string; prefix?: string }[];
}): string {
  const matches = parts.matches
    .map(
      ({ endpoint, xaddrs, scopes = '', prefix = 'd' }) =>
        `<${prefix}:ProbeMatch><wsa:EndpointReference><wsa:Address>${endpoint}</wsa:Address></wsa:EndpointReference>` +
        `<${prefix}:Types>dn:NetworkVideoTransmitter tds:Device</${prefix}:Types>` +
        `<${prefix}:Scopes>${scopes}</${prefix}:Scopes><${prefix}:XAddrs>${xaddrs}</${prefix}:XAddrs>` +
        `<${prefix}:MetadataVersion>10</${prefix}:MetadataVersion></${prefix}:ProbeMatch>`,
    )
    .join('');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    '<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope"' +
    ' xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing"' +
    ' xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery"' +
    ' xmlns:wsdd="http://schemas.xmlsoap.org/ws/2005/04/discovery"' +
    ' xmlns:dn="http://www.onvif.org/ver10/network/wsdl" xmlns:tds="http://www.onvif.org/ver10/device/wsdl">' +
    '<SOAP-ENV:Header><wsa:MessageID>urn:uuid:0d1c3c8e-0000-4000-8000-000000000001</wsa:MessageID>' +
    (parts.relatesTo !== undefined ? `<wsa:RelatesTo>${parts.relatesTo}</wsa:RelatesTo>` : '') +
    '<wsa:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</wsa:To>' +
    '<wsa:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches</wsa:Action></SOAP-ENV:Header>' +
    `<SOAP-ENV:Body><d:ProbeMatches>${matches}</d:ProbeMatches></SOAP-ENV:Body></SOAP-ENV:Envelope>`
  );
}

const SCOPES =
  'onvif://www.onvif.org/type/video_encoder onvif://www.onvif.org/Profile/Streaming ' +
  'onvif://www.onvif.org/hardware/DS-2CD2143G2-I onvif://www.onvif.org/name/Front%20Door%20Cam ' +
  'onvif://www.onvif.org/location/city/Lyon onvif://www.onvif.org/manufacturer/Hikvision';

describe('buildProbe', () => {
  it('asks for NetworkVideoTransmitters with a fresh MessageID each time', () => {
    const first = parseXml(buildProbe());
    const second = parseXml(buildProbe());
    expect(find(first, 'Types')?.text).toBe('dn:NetworkVideoTransmitter');
    expect(find(first, 'Action')?.text).toBe('http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe');
    expect(find(first, 'MessageID')?.text).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
    expect(find(first, 'MessageID')?.text).not.toBe(find(second, 'MessageID')?.text);
  });
});

describe('parseProbeMatches', () => {
  it('reads endpoint, scopes and the XAddr on the sender address among several', () => {
    const answer = parseProbeMatches(
      probeMatches({
        matches: [
          {
            endpoint: 'urn:uuid:4419d7a0-1dd2-11b2-8000-0012345678ab',
            xaddrs: 'http://169.254.12.7/onvif/device_service http://192.168.1.64/onvif/device_service',
            scopes: SCOPES,
          },
        ],
      }),
      '192.168.1.64',
    );
    expect(answer.kind).toBe('matches');
    if (answer.kind !== 'matches') return;
    expect(answer.matches).toEqual([
      {
        endpoint: 'urn:uuid:4419d7a0-1dd2-11b2-8000-0012345678ab',
        xaddr: 'http://192.168.1.64/onvif/device_service',
        xaddrs: ['http://169.254.12.7/onvif/device_service', 'http://192.168.1.64/onvif/device_service'],
        address: '192.168.1.64',
        manufacturer: 'Hikvision',
        model: 'DS-2CD2143G2-I',
        name: 'Front Door Cam',
        scopes: SCOPES.split(' '),
        types: ['NetworkVideoTransmitter', 'Device'],
      },
    ]);
  });

  it('replaces 0.0.0.0 with the sender, keeps IPv6 XAddrs, drops non-http ones', () => {
    const answer = parseProbeMatches(
      probeMatches({
        matches: [
          {
            endpoint: 'urn:uuid:a',
            xaddrs:
              'http://[fe80::1:2]:8080/onvif/device_service soap.udp://10.0.0.9:3702 http://0.0.0.0:8000/onvif/device_service',
            prefix: 'wsdd',
          },
        ],
      }),
      '10.0.0.9',
    );
    expect(answer.kind === 'matches' && answer.matches[0]).toMatchObject({
      xaddr: 'http://10.0.0.9:8000/onvif/device_service',
      xaddrs: ['http://[fe80::1:2]:8080/onvif/device_service', 'http://10.0.0.9:8000/onvif/device_service'],
    });
  });

  it('answers from an IPv6 host pick its IPv6 XAddr', () => {
    const answer = parseProbeMatches(
      probeMatches({
        matches: [{ endpoint: 'urn:uuid:b', xaddrs: 'http://10.0.0.3/onvif http://[2001:db8::3]/onvif' }],
      }),
      '2001:db8::3',
    );
    expect(answer.kind === 'matches' && answer.matches[0]?.xaddr).toBe('http://[2001:db8::3]/onvif');
  });

  it('ignores garbage, other messages, and matches without endpoint or XAddr', () => {
    expect(parseProbeMatches(Buffer.from([0xff, 0x00, 0x13]), '10.0.0.1').kind).toBe('ignored');
    expect(parseProbeMatches('<html><body>hi</body></html>', '10.0.0.1').kind).toBe('ignored');
    expect(parseProbeMatches(buildProbe(), '10.0.0.1').kind).toBe('ignored');
    expect(
      parseProbeMatches(probeMatches({ matches: [{ endpoint: 'urn:uuid:c', xaddrs: '' }] }), '10.0.0.1').kind,
    ).toBe('ignored');
    const xxe = `<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>${probeMatches({ matches: [] })}`;
    expect(parseProbeMatches(xxe, '10.0.0.1')).toMatchObject({
      kind: 'ignored',
      reason: expect.stringMatching(/DOCTYPE/),
    });
  });
});

describe('readScopes', () => {
  it('decodes percent and plus encoding, takes the first of each, skips empty values', () => {
    expect(
      readScopes([
        'onvif://www.onvif.org/name/',
        'onvif://www.onvif.org/name/Caf%C3%A9+Entr%C3%A9e',
        'onvif://www.onvif.org/name/Second',
        'onvif://www.onvif.org/hardware/IPC%2DHDW',
        'onvif://www.onvif.org/mfr/Dahua',
        'http://example.com/name/nope',
        'onvif://www.onvif.org/name/%E0%A4%A',
      ]),
    ).toEqual({ name: 'Café Entrée', model: 'IPC-HDW', manufacturer: 'Dahua' });
  });
});

describe('expandTargets', () => {
  it('expands last-octet ranges and ports, refuses names and huge ranges', () => {
    expect(expandTargets(['10.0.0.5', '10.0.0.8-10', '127.0.0.1:4000'], 3702)).toEqual([
      { host: '10.0.0.5', port: 3702 },
      { host: '10.0.0.8', port: 3702 },
      { host: '10.0.0.9', port: 3702 },
      { host: '10.0.0.10', port: 3702 },
      { host: '127.0.0.1', port: 4000 },
    ]);
    expect(expandTargets(['fe80::1'], 3702)).toEqual([{ host: 'fe80::1', port: 3702 }]);
    expect(() => expandTargets(['camera.local'], 3702)).toThrow(/not an IP/);
    expect(() => expandTargets(['10.0.0.9-3'], 3702)).toThrow(/invalid range/);
    expect(() => expandTargets(['10.0.0.0-255', '10.0.1.1'], 3702)).toThrow(/more than 256/);
  });
});

describe('discover (unicast on loopback)', () => {
  const sockets: dgram.Socket[] = [];
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.close();
  });

  it('streams each endpoint once, merges duplicates, counts garbage and foreign answers', async () => {
    const responder = dgram.createSocket('udp4');
    sockets.push(responder);
    await new Promise<void>((resolve) => responder.bind(0, '127.0.0.1', resolve));
    responder.on('message', (message, remote) => {
      const relatesTo = find(parseXml(message), 'MessageID')?.text ?? '';
      const reply = (text: string): void => {
        responder.send(Buffer.from(text), remote.port, remote.address);
      };
      const one = {
        endpoint: 'urn:uuid:one',
        xaddrs: 'http://0.0.0.0:8000/onvif/device_service',
        scopes: SCOPES,
      };
      reply(probeMatches({ relatesTo, matches: [one] }));
      reply('garbage \u0000 datagram');
      reply(
        probeMatches({
          relatesTo,
          matches: [{ ...one, xaddrs: 'http://127.0.0.1:8001/onvif/device_service' }],
        }),
      );
      reply(
        probeMatches({
          relatesTo: 'urn:uuid:someone-elses-probe',
          matches: [{ endpoint: 'urn:uuid:x', xaddrs: 'http://127.0.0.1/' }],
        }),
      );
      reply(
        probeMatches({
          relatesTo,
          matches: [{ endpoint: 'urn:uuid:two', xaddrs: 'http://127.0.0.1:9000/onvif' }],
        }),
      );
    });
    const streamed: string[] = [];
    const started = Date.now();
    const result = await discover({
      multicast: false,
      unicast: [`127.0.0.1:${responder.address().port}`],
      windowMs: 400,
      onDevice: (device) => streamed.push(`${device.endpoint}@${Date.now() - started}`),
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
    expect(streamed.map((entry) => entry.split('@')[0])).toEqual(['urn:uuid:one', 'urn:uuid:two']);
    // streamed as they arrived, well before the window closed
    expect(Number(streamed[0]?.split('@')[1])).toBeLessThan(300);
    expect(result.devices).toHaveLength(2);
    expect(result.devices[0]).toMatchObject({
      endpoint: 'urn:uuid:one',
      xaddr: 'http://127.0.0.1:8000/onvif/device_service',
      xaddrs: ['http://127.0.0.1:8000/onvif/device_service', 'http://127.0.0.1:8001/onvif/device_service'],
      manufacturer: 'Hikvision',
    });
    expect(result.ignored).toBe(2);
    expect(result.duplicates).toBe(1);
  });

  it('stops early when aborted', async () => {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 50);
    await discover({ multicast: false, unicast: ['127.0.0.1:9'], windowMs: 5000, signal: controller.signal });
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
