/**
 * Notification settings live in the `settings` row `notifications`, secrets included (the API never returns
 * them: `hasPassword`, `hasSecret`). A stored value from an older or hand-edited database is re-checked and
 * whatever does not pass falls back to the defaults, part by part.
 */
import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import {
  ContractError,
  MQTT_TOPIC_PREFIX_DEFAULT,
  MqttClientId,
  MqttTopicPrefix,
  type MethodInput,
  type NotificationSettings,
} from '../../../common/contract/index.js';
import type { Db } from '../db/open-database.js';
import { settings } from '../db/schema.js';

export const NOTIFICATIONS_KEY = 'notifications';

const StoredWebhook = z.object({
  id: z.string(),
  url: z.string(),
  enabled: z.boolean(),
  labels: z.array(z.string()),
  cameraIds: z.array(z.string()),
  secret: z.string().nullable(),
});
export type StoredWebhook = z.infer<typeof StoredWebhook>;

const StoredMqtt = z.object({
  enabled: z.boolean(),
  url: z.string().nullable(),
  username: z.string().nullable(),
  password: z.string().nullable(),
  topicPrefix: MqttTopicPrefix,
  clientId: MqttClientId,
});

const Stored = z.object({
  desktop: z.object({ enabled: z.boolean() }),
  mqtt: StoredMqtt,
  webhooks: z.array(StoredWebhook),
});
export type StoredNotifications = z.infer<typeof Stored>;

export interface NotificationSettingsStore {
  /** With secrets: for the senders only. */
  read(): StoredNotifications;
  /** Merges and stores; returns the new stored value. Throws a `validation` error naming the field. */
  write(input: MethodInput<'notifications.settings.set'>): StoredNotifications;
}

export function publicView(stored: StoredNotifications): NotificationSettings {
  const { password, ...mqtt } = stored.mqtt;
  return {
    desktop: { ...stored.desktop },
    mqtt: { ...mqtt, hasPassword: password !== null && password !== '' },
    webhooks: stored.webhooks.map(({ secret, ...webhook }) => ({
      ...webhook,
      labels: [...webhook.labels],
      cameraIds: [...webhook.cameraIds],
      hasSecret: secret !== null,
    })),
  };
}

function invalid(path: string, message: string): ContractError {
  return new ContractError('validation', `Invalid notification settings: ${path}: ${message}`, {
    issues: [{ path, message }],
  });
}

export function createNotificationSettings(db: Db, now: () => number): NotificationSettingsStore {
  function readRow(): unknown {
    return db.select().from(settings).where(eq(settings.key, NOTIFICATIONS_KEY)).get()?.value;
  }
  function writeRow(value: StoredNotifications): void {
    db.insert(settings)
      .values({ key: NOTIFICATIONS_KEY, value, updatedAt: now() })
      .onConflictDoUpdate({ target: settings.key, set: { value, updatedAt: now() } })
      .run();
  }

  function read(): StoredNotifications {
    const raw = readRow();
    const value = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const desktop = Stored.shape.desktop.safeParse(value['desktop']);
    const mqtt = StoredMqtt.safeParse(value['mqtt']);
    const webhooks = Stored.shape.webhooks.safeParse(value['webhooks']);
    const result: StoredNotifications = {
      desktop: desktop.success ? desktop.data : { enabled: true },
      mqtt: mqtt.success
        ? mqtt.data
        : {
            enabled: false,
            url: null,
            username: null,
            password: null,
            topicPrefix: MQTT_TOPIC_PREFIX_DEFAULT,
            // One id per installation: two OmniSights on one broker must not kick each other off.
            clientId: `omnisight-${randomBytes(4).toString('hex')}`,
          },
      webhooks: webhooks.success ? webhooks.data : [],
    };
    if (!mqtt.success) writeRow(result);
    return result;
  }

  function write(input: MethodInput<'notifications.settings.set'>): StoredNotifications {
    const current = read();
    const next: StoredNotifications = structuredClone(current);
    if (input.desktop !== undefined) next.desktop = { enabled: input.desktop.enabled };
    if (input.mqtt !== undefined) {
      const patch = input.mqtt;
      if (patch.enabled !== undefined) next.mqtt.enabled = patch.enabled;
      if (patch.url !== undefined) next.mqtt.url = patch.url;
      if (patch.username !== undefined) next.mqtt.username = patch.username === '' ? null : patch.username;
      if (patch.password !== undefined) next.mqtt.password = patch.password === '' ? null : patch.password;
      if (patch.topicPrefix !== undefined) next.mqtt.topicPrefix = patch.topicPrefix;
      if (patch.clientId !== undefined) next.mqtt.clientId = patch.clientId;
    }
    if (next.mqtt.enabled && next.mqtt.url === null) throw invalid('mqtt.url', 'is required to turn MQTT on');
    if (next.mqtt.password !== null && next.mqtt.username === null) {
      throw invalid('mqtt.username', 'is required with a password (MQTT sends no password alone)');
    }
    if (input.webhooks !== undefined) {
      const known = new Map(current.webhooks.map((webhook) => [webhook.id, webhook]));
      const seen = new Set<string>();
      next.webhooks = input.webhooks.map((entry, index) => {
        let id = entry.id;
        if (id !== undefined) {
          if (!known.has(id)) throw invalid(`webhooks.${index}.id`, 'names no existing webhook');
          if (seen.has(id)) throw invalid(`webhooks.${index}.id`, 'is given twice');
        } else {
          do id = `wh-${randomBytes(4).toString('hex')}`;
          while (known.has(id) || seen.has(id));
        }
        seen.add(id);
        const secret = entry.secret === undefined ? (known.get(id)?.secret ?? null) : entry.secret;
        return {
          id,
          url: entry.url,
          enabled: entry.enabled,
          labels: [...new Set(entry.labels)],
          cameraIds: [...new Set(entry.cameraIds)],
          secret,
        };
      });
    }
    writeRow(next);
    return next;
  }

  return { read, write };
}
