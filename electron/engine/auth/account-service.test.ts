import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ContractError } from '../../../common/contract/index.js';
import { openDatabase, type OpenedDatabase } from '../db/open-database.js';
import { cameras, sessions, users } from '../db/schema.js';
import { createSilentLogger } from '../logging/logger.js';
import {
  createAccountService,
  hashToken,
  type AccountChange,
  type AccountService,
} from './account-service.js';

const MIGRATIONS = path.resolve(import.meta.dirname, '../../../drizzle');
const FAST = { N: 2 ** 10, r: 8, p: 1 };
const T0 = Date.UTC(2026, 11, 1, 12);
const CAM_A = 'cam-00000000a1';
const CAM_B = 'cam-00000000b2';

let dir: string;
let database: OpenedDatabase;
let now: number;
let accounts: AccountService;
let changes: AccountChange[];

async function open(): Promise<void> {
  database = await openDatabase({
    file: path.join(dir, 'omnisight.db'),
    migrationsDir: MIGRATIONS,
    logger: createSilentLogger(),
    clock: { now: () => now },
  });
  accounts = await createAccountService({
    db: database.db,
    clock: { now: () => now },
    logger: createSilentLogger(),
    scrypt: FAST,
    sessionIdleMs: 60 * 60_000,
    sessionMaxMs: 24 * 60 * 60_000,
  });
  changes = [];
  accounts.onChange((change) => changes.push(change));
}

async function expectCode(promise: Promise<unknown> | (() => unknown), code: string): Promise<ContractError> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    expect(error).toBeInstanceOf(ContractError);
    expect((error as ContractError).code).toBe(code);
    return error as ContractError;
  }
  throw new Error(`expected a ${code} error`);
}

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omnisight-accounts-'));
  now = T0;
  await open();
  for (const id of [CAM_A, CAM_B]) {
    database.db
      .insert(cameras)
      .values({
        id,
        name: id,
        rtspUrl: `rtsp://h/${id}`,
        rtspUrlKey: id,
        status: 'disabled',
        createdAt: now,
        updatedAt: now,
      })
      .run();
  }
});

afterEach(() => {
  database.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('first run', () => {
  it('offers a one-time setup code until the first admin exists, and refuses a wrong code', async () => {
    expect(accounts.hasUsers()).toBe(false);
    const code = accounts.setupCode();
    expect(code).toMatch(/^([A-Z2-9]{4}-){4}[A-Z2-9]{4}$/);
    await expectCode(
      accounts.setup({ setupCode: 'WRONG', name: 'root', password: 'long enough' }, '10.0.0.9'),
      'unauthorized',
    );
    const result = await accounts.setup(
      { setupCode: (code ?? '').toLowerCase(), name: 'Root', password: 'long enough' },
      '10.0.0.9',
    );
    expect(result.user).toMatchObject({ name: 'Root', role: 'admin', cameraIds: null });
    expect(result.token).toMatch(/^[\w-]{43}$/);
    expect(accounts.setupCode()).toBeNull();
    await expectCode(
      accounts.setup({ setupCode: code ?? '', name: 'again', password: 'long enough' }, 'x'),
      'conflict',
    );
    // The token is stored only as its hash.
    const stored = database.db.select().from(sessions).all();
    expect(stored.map((row) => row.tokenHash)).toEqual([hashToken(result.token)]);
    expect(JSON.stringify(stored)).not.toContain(result.token);
  });

  it('has no setup code when an account already exists (after a restart)', async () => {
    await accounts.add({ name: 'admin', password: 'long enough', role: 'admin' });
    database.close();
    await open();
    expect(accounts.setupCode()).toBeNull();
    expect(accounts.hasUsers()).toBe(true);
  });
});

describe('users', () => {
  it('keeps names unique without regard to case and never returns a password hash', async () => {
    const admin = await accounts.add({ name: 'Alice', password: 'password one', role: 'admin' });
    await expectCode(accounts.add({ name: 'ALICE', password: 'password two', role: 'viewer' }), 'conflict');
    expect(JSON.stringify(accounts.list())).not.toContain('scrypt');
    expect(accounts.list().map((user) => user.id)).toEqual([admin.id]);
    expect(database.db.select().from(users).get()?.passwordHash).toMatch(/^scrypt\$/);
  });

  it('gives viewers only the cameras listed (none by default) and checks they exist', async () => {
    const none = await accounts.add({ name: 'v0', password: 'password one', role: 'viewer' });
    expect(none.cameraIds).toEqual([]);
    const viewer = await accounts.add({
      name: 'v1',
      password: 'password one',
      role: 'viewer',
      cameraIds: [CAM_A],
    });
    expect(viewer.cameraIds).toEqual([CAM_A]);
    await expectCode(
      accounts.add({ name: 'v2', password: 'password one', role: 'viewer', cameraIds: ['cam-00000000ff'] }),
      'validation',
    );
    const widened = await accounts.update({ id: viewer.id, cameraIds: [CAM_A, CAM_B] });
    expect(widened.cameraIds).toEqual([CAM_A, CAM_B]);
    expect(changes).toEqual([{ userId: viewer.id, kind: 'accessChanged' }]);
  });

  it('never removes or demotes the last admin', async () => {
    const admin = await accounts.add({ name: 'admin', password: 'password one', role: 'admin' });
    await expectCode(() => accounts.remove({ id: admin.id }), 'conflict');
    await expectCode(accounts.update({ id: admin.id, role: 'viewer' }), 'conflict');
    const second = await accounts.add({ name: 'admin2', password: 'password one', role: 'admin' });
    expect(accounts.remove({ id: admin.id })).toEqual({ id: admin.id });
    await expectCode(() => accounts.remove({ id: second.id }), 'conflict');
  });
});

describe('sessions', () => {
  beforeEach(async () => {
    await accounts.add({ name: 'admin', password: 'password one', role: 'admin' });
  });

  it('signs in, authenticates, slides the idle expiry and ends at the absolute limit', async () => {
    const { token, expiresAt } = await accounts.login('ADMIN', 'password one', '10.0.0.2');
    expect(expiresAt).toBe(T0 + 60 * 60_000);
    now += 30 * 60_000;
    expect(accounts.authenticate(token)?.expiresAt).toBe(now + 60 * 60_000);
    // Used every 50 minutes, it lives to the absolute limit (24 h) and no further.
    for (let i = 0; i < 40 && now < T0 + 24 * 60 * 60_000 - 50 * 60_000; i++) {
      now += 50 * 60_000;
      expect(accounts.authenticate(token)).not.toBeNull();
    }
    now = T0 + 24 * 60 * 60_000;
    expect(accounts.authenticate(token)).toBeNull();
  });

  it('ends an idle session', async () => {
    const { token } = await accounts.login('admin', 'password one', '10.0.0.2');
    now += 60 * 60_000 + 1;
    expect(accounts.authenticate(token)).toBeNull();
    expect(database.db.select().from(sessions).all()).toEqual([]);
  });

  it('refuses unknown and forged tokens, and signs out', async () => {
    const { token } = await accounts.login('admin', 'password one', '10.0.0.2');
    expect(accounts.authenticate('x'.repeat(43))).toBeNull();
    expect(accounts.authenticate('')).toBeNull();
    const principal = accounts.authenticate(token);
    expect(principal?.user.name).toBe('admin');
    accounts.logout(principal?.sessionKey ?? '');
    expect(accounts.authenticate(token)).toBeNull();
  });

  it('ends every session of a user whose password or role changes, or who is removed', async () => {
    const viewer = await accounts.add({ name: 'v', password: 'password one', role: 'viewer' });
    const first = await accounts.login('v', 'password one', 'a');
    await accounts.update({ id: viewer.id, password: 'password two' });
    expect(accounts.authenticate(first.token)).toBeNull();
    await expectCode(accounts.login('v', 'password one', 'a'), 'unauthorized');
    const second = await accounts.login('v', 'password two', 'a');
    await accounts.update({ id: viewer.id, role: 'admin' });
    expect(accounts.authenticate(second.token)).toBeNull();
    const third = await accounts.login('v', 'password two', 'a');
    accounts.remove({ id: viewer.id });
    expect(accounts.authenticate(third.token)).toBeNull();
    expect(changes.filter((change) => change.kind === 'sessionsEnded')).toHaveLength(3);
  });

  it('changes its own password keeping this session and ending the others', async () => {
    const here = await accounts.login('admin', 'password one', 'a');
    const there = await accounts.login('admin', 'password one', 'b');
    const key = accounts.authenticate(here.token)?.sessionKey ?? '';
    await expectCode(accounts.changePassword(key, 'not it', 'password three'), 'unauthorized');
    await accounts.changePassword(key, 'password one', 'password three');
    expect(accounts.authenticate(here.token)).not.toBeNull();
    expect(accounts.authenticate(there.token)).toBeNull();
    await accounts.login('admin', 'password three', 'a');
  });
});

describe('sign-in throttling', () => {
  beforeEach(async () => {
    await accounts.add({ name: 'admin', password: 'password one', role: 'admin' });
  });

  it('answers unknown names and wrong passwords alike', async () => {
    const unknown = await expectCode(accounts.login('nobody', 'password one', 'a'), 'unauthorized');
    const wrong = await expectCode(accounts.login('admin', 'wrong', 'b'), 'unauthorized');
    expect(unknown.message).toBe(wrong.message);
  });

  it('locks an account after five failures, doubling, also across a restart and for the right password', async () => {
    for (let i = 0; i < 5; i++)
      await expectCode(accounts.login('admin', `wrong ${i}`, `10.0.0.${i}`), 'unauthorized');
    // Sixth failure from yet another address: now locked for 30 s.
    await expectCode(accounts.login('admin', 'wrong', '10.0.0.77'), 'unauthorized');
    const locked = await expectCode(
      accounts.login('admin', 'password one', '10.0.0.78'),
      'too_many_requests',
    );
    expect(locked.details).toEqual({ retryAfterSeconds: 30 });
    database.close();
    await open();
    await expectCode(accounts.login('admin', 'password one', '10.0.0.79'), 'too_many_requests');
    now += 30_000;
    await expectCode(accounts.login('admin', 'wrong', '10.0.0.80'), 'unauthorized');
    const longer = await expectCode(
      accounts.login('admin', 'password one', '10.0.0.81'),
      'too_many_requests',
    );
    expect(longer.details).toEqual({ retryAfterSeconds: 60 });
    now += 60_000;
    await accounts.login('admin', 'password one', '10.0.0.82');
    // Success clears the account's count.
    await expectCode(accounts.login('admin', 'wrong', '10.0.0.83'), 'unauthorized');
    await accounts.login('admin', 'password one', '10.0.0.84');
  });

  it('locks a client address that tries many names', async () => {
    for (let i = 0; i < 6; i++)
      await expectCode(accounts.login(`user${i}`, 'x', '192.0.2.1'), 'unauthorized');
    await expectCode(accounts.login('admin', 'password one', '192.0.2.1'), 'too_many_requests');
    await accounts.login('admin', 'password one', '192.0.2.2');
  });

  it('locks an unknown name the same way as a known one', async () => {
    for (let i = 0; i < 6; i++)
      await expectCode(accounts.login('ghost', 'x', `198.51.100.${i}`), 'unauthorized');
    await expectCode(accounts.login('ghost', 'x', '198.51.100.99'), 'too_many_requests');
  });
});
