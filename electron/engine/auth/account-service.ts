/**
 * Gateway accounts, sessions and sign-in throttling (issue 8). See README.md beside this file.
 *
 * - Users: `admin` or `viewer` (with the cameras it may see), names unique without regard to case, passwords
 *   hashed with scrypt.
 * - Sessions: opaque 256-bit random tokens; only their SHA-256 is stored. A session ends after an idle period
 *   (it slides on use, written at most once a minute) and at an absolute limit, on sign-out, and when its
 *   user's password or role changes or the user is removed.
 * - Throttling: failures are counted per client address and per account name, in the database (a lockout
 *   survives a restart). After a few free tries each further failure locks that key for twice as long.
 *   Unknown names and wrong passwords get the same answer, after the same scrypt work.
 * - First run: while no account exists, the gateway accepts only `setup` with a one-time code the server
 *   prints at start (never logged); the desktop app creates the first account through `users.add` instead.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { and, asc, count, eq, isNull, lt, ne } from 'drizzle-orm';
import {
  ContractError,
  type LoginResult,
  type MethodInput,
  type User,
} from '../../../common/contract/index.js';
import type { Db } from '../db/open-database.js';
import { cameras, loginFailures, sessions, users } from '../db/schema.js';
import type { Clock, Logger } from '../ports.js';
import { DEFAULT_SCRYPT, hashPassword, needsRehash, verifyPassword, type ScryptParams } from './passwords.js';

export interface LockoutPolicy {
  /** Failures allowed before a key locks. */
  freeTries: number;
  /** The first lock; each further failure doubles it… */
  baseLockMs: number;
  /** …up to this. */
  maxLockMs: number;
  /** Failures older than this are forgotten. */
  forgetAfterMs: number;
}

export const DEFAULT_LOCKOUT: LockoutPolicy = {
  freeTries: 5,
  baseLockMs: 30_000,
  maxLockMs: 15 * 60_000,
  forgetAfterMs: 24 * 60 * 60_000,
};

export interface AccountServiceOptions {
  db: Db;
  clock: Clock;
  logger: Logger;
  scrypt?: ScryptParams;
  /** A session unused for this long ends (default 1 h). */
  sessionIdleMs?: number;
  /** No session lasts longer than this (default 7 days). */
  sessionMaxMs?: number;
  lockout?: Partial<LockoutPolicy>;
}

/** Who a request comes from, as the guard needs it. */
export interface Principal {
  user: User;
  /** The hashed token, so sign-out and socket checks can find the session again. */
  sessionKey: string;
  expiresAt: number;
}

export type AccountChange = { userId: string; kind: 'sessionsEnded' | 'accessChanged' };

export interface AccountService {
  hasUsers(): boolean;
  /** The one-time setup code while no account exists (for the server to print), else null. */
  setupCode(): string | null;
  list(): User[];
  get(id: string): User | undefined;
  add(input: MethodInput<'users.add'>): Promise<User>;
  update(input: MethodInput<'users.update'>): Promise<User>;
  remove(input: MethodInput<'users.remove'>): { id: string };
  /** Creates the first admin with the setup code and signs it in. */
  setup(input: { setupCode: string; name: string; password: string }, address: string): Promise<LoginResult>;
  /** Throws `unauthorized` (wrong name or password, one message) or `too_many_requests` (locked). */
  login(name: string, password: string, address: string): Promise<LoginResult>;
  /** The session a token belongs to, sliding its expiry; null when unknown, expired or its user is gone. */
  authenticate(token: string): Principal | null;
  /** Whether a session found earlier still holds (sockets re-check it); does not slide it. */
  stillValid(sessionKey: string): boolean;
  logout(sessionKey: string): void;
  changePassword(sessionKey: string, currentPassword: string, newPassword: string): Promise<void>;
  /** Accounts whose sessions ended or whose camera access changed (the gateway drops their sockets). */
  onChange(listener: (change: AccountChange) => void): () => void;
}

type UserRow = typeof users.$inferSelect;

const WRONG = 'Wrong user name or password';

export function nameKey(name: string): string {
  return name.normalize('NFKC').toLowerCase();
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function toUser(row: UserRow): User {
  return {
    id: row.id,
    name: row.name,
    role: row.role === 'admin' ? 'admin' : 'viewer',
    cameraIds: row.role === 'admin' ? null : (row.cameraIds ?? null),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** `ABCD-EFGH-JKLM-NPQR-STUV`: 100 bits from an alphabet without look-alike characters. */
function newSetupCode(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = randomBytes(20);
  let code = '';
  for (let i = 0; i < 20; i++) {
    code += alphabet.charAt((bytes[i] ?? 0) % alphabet.length);
    if (i % 4 === 3 && i < 19) code += '-';
  }
  return code;
}

export async function createAccountService(options: AccountServiceOptions): Promise<AccountService> {
  const { db, clock } = options;
  const logger = options.logger.child({ component: 'accounts' });
  const scryptParams = options.scrypt ?? DEFAULT_SCRYPT;
  const idleMs = options.sessionIdleMs ?? 60 * 60_000;
  const maxMs = options.sessionMaxMs ?? 7 * 24 * 60 * 60_000;
  const lockout: LockoutPolicy = { ...DEFAULT_LOCKOUT, ...options.lockout };
  const listeners = new Set<(change: AccountChange) => void>();
  // Verified against for unknown names, so they cost the same time as a wrong password.
  const dummyHash = await hashPassword(randomBytes(16).toString('hex'), scryptParams);

  const userCount = (): number => db.select({ n: count() }).from(users).get()?.n ?? 0;
  let code: string | null = userCount() === 0 ? newSetupCode() : null;

  function notify(change: AccountChange): void {
    for (const listener of listeners) {
      try {
        listener(change);
      } catch (error) {
        logger.error({ err: error }, 'An account listener failed');
      }
    }
  }

  function endSessions(userId: string): void {
    db.delete(sessions).where(eq(sessions.userId, userId)).run();
    notify({ userId, kind: 'sessionsEnded' });
  }

  function rowById(id: string): UserRow {
    const row = db.select().from(users).where(eq(users.id, id)).get();
    if (row === undefined) throw new ContractError('not_found', `No user ${id}`);
    return row;
  }

  function adminCount(): number {
    return db.select({ n: count() }).from(users).where(eq(users.role, 'admin')).get()?.n ?? 0;
  }

  function checkCameras(ids: readonly string[]): void {
    const known = new Set(
      db
        .select({ id: cameras.id })
        .from(cameras)
        .where(isNull(cameras.removedAt))
        .all()
        .map((row) => row.id),
    );
    const unknown = ids.filter((id) => !known.has(id));
    if (unknown.length > 0) {
      throw new ContractError('validation', `cameraIds: no camera ${unknown.join(', ')}`, {
        issues: [{ path: 'cameraIds', message: `no camera ${unknown.join(', ')}` }],
      });
    }
  }

  function checkNameFree(name: string, exceptId?: string): void {
    const clash = db
      .select({ id: users.id })
      .from(users)
      .where(eq(users.nameKey, nameKey(name)))
      .get();
    if (clash !== undefined && clash.id !== exceptId) {
      throw new ContractError('conflict', 'An account with this name exists', {
        issues: [{ path: 'name', message: 'is taken' }],
      });
    }
  }

  // ---- throttling ----

  function lockedFor(key: string, now: number): number {
    const row = db.select().from(loginFailures).where(eq(loginFailures.key, key)).get();
    if (row === undefined) return 0;
    return Math.max(0, row.lockedUntil - now);
  }

  function recordFailure(key: string, now: number): void {
    const row = db.select().from(loginFailures).where(eq(loginFailures.key, key)).get();
    const previous = row === undefined || now - row.lastFailureAt > lockout.forgetAfterMs ? 0 : row.failures;
    const failures = previous + 1;
    const over = failures - lockout.freeTries;
    const lockedUntil =
      over > 0 ? now + Math.min(lockout.maxLockMs, lockout.baseLockMs * 2 ** Math.min(over - 1, 30)) : 0;
    db.insert(loginFailures)
      .values({ key, failures, lastFailureAt: now, lockedUntil })
      .onConflictDoUpdate({ target: loginFailures.key, set: { failures, lastFailureAt: now, lockedUntil } })
      .run();
  }

  function clearFailures(key: string): void {
    db.delete(loginFailures).where(eq(loginFailures.key, key)).run();
  }

  function throttleKeys(name: string, address: string): string[] {
    return [`ip:${address}`, `user:${nameKey(name)}`];
  }

  function refuseIfLocked(keys: readonly string[], now: number): void {
    const wait = Math.max(...keys.map((key) => lockedFor(key, now)));
    if (wait > 0) {
      const retryAfterSeconds = Math.ceil(wait / 1000);
      throw new ContractError(
        'too_many_requests',
        `Too many failed sign-ins; try again in ${retryAfterSeconds} s`,
        { retryAfterSeconds },
      );
    }
  }

  // ---- sessions ----

  function startSession(row: UserRow, address: string): LoginResult {
    const now = clock.now();
    const token = randomBytes(32).toString('base64url');
    const expiresAt = now + idleMs;
    db.insert(sessions)
      .values({
        tokenHash: hashToken(token),
        userId: row.id,
        createdAt: now,
        expiresAt,
        absoluteExpiresAt: now + maxMs,
        address: address.slice(0, 64),
      })
      .run();
    // Expired sessions are swept at each sign-in; there are never many.
    db.delete(sessions).where(lt(sessions.expiresAt, now)).run();
    return { token, user: toUser(row), expiresAt };
  }

  const service: AccountService = {
    hasUsers: () => userCount() > 0,
    setupCode: () => code,

    list() {
      return db.select().from(users).orderBy(asc(users.createdAt), asc(users.id)).all().map(toUser);
    },

    get(id) {
      const row = db.select().from(users).where(eq(users.id, id)).get();
      return row === undefined ? undefined : toUser(row);
    },

    async add(input) {
      checkNameFree(input.name);
      const cameraIds = input.role === 'admin' ? null : (input.cameraIds ?? []);
      if (cameraIds !== null) checkCameras(cameraIds);
      const passwordHash = await hashPassword(input.password, scryptParams);
      checkNameFree(input.name); // again: another add may have finished while hashing
      const now = clock.now();
      const row: UserRow = {
        id: `usr-${randomBytes(5).toString('hex')}`,
        name: input.name,
        nameKey: nameKey(input.name),
        role: input.role,
        passwordHash,
        cameraIds,
        createdAt: now,
        updatedAt: now,
      };
      db.insert(users).values(row).run();
      code = null;
      logger.info({ userId: row.id, role: row.role }, 'Account added');
      return toUser(row);
    },

    async update(input) {
      const before = rowById(input.id);
      if (input.name !== undefined) checkNameFree(input.name, before.id);
      const role = input.role ?? (before.role === 'admin' ? 'admin' : 'viewer');
      if (before.role === 'admin' && role !== 'admin' && adminCount() <= 1) {
        throw new ContractError('conflict', 'The last admin account cannot become a viewer');
      }
      let cameraIds = role === 'admin' ? null : (before.cameraIds ?? null);
      if (role !== 'admin') {
        if (input.cameraIds !== undefined) cameraIds = input.cameraIds;
        else if (before.role === 'admin') cameraIds = [];
        if (cameraIds !== null) checkCameras(cameraIds);
      }
      const passwordHash =
        input.password === undefined ? before.passwordHash : await hashPassword(input.password, scryptParams);
      const next: UserRow = {
        ...before,
        name: input.name ?? before.name,
        nameKey: nameKey(input.name ?? before.name),
        role,
        cameraIds,
        passwordHash,
        updatedAt: clock.now(),
      };
      db.update(users).set(next).where(eq(users.id, before.id)).run();
      if (input.password !== undefined || role !== before.role) endSessions(before.id);
      else if (JSON.stringify(cameraIds) !== JSON.stringify(before.cameraIds ?? null)) {
        notify({ userId: before.id, kind: 'accessChanged' });
      }
      logger.info(
        { userId: before.id, password: input.password === undefined ? 'kept' : 'changed', role },
        'Account changed',
      );
      return toUser(next);
    },

    remove(input) {
      const row = rowById(input.id);
      if (row.role === 'admin' && adminCount() <= 1) {
        throw new ContractError('conflict', 'The last admin account cannot be removed');
      }
      db.delete(users).where(eq(users.id, row.id)).run();
      notify({ userId: row.id, kind: 'sessionsEnded' });
      logger.info({ userId: row.id }, 'Account removed');
      return { id: row.id };
    },

    async setup(input, address) {
      const now = clock.now();
      // Per address only: a shared key would let anyone on the LAN lock the owner out of the first run, and
      // 100 random bits are not guessed by a few tries an address gets before it locks.
      const keys = [`ip:${address}`];
      refuseIfLocked(keys, now);
      const expected = code;
      const given = createHash('sha256').update(input.setupCode.trim().toUpperCase()).digest();
      const matches =
        expected !== null && timingSafeEqual(given, createHash('sha256').update(expected).digest());
      if (!matches) {
        for (const key of keys) recordFailure(key, now);
        throw new ContractError(
          expected === null ? 'conflict' : 'unauthorized',
          expected === null ? 'Setup is done: sign in instead' : 'Wrong setup code',
        );
      }
      const user = await service.add({ name: input.name, password: input.password, role: 'admin' });
      for (const key of keys) clearFailures(key);
      return startSession(rowById(user.id), address);
    },

    async login(name, password, address) {
      const now = clock.now();
      const keys = throttleKeys(name, address);
      refuseIfLocked(keys, now);
      const row = db
        .select()
        .from(users)
        .where(eq(users.nameKey, nameKey(name.trim())))
        .get();
      const ok = await verifyPassword(password, row?.passwordHash ?? dummyHash);
      if (row === undefined || !ok) {
        for (const key of keys) recordFailure(key, clock.now());
        logger.warn({ address }, 'Sign-in refused');
        throw new ContractError('unauthorized', WRONG);
      }
      for (const key of keys) clearFailures(key);
      if (needsRehash(row.passwordHash, scryptParams)) {
        const passwordHash = await hashPassword(password, scryptParams);
        db.update(users).set({ passwordHash }).where(eq(users.id, row.id)).run();
      }
      logger.info({ userId: row.id, address }, 'Signed in');
      return startSession(row, address);
    },

    authenticate(token) {
      if (token.length < 20 || token.length > 128) return null;
      const key = hashToken(token);
      const found = db
        .select()
        .from(sessions)
        .innerJoin(users, eq(sessions.userId, users.id))
        .where(eq(sessions.tokenHash, key))
        .get();
      if (found === undefined) return null;
      const now = clock.now();
      const session = found.sessions;
      if (session.expiresAt <= now || session.absoluteExpiresAt <= now) {
        db.delete(sessions).where(eq(sessions.tokenHash, key)).run();
        return null;
      }
      let expiresAt = session.expiresAt;
      const slid = Math.min(now + idleMs, session.absoluteExpiresAt);
      if (slid - expiresAt >= 60_000) {
        expiresAt = slid;
        db.update(sessions).set({ expiresAt }).where(eq(sessions.tokenHash, key)).run();
      }
      return { user: toUser(found.users), sessionKey: key, expiresAt };
    },

    stillValid(sessionKey) {
      const now = clock.now();
      const session = db.select().from(sessions).where(eq(sessions.tokenHash, sessionKey)).get();
      return session !== undefined && session.expiresAt > now && session.absoluteExpiresAt > now;
    },

    logout(sessionKey) {
      db.delete(sessions).where(eq(sessions.tokenHash, sessionKey)).run();
    },

    async changePassword(sessionKey, currentPassword, newPassword) {
      const session = db.select().from(sessions).where(eq(sessions.tokenHash, sessionKey)).get();
      if (session === undefined) throw new ContractError('unauthorized', 'Sign in first');
      const row = rowById(session.userId);
      const keys = [`user:${row.nameKey}`];
      const now = clock.now();
      refuseIfLocked(keys, now);
      if (!(await verifyPassword(currentPassword, row.passwordHash))) {
        for (const key of keys) recordFailure(key, now);
        throw new ContractError('unauthorized', 'The current password is wrong');
      }
      const passwordHash = await hashPassword(newPassword, scryptParams);
      db.update(users).set({ passwordHash, updatedAt: clock.now() }).where(eq(users.id, row.id)).run();
      // Every other session of this user ends; the one that changed it stays signed in.
      db.delete(sessions)
        .where(and(eq(sessions.userId, row.id), ne(sessions.tokenHash, sessionKey)))
        .run();
      notify({ userId: row.id, kind: 'sessionsEnded' });
      logger.info({ userId: row.id }, 'Password changed');
    },

    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return service;
}
