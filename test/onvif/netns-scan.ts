/**
 * Real multicast discovery between two network namespaces, started by onvif.test.ts as
 * `unshare -rn node <this file, bundled>` (the "NVR" namespace). It starts itself again with `unshare -n
 * … --camera` (the "camera" namespace), joins them with a veth pair (v0 10.77.0.1 here, v1 10.77.0.2 there),
 * runs the simulator there with multicast discovery, scans the way the app does (every non-loopback
 * interface), signs in to what it found, and prints one JSON line for the parent test to assert on.
 * Commands are argv arrays; no shell.
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import readline from 'node:readline';

import { createOnvifDevice } from '../../electron/engine/onvif/device.js';
import { discover } from '../../electron/engine/onvif/discovery.js';
import { startOnvifSimulator } from '../onvif-sim/index.js';

const CREDENTIALS = { username: 'operator', password: 'S3cret-pass' };

function ip(...args: string[]): string {
  return execFileSync('ip', args, { stdio: 'pipe' }).toString();
}

async function camera(): Promise<void> {
  ip('link', 'set', 'lo', 'up');
  for (let attempt = 0; !ip('-br', 'link').includes('v1'); attempt++) {
    if (attempt > 100) throw new Error('v1 never arrived in the camera namespace');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  ip('addr', 'add', '10.77.0.2/24', 'dev', 'v1');
  ip('link', 'set', 'v1', 'up');
  const sim = await startOnvifSimulator({
    host: '10.77.0.2',
    ...CREDENTIALS,
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
    faults: { garbageReplies: 2, duplicateReplies: 1 },
  });
  process.stdout.write(`${JSON.stringify({ ready: true, endpoint: sim.endpoint, xaddr: sim.xaddr })}\n`);
  // The NVR side asks for the report once it is done, then this process ends.
  for await (const line of readline.createInterface({ input: process.stdin })) {
    if (line !== 'report') continue;
    process.stdout.write(
      `${JSON.stringify({ probesFrom: sim.probes.map((probe) => probe.from), requests: sim.requests })}\n`,
    );
    break;
  }
  await sim.stop();
  // readline leaves stdin open, which would keep this process alive.
  process.stdin.destroy();
}

async function nvr(): Promise<void> {
  ip('link', 'set', 'lo', 'up');
  const child = spawn('unshare', ['-n', process.execPath, process.argv[1] ?? '', '--camera'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<Record<string, unknown>> => {
    const line = await lines.next();
    if (line.done === true) throw new Error('the camera namespace ended early');
    return JSON.parse(line.value) as Record<string, unknown>;
  };
  try {
    ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
    ip('link', 'set', 'v1', 'netns', String(child.pid));
    ip('addr', 'add', '10.77.0.1/24', 'dev', 'v0');
    ip('link', 'set', 'v0', 'up');
    const ready = await next();
    const streamed: string[] = [];
    const result = await discover({ windowMs: 1000, onDevice: (device) => streamed.push(device.endpoint) });
    const found = result.devices.find((device) => device.endpoint === ready.endpoint);
    const connected =
      found === undefined
        ? null
        : await createOnvifDevice({ xaddr: found.xaddr, credentials: CREDENTIALS }).connect();
    child.stdin.write('report\n');
    const report = await next();
    process.stdout.write(
      `${JSON.stringify({
        endpoint: ready.endpoint,
        xaddr: ready.xaddr,
        interfaces: result.interfaces,
        devices: result.devices,
        streamed,
        ignored: result.ignored,
        duplicates: result.duplicates,
        probesFrom: report.probesFrom,
        model: connected?.information.model ?? null,
      })}\n`,
    );
    child.stdin.end();
    await once(child, 'exit');
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

await (process.argv.includes('--camera') ? camera() : nvr());
