/**
 * Sends detection events out: desktop notices (through a port the Electron shell fills; browsers use their own
 * Notification API), MQTT in Frigate's layout and webhooks. It only listens to the event bus and never waits
 * on a receiver, so a broker or webhook that is down, slow or hostile cannot hold up recording or detection.
 *
 * MQTT topics under the prefix (default `omnisight`), as Frigate's under `frigate`:
 * - `available`: `online` / `offline` (retained; `offline` is also the last will);
 * - `events`: `{type: new|update|end, before, after}` for every event;
 * - `<camera>/<label>` and `<camera>/all`: how many objects of that label are in view now (events open),
 *   republished on every connect.
 */
import {
  noticeTitle,
  type DetectionEvent,
  type MethodInput,
  type NotificationSettings,
  type NotificationStatus,
} from '../../../common/contract/index.js';
import type { CameraService } from '../cameras/camera-service.js';
import type { Db } from '../db/open-database.js';
import type { EventBus } from '../events/event-bus.js';
import type { Logger } from '../ports.js';
import type { SecretBox } from '../secrets/secret-box.js';
import { cameraSlugs, FrigateEventTracker, type FrigateEventType } from './frigate-format.js';
import { createMqttPublisher, type MqttPublisher } from './mqtt-publisher.js';
import {
  createNotificationSettings,
  publicView,
  type StoredNotifications,
  type StoredWebhook,
} from './notification-settings.js';
import { createWebhookSender, emptyWebhookStatus, type WebhookSender } from './webhooks.js';

/** A desktop notice: what the shell shows (Electron `Notification`) and what a click opens. */
export interface DesktopNotice {
  title: string;
  body: string;
  eventId: number;
  cameraId: string;
}

/** A camera gets at most one desktop notice per this many ms: a busy street must not bury the screen. */
export const DESKTOP_COOLDOWN_MS = 15_000;

export interface NotificationServiceOptions {
  db: Db;
  cameras: Pick<CameraService, 'list'>;
  events: EventBus;
  logger: Logger;
  version: string;
  now: () => number;
  /** Seals the MQTT password and webhook secrets in the settings row. */
  secrets: SecretBox;
  desktop?: (notice: DesktopNotice) => void;
  webhookRetryDelaysMs?: readonly number[];
  mqttReconnectPeriodMs?: number;
}

export interface NotificationService {
  start(): void;
  settings(): NotificationSettings;
  setSettings(input: MethodInput<'notifications.settings.set'>): Promise<NotificationSettings>;
  status(): NotificationStatus;
  stop(): Promise<void>;
}

export function desktopNotice(event: DetectionEvent, cameraName: string): DesktopNotice {
  return {
    title: noticeTitle(event.label, cameraName),
    body:
      `${Math.round(event.score * 100)}% · ${new Date(event.startTime).toLocaleTimeString()}` +
      (event.zones.length > 0 ? ` · ${event.zones.join(', ')}` : ''),
    eventId: event.id,
    cameraId: event.cameraId,
  };
}

function webhookWants(webhook: StoredWebhook, event: DetectionEvent): boolean {
  return (
    webhook.enabled &&
    (webhook.labels.length === 0 || webhook.labels.includes(event.label)) &&
    (webhook.cameraIds.length === 0 || webhook.cameraIds.includes(event.cameraId))
  );
}

export function createNotificationService(options: NotificationServiceOptions): NotificationService {
  const { logger, events, now } = options;
  const store = createNotificationSettings({ db: options.db, now, secrets: options.secrets, logger });
  const tracker = new FrigateEventTracker();
  /** Objects in view per camera and label (open events), for the count topics. */
  const counts = new Map<string, Map<string, number>>();
  const lastDesktop = new Map<string, number>();
  let current: StoredNotifications = store.read();
  let mqtt: MqttPublisher | null = null;
  let senders = new Map<string, { webhook: StoredWebhook; sender: WebhookSender }>();
  const unsubscribes: Array<() => void> = [];
  let started = false;

  function publishCounts(cameraId: string, slug: string, only?: string): void {
    if (mqtt === null) return;
    const labels = counts.get(cameraId) ?? new Map<string, number>();
    let total = 0;
    for (const [label, count] of labels) {
      total += count;
      if (only === undefined || only === label) mqtt.publish(`${slug}/${label}`, String(count));
    }
    mqtt.publish(`${slug}/all`, String(total));
  }

  function republishAll(): void {
    const names = cameraSlugs(options.cameras.list());
    for (const cameraId of counts.keys()) {
      const slug = names.get(cameraId);
      if (slug !== undefined) publishCounts(cameraId, slug);
    }
  }

  function configureMqtt(): void {
    const next = current.mqtt;
    if (!next.enabled || next.url === null) return;
    mqtt = createMqttPublisher({
      url: next.url,
      username: next.username,
      password: next.password,
      clientId: next.clientId,
      topicPrefix: next.topicPrefix,
      logger,
      onConnect: republishAll,
      ...(options.mqttReconnectPeriodMs === undefined
        ? {}
        : { reconnectPeriodMs: options.mqttReconnectPeriodMs }),
    });
  }

  function configureWebhooks(): void {
    const next = new Map<string, { webhook: StoredWebhook; sender: WebhookSender }>();
    for (const webhook of current.webhooks) {
      const old = senders.get(webhook.id);
      if (old !== undefined && old.webhook.url === webhook.url && old.webhook.secret === webhook.secret) {
        next.set(webhook.id, { webhook, sender: old.sender });
        continue;
      }
      old?.sender.close();
      next.set(webhook.id, {
        webhook,
        sender: createWebhookSender({
          target: { id: webhook.id, url: webhook.url, secret: webhook.secret },
          logger,
          userAgent: `OmniSight/${options.version}`,
          now,
          ...(options.webhookRetryDelaysMs === undefined
            ? {}
            : { retryDelaysMs: options.webhookRetryDelaysMs }),
        }),
      });
    }
    for (const [id, old] of senders) if (!next.has(id)) old.sender.close();
    senders = next;
  }

  function handle(type: FrigateEventType, event: DetectionEvent): void {
    const cameras = options.cameras.list();
    const names = cameraSlugs(cameras);
    const slug = names.get(event.cameraId) ?? event.cameraId.replace(/-/g, '_');
    const message = tracker.message(type, event, slug);
    const body = JSON.stringify(message);
    if (type !== 'update') {
      const labels = counts.get(event.cameraId) ?? new Map<string, number>();
      counts.set(event.cameraId, labels);
      labels.set(event.label, Math.max(0, (labels.get(event.label) ?? 0) + (type === 'new' ? 1 : -1)));
    }
    if (mqtt !== null) {
      mqtt.publish('events', body);
      if (type !== 'update') publishCounts(event.cameraId, slug, event.label);
    }
    for (const { webhook, sender } of senders.values()) {
      if (webhookWants(webhook, event)) sender.send(type, body);
    }
    if (type === 'new' && current.desktop.enabled && options.desktop !== undefined) {
      const last = lastDesktop.get(event.cameraId);
      if (last === undefined || now() - last >= DESKTOP_COOLDOWN_MS) {
        lastDesktop.set(event.cameraId, now());
        const camera = cameras.find((candidate) => candidate.id === event.cameraId);
        options.desktop(desktopNotice(event, camera?.name ?? event.cameraId));
      }
    }
  }

  function guarded(type: FrigateEventType) {
    return (event: DetectionEvent) => {
      try {
        handle(type, event);
      } catch (error) {
        logger.error({ component: 'notifications', err: error }, 'A notification could not be sent');
      }
    };
  }

  return {
    start() {
      if (started) return;
      started = true;
      unsubscribes.push(
        events.on('events.created', guarded('new')),
        events.on('events.updated', guarded('update')),
        events.on('events.ended', guarded('end')),
      );
      configureMqtt();
      configureWebhooks();
    },
    settings: () => publicView(current),
    async setSettings(input) {
      const previous = current.mqtt;
      current = store.write(input);
      if (started) {
        if (JSON.stringify(previous) !== JSON.stringify(current.mqtt)) {
          const old = mqtt;
          mqtt = null;
          await old?.close();
          configureMqtt();
        }
        configureWebhooks();
      }
      return publicView(current);
    },
    status() {
      const state = mqtt?.status();
      return {
        mqtt: state ?? { state: 'off', error: null, published: 0, queued: 0, dropped: 0 },
        webhooks: current.webhooks.map(
          (webhook) => senders.get(webhook.id)?.sender.status() ?? emptyWebhookStatus(webhook.id),
        ),
      };
    },
    async stop() {
      for (const unsubscribe of unsubscribes.splice(0)) unsubscribe();
      for (const { sender } of senders.values()) sender.close();
      senders = new Map();
      const old = mqtt;
      mqtt = null;
      await old?.close();
      started = false;
    },
  };
}
