/**
 * Which state backend the in-process test servers use: SQLite (the default), or
 * PostgreSQL when `GUST_TEST_STORE=postgres` (then each data dir gets a database of its own
 * on `GUST_TEST_PG_URL`'s server, so a suite that restarts on the same data dir finds its
 * state again, and one dropped with the data dir). This lets existing integration suites
 * run on PostgreSQL unchanged: `GUST_TEST_STORE=postgres npx vitest run test/sqs`. Every
 * database a test file made is dropped after it.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import { afterAll } from 'vitest';
import { TEST_PG_URL } from '../../src/store/postgres/testing/test-postgres.js';

/** Whether the suites' servers keep their state in PostgreSQL. */
export const TEST_ON_POSTGRES = process.env.GUST_TEST_STORE === 'postgres';

/** The keys of the databases this test file made, dropped after it (a suite that keeps its data dir keeps them till then). */
const made = new Set<string>();
if (TEST_ON_POSTGRES) {
  afterAll(async () => {
    for (const key of made) await dropTestDatabase(key);
  });
}

/** `TEST_PG_URL` with `database` in place of its own. */
export function urlOfDatabase(database: string, base = TEST_PG_URL): string {
  const url = new URL(base);
  url.pathname = `/${database}`;
  return url.toString();
}

/** One SQL statement on the server's `postgres` database (CREATE / DROP DATABASE cannot run in the database they name). */
export async function onServer(sql: string, base = TEST_PG_URL): Promise<void> {
  const client = new pg.Client({ connectionString: urlOfDatabase('postgres', base), connectionTimeoutMillis: 3_000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Whether PostgreSQL answers at `base`; the reason it does not otherwise. */
export async function postgresSkipReason(base = TEST_PG_URL): Promise<string | undefined> {
  try {
    await onServer('SELECT 1', base);
    return undefined;
  } catch (err) {
    return `PostgreSQL is unreachable at ${base} (${err instanceof Error ? err.message : String(err)}); set GUST_TEST_PG_URL to run it`;
  }
}

/** A database made for a test; `drop` removes it, ending connections still open to it. */
export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** The database of `key` (a data dir): named after it, so a restart on the same data dir finds it. */
function databaseOf(key: string): string {
  return `gust_t_${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
}

/** Drops the database of `key`, if there is one. */
export async function dropTestDatabase(key: string): Promise<void> {
  await onServer(`DROP DATABASE IF EXISTS ${databaseOf(key)} WITH (FORCE)`);
}

/** Creates (once) the database of `key`. */
export async function testDatabase(key: string): Promise<TestDatabase> {
  const name = databaseOf(key);
  made.add(key);
  try {
    await onServer(`CREATE DATABASE ${name}`);
  } catch (err) {
    // 42P04: it exists (the server restarts on the same data dir).
    if ((err as { code?: string }).code !== '42P04') throw err;
  }
  return { url: urlOfDatabase(name), drop: () => dropTestDatabase(key) };
}

/** The `--store` of the suites' server on `dataDir`: `sqlite`, or its database's URL. */
export async function testStoreOf(dataDir: string): Promise<string> {
  return TEST_ON_POSTGRES ? (await testDatabase(dataDir)).url : 'sqlite';
}
