/**
 * "LAN access" on the desktop app's System page: switches the gateway (web UI and API for phones, a second
 * screen, Home Assistant) on or off, and chooses its address, port and HTTPS. Only the desktop app shows it;
 * the gateway refuses these calls to every network account. Switching it on for the first time creates the
 * admin account, so it never runs without one and has no default password.
 */
import { useEffect, useState, type SyntheticEvent } from 'react';
import type { GatewaySettings, GatewayStatus } from '../../../../common/contract/index.js';
import { useTransport } from '../../app-context.js';
import { TextField } from '../../components/TextField.js';
import { adminErrors, errorsOf, formOf, inputOf, type GatewayForm } from './gateway-form.js';

const STATUS_REFRESH_MS = 5000;

function StatusLine({ status }: { status: GatewayStatus | null }) {
  if (status === null) return <span className="muted">—</span>;
  if (status.state === 'running') {
    return (
      <span>
        Running at <code data-testid="gateway-url">{status.url}</code>
        {status.certificateFingerprint === null ? null : (
          <span className="muted" data-testid="gateway-fingerprint">
            {' '}
            · certificate SHA-256 {status.certificateFingerprint}
          </span>
        )}
      </span>
    );
  }
  if (status.state === 'error') return <span className="text-bad">Not running: {status.error}</span>;
  return <span className="muted">Off: only this app shows OmniSight.</span>;
}

export function GatewaySection() {
  const transport = useTransport();
  const [form, setForm] = useState<GatewayForm | null>(null);
  const [status, setStatus] = useState<GatewayStatus | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [saved, setSaved] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [loadError, setLoadError] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    transport.invoke('gateway.settings.get', {}).then(
      (loaded: GatewaySettings) => !cancelled && setForm(formOf(loaded)),
      (error: unknown) => !cancelled && setLoadError(error instanceof Error ? error.message : String(error)),
    );
    async function refresh(): Promise<void> {
      try {
        const next = await transport.invoke('gateway.status', {});
        if (!cancelled) setStatus(next);
      } catch {
        // The settings load says what is wrong.
      }
    }
    void refresh();
    const timer = window.setInterval(() => void refresh(), STATUS_REFRESH_MS);
    return () => {
      cancelled = true;
      window.clearInterval(timer);
    };
  }, [transport]);

  const title = (
    <h2 id="gateway-title" data-testid="gateway-section">
      LAN access
    </h2>
  );
  if (loadError !== null) {
    return (
      <section className="section" aria-labelledby="gateway-title">
        {title}
        <p className="text-bad">The LAN access settings are not available: {loadError}</p>
      </section>
    );
  }
  if (form === null) {
    return (
      <section className="section" aria-labelledby="gateway-title">
        {title}
        <p className="muted">Loading…</p>
      </section>
    );
  }

  const needsAdmin = status !== null && !status.hasAdmin && form.enabled;
  const change = (patch: Partial<GatewayForm>) => {
    setForm({ ...form, ...patch });
    setSaved(null);
  };

  async function submit(event: SyntheticEvent): Promise<void> {
    event.preventDefault();
    if (form === null) return;
    const checked = inputOf(form);
    const accountErrors = needsAdmin ? adminErrors(form) : {};
    if (checked.input === null || Object.keys(accountErrors).length > 0) {
      setErrors({ ...checked.errors, ...accountErrors });
      return;
    }
    setBusy(true);
    setSaved(null);
    try {
      if (needsAdmin) {
        try {
          await transport.invoke('users.add', {
            name: form.adminName,
            password: form.adminPassword,
            role: 'admin',
          });
        } catch (error) {
          setErrors(errorsOf(error, 'admin.'));
          return;
        }
        // Made: a later failure below must not ask for (and try to add) it again.
        setStatus((current) => (current === null ? current : { ...current, hasAdmin: true }));
      }
      const next = await transport.invoke('gateway.settings.set', checked.input);
      setStatus(next);
      setForm({ ...form, adminName: '', adminPassword: '', adminRepeat: '' });
      setErrors({});
      setSaved(
        next.state === 'running'
          ? 'Saved. Sign in from another device at the address above.'
          : next.state === 'error'
            ? 'Saved, but the gateway could not start (see above).'
            : 'Saved. The gateway is off.',
      );
    } catch (error) {
      setErrors(errorsOf(error));
    } finally {
      setBusy(false);
    }
  }

  const addresses = status?.addresses ?? [];
  const hostChoices = [
    { value: '0.0.0.0', label: 'Every network (0.0.0.0)' },
    { value: '127.0.0.1', label: 'This computer only (127.0.0.1)' },
    ...addresses
      .filter((entry) => entry.address !== '127.0.0.1' && entry.address !== '::1')
      .map((entry) => ({ value: entry.address, label: `${entry.interface}: ${entry.address}` })),
  ];
  if (!hostChoices.some((choice) => choice.value === form.host))
    hostChoices.push({ value: form.host, label: `${form.host} (not on this computer now)` });

  return (
    <section className="section" aria-labelledby="gateway-title">
      {title}
      <form
        className="form gateway-form"
        aria-label="LAN access settings"
        noValidate
        onSubmit={(event) => void submit(event)}
      >
        <p className="section__note" data-testid="gateway-status">
          <StatusLine status={status} />
        </p>
        <label className="checkbox">
          <input
            type="checkbox"
            data-testid="gateway-enabled"
            checked={form.enabled}
            onChange={(event) => change({ enabled: event.target.checked })}
          />{' '}
          Let phones and other computers open OmniSight in a browser (everyone signs in)
        </label>
        <div className="form__row">
          <div className={errors.host === undefined ? 'field' : 'field field--invalid'}>
            <label htmlFor="gateway-host">Listen on</label>
            <select
              id="gateway-host"
              data-testid="gateway-host"
              value={form.host}
              onChange={(event) => change({ host: event.target.value })}
            >
              {hostChoices.map((choice) => (
                <option key={choice.value} value={choice.value}>
                  {choice.label}
                </option>
              ))}
            </select>
            {errors.host === undefined ? null : (
              <p className="field__error" role="alert">
                {errors.host}
              </p>
            )}
          </div>
          <TextField
            label="Port"
            error={errors.port}
            testId="gateway-port"
            value={form.port}
            onChange={(value) => change({ port: value })}
          />
          <div className="field">
            <label htmlFor="gateway-tls">Encryption</label>
            <select
              id="gateway-tls"
              data-testid="gateway-tls"
              value={form.tls}
              onChange={(event) => change({ tls: event.target.value as GatewayForm['tls'] })}
            >
              <option value="off">HTTP (trusted home network)</option>
              <option value="self-signed">HTTPS, certificate made on this computer</option>
            </select>
          </div>
        </div>
        <TextField
          label="Host names"
          error={errors.allowedHosts}
          hint="Names besides IP addresses that browsers may use, e.g. nvr.local (anything else is refused, against DNS rebinding)"
          testId="gateway-hosts"
          value={form.allowedHosts}
          onChange={(value) => change({ allowedHosts: value })}
        />
        {needsAdmin ? (
          <fieldset data-testid="gateway-admin">
            <legend>First admin account</legend>
            <p className="section__note">
              The gateway always asks for a sign-in. Choose the admin account for it; add viewers later on the
              Accounts page.
            </p>
            <div className="form__row">
              <TextField
                label="Name"
                error={errors['admin.name']}
                testId="gateway-admin-name"
                value={form.adminName}
                autoComplete="username"
                onChange={(value) => change({ adminName: value })}
              />
              <TextField
                label="Password"
                error={errors['admin.password']}
                testId="gateway-admin-password"
                value={form.adminPassword}
                secret
                onChange={(value) => change({ adminPassword: value })}
              />
              <TextField
                label="Repeat password"
                error={errors['admin.repeat']}
                testId="gateway-admin-repeat"
                value={form.adminRepeat}
                secret
                onChange={(value) => change({ adminRepeat: value })}
              />
            </div>
          </fieldset>
        ) : null}
        {(errors.form ?? errors.enabled) === undefined ? null : (
          <p className="text-bad" role="alert" data-testid="gateway-error">
            {errors.form ?? errors.enabled}
          </p>
        )}
        <div className="form__actions">
          <button type="submit" className="button button--primary" data-testid="gateway-save" disabled={busy}>
            {busy ? 'Saving…' : 'Save'}
          </button>
          {saved === null ? null : (
            <span className="muted" role="status" data-testid="gateway-saved">
              {saved}
            </span>
          )}
        </div>
      </form>
    </section>
  );
}
