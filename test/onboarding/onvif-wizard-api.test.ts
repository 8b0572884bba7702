/**
 * The ONVIF path of adding a camera, through the built headless server's API as the wizard uses it: scan
 * (unicast to the simulator on loopback, with duplicate and garbage replies), sign in (wrong password, clock
 * skew, a SOAP fault: each its own answer), profiles and stream URLs through Media2 (the H.265 one included),
 * the stream check on the suggested streams, then the camera saved and recording, and a second scan that
 * says it is already added. Nothing with credentials goes anywhere but the device the test chose.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import type {
  Camera,
  OnvifConnectResult,
  OnvifDiscoverResult,
  StreamProbeResult,
} from '../../common/contract/index.js';
import { startFakeCameras, type FakeCameras } from '../fake-cameras/index.js';
import { startOnvifSimulator, type OnvifSimulator } from '../onvif-sim/index.js';
import { startServer, type RunningServer } from '../support/server.js';

const USERNAME = 'operator';
const PASSWORD = 'Wiz-ard-S3cret';
let fakes: FakeCameras;
let sim: OnvifSimulator;
let server: RunningServer;
let socket: Socket;
const discovered: unknown[] = [];

async function post(path: string, body: unknown): Promise<{ status: number; json: unknown; text: string }> {
  const response = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { ...server.authHeaders(), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: JSON.parse(text) as unknown, text };
}

beforeAll(async () => {
  fakes = await startFakeCameras({
    cameras: [
      {
        name: 'dome',
        resolution: '360p',
        sub: true,
        auth: { method: 'digest', username: USERNAME, password: PASSWORD },
      },
      { name: 'garage', resolution: '360p', codec: 'h265' },
    ],
  });
  const dome = fakes.camera('dome');
  const garage = fakes.camera('garage');
  sim = await startOnvifSimulator({
    username: USERNAME,
    password: PASSWORD,
    manufacturer: 'Acme Vision',
    model: 'AV-4K Dome',
    name: 'Loading Bay',
    clockSkewSeconds: 600,
    faults: { duplicateReplies: 2, garbageReplies: 2 },
    profiles: [
      {
        token: 'hevc',
        name: 'Garage H265',
        encoding: 'H265',
        width: 640,
        height: 360,
        fps: 25,
        streamUri: garage.mainUrl,
      },
      {
        token: 'main',
        name: 'Main',
        encoding: 'H264',
        width: 1920,
        height: 1080,
        fps: 25,
        streamUri: dome.mainUrl,
      },
      // Some cameras report their stream on 0.0.0.0: it is the device's own address.
      {
        token: 'sub',
        name: 'Sub',
        encoding: 'H264',
        width: 640,
        height: 360,
        fps: 25,
        streamUri: (dome.subUrl ?? '').replace('127.0.0.1', '0.0.0.0'),
      },
    ],
  });
  server = await startServer();
  socket = io(server.url, { transports: ['websocket'], forceNew: true, auth: { token: server.token } });
  socket.on('onvif.discovered', (payload: unknown) => discovered.push(payload));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
}, 120_000);

afterAll(async () => {
  socket.close();
  await server.stop();
  await sim.stop();
  await fakes.stopAll();
});

function scan(scanId: string): Promise<{ status: number; json: unknown; text: string }> {
  return post('/api/onvif/discover', {
    scanId,
    unicast: [`127.0.0.1:${String(sim.discoveryPort)}`],
    windowMs: 1500,
  });
}

describe('the ONVIF wizard through the API', () => {
  it('refuses bad scan and sign-in arguments before any packet leaves', async () => {
    const before = sim.probes.length;
    for (const body of [
      { scanId: 'short', unicast: [] },
      { scanId: 'scan-bad-range-1', unicast: ['10.0.0.20-300'] },
      { scanId: 'scan-bad-range-2', unicast: ['10.0.0.40-20'] },
      { scanId: 'scan-bad-host-01', unicast: ['camera.local; rm -rf /'] },
      { scanId: 'scan-too-many-01', unicast: ['10.0.0.0-255', '10.0.1.1'] },
      { scanId: 'scan-window-0001', windowMs: 60_000 },
    ]) {
      const answer = await post('/api/onvif/discover', body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
    }
    expect(sim.probes.length).toBe(before);
    for (const xaddr of ['file:///etc/passwd', 'rtsp://127.0.0.1/x', `http://${USERNAME}:x@127.0.0.1/`, '']) {
      const answer = await post('/api/onvif/connect', { xaddr, username: USERNAME, password: PASSWORD });
      expect(answer.status, xaddr).toBe(400);
    }
    expect(sim.requests).toEqual([]);
  });

  it('scans, signs in, reads Media2 profiles, checks the suggested streams, saves and records', async () => {
    const found = await scan('scan-first-0001');
    expect(found.status).toBe(200);
    const result = found.json as OnvifDiscoverResult;
    expect(result.devices).toEqual([
      {
        endpoint: sim.endpoint,
        xaddr: sim.xaddr,
        address: '127.0.0.1',
        manufacturer: 'Acme Vision',
        model: 'AV-4K Dome',
        name: 'Loading Bay',
        location: null,
        alreadyAdded: false,
        addedAs: null,
      },
    ]);
    expect(result).toMatchObject({ duplicates: 2, ignored: 2, unicastAddresses: 1 });
    // Pushed as it arrived, once, with the scan's id.
    await expect.poll(() => discovered.length).toBe(1);
    expect(discovered[0]).toMatchObject({ scanId: 'scan-first-0001', device: { endpoint: sim.endpoint } });
    // A scan only listens: nothing reached the device's SOAP service.
    expect(sim.requests).toEqual([]);

    // A wrong password: its own answer, without the password in it.
    const wrong = await post('/api/onvif/connect', {
      xaddr: sim.xaddr,
      username: USERNAME,
      password: `${PASSWORD}-typo`,
    });
    expect(wrong.status).toBe(200);
    expect(wrong.json).toMatchObject({ ok: false, failure: 'unauthorized' });
    expect((wrong.json as { message: string }).message).toMatch(/refused the user name or password/);
    expect(wrong.text).not.toContain(PASSWORD);

    // A SOAP fault on GetProfiles: its own answer with the device's reason.
    sim.faults.soapFault = ['GetProfiles'];
    const faulted = await post('/api/onvif/connect', {
      xaddr: sim.xaddr,
      username: USERNAME,
      password: PASSWORD,
    });
    sim.faults.soapFault = [];
    expect(faulted.json).toMatchObject({ ok: false, failure: 'soap_fault' });
    expect((faulted.json as { message: string }).message).toContain('Simulated failure');

    const signedIn = await post('/api/onvif/connect', {
      xaddr: sim.xaddr,
      username: USERNAME,
      password: PASSWORD,
    });
    expect(signedIn.text).not.toContain(PASSWORD);
    const connected = signedIn.json as OnvifConnectResult;
    if (!connected.ok) throw new Error(`sign-in failed: ${connected.message}`);
    expect(connected.auth).toBe('ws-security');
    // The camera's clock is 10 min ahead: it still works, and the user is told.
    expect(connected.warnings.map((warning) => warning.code)).toEqual(['clock_skew']);
    expect(connected.clockOffsetMs).toBeGreaterThan(590_000);
    expect(connected.information).toMatchObject({ manufacturer: 'Acme Vision', model: 'AV-4K Dome' });
    const dome = fakes.camera('dome');
    expect(
      connected.profiles.map((profile) => [
        profile.token,
        profile.service,
        profile.encoding,
        profile.streamUrl,
      ]),
    ).toEqual([
      ['hevc', 'media2', 'H265', fakes.camera('garage').mainUrl],
      ['main', 'media2', 'H264', dome.mainUrl],
      ['sub', 'media2', 'H264', dome.subUrl],
    ]);
    expect(connected.suggested).toEqual({ main: 'main', sub: 'sub' });

    const byToken = new Map(connected.profiles.map((profile) => [profile.token, profile]));
    const rtspUrl = byToken.get('main')?.streamUrl ?? '';
    const subStreamUrl = byToken.get('sub')?.streamUrl ?? '';
    const checked = await post('/api/streams/probe', {
      rtspUrl,
      subStreamUrl,
      username: USERNAME,
      password: PASSWORD,
    });
    const probe = checked.json as StreamProbeResult;
    expect(probe.main).toMatchObject({ ok: true, video: { codec: 'h264', width: 640, height: 360 } });
    expect(probe.sub).toMatchObject({ ok: true, video: { codec: 'h264' } });

    const added = await post('/api/cameras', {
      name: 'Loading Bay',
      rtspUrl,
      subStreamUrl,
      username: USERNAME,
      password: PASSWORD,
    });
    expect(added.status).toBe(201);
    const camera = added.json as Camera;
    await expect
      .poll(
        async () => {
          const response = await server.fetch(`/api/cameras/${camera.id}`);
          return ((await response.json()) as Camera).status;
        },
        { timeout: 30_000, interval: 500 },
      )
      .toBe('recording');

    // Scanning again marks the device as added, by the camera's name.
    const again = (await scan('scan-again-0001')).json as OnvifDiscoverResult;
    expect(again.devices).toEqual([
      expect.objectContaining({ endpoint: sim.endpoint, alreadyAdded: true, addedAs: 'Loading Bay' }),
    ]);
  }, 90_000);
});
