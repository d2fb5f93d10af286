/**
 * The PostgreSQL schema of each store as an ordered list of migrations, as SQLite has
 * (sqlite/migrations.ts), applied when a store opens. Several nodes of a cluster start at
 * once and open the same schemas, so `migrate` runs in one transaction that first takes a
 * transaction-scoped advisory lock on the schema: the second node waits for the first,
 * then finds the migrations applied and does nothing. PostgreSQL's DDL is transactional, so
 * a failed migration leaves no half-made table and no version bump.
 *
 * `schema_version` holds one row per component (the store's name: `metadata`, `urls`, …)
 * with the number of its migrations applied; each component owns its list, as each SQLite
 * file owns its `user_version`. A migration, once released, is never edited: a change is a
 * new entry at the end.
 */
import { DatabaseVersionError } from '../database-version-error.js';
import { sqlState } from './pg-errors.js';
import type { PgQueryable, PgSchema } from './pg-schema.js';

/** The first key of Gust's migration locks ("GuSt"), so they meet no other application's advisory locks. */
const MIGRATION_LOCK_CLASS = 0x47755374;

/** One step of a component's schema. `version` is its position in the list, counting from 1. */
export interface PgMigration {
  version: number;
  description: string;
  /** The DDL, given the schema's tables to qualify names with. */
  up(schema: PgSchema): string;
}

/** The migrations one store applies, under its component name. */
export interface PgComponent {
  name: string;
  migrations: readonly PgMigration[];
}

/**
 * Brings `component` in `schema` (created if needed) up to its last migration. Refuses a
 * schema that a newer Gust migrated further: it may hold data this build would misread.
 */
export async function migrate(schema: PgSchema, component: PgComponent): Promise<void> {
  const { name, migrations } = component;
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`Migration ${i + 1} of ${name} is numbered ${m.version}; migrations must be numbered 1, 2, 3, …`);
  });
  // Nearly every open finds its component up to date: one read, no lock, no transaction.
  if ((await appliedVersion(schema, name)) === migrations.length) return;
  await schema.transaction(async (tx) => {
    // One lock per schema: two nodes creating it, or two stores of one node migrating it,
    // take turns. The key is a hash of the name, in the space of keys Gust alone uses.
    // Waiting for another node's migration, and a migration itself, may take longer than a
    // request's statement timeout.
    await tx.execute('SET LOCAL statement_timeout = 0');
    await tx.query('SELECT pg_advisory_xact_lock($1::int, hashtext($2))', [MIGRATION_LOCK_CLASS, schema.name]);
    await tx.execute(`CREATE SCHEMA IF NOT EXISTS ${schema.quoted}`);
    await tx.execute(
      `CREATE TABLE IF NOT EXISTS ${schema.table('schema_version')} (component text COLLATE "C" PRIMARY KEY, version integer NOT NULL, migrated_at timestamptz NOT NULL DEFAULT now())`,
    );
    const current = await componentVersion(tx, schema, name);
    const latest = migrations.length;
    if (current > latest) {
      throw new DatabaseVersionError(
        `The ${name} tables in PostgreSQL schema ${schema.name} have schema version ${current}, but this Gust knows versions up to ${latest}: they were written by a newer Gust. Upgrade Gust, or point it at another database.`,
      );
    }
    if (current === latest) return;
    for (const m of migrations.slice(current)) await tx.execute(m.up(schema));
    await tx.execute(
      `INSERT INTO ${schema.table('schema_version')} (component, version) VALUES ($1, $2) ON CONFLICT (component) DO UPDATE SET version = excluded.version, migrated_at = now()`,
      [name, latest],
    );
  });
}

/**
 * The version `component` has in `schema`; undefined when the schema or its version table
 * does not exist yet (SQLSTATE 3F000, 42P01), which only the locked path may create.
 */
async function appliedVersion(schema: PgSchema, component: string): Promise<number | undefined> {
  try {
    return await componentVersion(schema, schema, component);
  } catch (err) {
    const state = sqlState(err);
    if (state === '3F000' || state === '42P01') return undefined;
    throw err;
  }
}

/** How many migrations of `component` the schema has applied (0 for none). */
export async function componentVersion(q: PgQueryable, schema: PgSchema, component: string): Promise<number> {
  const rows = await q.query<{ version: number }>(`SELECT version FROM ${schema.table('schema_version')} WHERE component = $1`, [component]);
  return rows[0]?.version ?? 0;
}
