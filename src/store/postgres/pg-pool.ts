/**
 * The one `pg.Pool` a server shares among all its PostgreSQL stores and all accounts'
 * schemas. node-postgres emits `error` on the pool when an idle connection dies (the
 * server restarted, a proxy cut it); without a listener that event would end the process,
 * so the pool is only ever made here, with one.
 *
 * No request may wait on the database for ever: a statement is cancelled after
 * `statementTimeoutMs` (the caller gets a ServiceException, see pg-errors.ts), TCP keepalives
 * find a connection whose peer vanished, and a transaction left idle by a node that froze
 * mid-write is ended by PostgreSQL after 10 s, releasing the locks other nodes wait for
 * (Gust's transactions never pause between statements).
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
  /** Longest a statement may run before PostgreSQL cancels it (default 30 s); migrations are exempt. */
  statementTimeoutMs?: number;
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
    statement_timeout: options.statementTimeoutMs ?? 30_000,
    idle_in_transaction_session_timeout: 10_000,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  });
  pool.on('error', options.onIdleError);
  return pool;
}
