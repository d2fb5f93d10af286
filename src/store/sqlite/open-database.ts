/**
 * How every durable Gust database is opened: its directory created, write-ahead logging,
 * an fsync per commit (an acknowledged write survives power loss, not only a crash),
 * foreign keys on (they are per connection and off by default in SQLite), a busy timeout
 * for the writer thread's second connection, and the schema brought up to date. The
 * connection is closed again when any of that fails, so a refused database is not held open.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { migrate, MIGRATIONS, type Migration } from './migrations.js';

export const BUSY_TIMEOUT_MS = 5_000;

/** The pragmas of a durable connection; also run by connections that do not migrate. */
export const DURABLE_PRAGMAS = ['journal_mode = WAL', 'synchronous = FULL', 'foreign_keys = ON', `busy_timeout = ${BUSY_TIMEOUT_MS}`] as const;

/**
 * Opens (creating it and its directory if needed) the database at `path`, or a private
 * in-memory one for `:memory:`, and applies `migrations`. Throws DatabaseVersionError for a
 * database written by a newer Gust.
 */
export function openDurableDatabase(path: string, migrations: readonly Migration[] = MIGRATIONS): Database.Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  try {
    for (const pragma of DURABLE_PRAGMAS) db.pragma(pragma);
    migrate(db, migrations);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}
