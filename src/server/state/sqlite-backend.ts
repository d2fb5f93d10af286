/**
 * The embedded backend: SQLite files in the data dir, laid out as Gust always had them —
 * the server's own account's stores in the data dir itself, every other account's in
 * `accounts/<id>/`; auth.db and s3.db beside them.
 */
import { mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AccessKeyStore } from '../../store/access-key-store.js';
import type { ChangeWatch } from '../../store/change-watch.js';
import type { S3Store } from '../../store/s3-store.js';
import { SqliteAccessKeyStore } from '../../store/sqlite/sqlite-access-key-store.js';
import { SqliteFileWatch } from '../../store/sqlite/sqlite-file-watch.js';
import { SqliteEventQueue } from '../../store/sqlite/sqlite-event-queue.js';
import { SqliteLogStore } from '../../store/sqlite/sqlite-log-store.js';
import { SqliteMappingStore } from '../../store/sqlite/sqlite-mapping-store.js';
import { SqliteMetadataStore } from '../../store/sqlite/sqlite-metadata-store.js';
import { SqliteQueueStore } from '../../store/sqlite/sqlite-queue-store.js';
import { SqliteRuleStore } from '../../store/sqlite/sqlite-rule-store.js';
import { SqliteS3Store } from '../../store/sqlite/sqlite-s3-store.js';
import { SqliteUrlStore } from '../../store/sqlite/sqlite-url-store.js';
import type { AccountStoreOptions, AccountStores, StateBackend } from './state-backend.js';

const ACCOUNT_ID = /^\d{12}$/;

/** The access keys' database in a data dir (gust accounts / gust keys open it too). */
export const AUTH_DB = 'auth.db';

export class SqliteBackend implements StateBackend {
  readonly kind = 'sqlite';
  readonly location: string;

  constructor(
    dataDir: string,
    private readonly homeAccount: string,
  ) {
    this.location = resolve(dataDir);
  }

  async otherAccounts(): Promise<string[]> {
    try {
      return readdirSync(join(this.location, 'accounts')).filter((name) => ACCOUNT_ID.test(name) && name !== this.homeAccount).sort();
    } catch {
      // No other account has acted yet.
      return [];
    }
  }

  async openAccount(accountId: string, options: AccountStoreOptions): Promise<AccountStores> {
    const dir = accountId === this.homeAccount ? this.location : join(this.location, 'accounts', accountId);
    mkdirSync(dir, { recursive: true });
    const opened: { close(): Promise<void> }[] = [];
    const open = <S extends { close(): Promise<void> }>(store: S): S => {
      opened.push(store);
      return store;
    };
    try {
      return {
        metadata: open(SqliteMetadataStore.open(join(dir, 'gust.db'), { reserve: options.reserve })),
        logs: open(SqliteLogStore.open(join(dir, 'logs.db'), { retention: options.logRetention, onWriteFailure: options.onLogWriteFailure })),
        urls: open(SqliteUrlStore.open(join(dir, 'urls.db'))),
        // Async events and SQS messages are committed on a writer thread before each answer.
        events: open(SqliteEventQueue.open(join(dir, 'queue.db'), { writerThread: true })),
        queues: open(SqliteQueueStore.open(join(dir, 'sqs.db'), { writerThread: true })),
        // Rules live in gust.db beside the functions.
        rules: open(SqliteRuleStore.open(join(dir, 'gust.db'))),
        mappings: open(SqliteMappingStore.open(join(dir, 'mappings.db'))),
      };
    } catch (err) {
      for (const store of opened.reverse()) await store.close();
      throw err;
    }
  }

  async openAccessKeys(): Promise<AccessKeyStore> {
    mkdirSync(this.location, { recursive: true });
    return SqliteAccessKeyStore.open(join(this.location, AUTH_DB));
  }

  /** Opened after openAccessKeys, whose store puts auth.db in WAL mode and so makes its `-wal` file. */
  async watchAccessKeys(report: (err: Error, context: string) => void): Promise<ChangeWatch> {
    return SqliteFileWatch.open(join(this.location, AUTH_DB), report);
  }

  async openS3(): Promise<S3Store> {
    return SqliteS3Store.open(join(this.location, 's3.db'), this.homeAccount);
  }

  async close(): Promise<void> {}
}
