/**
 * Notification settings live in the `settings` row `notifications`, secrets included: the MQTT password and
 * the webhook secrets are sealed by the engine's secret box (`secrets/`) and the API never returns them
 * (`hasPassword`, `hasSecret`). A stored value from an older or hand-edited database is re-checked and
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
import type { Logger } from '../ports.js';
import { isSealed, openOrMissing, sealOrNull, type SecretBox } from '../secrets/secret-box.js';

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

function readRow(db: Db): unknown {
  return db.select().from(settings).where(eq(settings.key, NOTIFICATIONS_KEY)).get()?.value;
}

function writeRow(db: Db, value: unknown, now: number): void {
  db.insert(settings)
    .values({ key: NOTIFICATIONS_KEY, value, updatedAt: now })
    .onConflictDoUpdate({ target: settings.key, set: { value, updatedAt: now } })
    .run();
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The start-up pass (`secrets/seal-legacy.ts`) for the MQTT password and webhook secrets an earlier version
 * stored as plain text. It works on the stored JSON as it is, so nothing else in the row changes.
 */
export function sealLegacyNotificationSecrets(db: Db, secrets: SecretBox, now: number): number {
  const value = readRow(db);
  if (!isRecord(value)) return 0;
  let sealed = 0;
  const sealField = (holder: unknown, field: string): void => {
    if (!isRecord(holder)) return;
    const stored = holder[field];
    if (typeof stored !== 'string' || isSealed(stored)) return;
    holder[field] = secrets.seal(stored);
    sealed += 1;
  };
  sealField(value['mqtt'], 'password');
  if (Array.isArray(value['webhooks'])) for (const webhook of value['webhooks']) sealField(webhook, 'secret');
  if (sealed > 0) writeRow(db, value, now);
  return sealed;
}

export function createNotificationSettings(options: {
  db: Db;
  now: () => number;
  secrets: SecretBox;
  logger: Logger;
}): NotificationSettingsStore {
  const { db, now, secrets } = options;
  const logger = options.logger.child({ component: 'notifications' });

  /** A secret that cannot be opened (the key was lost) counts as none until it is typed again. */
  function open(stored: string | null, what: string): string | null {
    return openOrMissing(secrets, stored, (error) =>
      logger.error(
        {},
        `The stored ${what} cannot be used (${error.message}); it counts as not set until it is typed again`,
      ),
    );
  }

  function store(value: StoredNotifications): void {
    writeRow(
      db,
      {
        ...value,
        mqtt: { ...value.mqtt, password: sealOrNull(secrets, value.mqtt.password) },
        webhooks: value.webhooks.map((webhook) => ({
          ...webhook,
          secret: sealOrNull(secrets, webhook.secret),
        })),
      } satisfies StoredNotifications,
      now(),
    );
  }

  function read(): StoredNotifications {
    const raw = readRow(db);
    const value = isRecord(raw) ? raw : {};
    const desktop = Stored.shape.desktop.safeParse(value['desktop']);
    const mqtt = StoredMqtt.safeParse(value['mqtt']);
    const webhooks = Stored.shape.webhooks.safeParse(value['webhooks']);
    const result: StoredNotifications = {
      desktop: desktop.success ? desktop.data : { enabled: true },
      mqtt: mqtt.success
        ? { ...mqtt.data, password: open(mqtt.data.password, 'MQTT password') }
        : {
            enabled: false,
            url: null,
            username: null,
            password: null,
            topicPrefix: MQTT_TOPIC_PREFIX_DEFAULT,
            // One id per installation: two OmniSights on one broker must not kick each other off.
            clientId: `omnisight-${randomBytes(4).toString('hex')}`,
          },
      webhooks: webhooks.success
        ? webhooks.data.map((webhook) => ({
            ...webhook,
            secret: open(webhook.secret, `secret of webhook ${webhook.id}`),
          }))
        : [],
    };
    if (!mqtt.success) store(result);
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
    store(next);
    return next;
  }

  return { read, write };
}
