/**
 * The gateway's sign-in routes (not contract methods: they set and clear the session cookie):
 *
 * - `GET /api/auth/state`: `{ setupRequired }`, the one answer given before signing in;
 * - `POST /api/auth/setup`: the first admin, with the setup code the server printed at start;
 * - `POST /api/auth/login`: `{ name, password }` → `{ token, user, expiresAt }` and the cookie; one answer (401)
 *   for an unknown name and a wrong password, 429 with `Retry-After` while locked;
 * - `POST /api/auth/logout`: ends this session, clears the cookie;
 * - `GET /api/auth/me`: the signed-in account;
 * - `POST /api/auth/password`: `{ currentPassword, newPassword }`, ending the account's other sessions.
 */
import {
  AuthState,
  ContractError,
  LoginInput,
  LoginResult,
  PasswordChangeInput,
  SessionInfo,
  SetupInput,
  parseArgument,
  type LoginResult as LoginResultType,
} from '../../../common/contract/index.js';
import type { z } from 'zod';
import type { AccountService, Principal } from '../auth/account-service.js';

export interface AuthRouteContext {
  accounts: AccountService;
  principal: Principal | null;
  address: string;
  body: unknown;
}

export interface AuthOutcome {
  /** Absent: 204. */
  body?: unknown;
  /** A session to set, null to clear the cookie, absent to leave it. */
  cookie?: { token: string; maxAgeSeconds: number } | null;
}

export interface AuthRoute {
  method: 'GET' | 'POST';
  path: string;
  summary: string;
  /** For the OpenAPI document. */
  input?: z.ZodType;
  output?: z.ZodType;
  /** Whether it needs a session. */
  signedIn: boolean;
  handle(context: AuthRouteContext): Promise<AuthOutcome>;
}

/** The cookie lives as long as the session could (it slides on the server). */
const COOKIE_MAX_AGE_SECONDS = 7 * 24 * 60 * 60;

function signedIn(result: LoginResultType): AuthOutcome {
  return { body: result, cookie: { token: result.token, maxAgeSeconds: COOKIE_MAX_AGE_SECONDS } };
}

function need(principal: Principal | null): Principal {
  if (principal === null) throw new ContractError('unauthorized', 'Sign in first');
  return principal;
}

export const AUTH_ROUTES: readonly AuthRoute[] = [
  {
    method: 'GET',
    path: '/api/auth/state',
    summary: 'Whether the first admin account still has to be created (setup).',
    output: AuthState,
    signedIn: false,
    handle: ({ accounts }) => Promise.resolve({ body: { setupRequired: !accounts.hasUsers() } }),
  },
  {
    method: 'POST',
    path: '/api/auth/setup',
    summary:
      'Creates the first admin account with the one-time setup code printed by the server, and signs in.',
    input: SetupInput,
    output: LoginResult,
    signedIn: false,
    async handle({ accounts, address, body }) {
      const input = parseArgument(SetupInput, body ?? {}, 'setup');
      return signedIn(await accounts.setup(input, address));
    },
  },
  {
    method: 'POST',
    path: '/api/auth/login',
    summary: 'Signs in: a session token (also set as an HttpOnly cookie).',
    input: LoginInput,
    output: LoginResult,
    signedIn: false,
    async handle({ accounts, address, body }) {
      const input = parseArgument(LoginInput, body ?? {}, 'sign-in');
      return signedIn(await accounts.login(input.name, input.password, address));
    },
  },
  {
    method: 'POST',
    path: '/api/auth/logout',
    summary: 'Ends this session.',
    signedIn: true,
    handle({ accounts, principal }) {
      if (principal !== null) accounts.logout(principal.sessionKey);
      return Promise.resolve({ cookie: null });
    },
  },
  {
    method: 'GET',
    path: '/api/auth/me',
    summary: 'The signed-in account and when its session ends.',
    output: SessionInfo,
    signedIn: true,
    handle({ principal }) {
      const { user, expiresAt } = need(principal);
      return Promise.resolve({ body: { user, expiresAt } });
    },
  },
  {
    method: 'POST',
    path: '/api/auth/password',
    summary: "Changes the signed-in account's password; its other sessions end.",
    input: PasswordChangeInput,
    signedIn: true,
    async handle({ accounts, principal, body }) {
      const session = need(principal);
      const input = parseArgument(PasswordChangeInput, body ?? {}, 'password change');
      await accounts.changePassword(session.sessionKey, input.currentPassword, input.newPassword);
      return {};
    },
  },
];
