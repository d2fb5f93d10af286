/**
 * The PostgreSQL the store suites run against: `GUST_TEST_PG_URL`, else the machine's
 * (`postgres://postgres@127.0.0.1:5432/test`, trust auth, as CI starts it). Each test file
 * gets its own schemas (named after the file and the process, so parallel files never
 * meet) and drops them all afterwards. When nothing answers, the suites skip and say why.
 */
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { afterAll } from 'vitest';
import { openPgPool } from '../pg-pool.js';
import { PgSchema } from '../pg-schema.js';

export interface TestPostgres {
  /** Why the file's suites skip; undefined when PostgreSQL answered. */
  skip: string | undefined;
  pool: pg.Pool;
  /** Where it connects, for a test that needs a pool of its own (a second node). */
  connectionString: string;
  /** A schema no test has used yet (created by the first store that migrates it). */
  newSchema(): PgSchema;
}

export const TEST_PG_URL = process.env.GUST_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Call at the top of a test file (top-level await): connects, and registers the clean-up. */
export async function testPostgres(tag: string): Promise<TestPostgres> {
  const pool = openPgPool({ connectionString: TEST_PG_URL, max: 4, connectionTimeoutMillis: 3_000, onIdleError: () => {} });
  const prefix = `t_${tag}_${randomBytes(4).toString('hex')}_`;
  let skip: string | undefined;
  try {
    await pool.query('SELECT 1');
  } catch (err) {
    skip = `PostgreSQL is unreachable at ${TEST_PG_URL} (${err instanceof Error ? err.message : String(err)}); set GUST_TEST_PG_URL to run the PostgreSQL store suites`;
    console.warn(`skipping the ${tag} PostgreSQL suites: ${skip}`);
  }
  afterAll(async () => {
    if (skip === undefined) {
      const rows = await pool.query<{ nspname: string }>("SELECT nspname FROM pg_namespace WHERE starts_with(nspname, $1)", [prefix]);
      for (const { nspname } of rows.rows) await pool.query(`DROP SCHEMA "${nspname}" CASCADE`);
    }
    await pool.end();
  });
  let n = 0;
  return { skip, pool, connectionString: TEST_PG_URL, newSchema: () => new PgSchema(pool, `${prefix}${n++}`) };
}
