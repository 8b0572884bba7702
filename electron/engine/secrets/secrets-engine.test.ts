/**
 * Secrets at rest through a whole engine on a real SQLite file: the camera password, the MQTT password and a
 * webhook secret never reach the database files as plain text, the engine still uses them (the FFmpeg argv
 * a fake runner receives, the settings read back), a legacy plain-text database is sealed at start, and a
 * lost key costs the passwords, not the start.
 */
import { PassThrough } from 'node:stream';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Camera, NotificationSettings } from '../../../common/contract/index.js';
import * as schema from '../db/schema.js';
import { createEngine, type Engine, type EngineOptions } from '../index.js';
import type { ProcessRunner, RunningProcess } from '../ingest/process-runner.js';
import { createLogger, createSilentLogger } from '../logging/logger.js';
import { createNotificationSettings } from '../notifications/notification-settings.js';
import type { Logger } from '../ports.js';
import { KEY_FILE_NAME, readKeyFile } from './key-file.js';
import { createSecretBox, SEALED_PREFIX } from './secret-box.js';

const MIGRATIONS = path.resolve(import.meta.dirname, '../../../drizzle');
const CAMERA_PASSWORD = 'cam-pw-Plain-7731';
const MQTT_PASSWORD = 'mqtt-pw-Plain-4410';
const WEBHOOK_SECRET = 'hook-secret-Plain-9052';
const posix = process.platform !== 'win32';

let root: string;
let dataDir: string;
let engine: Engine | null;
let lines: string[];
let spawned: string[][];

/** Every FFmpeg start, as argv; the children live until stopped and never write (no pid: no pid files). */
const fakeRunner: ProcessRunner = {
  start(_command, args) {
    spawned.push([...args]);
    let exit: (value: { code: number | null; signal: NodeJS.Signals | null }) => void = () => undefined;
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      exit = resolve;
    });
    const stderr = new PassThrough();
    const child: RunningProcess = {
      pid: undefined,
      child: { stderr, stdio: [] } as unknown as RunningProcess['child'],
      exited,
      stdoutDone: Promise.resolve(),
      signal: () => exit({ code: null, signal: 'SIGTERM' }),
      stop: async () => {
        stderr.end();
        exit({ code: null, signal: 'SIGTERM' });
        await exited;
      },
    };
    return Promise.resolve(child);
  },
};

function capturingLogger(): Logger {
  const logger: Logger = {
    ...createSilentLogger(),
    info: (fields, message) => lines.push(`${message} ${JSON.stringify(fields)}`),
    warn: (fields, message) => lines.push(`${message} ${JSON.stringify(fields)}`),
    error: (fields, message) => lines.push(`${message} ${JSON.stringify(fields)}`),
    child: () => logger,
  };
  return logger;
}

async function start(options: Partial<EngineOptions> = {}): Promise<Engine> {
  engine = await createEngine({
    dataDir,
    migrationsDir: MIGRATIONS,
    version: 'test',
    record: false,
    logger: capturingLogger(),
    ...options,
  });
  return engine;
}

/** An engine that records, with FFmpeg stood in for: its version check by a script, its runs by `fakeRunner`. */
async function startRecording(): Promise<Engine> {
  const ffmpeg = path.join(root, 'ffmpeg');
  fs.writeFileSync(ffmpeg, '#!/bin/sh\necho "ffmpeg version 6.1.1-fake"\n', { mode: 0o755 });
  return start({ record: true, ffmpegPath: ffmpeg, runner: fakeRunner });
}

async function waitForSpawn(count: number): Promise<string[]> {
  for (let tries = 0; spawned.length < count; tries += 1) {
    if (tries > 200) throw new Error(`FFmpeg was started ${spawned.length} times, not ${count}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return spawned[count - 1]!;
}

async function stopEngine(): Promise<void> {
  await engine?.stop();
  engine = null;
}

const databaseFile = () => path.join(dataDir, 'omnisight.db');

/** The bytes of the database and its WAL, which is where fresh writes sit until a checkpoint. */
function databaseBytes(): Buffer {
  return Buffer.concat(
    ['', '-wal'].map((suffix) =>
      fs.existsSync(databaseFile() + suffix) ? fs.readFileSync(databaseFile() + suffix) : Buffer.alloc(0),
    ),
  );
}

function plainTextIn(bytes: Buffer): string[] {
  return [CAMERA_PASSWORD, MQTT_PASSWORD, WEBHOOK_SECRET].filter((secret) => bytes.includes(secret));
}

/** A second connection to the engine's file, as an administrator with sqlite3 would have. */
function withSqlite<T>(use: (sqlite: Database.Database) => T): T {
  const sqlite = new Database(databaseFile());
  try {
    return use(sqlite);
  } finally {
    sqlite.close();
  }
}

function storedPasswords(): (string | null)[] {
  return withSqlite((sqlite) =>
    (
      sqlite.prepare('SELECT password FROM cameras ORDER BY created_at').all() as {
        password: string | null;
      }[]
    ).map((row) => row.password),
  );
}

function storedNotifications(): { mqtt: { password: string | null }; webhooks: { secret: string | null }[] } {
  return withSqlite((sqlite) => {
    const row = sqlite.prepare("SELECT value FROM settings WHERE key = 'notifications'").get() as {
      value: string;
    };
    return JSON.parse(row.value) as {
      mqtt: { password: string | null };
      webhooks: { secret: string | null }[];
    };
  });
}

/** The notification settings as the senders get them, read with the data folder's key file. */
function notificationsWithSecrets() {
  return withSqlite((sqlite) =>
    createNotificationSettings({
      db: drizzle({ client: sqlite, schema, casing: 'snake_case' }),
      now: () => Date.now(),
      secrets: createSecretBox(readKeyFile(path.join(dataDir, KEY_FILE_NAME))),
      logger: createSilentLogger(),
    }).read(),
  );
}

async function addCameraAndSecrets(running: Engine): Promise<Camera> {
  const camera = (await running.call('cameras.add', {
    name: 'Porch',
    rtspUrl: `rtsp://op:${CAMERA_PASSWORD}@192.0.2.10:554/live`,
  })) as Camera;
  await running.call('notifications.settings.set', {
    mqtt: { url: 'mqtt://192.0.2.20:1883', username: 'nvr', password: MQTT_PASSWORD },
    webhooks: [{ url: 'http://192.0.2.30/hook', secret: WEBHOOK_SECRET }],
  });
  return camera;
}

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'omnisight-secrets-'));
  dataDir = path.join(root, 'data');
  engine = null;
  lines = [];
  spawned = [];
});

afterEach(async () => {
  await stopEngine();
  fs.rmSync(root, { recursive: true, force: true });
});

describe('secrets at rest', () => {
  it('keeps the camera password, MQTT password and webhook secret out of the database files', async () => {
    const running = await startRecording();
    const camera = await addCameraAndSecrets(running);

    // The engine still has the real password: FFmpeg is given it in the stream URL.
    const argv = await waitForSpawn(1);
    expect(argv).toContain(`rtsp://op:${CAMERA_PASSWORD}@192.0.2.10:554/live`);
    expect(camera.hasPassword).toBe(true);
    const settings = (await running.call('notifications.settings.get', {})) as NotificationSettings;
    expect(settings.mqtt.hasPassword).toBe(true);
    expect(settings.webhooks[0]?.hasSecret).toBe(true);
    const answers = JSON.stringify([settings, await running.call('cameras.list', {})]);
    expect(plainTextIn(Buffer.from(answers))).toEqual([]);

    // Read while the engine runs (the rows are in the WAL) and after it stopped (checkpointed into the file).
    expect(fs.statSync(`${databaseFile()}-wal`).size).toBeGreaterThan(0);
    expect(plainTextIn(databaseBytes())).toEqual([]);
    await stopEngine();
    expect(plainTextIn(databaseBytes())).toEqual([]);
    expect(storedPasswords()[0]?.startsWith(SEALED_PREFIX)).toBe(true);
    const stored = storedNotifications();
    expect(stored.mqtt.password?.startsWith(SEALED_PREFIX)).toBe(true);
    expect(stored.webhooks[0]?.secret?.startsWith(SEALED_PREFIX)).toBe(true);
    expect(notificationsWithSecrets()).toMatchObject({
      mqtt: { password: MQTT_PASSWORD },
      webhooks: [{ secret: WEBHOOK_SECRET }],
    });

    // And after a restart the recorder is given the same password again.
    await startRecording();
    expect(await waitForSpawn(2)).toContain(`rtsp://op:${CAMERA_PASSWORD}@192.0.2.10:554/live`);
  });

  it('seals plain-text values of an earlier version at start, leaving none in the files', async () => {
    const camera = await addCameraAndSecrets(await start());
    await stopEngine();
    // What an earlier version wrote: the same rows with the secrets in plain text.
    withSqlite((sqlite) => {
      sqlite.prepare('UPDATE cameras SET password = ?').run(CAMERA_PASSWORD);
      const value = JSON.parse(
        (sqlite.prepare("SELECT value FROM settings WHERE key = 'notifications'").get() as { value: string })
          .value,
      ) as { mqtt: { password: string }; webhooks: { secret: string }[] };
      value.mqtt.password = MQTT_PASSWORD;
      value.webhooks[0]!.secret = WEBHOOK_SECRET;
      sqlite.prepare("UPDATE settings SET value = ? WHERE key = 'notifications'").run(JSON.stringify(value));
    });
    expect(plainTextIn(databaseBytes())).toHaveLength(3);

    const running = await startRecording();
    expect(lines.join('\n')).toContain('Encrypted 3 password(s) an earlier version had stored as plain text');
    // Sealed in place: no plain text left in the file or the WAL, not even in freed space.
    expect(plainTextIn(databaseBytes())).toEqual([]);
    expect(await waitForSpawn(1)).toContain(`rtsp://op:${CAMERA_PASSWORD}@192.0.2.10:554/live`);
    expect(await running.call('cameras.get', { id: camera.id })).toMatchObject({ hasPassword: true });
    await stopEngine();
    expect(plainTextIn(databaseBytes())).toEqual([]);
    expect(storedPasswords()[0]?.startsWith(SEALED_PREFIX)).toBe(true);
    expect(notificationsWithSecrets()).toMatchObject({
      mqtt: { password: MQTT_PASSWORD },
      webhooks: [{ secret: WEBHOOK_SECRET }],
    });
    // Nothing left to seal on the next start.
    lines = [];
    await start();
    expect(lines.join('\n')).not.toContain('Encrypted');
  });

  it('starts without the passwords when the key file is lost, naming the camera and not the secret', async () => {
    const camera = await addCameraAndSecrets(await start());
    await stopEngine();
    const sealed = storedPasswords()[0]!;
    fs.rmSync(path.join(dataDir, KEY_FILE_NAME));

    const running = await startRecording();
    // A new key; the camera records without a password (the camera will refuse it and say so).
    expect(fs.existsSync(path.join(dataDir, KEY_FILE_NAME))).toBe(true);
    const argv = await waitForSpawn(1);
    expect(argv).toContain('rtsp://op@192.0.2.10:554/live');
    expect(await running.call('cameras.get', { id: camera.id })).toMatchObject({ hasPassword: false });
    const settings = (await running.call('notifications.settings.get', {})) as NotificationSettings;
    expect(settings.mqtt.hasPassword).toBe(false);
    expect(settings.webhooks[0]?.hasSecret).toBe(false);

    const errors = lines.filter((line) => line.includes('cannot be used'));
    expect(errors.filter((line) => line.includes(`Camera "Porch" (${camera.id})`))).toHaveLength(1);
    expect(errors.some((line) => line.includes('MQTT password'))).toBe(true);
    expect(errors.some((line) => line.includes('webhook'))).toBe(true);
    const log = lines.join('\n');
    expect(plainTextIn(Buffer.from(log))).toEqual([]);
    expect(log).not.toContain(sealed.slice(SEALED_PREFIX.length));

    // Typing the password again stores it under the new key.
    await running.call('cameras.update', { id: camera.id, password: CAMERA_PASSWORD });
    expect(await waitForSpawn(2)).toContain(`rtsp://op:${CAMERA_PASSWORD}@192.0.2.10:554/live`);
  });

  it('uses a key passed in (the desktop app) and writes no key file', async () => {
    const key = Buffer.alloc(32, 7);
    const camera = await addCameraAndSecrets(await start({ secretKey: key }));
    expect(fs.existsSync(path.join(dataDir, KEY_FILE_NAME))).toBe(false);
    await stopEngine();
    expect(createSecretBox(key).open(storedPasswords()[0]!)).toBe(CAMERA_PASSWORD);
    await start({ secretKey: key });
    expect(await engine?.call('cameras.get', { id: camera.id })).toMatchObject({ hasPassword: true });
  });

  it.runIf(posix)(
    'creates the data folder, database, WAL, logs and key user-only whatever the umask',
    async () => {
      const before = process.umask(0);
      const logger = createLogger({ logDir: path.join(dataDir, 'logs') });
      try {
        await addCameraAndSecrets(await start({ logger }));
        const modes = Object.fromEntries(
          [
            '',
            'logs',
            'logs/omnisight.log',
            'omnisight.db',
            'omnisight.db-wal',
            'omnisight.db-shm',
            KEY_FILE_NAME,
          ].map((name) => [name, (fs.statSync(path.join(dataDir, name)).mode & 0o777).toString(8)]),
        );
        expect(modes).toEqual({
          '': '700',
          logs: '700',
          'logs/omnisight.log': '600',
          'omnisight.db': '600',
          'omnisight.db-wal': '600',
          'omnisight.db-shm': '600',
          [KEY_FILE_NAME]: '600',
        });
      } finally {
        process.umask(before);
        await stopEngine();
        logger.close();
      }
    },
  );
});
