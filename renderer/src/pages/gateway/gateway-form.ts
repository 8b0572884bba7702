/** The LAN access form of the desktop app's System page: what it shows, and the calls it makes on save. */
import {
  GatewaySettingsInput,
  PASSWORD_MIN,
  RemoteError,
  type GatewaySettings,
} from '../../../../common/contract/index.js';

export interface GatewayForm {
  enabled: boolean;
  host: string;
  port: string;
  tls: GatewaySettings['tls'];
  /** Comma- or space-separated host names. */
  allowedHosts: string;
  /** The first admin account, asked for only while none exists. */
  adminName: string;
  adminPassword: string;
  adminRepeat: string;
}

export function formOf(settings: GatewaySettings): GatewayForm {
  return {
    enabled: settings.enabled,
    host: settings.host,
    port: String(settings.port),
    tls: settings.tls,
    allowedHosts: settings.allowedHosts.join(', '),
    adminName: '',
    adminPassword: '',
    adminRepeat: '',
  };
}

/** The settings to send, or the fields that are wrong before anything is sent. */
export function inputOf(
  form: GatewayForm,
): { input: GatewaySettingsInput; errors: null } | { input: null; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const portText = form.port.trim();
  if (!/^\d{1,5}$/.test(portText)) errors.port = 'must be a port number';
  const input: GatewaySettingsInput = {
    enabled: form.enabled,
    host: form.host,
    port: Number(portText),
    tls: form.tls,
    allowedHosts: form.allowedHosts
      .split(/[\s,]+/)
      .map((name) => name.trim())
      .filter((name) => name !== ''),
  };
  // The contract's own schema, so nothing (not even the first account) is made for settings it would refuse.
  const parsed = GatewaySettingsInput.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = String(issue.path[0] ?? 'form');
      errors[field] ??= issue.message;
    }
  }
  return Object.keys(errors).length > 0 ? { input: null, errors } : { input, errors: null };
}

/** The first admin account's fields, checked before `users.add`. */
export function adminErrors(form: GatewayForm): Record<string, string> {
  const errors: Record<string, string> = {};
  if (form.adminName.trim() === '') errors['admin.name'] = 'is required';
  if (form.adminPassword.length < PASSWORD_MIN)
    errors['admin.password'] = `must be at least ${PASSWORD_MIN} characters`;
  else if (form.adminRepeat !== form.adminPassword) errors['admin.repeat'] = 'does not match the password';
  return errors;
}

/** Field errors of a refused call (`prefix` for the account's fields), else one for the whole form. */
export function errorsOf(error: unknown, prefix = ''): Record<string, string> {
  const issues =
    error instanceof RemoteError ? (error.details as { issues?: unknown } | undefined)?.issues : null;
  const errors: Record<string, string> = {};
  if (Array.isArray(issues)) {
    for (const issue of issues as { path?: unknown; message?: unknown }[]) {
      if (typeof issue.path !== 'string' || typeof issue.message !== 'string') continue;
      // `allowedHosts.1` belongs to the host names field.
      errors[`${prefix}${issue.path.replace(/\.\d+$/, '')}`] ??= issue.message;
    }
  }
  if (Object.keys(errors).length === 0) errors.form = error instanceof Error ? error.message : String(error);
  return errors;
}
