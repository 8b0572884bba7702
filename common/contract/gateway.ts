/**
 * The desktop app's switch for the LAN gateway (issue 8): whether it runs, on which address and port, HTTP or
 * HTTPS. Only the desktop app may read or change these (access `desktop`): the gateway refuses them to every
 * account, so nobody on the network can widen what the network reaches. `npm run server` takes the same
 * choices from its environment instead.
 */
import { z } from 'zod';

export const GATEWAY_DEFAULT_PORT = 8640;

/** A host name browsers may use besides IP addresses and localhost (`nvr.local`). */
export const GatewayHostName = z
  .string()
  .max(253, 'must be at most 253 characters')
  .regex(/^[a-z0-9]([a-z0-9-]{0,62}\.?)*$/i, 'must be a host name like nvr.local');

export const GatewaySettings = z.strictObject({
  enabled: z.boolean(),
  /** The address to listen on: 127.0.0.1 (this computer only), a LAN address of one interface, or 0.0.0.0. */
  host: z.union([z.ipv4(), z.ipv6()], { error: 'must be an IP address of this computer, or 0.0.0.0' }),
  port: z
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(1024, 'must be at least 1024 (lower ports need administrator rights)')
    .max(65535, 'must be at most 65535'),
  /** HTTPS with a certificate made on this computer (browsers warn once; compare the fingerprint). */
  tls: z.enum(['off', 'self-signed']),
  allowedHosts: z
    .array(GatewayHostName)
    .max(16, 'must list at most 16 host names')
    .refine((names) => new Set(names).size === names.length, 'must not name a host twice'),
});
export type GatewaySettings = z.infer<typeof GatewaySettings>;

/** `gateway.settings.set`: the fields given change; the gateway restarts when it runs or is switched on. */
export const GatewaySettingsInput = GatewaySettings.partial();
export type GatewaySettingsInput = z.input<typeof GatewaySettingsInput>;

export const GatewayAddress = z.object({
  interface: z.string(),
  address: z.string(),
  family: z.enum(['IPv4', 'IPv6']),
});

export const GatewayStatus = z.object({
  /** `off` (switched off), `running`, or `error` (switched on but could not start: `error` says why). */
  state: z.enum(['off', 'running', 'error']),
  /** Where browsers reach it, while running (with 0.0.0.0: one of the LAN addresses). */
  url: z.string().nullable(),
  error: z.string().nullable(),
  /** SHA-256 of the HTTPS certificate, to compare with what the browser shows. */
  certificateFingerprint: z.string().nullable(),
  /** Gateway accounts exist; the gateway cannot be switched on before an admin account does. */
  hasAdmin: z.boolean(),
  /** This computer's network addresses, to choose from. */
  addresses: z.array(GatewayAddress),
});
export type GatewayStatus = z.infer<typeof GatewayStatus>;
