/**
 * The PostgreSQL backend (`--store postgres://…`): one shared pool (pg-pool.ts); each
 * account's stores in its schema `gust_<account id>`, migrated when its space first opens
 * (under the advisory lock of pg-migrations.ts); access keys and S3 metadata in `gust`.
 * The database must answer at start-up: a server that cannot reach it fails then, with
 * one line, rather than listening and answering every request with a 500. Once running,
 * a lost database fails the requests that need it (stateDatabaseUnavailable) and the pool
 * reconnects when it returns.
 */
import type pg from 'pg';
import type { Logger } from 'pino';
import type { AccessKeyStore } from '../../store/access-key-store.js';
import type { S3Store } from '../../store/s3-store.js';
import { accessKeysChannel, PgAccessKeyStore } from '../../store/postgres/pg-access-key-store.js';
import { PgChannelWatch } from '../../store/postgres/pg-channel-watch.js';
import type { ChangeWatch } from '../../store/change-watch.js';
import { PgEventQueue } from '../../store/postgres/pg-event-queue.js';
import { PgLogStore } from '../../store/postgres/pg-log-store.js';
import { PgMappingStore } from '../../store/postgres/pg-mapping-store.js';
import { PgMetadataStore } from '../../store/postgres/pg-metadata-store.js';
import { PgNodeStore } from '../../store/postgres/pg-node-store.js';
import type { NodeStore } from '../../store/node-store.js';
import type { LockSession } from '../../store/lock-session.js';
import { PgLockSession } from '../../store/postgres/pg-lock-session.js';
import { openPgPool } from '../../store/postgres/pg-pool.js';
import { PgQueueStore } from '../../store/postgres/pg-queue-store.js';
import { PgRuleStore } from '../../store/postgres/pg-rule-store.js';
import { PgS3Store } from '../../store/postgres/pg-s3-store.js';
import { accountSchemaName, PgSchema, SHARED_SCHEMA_NAME } from '../../store/postgres/pg-schema.js';
import { PgUrlStore } from '../../store/postgres/pg-url-store.js';
import { StateUnavailableError, type AccountStoreOptions, type AccountStores, type StateBackend } from './state-backend.js';

/** How long start-up waits for the database to answer before it gives up. */
const CONNECT_TIMEOUT_MS = 5_000;

/** `url` without its password, fit for a log line or an error message. */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://…';
  }
}

export class PostgresBackend implements StateBackend {
  readonly kind = 'postgres';

  private constructor(
    private readonly pool: pg.Pool,
    readonly location: string,
    private readonly homeAccount: string,
    private readonly url: string,
  ) {}

  /**
   * A backend on the database `url` names, once it has answered one query; throws
   * StateUnavailableError saying which database and why when it does not.
   */
  static async connect(url: string, homeAccount: string, logger: Logger): Promise<PostgresBackend> {
    const location = redactedUrl(url);
    // Each idle connection that dies says so once; the pool replaces it at the next query.
    const pool = openPgPool({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, onIdleError: (err) => logger.warn({ err: err.message }, 'state database: an idle connection was lost') });
    try {
      await pool.query('SELECT 1');
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw new StateUnavailableError(`cannot reach the PostgreSQL of --store ${location}: ${err instanceof Error ? err.message || err.constructor.name : String(err)}`);
    }
    return new PostgresBackend(pool, location, homeAccount, url);
  }

  async otherAccounts(): Promise<string[]> {
    const home = accountSchemaName(this.homeAccount);
    const rows = await new PgSchema(this.pool, SHARED_SCHEMA_NAME).query<{ nspname: string }>(
      "SELECT nspname FROM pg_namespace WHERE nspname ~ '^gust_[0-9]{12}$' AND nspname <> $1 ORDER BY nspname",
      [home],
    );
    return rows.map((r) => r.nspname.slice('gust_'.length));
  }

  async openAccount(accountId: string, options: AccountStoreOptions): Promise<AccountStores> {
    const schema = new PgSchema(this.pool, accountSchemaName(accountId));
    // One after another: each migrates under the schema's lock, so in parallel they would only queue.
    const metadata = await PgMetadataStore.open(schema);
    const logs = await PgLogStore.open(schema, { retention: options.logRetention, onWriteFailure: options.onLogWriteFailure });
    try {
      const events = await PgEventQueue.open(schema);
      return {
        metadata,
        logs,
        urls: await PgUrlStore.open(schema),
        events,
        eventLeases: events,
        queues: await PgQueueStore.open(schema),
        rules: await PgRuleStore.open(schema),
        mappings: await PgMappingStore.open(schema),
      };
    } catch (err) {
      // The only store that holds something of its own: its flush timer.
      await logs.close();
      throw err;
    }
  }

  async openAccessKeys(): Promise<AccessKeyStore> {
    return PgAccessKeyStore.open(new PgSchema(this.pool, SHARED_SCHEMA_NAME));
  }

  async clusterNodes(): Promise<number> {
    const schema = new PgSchema(this.pool, SHARED_SCHEMA_NAME);
    const nodes = schema.table('nodes');
    // Read only: a database no node ever joined has no such table, and gets none from this.
    const [found] = await schema.query<{ exists: boolean }>('SELECT to_regclass($1) IS NOT NULL AS exists', [nodes]);
    if (!found?.exists) return 0;
    const [row] = await schema.query<{ n: string }>(`SELECT count(*) AS n FROM ${nodes}`);
    return Number(row?.n ?? 0);
  }

  watchAccessKeys(report: (err: Error, context: string) => void): Promise<ChangeWatch> {
    return PgChannelWatch.open({ connectionString: this.url, channel: accessKeysChannel(SHARED_SCHEMA_NAME), report });
  }

  async openS3(): Promise<S3Store> {
    return PgS3Store.open(new PgSchema(this.pool, SHARED_SCHEMA_NAME));
  }

  async openNodes(): Promise<NodeStore> {
    return PgNodeStore.open(new PgSchema(this.pool, SHARED_SCHEMA_NAME));
  }

  openLocks(report: (err: Error, context: string) => void): Promise<LockSession> {
    return PgLockSession.open({ connectionString: this.url, report });
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
