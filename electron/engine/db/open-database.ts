/**
 * Opens (or creates) the SQLite database: WAL, foreign keys, busy timeout, a quick integrity check at start,
 * and a file backup before pending migrations run. A corrupt file is moved aside with a clear message and a
 * fresh database is created; nothing is ever silently overwritten.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import type { Clock, Logger } from '../ports.js';
import * as schema from './schema.js';

export type Db = BetterSQLite3Database<typeof schema>;

export interface OpenDatabaseOptions {
  /** Path of the database file; its folder must exist. */
  file: string;
  /** The committed drizzle migrations folder (`drizzle/`, or `resources/drizzle` when packaged). */
  migrationsDir: string;
  logger: Logger;
  clock: Clock;
}

export interface OpenedDatabase {
  db: Db;
  sqlite: Database.Database;
  /** Where a corrupt database was moved, when that happened at this start. */
  movedAsideTo: string | null;
  /** Where the pre-migration backup was written, when migrations ran on an existing database. */
  backupFile: string | null;
  close(): void;
}

const SIDE_FILES = ['-wal', '-shm'];

function stamp(clock: Clock): string {
  return new Date(clock.now()).toISOString().replace(/[:.]/g, '-');
}

function quickCheck(file: string, readonly: boolean): string | null {
  const sqlite = new Database(file, { fileMustExist: true, readonly });
  try {
    const rows = sqlite.pragma('quick_check') as { quick_check: string }[];
    const messages = rows.map((row) => row.quick_check);
    return messages.length === 1 && messages[0] === 'ok' ? null : messages.slice(0, 5).join('; ');
  } finally {
    sqlite.close();
  }
}

/** Runs PRAGMA quick_check; returns null when the database is healthy, else what is wrong. */
function integrityProblem(file: string): string | null {
  try {
    // Read-only so the check changes nothing it inspects: a read-write connection deletes or checkpoints the
    // -wal file when it closes, which would lose the WAL of a database that is then moved aside.
    return quickCheck(file, true);
  } catch (error) {
    // Only a writer can roll back a hot journal left by a crash in rollback-journal mode; that is not corruption.
    const hotJournal = error instanceof Database.SqliteError && error.code === 'SQLITE_READONLY_ROLLBACK';
    if (!hotJournal) return errorMessage(error);
  }
  try {
    return quickCheck(file, false);
  } catch (error) {
    return errorMessage(error);
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function moveAside(file: string, clock: Clock): string {
  const target = `${file}.corrupt-${stamp(clock)}`;
  fs.renameSync(file, target);
  for (const suffix of SIDE_FILES) {
    if (fs.existsSync(file + suffix)) fs.renameSync(file + suffix, target + suffix);
  }
  return target;
}

interface JournalEntry {
  tag: string;
}

function committedMigrationCount(migrationsDir: string): number {
  const journalFile = path.join(migrationsDir, 'meta', '_journal.json');
  const journal = JSON.parse(fs.readFileSync(journalFile, 'utf8')) as { entries: JournalEntry[] };
  return journal.entries.length;
}

function appliedMigrationCount(sqlite: Database.Database): number {
  const table = sqlite
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'")
    .get();
  if (table === undefined) return 0;
  const row = sqlite.prepare('SELECT count(*) AS count FROM __drizzle_migrations').get() as { count: number };
  return row.count;
}

function hasUserTables(sqlite: Database.Database): boolean {
  const row = sqlite
    .prepare("SELECT count(*) AS count FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    .get() as { count: number };
  return row.count > 0;
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<OpenedDatabase> {
  const { file, migrationsDir, clock } = options;
  const logger = options.logger.child({ component: 'db' });
  let movedAsideTo: string | null = null;

  if (fs.existsSync(file)) {
    const problem = integrityProblem(file);
    if (problem !== null) {
      movedAsideTo = moveAside(file, clock);
      logger.error(
        { movedAsideTo, problem },
        `Database failed its integrity check (${problem}); it was moved to ${movedAsideTo} and a new empty database was created. Your recordings on disk are untouched.`,
      );
    }
  }

  if (!fs.existsSync(file)) {
    // SQLite would create the file 0644 less the umask, and gives its -wal and -shm the file's mode: created
    // user-only first (an empty file is an empty database), all three are.
    const fd = fs.openSync(file, 'wx', 0o600);
    fs.fchmodSync(fd, 0o600);
    fs.closeSync(fd);
  }
  const sqlite = new Database(file);
  try {
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    // NORMAL is durable across application crashes in WAL mode; only a power cut can lose the last commits,
    // and the start-up reconciliation re-indexes segment files from disk.
    sqlite.pragma('synchronous = NORMAL');

    let backupFile: string | null = null;
    const pending = committedMigrationCount(migrationsDir) - appliedMigrationCount(sqlite);
    if (pending > 0 && hasUserTables(sqlite)) {
      backupFile = `${file}.before-migration-${stamp(clock)}`;
      await sqlite.backup(backupFile);
      // The backup holds camera credentials like the database itself.
      fs.chmodSync(backupFile, 0o600);
      logger.info({ backupFile, pending }, `Backed up the database before running ${pending} migration(s)`);
    }

    const db = drizzle({ client: sqlite, schema, casing: 'snake_case' });
    migrate(db, { migrationsFolder: migrationsDir });

    return { db, sqlite, movedAsideTo, backupFile, close: () => sqlite.close() };
  } catch (error) {
    sqlite.close();
    throw error;
  }
}
