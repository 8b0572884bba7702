import { z } from 'zod';
import { CameraId, CONTROL_CHARACTERS, Password, Username } from './cameras.js';
import { EpochMs } from './storage.js';

/**
 * Notifications (issue 6): desktop notices, MQTT in Frigate's layout under a prefix (so Home Assistant
 * automations written for `frigate/events` carry over) and webhooks. Passwords and webhook secrets are
 * write-only: responses say `hasPassword` / `hasSecret`, never the value.
 */
export const MQTT_TOPIC_PREFIX_DEFAULT = 'omnisight';
export const WEBHOOKS_MAX = 16;
export const NOTIFY_URL_MAX = 2048;

function urlProblem(raw: string, schemes: readonly string[], example: string): string | null {
  if (raw.length === 0) return 'must not be empty';
  if (raw.length > NOTIFY_URL_MAX) return `must be at most ${NOTIFY_URL_MAX} characters`;
  if (CONTROL_CHARACTERS.test(raw) || /\s/.test(raw)) return 'must not contain spaces or control characters';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return `is not a valid URL (expected ${example})`;
  }
  if (!schemes.includes(url.protocol)) {
    return `must start with ${schemes.map((scheme) => `${scheme}//`).join(' or ')}`;
  }
  if (url.hostname === '') return 'must name a host';
  if (url.username !== '' || url.password !== '') {
    return 'must not contain a user name or password (use the fields)';
  }
  return null;
}

/** Why a broker URL is unacceptable, or null: `mqtt://host[:port]` or `mqtts://`, nothing after the port. */
export function mqttUrlProblem(raw: string): string | null {
  const problem = urlProblem(raw, ['mqtt:', 'mqtts:'], 'mqtt://host:1883');
  if (problem !== null) return problem;
  const url = new URL(raw);
  if ((url.pathname !== '' && url.pathname !== '/') || url.search !== '' || url.hash !== '') {
    return 'must be only a host and port (mqtt://host:1883)';
  }
  return null;
}

/** Why a webhook URL is unacceptable, or null: http(s), a host, no user info. */
export function webhookUrlProblem(raw: string): string | null {
  return urlProblem(raw, ['http:', 'https:'], 'https://host/path');
}

function checked(problem: (raw: string) => string | null) {
  return z
    .string({ error: 'is required' })
    .trim()
    .superRefine((value, context) => {
      const found = problem(value);
      if (found !== null) context.addIssue({ code: 'custom', message: found });
    });
}

export const MqttUrl = checked(mqttUrlProblem);
export const WebhookUrl = checked(webhookUrlProblem);

export const MqttTopicPrefix = z
  .string()
  .trim()
  .max(64, 'must be at most 64 characters')
  .regex(/^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/, 'must be words of letters, digits, _ or - joined by /');
export const MqttClientId = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(64, 'must be at most 64 characters')
  .regex(/^[A-Za-z0-9_-]+$/, 'must be letters, digits, _ or -');
export const WebhookId = z.string().regex(/^wh-[0-9a-f]{8}$/, 'must be a webhook id like wh-01234567');
export const WebhookSecret = z
  .string()
  .min(8, 'must be at least 8 characters')
  .max(256, 'must be at most 256 characters')
  .refine((value) => !CONTROL_CHARACTERS.test(value), 'must not contain control characters');
const Label = z.string().min(1).max(32);

export const Webhook = z.object({
  id: WebhookId,
  url: z.string(),
  enabled: z.boolean(),
  /** Only events of these labels; empty: all. */
  labels: z.array(z.string()),
  /** Only events of these cameras; empty: all. */
  cameraIds: z.array(z.string()),
  /** Bodies are signed (`X-OmniSight-Signature: sha256=<hex HMAC>`) when set. */
  hasSecret: z.boolean(),
});
export type Webhook = z.infer<typeof Webhook>;

export const NotificationSettings = z.object({
  desktop: z.object({ enabled: z.boolean() }),
  mqtt: z.object({
    enabled: z.boolean(),
    url: z.string().nullable(),
    username: z.string().nullable(),
    hasPassword: z.boolean(),
    topicPrefix: z.string(),
    clientId: z.string(),
  }),
  webhooks: z.array(Webhook),
});
export type NotificationSettings = z.infer<typeof NotificationSettings>;

/**
 * `notifications.settings.set`: only the given parts change. `password` and `secret`: absent keeps, null
 * clears. `webhooks` replaces the list; an entry with the `id` of an existing one keeps its secret unless given.
 */
export const NotificationSettingsInput = z.strictObject({
  desktop: z.strictObject({ enabled: z.boolean() }).optional(),
  mqtt: z
    .strictObject({
      enabled: z.boolean().optional(),
      url: MqttUrl.nullable().optional(),
      username: Username.nullable().optional(),
      password: Password.nullable().optional(),
      topicPrefix: MqttTopicPrefix.optional(),
      clientId: MqttClientId.optional(),
    })
    .optional(),
  webhooks: z
    .array(
      z.strictObject({
        id: WebhookId.optional(),
        url: WebhookUrl,
        enabled: z.boolean().default(true),
        labels: z.array(Label).max(80).default([]),
        cameraIds: z.array(CameraId).max(256).default([]),
        secret: WebhookSecret.nullable().optional(),
      }),
    )
    .max(WEBHOOKS_MAX, `must be at most ${WEBHOOKS_MAX} webhooks`)
    .optional(),
});
export type NotificationSettingsInput = z.input<typeof NotificationSettingsInput>;

export const MqttState = z.enum(['off', 'connecting', 'connected', 'error']);
export type MqttState = z.infer<typeof MqttState>;

export const NotificationStatus = z.object({
  mqtt: z.object({
    state: MqttState,
    /** Why it is not connected (never a password). */
    error: z.string().nullable(),
    published: z.number().int(),
    /** Messages held while disconnected (at most 100, oldest dropped first). */
    queued: z.number().int(),
    dropped: z.number().int(),
  }),
  webhooks: z.array(
    z.object({
      id: WebhookId,
      delivered: z.number().int(),
      failed: z.number().int(),
      queued: z.number().int(),
      dropped: z.number().int(),
      lastStatus: z.number().int().nullable(),
      lastError: z.string().nullable(),
      lastAt: EpochMs.nullable(),
    }),
  ),
});
export type NotificationStatus = z.infer<typeof NotificationStatus>;

/** A notice's title, the same in the Electron shell and in a browser: "Person at Front door". */
export function noticeTitle(label: string, cameraName: string): string {
  return `${label.charAt(0).toUpperCase()}${label.slice(1)} at ${cameraName}`;
}
