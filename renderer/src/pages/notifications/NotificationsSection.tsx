import { useEffect, useState, type SyntheticEvent } from 'react';
import type { NotificationSettings, NotificationStatus } from '../../../../common/contract/index.js';
import { useTransport } from '../../app-context.js';
import { TextField } from '../../components/TextField.js';
import { NOTIFICATIONS_CHANGED } from './browser-notifications.js';
import {
  errorsOf,
  formOf,
  inputOf,
  newKey,
  type NotificationsForm,
  type WebhookForm,
} from './notifications-form.js';

const STATUS_REFRESH_MS = 5000;

const MQTT_STATES: Record<NotificationStatus['mqtt']['state'], string> = {
  off: 'Off',
  connecting: 'Connecting…',
  connected: 'Connected',
  error: 'Not connected',
};

function BrowserPermission() {
  const supported = typeof Notification !== 'undefined';
  const [permission, setPermission] = useState(supported ? Notification.permission : 'denied');
  if (!supported) return <p className="muted">This browser cannot show notifications.</p>;
  if (permission === 'granted') {
    return (
      <p className="muted" data-testid="browser-permission">
        This browser shows them.
      </p>
    );
  }
  return (
    <p data-testid="browser-permission">
      {permission === 'denied' ? 'This browser blocks notifications from this site. ' : null}
      <button
        type="button"
        className="button"
        onClick={() => void Notification.requestPermission().then(setPermission)}
      >
        Allow in this browser
      </button>
    </p>
  );
}

export function NotificationsSection() {
  const transport = useTransport();
  const [settings, setSettings] = useState<NotificationSettings | null>(null);
  const [form, setForm] = useState<NotificationsForm | null>(null);
  const [status, setStatus] = useState<NotificationStatus | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [saved, setSaved] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [loadError, setLoadError] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    transport.invoke('notifications.settings.get', {}).then(
      (loaded) => {
        if (cancelled) return;
        setSettings(loaded);
        setForm(formOf(loaded));
      },
      (error: unknown) => !cancelled && setLoadError(error instanceof Error ? error.message : String(error)),
    );
    async function refresh(): Promise<void> {
      try {
        const next = await transport.invoke('notifications.status', {});
        if (!cancelled) setStatus(next);
      } catch {
        // The settings load says what is wrong; the figures just stay as they were.
      }
    }
    void refresh();
    const timer = window.setInterval(() => void refresh(), STATUS_REFRESH_MS);
    return () => {
      cancelled = true;
      window.clearInterval(timer);
    };
  }, [transport]);

  if (loadError !== null) {
    return (
      <section className="section" aria-labelledby="notifications-title">
        <h2 id="notifications-title">Notifications</h2>
        <p className="text-bad">Notification settings are not available: {loadError}</p>
      </section>
    );
  }
  if (form === null || settings === null) {
    return (
      <section className="section" aria-labelledby="notifications-title">
        <h2 id="notifications-title">Notifications</h2>
        <p className="muted">Loading…</p>
      </section>
    );
  }

  const change = (patch: Partial<NotificationsForm>) => {
    setForm({ ...form, ...patch });
    setSaved(null);
  };
  const changeHook = (index: number, patch: Partial<WebhookForm>) =>
    change({ webhooks: form.webhooks.map((hook, at) => (at === index ? { ...hook, ...patch } : hook)) });

  async function submit(event: SyntheticEvent): Promise<void> {
    event.preventDefault();
    if (form === null) return;
    setBusy(true);
    setSaved(null);
    try {
      const result = await transport.invoke('notifications.settings.set', inputOf(form));
      setSettings(result);
      setForm(formOf(result));
      setErrors({});
      setSaved('Saved.');
      window.dispatchEvent(new Event(NOTIFICATIONS_CHANGED));
    } catch (error) {
      setErrors(errorsOf(error));
    } finally {
      setBusy(false);
    }
  }

  const mqttStatus = status?.mqtt;
  const hookStatus = new Map((status?.webhooks ?? []).map((entry) => [entry.id, entry]));

  return (
    <section className="section" aria-labelledby="notifications-title">
      <h2 id="notifications-title">Notifications</h2>
      <form
        className="form notifications-form"
        aria-label="Notification settings"
        noValidate
        onSubmit={(event) => void submit(event)}
      >
        <fieldset>
          <legend>Desktop</legend>
          <label className="checkbox">
            <input
              type="checkbox"
              data-testid="notify-desktop"
              checked={form.desktop}
              onChange={(event) => change({ desktop: event.target.checked })}
            />{' '}
            Show a notification for each new event (at most one per camera every 15 s)
          </label>
          {transport.kind === 'http' && form.desktop ? <BrowserPermission /> : null}
        </fieldset>

        <fieldset>
          <legend>MQTT (Home Assistant)</legend>
          <label className="checkbox">
            <input
              type="checkbox"
              data-testid="mqtt-enabled"
              checked={form.mqttEnabled}
              onChange={(event) => change({ mqttEnabled: event.target.checked })}
            />{' '}
            Publish events to a broker, in Frigate&apos;s topic layout
          </label>
          <div className="form__row">
            <TextField
              label="Broker"
              error={errors['mqtt.url']}
              hint="mqtt://host:1883 or mqtts://host:8883"
              testId="mqtt-url"
              value={form.url}
              onChange={(value) => change({ url: value })}
            />
            <TextField
              label="Topic prefix"
              error={errors['mqtt.topicPrefix']}
              hint="Frigate uses frigate"
              testId="mqtt-prefix"
              value={form.topicPrefix}
              onChange={(value) => change({ topicPrefix: value })}
            />
          </div>
          <div className="form__row">
            <TextField
              label="User name"
              error={errors['mqtt.username']}
              testId="mqtt-username"
              value={form.username}
              onChange={(value) => change({ username: value })}
            />
            <TextField
              label="Password"
              error={errors['mqtt.password']}
              hint={form.hasPassword ? 'A password is stored; leave empty to keep it.' : undefined}
              testId="mqtt-password"
              value={form.password}
              secret
              placeholder={form.hasPassword ? '••••••••' : ''}
              onChange={(value) => change({ password: value })}
            />
          </div>
          {form.hasPassword ? (
            <label className="checkbox">
              <input
                type="checkbox"
                checked={form.clearPassword}
                onChange={(event) => change({ clearPassword: event.target.checked })}
              />{' '}
              Remove the stored password
            </label>
          ) : null}
          <p className="section__note" data-testid="mqtt-status">
            {mqttStatus === undefined ? (
              <span className="muted">—</span>
            ) : (
              <>
                <span className={mqttStatus.state === 'error' ? 'text-bad' : undefined}>
                  {MQTT_STATES[mqttStatus.state]}
                  {mqttStatus.error === null ? '' : `: ${mqttStatus.error}`}
                </span>
                <span className="muted">
                  {' '}
                  · {mqttStatus.published} sent · {mqttStatus.queued} waiting · {mqttStatus.dropped} dropped
                </span>
              </>
            )}
          </p>
        </fieldset>

        <fieldset>
          <legend>Webhooks</legend>
          {form.webhooks.length === 0 ? <p className="muted">No webhooks.</p> : null}
          {form.webhooks.map((hook, index) => {
            const figures = hook.id === undefined ? undefined : hookStatus.get(hook.id);
            return (
              <div className="webhook" key={hook.key} data-testid="webhook">
                <div className="form__row">
                  <TextField
                    label="URL"
                    error={errors[`webhooks.${index}.url`]}
                    hint="POSTs the event as JSON"
                    testId="webhook-url"
                    value={hook.url}
                    onChange={(value) => changeHook(index, { url: value })}
                  />
                  <TextField
                    label="Labels"
                    error={errors[`webhooks.${index}.labels`]}
                    hint="Comma-separated; empty: all"
                    testId="webhook-labels"
                    value={hook.labels}
                    onChange={(value) => changeHook(index, { labels: value })}
                  />
                  <TextField
                    label="Signing secret"
                    error={errors[`webhooks.${index}.secret`]}
                    hint={
                      hook.hasSecret ? 'Stored; leave empty to keep it.' : 'Optional, 8 characters or more'
                    }
                    testId="webhook-secret"
                    value={hook.secret}
                    secret
                    onChange={(value) => changeHook(index, { secret: value })}
                  />
                </div>
                {hook.hasSecret ? (
                  <label className="checkbox">
                    <input
                      type="checkbox"
                      checked={hook.clearSecret}
                      onChange={(event) => changeHook(index, { clearSecret: event.target.checked })}
                    />{' '}
                    Remove the stored secret
                  </label>
                ) : null}{' '}
                <label className="checkbox">
                  <input
                    type="checkbox"
                    checked={hook.enabled}
                    onChange={(event) => changeHook(index, { enabled: event.target.checked })}
                  />{' '}
                  Enabled
                </label>{' '}
                <button
                  type="button"
                  className="button"
                  onClick={() => change({ webhooks: form.webhooks.filter((_, at) => at !== index) })}
                >
                  Remove
                </button>
                {figures === undefined ? null : (
                  <p className="section__note muted" data-testid="webhook-status">
                    {figures.delivered} delivered · {figures.failed} failed
                    {figures.lastError === null ? '' : ` · last: ${figures.lastError}`}
                  </p>
                )}
              </div>
            );
          })}
          <button
            type="button"
            className="button"
            data-testid="webhook-add"
            disabled={form.webhooks.length >= 16}
            onClick={() =>
              change({
                webhooks: [
                  ...form.webhooks,
                  {
                    key: newKey(),
                    url: '',
                    labels: '',
                    enabled: true,
                    secret: '',
                    hasSecret: false,
                    clearSecret: false,
                  },
                ],
              })
            }
          >
            Add webhook
          </button>
        </fieldset>

        <div className="form__actions">
          {errors['form'] === undefined ? null : (
            <p className="form__error" role="alert">
              {errors['form']}
            </p>
          )}
          {Object.keys(errors).length > 0 && errors['form'] === undefined ? (
            <p className="form__error" role="alert" data-testid="notifications-error">
              Not saved: see the marked fields.
            </p>
          ) : null}
          {saved === null ? null : (
            <p className="muted" role="status" data-testid="notifications-saved">
              {saved}
            </p>
          )}
          <button
            type="submit"
            className="button button--primary"
            data-testid="notifications-save"
            disabled={busy}
          >
            Save notifications
          </button>
        </div>
      </form>
    </section>
  );
}
