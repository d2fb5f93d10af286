/**
 * One PostgreSQL schema on the shared pool: where a store's tables live. Each account's
 * stores live in a schema of its own (`gust_<account id>`, see `accountSchemaName`), the
 * server-wide ones (accounts and keys) in `gust`, so a query names its tables through
 * `table()` and needs no account column: isolation between accounts is the schema's, not
 * a WHERE clause a query could forget. Every query goes through `query` or `transaction`,
 * which turn a lost database into the ServiceException of pg-errors.ts.
 */
import type pg from 'pg';
import { storeError } from './pg-errors.js';

/** What runs statements: the schema itself, or one transaction of it. */
export interface PgQueryable {
  /** The rows of one parameterised statement. */
  query<R extends object>(text: string, values?: unknown[]): Promise<R[]>;
  /** How many rows one parameterised statement wrote. */
  execute(text: string, values?: unknown[]): Promise<number>;
}

/** Lower-case letters, digits and `_`, at most 63 bytes: never needs quoting rules beyond `"…"`. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** The schema of an account's stores. */
export function accountSchemaName(accountId: string): string {
  if (!/^[0-9]{12}$/.test(accountId)) throw new Error(`Not an account id: ${accountId}`);
  return `gust_${accountId}`;
}

/** The schema of the stores every account shares (accounts and their access keys). */
export const SHARED_SCHEMA_NAME = 'gust';

export class PgSchema implements PgQueryable {
  /** The schema's name, quoted for SQL. */
  readonly quoted: string;

  constructor(
    readonly pool: pg.Pool,
    readonly name: string,
  ) {
    if (!SCHEMA_NAME.test(name)) throw new Error(`Not a schema name Gust uses: ${name}`);
    this.quoted = `"${name}"`;
  }

  /** `table` qualified by this schema, for SQL text. */
  table(table: string): string {
    return `${this.quoted}.${table}`;
  }

  async query<R extends object>(text: string, values: unknown[] = []): Promise<R[]> {
    try {
      return (await this.pool.query<R>(text, values)).rows;
    } catch (err) {
      throw storeError(err);
    }
  }

  async execute(text: string, values: unknown[] = []): Promise<number> {
    try {
      return (await this.pool.query(text, values)).rowCount ?? 0;
    } catch (err) {
      throw storeError(err);
    }
  }

  /**
   * Runs `work` in one transaction on one connection: committed if it resolves, rolled back
   * (and its error rethrown) if it rejects. A connection that broke is destroyed, not
   * returned to the pool.
   */
  async transaction<T>(work: (tx: PgQueryable) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw storeError(err);
    }
    const tx: PgQueryable = {
      query: async <R extends object>(text: string, values: unknown[] = []) => (await client.query<R>(text, values)).rows,
      execute: async (text, values = []) => (await client.query(text, values)).rowCount ?? 0,
    };
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await work(tx);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackErr) {
        broken = rollbackErr instanceof Error ? rollbackErr : new Error(String(rollbackErr));
      }
      throw storeError(err);
    } finally {
      client.release(broken);
    }
  }
}
