/**
 * Notifications against a real MQTT broker (Debian's mosquitto, started here) and a real SQLite file: Frigate's
 * topic layout under `omnisight/`, availability, counts, settings with a write-only password, and a broker
 * that is down at start, goes away and comes back, or accepts TCP and never answers, none of which blocks the
 * emitter (the recording engine's event bus) or loses more than the bounded queue.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DetectionEvent } from '../../common/contract/index.js';
import { openDatabase, type OpenedDatabase } from '../../electron/engine/db/open-database.js';
import { createEventBus, type EventBus } from '../../electron/engine/events/event-bus.js';
import {
  createNotificationService,
  type NotificationService,
} from '../../electron/engine/notifications/notification-service.js';
import type { FrigateMessage } from '../../electron/engine/notifications/frigate-format.js';
import type { Logger } from '../../electron/engine/ports.js';
import { createSecretBox } from '../../electron/engine/secrets/secret-box.js';
import { freePort, startBroker, subscribe, type Broker } from '../support/mosquitto.js';
import { waitFor } from '../recording/recording-helpers.js';

const MIGRATIONS = path.resolve(import.meta.dirname, '../../drizzle');
const CAMERA = { id: 'cam-0123456789', name: 'Front door' };

function capturingLogger(lines: string[]): Logger {
  const logger: Logger = {
    debug: (fields, message) => lines.push(`${message} ${JSON.stringify(fields)}`),
    info: (fields, message) => lines.push(`${message} ${JSON.stringify(fields)}`),
    warn: (fields, message) => lines.push(`${message} ${JSON.stringify(fields)}`),
    error: (fields, message) => lines.push(`${message} ${JSON.stringify(fields)}`),
    child: () => logger,
  };
  return logger;
}

function detection(id: number, patch: Partial<DetectionEvent> = {}): DetectionEvent {
  return {
    id,
    cameraId: CAMERA.id,
    label: 'person',
    startTime: 1_765_000_000_000 + id,
    endTime: null,
    bestTime: 1_765_000_000_500 + id,
    score: 0.87,
    box: { x: 0.25, y: 0.5, width: 0.1, height: 0.4 },
    zones: ['porch'],
    hasSnapshot: true,
    locked: false,
    ...patch,
  };
}

let broker: Broker;
let dir: string;
let database: OpenedDatabase;
let bus: EventBus;
let service: NotificationService | undefined;
const logLines: string[] = [];

beforeAll(async () => {
  broker = await startBroker();
});
afterAll(async () => {
  await broker.stop();
});

async function setUp(): Promise<NotificationService> {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omnisight-notify-'));
  database = await openDatabase({
    file: path.join(dir, 'omnisight.db'),
    migrationsDir: MIGRATIONS,
    logger: capturingLogger(logLines),
    clock: { now: () => Date.now() },
  });
  bus = createEventBus(capturingLogger(logLines));
  service = createNotificationService({
    db: database.db,
    cameras: { list: () => [CAMERA as never] },
    events: bus,
    logger: capturingLogger(logLines),
    version: 'test',
    now: () => Date.now(),
    secrets: createSecretBox(randomBytes(32)),
    mqttReconnectPeriodMs: 1000,
  });
  service.start();
  return service;
}

afterEach(async () => {
  await service?.stop();
  service = undefined;
  database.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('MQTT notifications', () => {
  it('publishes Frigate-style events, counts and availability, and never returns the password', async () => {
    const notifications = await setUp();
    const subscriber = await subscribe(broker.url, 'omnisight/#');
    try {
      const saved = await notifications.setSettings({
        mqtt: { enabled: true, url: broker.url, username: 'nvr', password: 'broker-secret-42' },
      });
      expect(saved.mqtt).toMatchObject({
        enabled: true,
        url: broker.url,
        username: 'nvr',
        hasPassword: true,
      });
      expect(JSON.stringify(saved)).not.toContain('broker-secret-42');
      await waitFor(
        () => notifications.status().mqtt.state === 'connected' || undefined,
        10_000,
        'connected',
      );
      await waitFor(
        () => subscriber.messages.find((m) => m.topic === 'omnisight/available' && m.payload === 'online'),
        5_000,
        'online',
      );

      bus.emit('events.created', detection(7));
      bus.emit('events.updated', detection(7, { score: 0.93, zones: ['porch', 'path'] }));
      bus.emit('events.ended', detection(7, { score: 0.93, zones: ['path'], endTime: 1_765_000_009_007 }));
      const events = await waitFor(
        () => {
          const found = subscriber.messages.filter((m) => m.topic === 'omnisight/events');
          return found.length >= 3 ? found : undefined;
        },
        5_000,
        'three event messages',
      );
      const [created, updated, ended] = events.map((m) => JSON.parse(m.payload) as FrigateMessage);
      expect(created?.type).toBe('new');
      expect(created?.after).toMatchObject({
        id: '7',
        camera: 'front_door',
        camera_id: CAMERA.id,
        label: 'person',
        score: 0.87,
        start_time: 1_765_000_000.007,
        end_time: null,
        current_zones: ['porch'],
        entered_zones: ['porch'],
        has_snapshot: true,
      });
      expect(created?.before).toEqual(created?.after);
      expect(updated?.type).toBe('update');
      expect(updated?.before.score).toBe(0.87);
      expect(updated?.after.entered_zones).toEqual(['porch', 'path']);
      expect(ended?.type).toBe('end');
      expect(ended?.after.end_time).toBe(1_765_000_009.007);
      expect(ended?.after.current_zones).toEqual([]);

      const counts = subscriber.messages
        .filter((m) => m.topic.startsWith('omnisight/front_door/'))
        .map((m) => `${m.topic.slice('omnisight/front_door/'.length)}=${m.payload}`);
      expect(counts).toEqual(['person=1', 'all=1', 'person=0', 'all=0']);
      expect(notifications.status().mqtt).toMatchObject({ state: 'connected', dropped: 0 });

      // A graceful stop marks the engine offline (retained, so Home Assistant sees it after a restart).
      await notifications.stop();
      await waitFor(
        () => subscriber.messages.find((m) => m.topic === 'omnisight/available' && m.payload === 'offline'),
        5_000,
        'offline',
      );
    } finally {
      await subscriber.close();
    }
    expect(logLines.join('\n')).not.toContain('broker-secret-42');
  }, 30_000);

  it('survives a broker that is down, holds a bounded queue and delivers it when the broker is back', async () => {
    const notifications = await setUp();
    await broker.stop();
    await notifications.setSettings({
      mqtt: { enabled: true, url: broker.url, username: 'nvr', password: 'hidden-pass-77' },
    });
    await waitFor(() => notifications.status().mqtt.state === 'error' || undefined, 10_000, 'an error state');
    expect(notifications.status().mqtt.error).toMatch(/connection refused/);

    // 40 events × 3 messages (event, then the counts person and all) while down: the queue keeps the newest 100.
    for (let id = 1; id <= 40; id += 1) bus.emit('events.created', detection(id));
    const down = notifications.status().mqtt;
    expect(down.queued).toBe(100);
    expect(down.dropped).toBe(20);

    await broker.start();
    const subscriber = await subscribe(broker.url, 'omnisight/#');
    try {
      await waitFor(
        () => notifications.status().mqtt.state === 'connected' || undefined,
        10_000,
        'reconnected',
      );
      // The newest messages went out on reconnect, and the counts were republished (40 people in view).
      await waitFor(
        () => subscriber.messages.find((m) => m.topic === 'omnisight/front_door/all' && m.payload === '40'),
        5_000,
        'the republished count',
      );
      const lastEvent = await waitFor(
        () =>
          subscriber.messages.find(
            (m) =>
              m.topic === 'omnisight/events' &&
              (JSON.parse(m.payload) as { after: { id: string } }).after.id === '40',
          ),
        5_000,
        'the newest queued event',
      );
      expect(lastEvent).toBeDefined();
      expect(notifications.status().mqtt.queued).toBe(0);
    } finally {
      await subscriber.close();
    }
    expect(logLines.join('\n')).not.toContain('hidden-pass-77');
  }, 40_000);

  it('does not block the event bus on a broker that accepts and never answers', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => sockets.push(socket));
    const port = await freePort();
    await new Promise<void>((resolve) => silent.listen(port, '127.0.0.1', resolve));
    try {
      const notifications = await setUp();
      await notifications.setSettings({ mqtt: { enabled: true, url: `mqtt://127.0.0.1:${port}` } });
      await waitFor(() => sockets.length > 0 || undefined, 5_000, 'the client to connect');
      const started = performance.now();
      for (let id = 1; id <= 500; id += 1) bus.emit('events.created', detection(id));
      const elapsed = performance.now() - started;
      console.log(`[mqtt] 500 events to a silent broker: ${elapsed.toFixed(1)} ms on the bus`);
      expect(notifications.status().mqtt).toMatchObject({ state: 'connecting', queued: 100 });
      expect(notifications.status().mqtt.dropped).toBe(1400);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  }, 20_000);

  it('refuses to turn MQTT on without a broker and keeps the previous settings', async () => {
    const notifications = await setUp();
    await expect(notifications.setSettings({ mqtt: { enabled: true } })).rejects.toThrow(
      /mqtt\.url: is required to turn MQTT on/,
    );
    expect(notifications.settings().mqtt).toMatchObject({
      enabled: false,
      url: null,
      topicPrefix: 'omnisight',
    });
  });
});
