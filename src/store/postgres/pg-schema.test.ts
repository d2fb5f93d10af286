import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ServiceException } from '../../core/errors.js';
import { sampleFunction } from '../metadata-store.contract.js';
import { PgMetadataStore } from './pg-metadata-store.js';
import { openPgPool } from './pg-pool.js';
import { accountSchemaName, PgSchema, SHARED_SCHEMA_NAME } from './pg-schema.js';
import { testPostgres } from './testing/test-postgres.js';

const pg = await testPostgres('schema');

/** Polls until `check` holds: what it waits for happens on the server, not on a timer. */
async function until(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setImmediate(resolve));
}

describe.skipIf(pg.skip !== undefined)('PgSchema on a connection that dies', () => {
  it('fails the call in flight with ServiceException, reports the idle loss, and serves the next call on a new connection', async () => {
    const applicationName = `gust-test-${randomBytes(4).toString('hex')}`;
    const idleErrors: Error[] = [];
    const pool = openPgPool({ connectionString: pg.connectionString, max: 1, applicationName, onIdleError: (err) => idleErrors.push(err) });
    try {
      const schema = new PgSchema(pool, pg.newSchema().name);
      const store = await PgMetadataStore.open(schema);
      await store.putFunction(sampleFunction('f'));
      const backends = () => pg.pool.query<{ pid: number; state: string | null; query: string }>('SELECT pid, state, query FROM pg_stat_activity WHERE application_name = $1', [applicationName]);

      // A call in flight when its backend is terminated (as a PostgreSQL restart does).
      // Its outcome is taken at once: it fails while the test is still terminating the backend.
      const slow = schema.query('SELECT pg_sleep(30)').then(
        () => undefined,
        (err: unknown) => err,
      );
      await until(async () => (await backends()).rows.some((b) => b.state === 'active' && b.query.includes('pg_sleep')));
      await pg.pool.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [applicationName]);
      const failure = await slow;
      expect(failure).toBeInstanceOf(ServiceException);
      expect((failure as Error).message).toMatch(/state database \(PostgreSQL\) is unavailable/);
      expect((await store.getFunction('f'))?.name).toBe('f');

      // An idle connection terminated: the pool hears of it and opens a new one.
      await pg.pool.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [applicationName]);
      await until(async () => idleErrors.length > 0);
      expect((await store.listFunctions()).map((f) => f.name)).toEqual(['f']);
    } finally {
      await pool.end();
    }
  });
});

describe.skipIf(pg.skip !== undefined)('PgSchema on a database that does not answer in time', () => {
  it('cancels a statement past the pool\'s timeout and answers ServiceException; a migration waiting for another node\'s is exempt', async () => {
    const pool = openPgPool({ connectionString: pg.connectionString, max: 1, statementTimeoutMs: 200, onIdleError: () => {} });
    try {
      const schema = new PgSchema(pool, pg.newSchema().name);
      await expect(schema.query('SELECT pg_sleep(30)')).rejects.toBeInstanceOf(ServiceException);

      // Another node holds the schema's migration lock for longer than the timeout: this
      // node's migration waits for it instead of failing.
      const otherNode = await pg.pool.connect();
      try {
        await otherNode.query('BEGIN');
        await otherNode.query('SELECT pg_advisory_xact_lock($1::int, hashtext($2))', [0x47755374, schema.name]);
        const opening = PgMetadataStore.open(schema);
        const waitedPastTimeout = () =>
          pg.pool.query("SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%pg_advisory_xact_lock%' AND now() - query_start > interval '400 ms' AND pid <> pg_backend_pid()");
        await until(async () => ((await waitedPastTimeout()).rowCount ?? 0) > 0);
        await otherNode.query('COMMIT');
        const store = await opening;
        await store.putFunction(sampleFunction('f'));
        expect((await store.listFunctions()).map((f) => f.name)).toEqual(['f']);
      } finally {
        otherNode.release();
      }
    } finally {
      await pool.end();
    }
  });
});

describe('PgSchema names', () => {
  it('refuses a schema name that would need quoting rules beyond plain identifiers', () => {
    const pool = openPgPool({ connectionString: 'postgres://unused@127.0.0.1:1/x', onIdleError: () => {} });
    try {
      for (const bad of ['Gust', 'a-b', 'a"; DROP SCHEMA gust; --', '1abc', 'x'.repeat(64)]) expect(() => new PgSchema(pool, bad)).toThrow(/schema name/);
      expect(new PgSchema(pool, 'gust_123456789012').table('functions')).toBe('"gust_123456789012".functions');
      expect(accountSchemaName('123456789012')).toBe('gust_123456789012');
      expect(() => accountSchemaName('12345')).toThrow(/account id/);
      expect(new PgSchema(pool, SHARED_SCHEMA_NAME).quoted).toBe('"gust"');
    } finally {
      void pool.end();
    }
  });
});
