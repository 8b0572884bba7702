/**
 * The start-up pass that seals secrets an earlier version stored as plain text. Each owner of a secret (the
 * camera service, the notification settings) brings a pass that seals its own values and says how many;
 * they run here in one transaction. `secure_delete` makes SQLite overwrite the old cells instead of leaving
 * them in free space, and a truncating checkpoint empties the WAL that still holds the old pages.
 */
import type Database from 'better-sqlite3';
import type { Logger } from '../ports.js';

/** Seals one owner's legacy plain-text values in place; returns how many it sealed. */
export type LegacySealPass = () => number;

export function sealLegacySecrets(
  sqlite: Database.Database,
  passes: readonly LegacySealPass[],
  logger: Logger,
): number {
  const before = sqlite.pragma('secure_delete', { simple: true }) as number;
  sqlite.pragma('secure_delete = ON');
  let sealed: number;
  try {
    sealed = sqlite.transaction(() => passes.reduce((total, pass) => total + pass(), 0))();
  } finally {
    sqlite.pragma(`secure_delete = ${before}`);
  }
  if (sealed > 0) {
    sqlite.pragma('wal_checkpoint(TRUNCATE)');
    logger.info(
      { component: 'secrets', sealed },
      `Encrypted ${sealed} password(s) an earlier version had stored as plain text`,
    );
  }
  return sealed;
}
