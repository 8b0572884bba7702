/**
 * A real MQTT broker for tests: Debian's `mosquitto` (installed by .ci/run), on a free loopback port, with
 * its own config file (anonymous access, loopback only, no persistence). `stop()` and `start()` again on the
 * same port simulate an outage.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { connect, type MqttClient } from 'mqtt';
import { makeTempDir } from './server.js';

export const MOSQUITTO = '/usr/sbin/mosquitto';

export interface Broker {
  port: number;
  url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`mosquitto did not listen on ${port} in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function startBroker(): Promise<Broker> {
  if (!fs.existsSync(MOSQUITTO)) {
    throw new Error(`${MOSQUITTO} is missing: install Debian's mosquitto (.ci/run does)`);
  }
  const port = await freePort();
  const dir = makeTempDir('omnisight-mqtt-');
  const config = path.join(dir, 'mosquitto.conf');
  fs.writeFileSync(config, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
  let child: ChildProcess | null = null;
  let output = '';
  const broker: Broker = {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    async start() {
      output = '';
      const started = spawn(MOSQUITTO, ['-c', config], { stdio: ['ignore', 'pipe', 'pipe'] });
      started.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      started.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child = started;
      try {
        await waitForPort(port, 10_000);
      } catch (error) {
        throw new Error(`${(error as Error).message}: ${output.slice(-500)}`, { cause: error });
      }
    },
    async stop() {
      const running = child;
      child = null;
      if (running === null || running.exitCode !== null) return;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGKILL');
      await exited;
    },
  };
  await broker.start();
  return broker;
}

export interface Received {
  topic: string;
  payload: string;
  retain: boolean;
}

/** A subscriber that records every message under `filter`. */
export async function subscribe(
  url: string,
  filter: string,
): Promise<{ messages: Received[]; close(): Promise<void> }> {
  const client: MqttClient = await new Promise((resolve, reject) => {
    const created = connect(url, { reconnectPeriod: 0, connectTimeout: 5000 });
    created.once('connect', () => resolve(created));
    created.once('error', reject);
  });
  const messages: Received[] = [];
  client.on('message', (topic, payload, packet) =>
    messages.push({ topic, payload: payload.toString(), retain: packet.retain }),
  );
  await client.subscribeAsync(filter, { qos: 1 });
  return {
    messages,
    close: async () => {
      await client.endAsync(true);
    },
  };
}
