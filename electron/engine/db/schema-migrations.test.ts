/**
 * Guards the pair `schema.ts` / `drizzle/`: the committed migrations must be exactly what `npm run db:generate`
 * would produce from the schema, and the journal must list exactly the committed migration files, in order.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import {
  generateSQLiteDrizzleJson,
  generateSQLiteMigration,
  type DrizzleSQLiteSnapshotJSON,
} from 'drizzle-kit/api';
import { describe, expect, it } from 'vitest';
import * as schema from './schema.js';

const MIGRATIONS_DIR = path.resolve(import.meta.dirname, '../../../drizzle');
/** Must match `casing` in drizzle.config.ts and in openDatabase. */
const CASING = 'snake_case';
const BREAKPOINT = '--> statement-breakpoint';

interface JournalEntry {
  idx: number;
  when: number;
  tag: string;
  breakpoints: boolean;
}

function readJournal(): JournalEntry[] {
  const journal = JSON.parse(fs.readFileSync(path.join(MIGRATIONS_DIR, 'meta', '_journal.json'), 'utf8')) as {
    dialect: string;
    entries: JournalEntry[];
  };
  expect(journal.dialect).toBe('sqlite');
  return journal.entries;
}

function snapshotFile(entry: JournalEntry): string {
  return path.join(MIGRATIONS_DIR, 'meta', `${entry.tag.split('_')[0]!}_snapshot.json`);
}

function readSnapshot(entry: JournalEntry): DrizzleSQLiteSnapshotJSON {
  return JSON.parse(fs.readFileSync(snapshotFile(entry), 'utf8')) as DrizzleSQLiteSnapshotJSON;
}

function applyStatements(sqlite: Database.Database, statements: string[]): void {
  for (const statement of statements) {
    if (statement.trim() !== '') sqlite.exec(statement);
  }
}

/** The database's structure as comparable data: columns, foreign keys and indexes of every table. */
function describeStructure(sqlite: Database.Database): unknown {
  const tables = sqlite
    .prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '__drizzle%' ORDER BY name",
    )
    .all() as { name: string }[];
  return tables.map(({ name }) => {
    const indexes = (
      sqlite.pragma(`index_list(${name})`) as { name: string; unique: number; partial: number }[]
    )
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((index) => {
        const row = sqlite
          .prepare("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?")
          .get(index.name) as { sql: string | null } | undefined;
        return {
          name: index.name,
          unique: index.unique,
          partial: index.partial,
          columns: (sqlite.pragma(`index_info(${index.name})`) as { name: string }[]).map(
            (column) => column.name,
          ),
          sql: row?.sql?.replace(/\s+/g, ' ') ?? null,
        };
      });
    return {
      name,
      // By name, not position: ALTER TABLE ADD COLUMN appends, while the schema may list a column mid-table.
      columns: (sqlite.pragma(`table_xinfo(${name})`) as { cid: number; name: string }[])
        .map(({ cid: _cid, ...column }) => column)
        .sort((a, b) => a.name.localeCompare(b.name)),
      foreignKeys: (
        sqlite.pragma(`foreign_key_list(${name})`) as {
          table: string;
          from: string;
          to: string;
          on_delete: string;
        }[]
      )
        .map(({ table, from, to, on_delete }) => ({ table, from, to, on_delete }))
        .sort((a, b) => a.from.localeCompare(b.from)),
      indexes,
    };
  });
}

describe('schema and committed migrations', () => {
  it('lists every migration file in the journal, in order, and nothing else', () => {
    const entries = readJournal();
    const files = fs
      .readdirSync(MIGRATIONS_DIR)
      .filter((name) => name.endsWith('.sql'))
      .sort();

    expect(entries.length).toBeGreaterThan(0);
    expect(entries.map((entry) => `${entry.tag}.sql`)).toEqual(files);
    entries.forEach((entry, position) => {
      expect(entry.idx).toBe(position);
      expect(entry.tag.startsWith(`${String(position).padStart(4, '0')}_`)).toBe(true);
      expect(entry.breakpoints).toBe(true);
      // The migrator applies an entry only when its `when` is later than the last applied one.
      if (position > 0) expect(entry.when).toBeGreaterThan(entries[position - 1]!.when);
      expect(fs.existsSync(snapshotFile(entry)), `${snapshotFile(entry)} exists`).toBe(true);
    });

    const snapshots = fs
      .readdirSync(path.join(MIGRATIONS_DIR, 'meta'))
      .filter((name) => name.endsWith('_snapshot.json'));
    expect(snapshots.sort()).toEqual(entries.map((entry) => path.basename(snapshotFile(entry))));
  });

  it('chains each snapshot to the one before it', () => {
    const ids = readJournal().map(
      (entry) => JSON.parse(fs.readFileSync(snapshotFile(entry), 'utf8')) as { id: string; prevId: string },
    );
    ids.forEach((snapshot, position) => {
      expect(snapshot.prevId).toBe(
        position === 0 ? '00000000-0000-0000-0000-000000000000' : ids[position - 1]!.id,
      );
    });
  });

  it('has no schema change that is missing a migration (run `npm run db:generate`)', async () => {
    const latest = readSnapshot(readJournal().at(-1)!);
    const current = await generateSQLiteDrizzleJson(schema, latest.id, CASING);

    expect(await generateSQLiteMigration(latest, current)).toEqual([]);
  });

  it('builds the same database from the migrations as from the schema', async () => {
    const fromMigrations = new Database(':memory:');
    const fromSchema = new Database(':memory:');
    try {
      for (const entry of readJournal()) {
        applyStatements(
          fromMigrations,
          fs.readFileSync(path.join(MIGRATIONS_DIR, `${entry.tag}.sql`), 'utf8').split(BREAKPOINT),
        );
      }
      const empty = await generateSQLiteDrizzleJson({}, undefined, CASING);
      const current = await generateSQLiteDrizzleJson(schema, empty.id, CASING);
      applyStatements(fromSchema, await generateSQLiteMigration(empty, current));

      expect(describeStructure(fromMigrations)).toEqual(describeStructure(fromSchema));
    } finally {
      fromMigrations.close();
      fromSchema.close();
    }
  });
});
