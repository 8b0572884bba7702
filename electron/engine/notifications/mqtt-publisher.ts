/**
 * One MQTT connection for notifications. Messages go out only while connected; in between they wait in a
 * bounded queue (oldest dropped first, counted), so a broker that is down or slow costs a little memory and
 * never blocks the engine. The last will marks `<prefix>/available` `offline` (retained) when the connection
 * dies; `online` is published on every connect. Errors are logged once per change, without the password.
 */
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import type { MqttState } from '../../../common/contract/index.js';
import { createRedactor } from '../ingest/redact.js';
import type { Logger } from '../ports.js';

export const MQTT_QUEUE_MAX = 100;

export interface MqttPublisherOptions {
  url: string;
  username: string | null;
  password: string | null;
  clientId: string;
  topicPrefix: string;
  logger: Logger;
  /** Called after each (re)connect, once `online` is out: the place to republish state. */
  onConnect?: () => void;
  reconnectPeriodMs?: number;
  connectTimeoutMs?: number;
}

export interface MqttPublisherStatus {
  state: MqttState;
  error: string | null;
  published: number;
  queued: number;
  dropped: number;
}

export interface MqttPublisher {
  /** `topic` is below the prefix (`events`, `front_door/person`). */
  publish(topic: string, payload: string, options?: { retain?: boolean }): void;
  status(): MqttPublisherStatus;
  /** Publishes `offline`, then disconnects (at most about a second). */
  close(): Promise<void>;
}

interface Pending {
  topic: string;
  payload: string;
  retain: boolean;
}

function describe(error: unknown, host: string): string {
  const code = (error as { code?: unknown }).code;
  if (code === 4 || code === 134) return 'The broker refused the user name or password';
  if (code === 5 || code === 135) return 'The broker refused this client (not authorized)';
  if (code === 'ECONNREFUSED') return `Cannot reach the broker at ${host} (connection refused)`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `Cannot resolve the broker's host name (${host})`;
  if (code === 'ETIMEDOUT') return `The broker at ${host} did not answer in time`;
  const message = error instanceof Error ? error.message : String(error);
  return `MQTT error: ${message.slice(0, 200)}`;
}

export function createMqttPublisher(options: MqttPublisherOptions): MqttPublisher {
  const { logger, topicPrefix } = options;
  const redact = createRedactor([options.password]);
  const host = new URL(options.url).host;
  const availability = `${topicPrefix}/available`;
  const queue: Pending[] = [];
  const counters = { published: 0, dropped: 0 };
  let state: MqttState = 'connecting';
  let error: string | null = null;
  let closing = false;

  const clientOptions: IClientOptions = {
    clientId: options.clientId,
    protocolVersion: 4,
    clean: true,
    reconnectPeriod: options.reconnectPeriodMs ?? 5000,
    connectTimeout: options.connectTimeoutMs ?? 10_000,
    keepalive: 30,
    queueQoSZero: false,
    will: { topic: availability, payload: Buffer.from('offline'), qos: 1, retain: true },
    ...(options.username === null ? {} : { username: options.username }),
    ...(options.password === null ? {} : { password: options.password }),
  };
  const client: MqttClient = connect(options.url, clientOptions);

  function setProblem(next: string): void {
    const safe = redact(next);
    if (safe !== error) {
      logger.warn({ component: 'notifications', broker: host }, `MQTT: ${safe}`);
    }
    error = safe;
    state = 'error';
  }

  function send(message: Pending): void {
    client.publish(
      `${topicPrefix}/${message.topic}`,
      message.payload,
      { qos: message.retain ? 1 : 0, retain: message.retain },
      (failure) => {
        if (failure !== undefined) setProblem(describe(failure, host));
      },
    );
    counters.published += 1;
  }

  client.on('connect', () => {
    if (closing) return;
    if (state !== 'connected') logger.info({ component: 'notifications', broker: host }, 'MQTT connected');
    state = 'connected';
    error = null;
    client.publish(availability, 'online', { qos: 1, retain: true });
    for (const message of queue.splice(0)) send(message);
    options.onConnect?.();
  });
  client.on('error', (failure) => setProblem(describe(failure, host)));
  client.on('close', () => {
    if (closing) return;
    if (state === 'connected') {
      logger.warn({ component: 'notifications', broker: host }, 'MQTT connection lost; reconnecting');
      state = 'connecting';
      return;
    }
    // mqtt.js keeps socket errors (refused, unreachable, timed out) to itself and just reconnects; the
    // socket still holds the reason, which is what the status should say.
    const failure = (client.stream as { errored?: unknown } | undefined)?.errored;
    setProblem(
      failure === null || failure === undefined
        ? `The broker at ${host} closed the connection before accepting it`
        : describe(failure, host),
    );
  });
  client.on('offline', () => {
    if (!closing && state === 'connected') state = 'connecting';
  });

  return {
    publish(topic, payload, publishOptions) {
      const message = { topic, payload, retain: publishOptions?.retain ?? false };
      if (state === 'connected' && client.connected) {
        send(message);
        return;
      }
      queue.push(message);
      while (queue.length > MQTT_QUEUE_MAX) {
        queue.shift();
        counters.dropped += 1;
      }
    },
    status: () => ({
      state,
      error,
      published: counters.published,
      queued: queue.length,
      dropped: counters.dropped,
    }),
    async close() {
      if (closing) return;
      closing = true;
      if (client.connected) {
        await Promise.race([
          client.publishAsync(availability, 'offline', { qos: 1, retain: true }).catch(() => undefined),
          new Promise((resolve) => setTimeout(resolve, 1000).unref()),
        ]);
      }
      // A graceful end flushes what is written; a broker that does not answer is cut after a second.
      const ended = await Promise.race([
        client.endAsync(false).then(
          () => true,
          () => false,
        ),
        new Promise<false>((resolve) => setTimeout(() => resolve(false), 1000).unref()),
      ]);
      if (!ended) client.end(true);
      state = 'off';
    },
  };
}
