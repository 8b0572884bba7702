/**
 * Runs inside a fresh user + network namespace (`unshare -rn node <this, bundled>`), started by
 * onvif.test.ts: builds a veth pair (v0 10.77.0.1, v1 10.77.0.2), puts the simulator on v1 with multicast
 * discovery, then scans the way the app does (every non-loopback interface, real multicast), signs in to what
 * it found and prints one JSON line with the figures for the parent test to assert on.
 */
import { execFileSync } from 'node:child_process';

import { createOnvifDevice } from '../../electron/engine/onvif/device.js';
import { discover } from '../../electron/engine/onvif/discovery.js';
import { startOnvifSimulator } from '../onvif-sim/index.js';

const ip = (...args: string[]): void => {
  execFileSync('ip', args, { stdio: 'pipe' });
};
ip('link', 'set', 'lo', 'up');
ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
ip('addr', 'add', '10.77.0.1/24', 'dev', 'v0');
ip('addr', 'add', '10.77.0.2/24', 'dev', 'v1');
ip('link', 'set', 'v0', 'up');
ip('link', 'set', 'v1', 'up');

const sim = await startOnvifSimulator({
  host: '10.77.0.2',
  username: 'operator',
  password: 'S3cret-pass',
  manufacturer: 'Acme Vision',
  model: 'AV-4K Dome',
  profiles: [
    {
      token: 'main',
      name: 'Main',
      encoding: 'H264',
      width: 1920,
      height: 1080,
      fps: 25,
      streamUri: 'rtsp://10.77.0.2/main',
    },
  ],
  discovery: { multicast: true, interfaceAddress: '10.77.0.2' },
  faults: { garbageReplies: 2 },
});
try {
  const streamed: string[] = [];
  const result = await discover({ windowMs: 1000, onDevice: (device) => streamed.push(device.endpoint) });
  const found = result.devices.find((device) => device.endpoint === sim.endpoint);
  const connected =
    found === undefined
      ? null
      : await createOnvifDevice({
          xaddr: found.xaddr,
          credentials: { username: 'operator', password: 'S3cret-pass' },
        }).connect();
  process.stdout.write(
    `${JSON.stringify({
      endpoint: sim.endpoint,
      xaddr: sim.xaddr,
      interfaces: result.interfaces,
      devices: result.devices,
      streamed,
      ignored: result.ignored,
      duplicates: result.duplicates,
      probesFrom: sim.probes.map((probe) => probe.from),
      model: connected?.information.model ?? null,
    })}\n`,
  );
} finally {
  await sim.stop();
}
