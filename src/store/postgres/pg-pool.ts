/**
 * The one `pg.Pool` a server shares among all its PostgreSQL stores and all accounts'
 * schemas. node-postgres emits `error` on the pool when an idle connection dies (the
 * server restarted, a proxy cut it); without a listener that event would end the process,
 * so the pool is only ever made here, with one.
 */
import pg from 'pg';

/** Options of the shared pool. */
export interface PgPoolOptions {
  /** `postgres://user@host:port/database`, as `--store` takes it. */
  connectionString: string;
  /** Most connections open at once (node-postgres's default is 10). */
  max?: number;
  /** How long a query waits for a connection before it fails as the database being unavailable. */
  connectionTimeoutMillis?: number;
  /** How the connections name themselves in `pg_stat_activity` (default `gust`), for operators. */
  applicationName?: string;
  /** Told of every idle connection that died; the pool replaces it on the next checkout. */
  onIdleError(err: Error): void;
}

/** A pool for `options.connectionString` that survives the loss of idle connections. */
export function openPgPool(options: PgPoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 5_000,
    application_name: options.applicationName ?? 'gust',
  });
  pool.on('error', options.onIdleError);
  return pool;
}
