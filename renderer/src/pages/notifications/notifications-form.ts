import type { MethodArgument, NotificationSettings } from '../../../../common/contract/index.js';
import { RemoteError } from '../../../../common/contract/index.js';

/** One webhook as the form edits it. The secret is write-only: empty keeps the stored one. */
export interface WebhookForm {
  key: string;
  id?: string;
  url: string;
  labels: string;
  enabled: boolean;
  secret: string;
  hasSecret: boolean;
  clearSecret: boolean;
}

export interface NotificationsForm {
  desktop: boolean;
  mqttEnabled: boolean;
  url: string;
  username: string;
  /** Empty keeps the stored password. */
  password: string;
  hasPassword: boolean;
  clearPassword: boolean;
  topicPrefix: string;
  clientId: string;
  webhooks: WebhookForm[];
}

let nextKey = 0;
export function newKey(): string {
  nextKey += 1;
  return `hook-${nextKey}`;
}

export function formOf(settings: NotificationSettings): NotificationsForm {
  return {
    desktop: settings.desktop.enabled,
    mqttEnabled: settings.mqtt.enabled,
    url: settings.mqtt.url ?? '',
    username: settings.mqtt.username ?? '',
    password: '',
    hasPassword: settings.mqtt.hasPassword,
    clearPassword: false,
    topicPrefix: settings.mqtt.topicPrefix,
    clientId: settings.mqtt.clientId,
    webhooks: settings.webhooks.map((webhook) => ({
      key: webhook.id,
      id: webhook.id,
      url: webhook.url,
      labels: webhook.labels.join(', '),
      enabled: webhook.enabled,
      secret: '',
      hasSecret: webhook.hasSecret,
      clearSecret: false,
    })),
  };
}

/** The argument for `notifications.settings.set`; the engine validates it (and answers field by field). */
export function inputOf(form: NotificationsForm): MethodArgument<'notifications.settings.set'> {
  const password = form.password !== '' ? form.password : form.clearPassword ? null : undefined;
  return {
    desktop: { enabled: form.desktop },
    mqtt: {
      enabled: form.mqttEnabled,
      url: form.url.trim() === '' ? null : form.url.trim(),
      username: form.username.trim() === '' ? null : form.username.trim(),
      ...(password === undefined ? {} : { password }),
      topicPrefix: form.topicPrefix.trim(),
      clientId: form.clientId.trim(),
    },
    webhooks: form.webhooks.map((webhook) => {
      const secret = webhook.secret !== '' ? webhook.secret : webhook.clearSecret ? null : undefined;
      return {
        ...(webhook.id === undefined ? {} : { id: webhook.id }),
        url: webhook.url.trim(),
        enabled: webhook.enabled,
        labels: webhook.labels
          .split(',')
          .map((label) => label.trim().toLowerCase())
          .filter((label) => label !== ''),
        ...(secret === undefined ? {} : { secret }),
      };
    }),
  };
}

/** Field messages by path (`mqtt.url`, `webhooks.0.url`) from a refused save; `form` holds the rest. */
export function errorsOf(error: unknown): Record<string, string> {
  const issues =
    error instanceof RemoteError ? (error.details as { issues?: unknown } | undefined)?.issues : null;
  if (!Array.isArray(issues)) return { form: error instanceof Error ? error.message : String(error) };
  const errors: Record<string, string> = {};
  for (const issue of issues as { path?: unknown; message?: unknown }[]) {
    if (typeof issue.path !== 'string' || typeof issue.message !== 'string') continue;
    // `webhooks.0.labels.2` belongs to the labels field.
    const path = issue.path.replace(/^(webhooks\.\d+\.labels)\.\d+$/, '$1');
    errors[path] ??= issue.message;
  }
  if (Object.keys(errors).length === 0) errors['form'] = (error as Error).message;
  return errors;
}
