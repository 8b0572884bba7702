/**
 * PTZ over ONVIF against our simulator over real HTTP: which cameras can move (PTZ service and a PTZ
 * configuration on the profile; pan/tilt and zoom told apart, through Media2 and Media1), continuous moves
 * with their time limit, stop, presets listed, gone to and saved, and a device's refusal as its own error.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createOnvifDevice } from '../../electron/engine/onvif/device.js';
import { OnvifError } from '../../electron/engine/onvif/errors.js';
import { createPtzClient } from '../../electron/engine/onvif/ptz.js';
import { startOnvifSimulator, type OnvifSimulator, type OnvifSimulatorOptions } from '../onvif-sim/index.js';

const USERNAME = 'ptz-operator';
const PASSWORD = 'Pan-Tilt-9';
const PROFILES: OnvifSimulatorOptions['profiles'] = [
  {
    token: 'main',
    name: 'MainStream',
    encoding: 'H264',
    width: 1920,
    height: 1080,
    fps: 25,
    streamUri: 'rtsp://127.0.0.1:8554/main',
  },
];

let sim: OnvifSimulator | undefined;

afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

async function clientFor(options: Partial<OnvifSimulatorOptions>, profileToken = 'main') {
  sim = await startOnvifSimulator({ username: USERNAME, password: PASSWORD, profiles: PROFILES, ...options });
  const device = createOnvifDevice({
    xaddr: sim.xaddr,
    credentials: { username: USERNAME, password: PASSWORD },
    timeoutMs: 5_000,
  });
  await device.connect();
  return { sim, client: createPtzClient(device, profileToken) };
}

describe('PTZ over ONVIF', () => {
  it('moves continuously with a time limit, stops, and lists, goes to and saves presets', async () => {
    const { sim, client } = await clientFor({ ptz: { presets: [{ token: '1', name: 'Gate' }] } });
    expect(await client.support()).toEqual({ supported: true, panTilt: true, zoom: true });

    await client.continuousMove({ pan: 0.5, tilt: -0.25 }, 2_000);
    expect(sim.ptz?.commands.at(-1)).toEqual({
      operation: 'ContinuousMove',
      profileToken: 'main',
      pan: 0.5,
      tilt: -0.25,
      timeout: 'PT2S',
    });
    expect(sim.ptz?.moving).toEqual({ pan: 0.5, tilt: -0.25, zoom: 0 });
    // Zoom alone sends no pan/tilt vector, so a moving pan is not reset by a zoom.
    await client.continuousMove({ zoom: -1 }, 1_500);
    expect(sim.ptz?.commands.at(-1)).toEqual({
      operation: 'ContinuousMove',
      profileToken: 'main',
      zoom: -1,
      timeout: 'PT1.5S',
    });
    await client.stop();
    expect(sim.ptz?.moving).toBeNull();
    expect(sim.ptz?.commands.at(-1)).toEqual({ operation: 'Stop', profileToken: 'main' });

    expect(await client.presets()).toEqual([{ token: '1', name: 'Gate' }]);
    await client.gotoPreset('1');
    expect(sim.ptz?.commands.at(-1)).toMatchObject({ operation: 'GotoPreset', preset: '1' });
    const saved = await client.setPreset('Driveway & <gate>');
    expect(saved).toBe('sim-preset-1');
    expect(await client.setPreset('Gate (wide)', '1')).toBe('1');
    expect(await client.presets()).toEqual([
      { token: '1', name: 'Gate (wide)' },
      { token: 'sim-preset-1', name: 'Driveway & <gate>' },
    ]);

    // Every PTZ request was signed and accepted.
    const ptzRequests = sim.requests.filter((request) => request.service === 'ptz');
    expect(ptzRequests.map((request) => request.operation)).toEqual([
      'ContinuousMove',
      'ContinuousMove',
      'Stop',
      'GetPresets',
      'GotoPreset',
      'SetPreset',
      'SetPreset',
      'GetPresets',
    ]);
    expect(ptzRequests.every((request) => request.auth === 'ws-security' && request.accepted)).toBe(true);
  });

  it('answers the device refusing an unknown preset as a SOAP fault with its reason', async () => {
    const { client } = await clientFor({ ptz: {} });
    const error = await client.gotoPreset('nope').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OnvifError);
    expect((error as OnvifError).code).toBe('soap_fault');
    expect((error as OnvifError).message).toContain('preset token does not exist');
  });

  it('reads PTZ from Media1 profiles when the device has no Media2', async () => {
    const { client } = await clientFor({ media2: false, ptz: {} });
    expect(await client.support()).toEqual({ supported: true, panTilt: true, zoom: true });
  });

  it('tells a zoom-only lens from a pan/tilt camera', async () => {
    const { client } = await clientFor({ ptz: { zoomOnly: true } });
    expect(await client.support()).toEqual({ supported: true, panTilt: false, zoom: true });
  });

  it('says why a camera cannot move: no PTZ service, or a profile that is gone', async () => {
    const fixed = await clientFor({});
    expect(await fixed.client.support()).toEqual({
      supported: false,
      reason: 'The camera offers no PTZ service: it cannot pan, tilt or zoom.',
    });
    const moving = await fixed.client.continuousMove({ pan: 1 }, 1_000).catch((caught: unknown) => caught);
    expect((moving as OnvifError).code).toBe('unsupported');
    await fixed.sim.stop();

    const gone = await clientFor({ ptz: {} }, 'removed-profile');
    const support = await gone.client.support();
    expect(support.supported).toBe(false);
    expect(!support.supported && support.reason).toMatch(
      /profile this camera was added with no longer exists/,
    );
  });
});
