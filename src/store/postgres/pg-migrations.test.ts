import { describe, expect, it } from 'vitest';
import { ServiceException } from '../../core/errors.js';
import { DatabaseVersionError } from '../database-version-error.js';
import { METADATA_COMPONENT, PgMetadataStore } from './pg-metadata-store.js';
import { componentVersion, migrate, type PgComponent } from './pg-migrations.js';
import { openPgPool } from './pg-pool.js';
import { PgSchema } from './pg-schema.js';
import { URL_COMPONENT } from './pg-url-store.js';
import { testPostgres } from './testing/test-postgres.js';

const pg = await testPostgres('migrations');

const versionRows = async (schema: PgSchema) => schema.query<{ component: string; version: number }>(`SELECT component, version FROM ${schema.table('schema_version')} ORDER BY component`);

const tableExists = async (schema: PgSchema, table: string): Promise<boolean> => {
  const [row] = await schema.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [schema.table(table)]);
  return row?.t !== null;
};

describe.skipIf(pg.skip !== undefined)('PostgreSQL migrations', () => {
  it('lets two nodes migrate a fresh schema at once: both succeed, and one schema version is recorded', async () => {
    const schema = pg.newSchema();
    // Separate pools, as two nodes have: the advisory lock must hold across connections.
    const other = openPgPool({ connectionString: pg.connectionString, max: 1, onIdleError: () => {} });
    try {
      await Promise.all([migrate(schema, METADATA_COMPONENT), migrate(new PgSchema(other, schema.name), METADATA_COMPONENT)]);
    } finally {
      await other.end();
    }
    expect(await versionRows(schema)).toEqual([{ component: 'metadata', version: METADATA_COMPONENT.migrations.length }]);
    expect(await tableExists(schema, 'functions')).toBe(true);
  });

  it('migrates several components of one schema at once, each to its own version', async () => {
    const schema = pg.newSchema();
    await Promise.all([migrate(schema, METADATA_COMPONENT), migrate(schema, URL_COMPONENT), migrate(schema, METADATA_COMPONENT)]);
    expect(await versionRows(schema)).toEqual([
      { component: 'metadata', version: METADATA_COMPONENT.migrations.length },
      { component: 'urls', version: URL_COMPONENT.migrations.length },
    ]);
  });

  it('applies only the migrations a schema lacks', async () => {
    const schema = pg.newSchema();
    const first: PgComponent = { name: 'c', migrations: [{ version: 1, description: 'a', up: (s) => `CREATE TABLE ${s.table('a')} (x int)` }] };
    await migrate(schema, first);
    await schema.execute(`INSERT INTO ${schema.table('a')} VALUES (1)`);
    const second: PgComponent = { name: 'c', migrations: [...first.migrations, { version: 2, description: 'b', up: (s) => `CREATE TABLE ${s.table('b')} (y int)` }] };
    await migrate(schema, second);
    expect(await componentVersion(schema, schema, 'c')).toBe(2);
    expect(await schema.query(`SELECT x FROM ${schema.table('a')}`)).toEqual([{ x: 1 }]);
    expect(await tableExists(schema, 'b')).toBe(true);
  });

  it('leaves neither tables nor a version behind when a migration fails', async () => {
    const schema = pg.newSchema();
    await migrate(schema, URL_COMPONENT);
    const broken: PgComponent = {
      name: 'broken',
      migrations: [
        { version: 1, description: 'fine', up: (s) => `CREATE TABLE ${s.table('fine')} (x int)` },
        { version: 2, description: 'wrong', up: (s) => `CREATE TABLE ${s.table('wrong')} (x no_such_type)` },
      ],
    };
    await expect(migrate(schema, broken)).rejects.toThrow(/no_such_type/);
    expect(await tableExists(schema, 'fine')).toBe(false);
    expect(await componentVersion(schema, schema, 'broken')).toBe(0);
  });

  it('refuses a schema that a newer Gust migrated further', async () => {
    const schema = pg.newSchema();
    await migrate(schema, URL_COMPONENT);
    await schema.execute(`UPDATE ${schema.table('schema_version')} SET version = 99 WHERE component = 'urls'`);
    await expect(migrate(schema, URL_COMPONENT)).rejects.toBeInstanceOf(DatabaseVersionError);
  });
});

describe('a PostgreSQL that does not answer', () => {
  it('fails a store call with ServiceException naming the database, without crashing', async () => {
    // Port 1 on loopback: nothing listens, the connection is refused at once.
    const pool = openPgPool({ connectionString: 'postgres://postgres@127.0.0.1:1/test', connectionTimeoutMillis: 2_000, onIdleError: () => {} });
    try {
      const attempt = PgMetadataStore.open(new PgSchema(pool, 'gust_123456789012'));
      await expect(attempt).rejects.toBeInstanceOf(ServiceException);
      await expect(attempt).rejects.toThrow(/state database \(PostgreSQL\) is unavailable/);
      await expect(new PgSchema(pool, 'gust').query('SELECT 1')).rejects.toBeInstanceOf(ServiceException);
    } finally {
      await pool.end();
    }
  });
});
