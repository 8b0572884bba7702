/**
 * PTZ through the built headless server's API (issue 7): a camera saved with its ONVIF link moves, stops and
 * uses presets on the simulated device, signed with the camera's own credentials; commands of one camera
 * arrive in the order sent; one sign-in serves many commands and a changed password signs in again; a camera
 * added by URL, a bad velocity and a device that refuses each get their own answer, with no password in any
 * response or log line.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Camera, PtzInfo } from '../../common/contract/index.js';
import { startOnvifSimulator, type OnvifSimulator } from '../onvif-sim/index.js';
import { startServer, type RunningServer } from '../support/server.js';

const USERNAME = 'ptz-admin';
const PASSWORD = 'Pan-Tilt-Zoom-41';
let sim: OnvifSimulator;
let server: RunningServer;
const responses: string[] = [];

async function call(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  const response = await server.fetch(path, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await response.text();
  responses.push(text);
  return { status: response.status, json: JSON.parse(text) as unknown };
}

beforeAll(async () => {
  sim = await startOnvifSimulator({
    username: USERNAME,
    password: PASSWORD,
    ptz: { presets: [{ token: 'p1', name: 'Front gate' }] },
    profiles: [
      {
        token: 'main',
        name: 'MainStream',
        encoding: 'H264',
        width: 1920,
        height: 1080,
        fps: 25,
        streamUri: 'rtsp://127.0.0.1:8554/main',
      },
    ],
  });
  server = await startServer();
}, 60_000);

afterAll(async () => {
  await server.stop();
  await sim.stop();
  fs.rmSync(server.dataDir, { recursive: true, force: true });
});

describe('PTZ through the API', () => {
  it('moves, stops and uses presets of a camera added with its ONVIF device', async () => {
    // Disabled: PTZ talks to the device, not to the stream, so no recording is needed here.
    const added = await call('POST', '/api/cameras', {
      name: 'Yard PTZ',
      rtspUrl: 'demo:yard-ptz',
      username: USERNAME,
      password: PASSWORD,
      enabled: false,
      onvif: { xaddr: sim.xaddr, profileToken: 'main' },
    });
    expect(added.status).toBe(201);
    const camera = added.json as Camera;
    expect(camera.onvif).toEqual({ xaddr: sim.xaddr, profileToken: 'main' });

    const info = await call('GET', `/api/cameras/${camera.id}/ptz`);
    expect(info.status).toBe(200);
    expect(info.json as PtzInfo).toEqual({
      supported: true,
      panTilt: true,
      zoom: true,
      presets: [{ token: 'p1', name: 'Front gate' }],
    });
    const signIns = () =>
      sim.requests.filter((request) => request.operation === 'GetDeviceInformation').length;
    const signedInOnce = signIns();

    // A move and its stop sent at once arrive in that order: the stop never overtakes the move.
    const [moved, stopped] = await Promise.all([
      call('POST', `/api/cameras/${camera.id}/ptz/move`, { pan: -0.5, tilt: 0.5, timeoutMs: 1_500 }),
      call('POST', `/api/cameras/${camera.id}/ptz/stop`),
    ]);
    expect([moved.status, stopped.status]).toEqual([200, 200]);
    expect(sim.ptz?.commands.slice(-2)).toEqual([
      { operation: 'ContinuousMove', profileToken: 'main', pan: -0.5, tilt: 0.5, timeout: 'PT1.5S' },
      { operation: 'Stop', profileToken: 'main' },
    ]);
    // The default time limit is 2 s, so a lost stop ends the move by itself.
    expect((await call('POST', `/api/cameras/${camera.id}/ptz/move`, { zoom: 1 })).status).toBe(200);
    expect(sim.ptz?.commands.at(-1)).toMatchObject({ zoom: 1, timeout: 'PT2S' });
    expect(sim.ptz?.commands.at(-1)).not.toHaveProperty('pan');

    expect((await call('POST', `/api/cameras/${camera.id}/ptz/goto`, { preset: 'p1' })).status).toBe(200);
    expect(sim.ptz?.commands.at(-1)).toMatchObject({ operation: 'GotoPreset', preset: 'p1' });
    const saved = await call('POST', `/api/cameras/${camera.id}/ptz/presets`, { name: '  Driveway ' });
    expect(saved).toEqual({ status: 200, json: { preset: { token: 'sim-preset-1', name: 'Driveway' } } });
    const listed = (await call('GET', `/api/cameras/${camera.id}/ptz`)).json as PtzInfo;
    expect(listed.supported && listed.presets.map((preset) => preset.name)).toEqual([
      'Front gate',
      'Driveway',
    ]);
    // One sign-in served every command since.
    expect(signIns()).toBe(signedInOnce);

    // An unknown preset: the device's own reason, as "unavailable".
    const unknown = await call('POST', `/api/cameras/${camera.id}/ptz/goto`, { preset: 'nope' });
    expect(unknown.status).toBe(503);
    expect((unknown.json as { message: string }).message).toMatch(
      /^PTZ go to preset: .*preset token does not exist/,
    );

    // The camera's password changed: the next command signs in again with the new one, and fails clearly.
    expect((await call('PATCH', `/api/cameras/${camera.id}`, { password: 'not-the-password' })).status).toBe(
      200,
    );
    const refused = await call('POST', `/api/cameras/${camera.id}/ptz/stop`);
    expect(refused.status).toBe(503);
    expect((refused.json as { message: string }).message).toMatch(/refused the user name or password/);
    expect(signIns()).toBeGreaterThan(signedInOnce);
    expect((await call('PATCH', `/api/cameras/${camera.id}`, { password: PASSWORD })).status).toBe(200);
    expect((await call('POST', `/api/cameras/${camera.id}/ptz/stop`)).status).toBe(200);

    for (const text of responses) expect(text).not.toContain(PASSWORD);
    expect(server.output()).not.toContain(PASSWORD);
    expect(server.output()).not.toContain('not-the-password');
  });

  it('refuses bad commands and says why a camera added by URL cannot move', async () => {
    const added = await call('POST', '/api/cameras', {
      name: 'Fixed bullet',
      rtspUrl: 'demo:fixed-bullet',
      enabled: false,
    });
    const camera = added.json as Camera;
    expect(camera.onvif).toBeNull();
    const info = await call('GET', `/api/cameras/${camera.id}/ptz`);
    expect(info.status).toBe(200);
    expect(info.json).toMatchObject({ supported: false, reason: expect.stringContaining('Find cameras') });
    const move = await call('POST', `/api/cameras/${camera.id}/ptz/move`, { pan: 1 });
    expect(move.status).toBe(501);
    expect(move.json).toMatchObject({ code: 'unsupported' });

    const velocity = await call('POST', `/api/cameras/${camera.id}/ptz/move`, { pan: 2 });
    expect(velocity.status).toBe(400);
    expect(JSON.stringify(velocity.json)).toContain('must be from -1 to 1');
    const still = await call('POST', `/api/cameras/${camera.id}/ptz/move`, { pan: 0 });
    expect(still.status).toBe(400);
    expect(JSON.stringify(still.json)).toContain('use ptz.stop to stop');
    expect(
      (await call('POST', `/api/cameras/${camera.id}/ptz/move`, { pan: 0.5, timeoutMs: 60_000 })).status,
    ).toBe(400);
    expect((await call('GET', '/api/cameras/cam-0000000000/ptz')).status).toBe(404);
    expect((await call('GET', '/api/cameras/..%2f..%2fetc/ptz')).status).toBe(400);

    // An ONVIF link must be an http(s) device URL without credentials in it.
    for (const xaddr of ['file:///etc/passwd', 'http://admin:x@127.0.0.1/onvif/device_service']) {
      const refused = await call('PATCH', `/api/cameras/${camera.id}`, {
        onvif: { xaddr, profileToken: 'main' },
      });
      expect(refused.status).toBe(400);
    }
  });
});
