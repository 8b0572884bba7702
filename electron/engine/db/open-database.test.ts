import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Clock, Logger } from '../ports.js';
import { openDatabase, type OpenedDatabase } from './open-database.js';
import * as schema from './schema.js';

const MIGRATIONS_DIR = path.resolve(import.meta.dirname, '../../../drizzle');
const TABLES = [
  'cameras',
  'detected_objects',
  'events',
  'exports',
  'login_failures',
  'recordings',
  'segments',
  'sessions',
  'settings',
  'streams',
  'users',
];
const NOW = Date.UTC(2025, 0, 2, 3, 4, 5, 6);
const STAMP = '2025-01-02T03-04-05-006Z';

interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  bindings: Record<string, unknown>;
  fields: object;
  message: string;
}

/** A Logger that keeps every entry, with the bindings of the child it was written through. */
function createCapturingLogger(): Logger & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  function make(bindings: Record<string, unknown>): Logger {
    const write =
      (level: LogEntry['level']) =>
      (fields: object, message: string): void => {
        entries.push({ level, bindings, fields, message });
      };
    return {
      debug: write('debug'),
      info: write('info'),
      warn: write('warn'),
      error: write('error'),
      child: (more) => make({ ...bindings, ...more }),
    };
  }
  return Object.assign(make({}), { entries });
}

const clock: Clock = { now: () => NOW };

let dir: string;
let file: string;
let logger: ReturnType<typeof createCapturingLogger>;
const opened: OpenedDatabase[] = [];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omnisight-db-'));
  file = path.join(dir, 'omnisight.db');
  logger = createCapturingLogger();
});

afterEach(() => {
  for (const handle of opened.splice(0)) {
    if (handle.sqlite.open) handle.close();
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

async function open(migrationsDir = MIGRATIONS_DIR): Promise<OpenedDatabase> {
  const handle = await openDatabase({ file, migrationsDir, logger, clock });
  opened.push(handle);
  return handle;
}

function tableNames(sqlite: Database.Database): string[] {
  const rows = sqlite
    .prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '__drizzle%' ORDER BY name",
    )
    .all() as { name: string }[];
  return rows.map((row) => row.name);
}

function columnNames(sqlite: Database.Database, table: string): string[] {
  return (sqlite.pragma(`table_info(${table})`) as { name: string }[]).map((column) => column.name);
}

function insertCamera(
  handle: OpenedDatabase,
  id: string,
  rtspUrlKey: string,
  removedAt: number | null = null,
): void {
  handle.db
    .insert(schema.cameras)
    .values({
      id,
      name: id,
      rtspUrl: `rtsp://${rtspUrlKey}/stream`,
      rtspUrlKey,
      status: 'idle',
      createdAt: NOW,
      updatedAt: NOW,
      removedAt,
    })
    .run();
}

/** Writes a migrated database with enough rows to span many pages, then closes it (checkpointing the WAL). */
async function writeHealthyDatabaseFile(): Promise<void> {
  const handle = await open();
  handle.sqlite.transaction(() => {
    for (let index = 0; index < 2000; index += 1) {
      handle.db
        .insert(schema.settings)
        .values({ key: `key-${index}`, value: `value ${index} `.repeat(20), updatedAt: NOW })
        .run();
    }
  })();
  handle.close();
  logger.entries.length = 0;
}

function expectMovedAside(handle: OpenedDatabase, original: Buffer): void {
  const target = `${file}.corrupt-${STAMP}`;
  expect(handle.movedAsideTo).toBe(target);
  expect(fs.readFileSync(target).equals(original)).toBe(true);
  expect(tableNames(handle.sqlite)).toEqual(TABLES);
  expect(handle.sqlite.prepare('SELECT count(*) AS count FROM cameras').get()).toEqual({ count: 0 });
  expect(handle.backupFile).toBeNull();

  const errors = logger.entries.filter((entry) => entry.level === 'error');
  expect(errors).toHaveLength(1);
  expect(errors[0]!.bindings).toMatchObject({ component: 'db' });
  expect(errors[0]!.fields).toMatchObject({ movedAsideTo: target });
  expect(errors[0]!.message).toContain(target);
  expect(errors[0]!.message).toContain('integrity check');
}

describe('openDatabase', () => {
  it('creates a new database in WAL mode with foreign keys, a busy timeout and every table', async () => {
    const handle = await open();

    expect(handle.sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(handle.sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(handle.sqlite.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(tableNames(handle.sqlite)).toEqual(TABLES);
    expect(handle.movedAsideTo).toBeNull();
    expect(handle.backupFile).toBeNull();
    expect(logger.entries.filter((entry) => entry.level === 'error' || entry.level === 'warn')).toEqual([]);
  });

  it('opens an up-to-date database again without a backup or a second migration run', async () => {
    const first = await open();
    insertCamera(first, 'cam-1', 'camera-1.local');
    first.close();

    const second = await open();

    expect(second.backupFile).toBeNull();
    expect(second.movedAsideTo).toBeNull();
    const journal = JSON.parse(
      fs.readFileSync(path.join(MIGRATIONS_DIR, 'meta', '_journal.json'), 'utf8'),
    ) as {
      entries: unknown[];
    };
    expect(second.sqlite.prepare('SELECT count(*) AS count FROM __drizzle_migrations').get()).toEqual({
      count: journal.entries.length,
    });
    expect(second.sqlite.prepare('SELECT id FROM cameras').all()).toEqual([{ id: 'cam-1' }]);
    expect(fs.readdirSync(dir).filter((name) => /before-migration|corrupt/.test(name))).toEqual([]);
  });

  it('moves a file of garbage aside with its -wal and -shm, keeps its bytes and starts a fresh database', async () => {
    const garbage = Buffer.alloc(64 * 1024);
    for (let index = 0; index < garbage.length; index += 1) garbage[index] = (index * 7919 + 13) % 251;
    fs.writeFileSync(file, garbage);
    fs.writeFileSync(`${file}-wal`, 'stale wal');
    fs.writeFileSync(`${file}-shm`, 'stale shm');

    const handle = await open();

    expectMovedAside(handle, garbage);
    expect(fs.readFileSync(`${handle.movedAsideTo!}-wal`, 'utf8')).toBe('stale wal');
    // SQLite rebuilds the -shm index whenever it opens a WAL database, so only its move is checked.
    expect(fs.existsSync(`${handle.movedAsideTo!}-shm`)).toBe(true);
  });

  it('moves a database with a page overwritten in the middle aside and starts a fresh database', async () => {
    await writeHealthyDatabaseFile();
    const bytes = fs.readFileSync(file);
    const pageSize = bytes.readUInt16BE(16);
    const pageCount = bytes.length / pageSize;
    expect(pageCount).toBeGreaterThan(20);
    const middle = Math.floor(pageCount / 2) * pageSize;
    bytes.fill(0xa5, middle, middle + pageSize);
    fs.writeFileSync(file, bytes);

    const handle = await open();

    expectMovedAside(handle, bytes);
  });

  it('keeps the commits of a healthy database that a crash left in its -wal file', async () => {
    const live = await open();
    insertCamera(live, 'cam-1', 'camera-1.local');
    // Copying the files while the connection is open is what a crash leaves behind: the row is only in the WAL.
    const crashed = path.join(dir, 'crashed');
    fs.mkdirSync(crashed);
    fs.copyFileSync(file, path.join(crashed, 'omnisight.db'));
    fs.copyFileSync(`${file}-wal`, path.join(crashed, 'omnisight.db-wal'));
    live.close();
    fs.rmSync(file);
    fs.renameSync(path.join(crashed, 'omnisight.db'), file);
    fs.renameSync(path.join(crashed, 'omnisight.db-wal'), `${file}-wal`);

    const handle = await open();

    expect(handle.movedAsideTo).toBeNull();
    expect(handle.sqlite.prepare('SELECT id FROM cameras').all()).toEqual([{ id: 'cam-1' }]);
  });

  it('rolls back a hot rollback journal left by a crash instead of treating it as corruption', async () => {
    const writer = new Database(file);
    writer.exec("CREATE TABLE notes (body TEXT NOT NULL); INSERT INTO notes VALUES ('kept')");
    // A one-page cache makes the open transaction spill to the file, so the journal is needed to undo it.
    writer.pragma('cache_size = 1');
    writer.exec('BEGIN');
    const insert = writer.prepare('INSERT INTO notes VALUES (?)');
    for (let index = 0; index < 2000; index += 1) insert.run('lost '.repeat(40));
    const crashed = path.join(dir, 'crashed');
    fs.mkdirSync(crashed);
    fs.copyFileSync(file, path.join(crashed, 'omnisight.db'));
    fs.copyFileSync(`${file}-journal`, path.join(crashed, 'omnisight.db-journal'));
    writer.exec('ROLLBACK');
    writer.close();
    fs.rmSync(file);
    fs.renameSync(path.join(crashed, 'omnisight.db'), file);
    fs.renameSync(path.join(crashed, 'omnisight.db-journal'), `${file}-journal`);

    const handle = await open();

    expect(handle.movedAsideTo).toBeNull();
    expect(handle.sqlite.prepare('SELECT body FROM notes').all()).toEqual([{ body: 'kept' }]);
    expect(tableNames(handle.sqlite)).toEqual([...TABLES, 'notes'].sort());
  });

  it('backs up the database before running a pending migration (migrate to N-1, seed, migrate to N)', async () => {
    const extended = path.join(dir, 'drizzle-extended');
    fs.cpSync(MIGRATIONS_DIR, extended, { recursive: true });
    const journalFile = path.join(extended, 'meta', '_journal.json');
    const journal = JSON.parse(fs.readFileSync(journalFile, 'utf8')) as {
      entries: { idx: number; version: string; when: number; tag: string; breakpoints: boolean }[];
    };
    const last = journal.entries.at(-1)!;
    journal.entries.push({ ...last, idx: last.idx + 1, when: last.when + 1000, tag: '0001_test' });
    fs.writeFileSync(journalFile, JSON.stringify(journal, null, 2));
    fs.writeFileSync(
      path.join(extended, '0001_test.sql'),
      'ALTER TABLE `settings` ADD `note` text;--> statement-breakpoint\nCREATE INDEX `settings_note_idx` ON `settings` (`note`);',
    );

    const before = await open();
    insertCamera(before, 'cam-1', 'camera-1.local');
    before.close();

    const after = await open(extended);

    const backupFile = `${file}.before-migration-${STAMP}`;
    expect(after.backupFile).toBe(backupFile);
    expect(columnNames(after.sqlite, 'settings')).toContain('note');
    expect(after.sqlite.prepare('SELECT id FROM cameras').all()).toEqual([{ id: 'cam-1' }]);
    expect(logger.entries).toContainEqual(
      expect.objectContaining({ level: 'info', fields: { backupFile, pending: 1 } }),
    );

    const backup = new Database(backupFile, { readonly: true, fileMustExist: true });
    try {
      expect(backup.pragma('quick_check', { simple: true })).toBe('ok');
      expect(backup.prepare('SELECT id FROM cameras').all()).toEqual([{ id: 'cam-1' }]);
      expect(columnNames(backup, 'settings')).not.toContain('note');
    } finally {
      backup.close();
    }
  });

  it('enforces foreign keys', async () => {
    const handle = await open();
    insertCamera(handle, 'cam-1', 'camera-1.local');

    expect(() =>
      handle.db
        .insert(schema.segments)
        .values({
          recordingId: 999,
          cameraId: 'cam-1',
          filePath: 'cam-1/2025-01-02/03/04-05.mp4',
          startTime: NOW,
          endTime: NOW + 4000,
          durationMs: 4000,
          fileSize: 1024,
        })
        .run(),
    ).toThrow(/FOREIGN KEY constraint failed/);
  });

  it('refuses two live cameras with the same stream but allows one whose twin was removed', async () => {
    const handle = await open();
    insertCamera(handle, 'cam-old', 'camera.local', NOW - 1000);
    insertCamera(handle, 'cam-new', 'camera.local');

    expect(() => insertCamera(handle, 'cam-dup', 'camera.local')).toThrow(/UNIQUE constraint failed/);
    expect(handle.sqlite.prepare('SELECT id FROM cameras ORDER BY id').all()).toEqual([
      { id: 'cam-new' },
      { id: 'cam-old' },
    ]);
  });
});
