/**
 * The engine's ONVIF client against our simulator over real sockets: WS-Discovery (unicast on loopback, and
 * multicast when this host can deliver it), sign-in both ways, profiles and stream URIs through Media1 and
 * Media2, and one distinct error per fault switch.
 */
import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { build } from 'esbuild';

import { afterEach, describe, expect, it } from 'vitest';

import { createOnvifDevice, type OnvifDevice } from '../../electron/engine/onvif/device.js';
import { discover } from '../../electron/engine/onvif/discovery.js';
import { OnvifError } from '../../electron/engine/onvif/errors.js';
import { startFakeCameras } from '../fake-cameras/index.js';
import { probeRtsp } from '../fake-cameras/probe.js';
import { startOnvifSimulator, type OnvifSimulator, type OnvifSimulatorOptions } from '../onvif-sim/index.js';

const USERNAME = 'operator';
const PASSWORD = 'S3cret-pass';

const PROFILES: OnvifSimulatorOptions['profiles'] = [
  {
    token: 'main',
    name: 'MainStream',
    encoding: 'H264',
    width: 1920,
    height: 1080,
    fps: 25,
    streamUri: 'rtsp://127.0.0.1:8554/main',
    snapshotUri: 'http://127.0.0.1:8080/snap.jpg',
  },
  {
    token: 'sub',
    name: 'SubStream',
    encoding: 'H264',
    width: 640,
    height: 360,
    fps: 15,
    streamUri: 'rtsp://127.0.0.1:8554/sub',
  },
  {
    token: 'hevc',
    name: 'MainH265',
    encoding: 'H265',
    width: 3840,
    height: 2160,
    fps: 20,
    streamUri: 'rtsp://127.0.0.1:8554/hevc',
  },
];

const running: OnvifSimulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((sim) => sim.stop()));
});

async function simulator(options: Partial<OnvifSimulatorOptions> = {}): Promise<OnvifSimulator> {
  const sim = await startOnvifSimulator({
    username: USERNAME,
    password: PASSWORD,
    manufacturer: 'Acme Vision',
    model: 'AV-4K Dome',
    name: 'Loading Bay',
    profiles: PROFILES,
    ...options,
  });
  running.push(sim);
  return sim;
}

function device(sim: OnvifSimulator, password = PASSWORD, timeoutMs?: number): OnvifDevice {
  return createOnvifDevice({
    xaddr: sim.xaddr,
    credentials: { username: USERNAME, password },
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  });
}

async function failure(promise: Promise<unknown>): Promise<OnvifError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(OnvifError);
    const onvif = error as OnvifError;
    // Never a credential in what reaches the user or the log.
    expect(onvif.message).not.toContain(PASSWORD);
    expect(onvif.message).not.toContain(USERNAME);
    return onvif;
  }
  throw new Error('expected the call to fail');
}

describe('WS-Discovery against the simulator', () => {
  it('finds the simulator over unicast once, despite duplicate and garbage replies', async () => {
    const sim = await simulator({ faults: { duplicateReplies: 3, garbageReplies: 3 } });
    const streamed: string[] = [];
    const result = await discover({
      multicast: false,
      unicast: [`127.0.0.1:${String(sim.discoveryPort)}`],
      windowMs: 500,
      onDevice: (found) => streamed.push(found.endpoint),
    });
    expect(streamed).toEqual([sim.endpoint]);
    expect(result.devices).toEqual([
      expect.objectContaining({
        endpoint: sim.endpoint,
        xaddr: sim.xaddr,
        address: '127.0.0.1',
        manufacturer: 'Acme Vision',
        model: 'AV-4K Dome',
        name: 'Loading Bay',
      }),
    ]);
    expect(result.duplicates).toBe(3);
    expect(result.ignored).toBe(3);
    expect(sim.probes).toHaveLength(1);
    // Discovery only listens: nothing reached the SOAP service.
    expect(sim.requests).toEqual([]);
  });

  it('picks the usable XAddr among several (link-local, IPv6, 0.0.0.0 fixed to the sender)', async () => {
    const sim = await simulator({ faults: { severalXAddrs: true } });
    const result = await discover({
      multicast: false,
      unicast: [`127.0.0.1:${String(sim.discoveryPort)}`],
      windowMs: 300,
    });
    expect(result.devices).toHaveLength(1);
    expect(result.devices[0]?.xaddr).toBe(sim.xaddr);
    expect(result.devices[0]?.xaddrs).toHaveLength(3);
    // and the chosen one works
    const connected = await device(sim).connect();
    expect(connected.information.model).toBe('AV-4K Dome');
  });

  it('finds the simulator over multicast on loopback when this host delivers multicast there', async (context) => {
    const reason = await loopbackMulticastUnavailable();
    if (reason !== null) {
      console.log(`[onvif test] multicast discovery not tested: ${reason}`);
      context.skip();
    }
    const sim = await simulator({ discovery: { multicast: true, interfaceAddress: '127.0.0.1' } });
    const result = await discover({ interfaceAddresses: ['127.0.0.1'], windowMs: 500 });
    expect(result.interfaces).toEqual(['127.0.0.1']);
    expect(result.devices.map((found) => found.endpoint)).toContain(sim.endpoint);
    expect(sim.probes.length).toBeGreaterThanOrEqual(1);
  });
});

function run(
  file: string,
  args: string[],
  timeoutMs: number,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: timeoutMs, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      resolve({
        code: error === null ? 0 : typeof error.code === 'number' ? error.code : null,
        stdout,
        stderr,
      });
    });
  });
}

describe('WS-Discovery over real multicast in a network namespace', () => {
  it('finds the simulator in another namespace across a veth link, once, and signs in', async (context) => {
    const probe = await run(
      'unshare',
      ['-rn', 'ip', 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1'],
      10_000,
    );
    if (probe.code !== 0) {
      console.log(
        `[onvif test] network-namespace multicast not tested: unshare -rn with a veth pair failed (${probe.stderr.trim()})`,
      );
      context.skip();
    }
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'onvif-netns-'));
    try {
      const script = path.join(directory, 'netns-scan.mjs');
      // The child runs plain Node inside the namespace: bundle its TypeScript (and saxes) into one file.
      await build({
        entryPoints: [fileURLToPath(new URL('./netns-scan.ts', import.meta.url))],
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        outfile: script,
        logLevel: 'silent',
      });
      const child = await run('unshare', ['-rn', process.execPath, script], 30_000);
      expect(child.stderr).toBe('');
      expect(child.code).toBe(0);
      const figures = JSON.parse(child.stdout) as {
        endpoint: string;
        xaddr: string;
        interfaces: string[];
        devices: { endpoint: string; xaddr: string; address: string }[];
        streamed: string[];
        ignored: number;
        duplicates: number;
        probesFrom: string[];
        model: string | null;
      };
      console.log(
        `[onvif test] netns multicast: probes out on ${figures.interfaces.join(', ')}, sim heard them from ${figures.probesFrom.join(', ')}; ` +
          `${figures.devices.length} device(s), ${figures.duplicates} duplicate(s), ${figures.ignored} ignored`,
      );
      // Loopback is not probed by default; the veth end is, and the camera hears it across the link.
      expect(figures.interfaces).toEqual(['10.77.0.1']);
      expect(figures.probesFrom).toEqual(['10.77.0.1']);
      expect(figures.streamed).toEqual([figures.endpoint]);
      expect(figures.devices).toEqual([
        expect.objectContaining({ endpoint: figures.endpoint, xaddr: figures.xaddr, address: '10.77.0.2' }),
      ]);
      expect(figures.duplicates).toBe(1);
      expect(figures.ignored).toBe(2);
      expect(figures.model).toBe('AV-4K Dome');
    } finally {
      fs.rmSync(directory, { recursive: true, force: true });
    }
  });
});

/** Null when a datagram sent to 239.255.255.250 on 127.0.0.1 comes back to a member socket; else why not. */
async function loopbackMulticastUnavailable(): Promise<string | null> {
  const receiver = dgram.createSocket({ type: 'udp4', reuseAddr: true });
  const sender = dgram.createSocket('udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      receiver.once('error', reject);
      receiver.bind(0, () => resolve());
    });
    receiver.addMembership('239.255.255.250', '127.0.0.1');
    await new Promise<void>((resolve) => sender.bind(0, '127.0.0.1', () => resolve()));
    sender.setMulticastInterface('127.0.0.1');
    sender.setMulticastLoopback(true);
    const arrived = new Promise<boolean>((resolve) => {
      receiver.once('message', () => resolve(true));
      setTimeout(() => resolve(false), 500);
    });
    sender.send('ping', receiver.address().port, '239.255.255.250');
    return (await arrived)
      ? null
      : 'a multicast datagram on 127.0.0.1 was not delivered (lo has no MULTICAST flag)';
  } catch (error) {
    return `joining 239.255.255.250 on 127.0.0.1 failed (${(error as NodeJS.ErrnoException).code ?? String(error)})`;
  } finally {
    receiver.close();
    sender.close();
  }
}

describe('sign-in, profiles and stream URIs', () => {
  it('signs in with WS-UsernameToken after an unauthenticated clock read, and reads Media2 profiles', async () => {
    const sim = await simulator();
    const camera = device(sim);
    const connected = await camera.connect();
    expect(connected).toMatchObject({
      auth: 'ws-security',
      warnings: [],
      information: {
        manufacturer: 'Acme Vision',
        model: 'AV-4K Dome',
        firmwareVersion: '1.0.0',
        serialNumber: 'SIM0001',
      },
    });
    expect(Math.abs(connected.clockOffsetMs ?? Infinity)).toBeLessThan(1500);
    expect(sim.requests[0]).toEqual({
      operation: 'GetSystemDateAndTime',
      service: 'device',
      auth: 'none',
      accepted: true,
    });
    expect(sim.requests[1]).toMatchObject({
      operation: 'GetDeviceInformation',
      auth: 'ws-security',
      accepted: true,
    });

    const profiles = await camera.getProfiles();
    expect(profiles).toEqual([
      {
        token: 'main',
        name: 'MainStream',
        service: 'media2',
        encoding: 'H264',
        width: 1920,
        height: 1080,
        frameRateLimit: 25,
      },
      {
        token: 'sub',
        name: 'SubStream',
        service: 'media2',
        encoding: 'H264',
        width: 640,
        height: 360,
        frameRateLimit: 15,
      },
      {
        token: 'hevc',
        name: 'MainH265',
        service: 'media2',
        encoding: 'H265',
        width: 3840,
        height: 2160,
        frameRateLimit: 20,
      },
    ]);
    const uris = await Promise.all(profiles.map((profile) => camera.getStreamUri(profile)));
    expect(uris).toEqual([
      'rtsp://127.0.0.1:8554/main',
      'rtsp://127.0.0.1:8554/sub',
      'rtsp://127.0.0.1:8554/hevc',
    ]);
    expect(await camera.getSnapshotUri(profiles[0]!)).toBe('http://127.0.0.1:8080/snap.jpg');
    expect(await camera.getSnapshotUri(profiles[1]!)).toBeUndefined();
    expect(sim.requests.every((request) => request.accepted)).toBe(true);
  });

  it('falls back to Media1 without Media2 (the H.265 profile is then not listed)', async () => {
    const sim = await simulator({ media2: false });
    const camera = device(sim);
    await camera.connect();
    const profiles = await camera.getProfiles();
    expect(
      profiles.map((profile) => `${profile.service}:${profile.token}:${profile.encoding ?? ''}`),
    ).toEqual(['media:main:H264', 'media:sub:H264']);
    expect(await camera.getStreamUri(profiles[1]!)).toBe('rtsp://127.0.0.1:8554/sub');
  });

  it('signs in without a clock offset when GetSystemDateAndTime faults', async () => {
    const sim = await simulator({ faults: { soapFault: ['GetSystemDateAndTime'] } });
    const connected = await device(sim).connect();
    expect(connected).toMatchObject({ auth: 'ws-security', clockOffsetMs: null, warnings: [] });
    expect(connected.information.model).toBe('AV-4K Dome');
  });

  it('switches to HTTP digest when the device challenges for it', async () => {
    const sim = await simulator({ auth: 'http-digest' });
    const camera = device(sim);
    const connected = await camera.connect();
    expect(connected.auth).toBe('http-digest');
    const profiles = await camera.getProfiles();
    expect(await camera.getStreamUri(profiles[2]!)).toBe('rtsp://127.0.0.1:8554/hevc');
    const signed = sim.requests.filter(
      (request) => request.accepted && request.operation !== 'GetSystemDateAndTime',
    );
    expect(signed.length).toBeGreaterThanOrEqual(3);
    expect(signed.every((request) => request.auth === 'http-digest')).toBe(true);
  });
});

describe('serving the fake RTSP cameras', () => {
  it('stream URIs read through Media2 play, the H.265 one included', async () => {
    const fake = await startFakeCameras({
      cameras: [
        { name: 'front', resolution: '360p', sub: true },
        { name: 'garage', resolution: '360p', codec: 'h265' },
      ],
    });
    try {
      const front = fake.camera('front');
      const garage = fake.camera('garage');
      const base = { fps: 25, width: 640, height: 360 };
      const sim = await simulator({
        profiles: [
          { ...base, token: 'main', name: 'Main', encoding: 'H264', streamUri: front.mainUrl },
          { ...base, token: 'sub', name: 'Sub', encoding: 'H264', streamUri: front.subUrl ?? '' },
          { ...base, token: 'hevc', name: 'Garage H265', encoding: 'H265', streamUri: garage.mainUrl },
        ],
      });
      const camera = device(sim);
      await camera.connect();
      const profiles = await camera.getProfiles();
      const probed = await Promise.all(
        profiles.map(async (profile) => {
          const result = await probeRtsp(await camera.getStreamUri(profile));
          const video = result.ok
            ? result.streams.find((stream) => stream.codec_type === 'video')
            : undefined;
          return `${profile.token} ${profile.encoding ?? ''}: ${video === undefined ? 'no video' : `${video.codec_name} ${String(video.width)}x${String(video.height)}`}`;
        }),
      );
      expect(probed).toEqual([
        'main H264: h264 640x360',
        'sub H264: h264 640x360',
        'hevc H265: hevc 640x360',
      ]);
    } finally {
      await fake.stopAll();
    }
  });
});

describe('each fault gives its own message', () => {
  it('wrong password (WS-Security fault and HTTP 401)', async () => {
    const sim = await simulator();
    const error = await failure(device(sim, 'wrong-password').connect());
    expect(error.code).toBe('unauthorized');
    expect(error.message).toMatch(/refused the user name or password/);

    const digestSim = await simulator({ auth: 'http-digest' });
    const digestError = await failure(device(digestSim, 'wrong-password').connect());
    expect(digestError.code).toBe('unauthorized');
    expect(digestError.message).toMatch(/HTTP 401/);

    const switched = await simulator({ faults: { wrongPassword: true } });
    expect((await failure(device(switched).connect())).code).toBe('unauthorized');
  });

  it('clock skew: refused with our time, accepted with the device time, and said so', async () => {
    const sim = await simulator({ clockSkewSeconds: 600 });
    const connected = await device(sim).connect();
    expect(Math.abs((connected.clockOffsetMs ?? 0) - 600_000)).toBeLessThan(1500);
    expect(connected.warnings).toEqual([
      { code: 'clock_skew', message: expect.stringMatching(/clock is 10 min ahead of this computer's/) },
    ]);
    const information = sim.requests.filter((request) => request.operation === 'GetDeviceInformation');
    expect(information.map((request) => request.accepted)).toEqual([false, true]);

    const behind = await simulator({ clockSkewSeconds: -45 });
    expect((await device(behind).connect()).warnings[0]?.message).toMatch(/45 s behind/);
  });

  it('clock skew and a wrong password: the password error, mentioning the clock', async () => {
    const sim = await simulator({ clockSkewSeconds: 600 });
    const error = await failure(device(sim, 'wrong-password').connect());
    expect(error.code).toBe('unauthorized');
    expect(error.message).toMatch(/clock is also 10 min ahead/);
  });

  it('a SOAP fault carries its reason', async () => {
    const sim = await simulator({ faults: { soapFault: ['GetProfiles'] } });
    const camera = device(sim);
    await camera.connect();
    const error = await failure(camera.getProfiles());
    expect(error.code).toBe('soap_fault');
    expect(error.message).toBe(
      '127.0.0.1:' +
        new URL(sim.xaddr).port +
        ' answered GetProfiles with a fault (Action): Simulated failure: GetProfiles is unavailable right now',
    );
  });

  it('a dropped connection, a timeout and a refused connection', async () => {
    const sim = await simulator({ faults: { drop: ['GetProfiles'], hang: ['GetStreamUri'] } });
    const camera = device(sim, PASSWORD, 800);
    await camera.connect();
    const dropped = await failure(camera.getProfiles());
    expect(dropped.code).toBe('connection');
    expect(dropped.message).toMatch(/closed the connection without answering/);

    sim.faults.drop = [];
    const profiles = await camera.getProfiles();
    const started = Date.now();
    const timeout = await failure(camera.getStreamUri(profiles[0]!));
    expect(timeout.code).toBe('timeout');
    expect(timeout.message).toMatch(/did not answer within 0.8 s/);
    expect(Date.now() - started).toBeLessThan(2000);

    const stopped = await simulator();
    const xaddr = stopped.xaddr;
    await stopped.stop();
    const refused = await failure(
      createOnvifDevice({ xaddr, credentials: { username: USERNAME, password: PASSWORD } }).connect(),
    );
    expect(refused.code).toBe('connection');
    expect(refused.message).toMatch(/refused the connection/);

    const messages = new Set(
      [dropped.message, timeout.message, refused.message].map((message) => message.replace(/^\S+ /, '')),
    );
    expect(messages.size).toBe(3);
  });
});
