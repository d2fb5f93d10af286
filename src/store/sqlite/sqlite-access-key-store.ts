/**
 * The embedded AccessKeyStore: its own SQLite file (`<dataDir>/auth.db`) in WAL mode with
 * its own migration list. It is its own file so that `gust keys …` can open it while a
 * server runs (WAL lets one writer and the server's readers share it) and so that it owns
 * its `user_version`. Secrets arrive sealed; nothing here can read them.
 */
import Database from 'better-sqlite3';
import { AccessKeyStoreConflict, type AccessKeyRecord, type AccessKeyStore, type AccountRecord } from '../access-key-store.js';
import type { Migration } from './migrations.js';
import { openDurableDatabase } from './open-database.js';

/** The auth store's schema, oldest first. Append only. */
export const AUTH_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'accounts and access keys',
    up: (db) =>
      db.exec(`
        CREATE TABLE accounts (
          account_id TEXT PRIMARY KEY,
          name       TEXT NOT NULL,
          created_at INTEGER NOT NULL
        ) STRICT;
        CREATE TABLE access_keys (
          access_key_id TEXT PRIMARY KEY,
          account_id    TEXT NOT NULL REFERENCES accounts (account_id),
          sealed_secret TEXT NOT NULL,
          created_at    INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX access_keys_by_account ON access_keys (account_id, created_at);
      `),
  },
];

interface AccountRow { account_id: string; name: string; created_at: number }
interface KeyRow { access_key_id: string; account_id: string; sealed_secret: string; created_at: number }

const toAccount = (r: AccountRow): AccountRecord => ({ accountId: r.account_id, name: r.name, createdAt: r.created_at });
const toKey = (r: KeyRow): AccessKeyRecord => ({ accessKeyId: r.access_key_id, accountId: r.account_id, sealedSecret: r.sealed_secret, createdAt: r.created_at });

/** The SQLite AccessKeyStore. Open it with `SqliteAccessKeyStore.open`. */
export class SqliteAccessKeyStore implements AccessKeyStore {
  private readonly statements;

  private constructor(private readonly db: Database.Database) {
    this.statements = {
      putAccount: db.prepare('INSERT INTO accounts (account_id, name, created_at) VALUES (?, ?, ?)'),
      getAccount: db.prepare<[string], AccountRow>('SELECT * FROM accounts WHERE account_id = ?'),
      listAccounts: db.prepare<[], AccountRow>('SELECT * FROM accounts ORDER BY created_at, account_id'),
      putKey: db.prepare('INSERT INTO access_keys (access_key_id, account_id, sealed_secret, created_at) VALUES (?, ?, ?, ?)'),
      getKey: db.prepare<[string], KeyRow>('SELECT * FROM access_keys WHERE access_key_id = ?'),
      listKeys: db.prepare<[], KeyRow>('SELECT * FROM access_keys ORDER BY created_at, access_key_id'),
      listKeysOf: db.prepare<[string], KeyRow>('SELECT * FROM access_keys WHERE account_id = ? ORDER BY created_at, access_key_id'),
      deleteKey: db.prepare('DELETE FROM access_keys WHERE access_key_id = ?'),
      countKeys: db.prepare<[], number>('SELECT count(*) FROM access_keys').pluck(),
    };
  }

  /** Opens (creating it if needed) the database at `path`; `:memory:` for tests. */
  static open(path: string): SqliteAccessKeyStore {
    return new SqliteAccessKeyStore(openDurableDatabase(path, AUTH_MIGRATIONS));
  }

  async putAccount(a: AccountRecord): Promise<void> {
    conflicts(() => this.statements.putAccount.run(a.accountId, a.name, a.createdAt), `account ${a.accountId}`);
  }

  async getAccount(accountId: string): Promise<AccountRecord | undefined> {
    const row = this.statements.getAccount.get(accountId);
    return row && toAccount(row);
  }

  async listAccounts(): Promise<AccountRecord[]> {
    return this.statements.listAccounts.all().map(toAccount);
  }

  async putKey(k: AccessKeyRecord): Promise<void> {
    conflicts(() => this.statements.putKey.run(k.accessKeyId, k.accountId, k.sealedSecret, k.createdAt), `access key ${k.accessKeyId} (or no account ${k.accountId})`);
  }

  async getKey(accessKeyId: string): Promise<AccessKeyRecord | undefined> {
    const row = this.statements.getKey.get(accessKeyId);
    return row && toKey(row);
  }

  async listKeys(accountId?: string): Promise<AccessKeyRecord[]> {
    return (accountId === undefined ? this.statements.listKeys.all() : this.statements.listKeysOf.all(accountId)).map(toKey);
  }

  async deleteKey(accessKeyId: string): Promise<boolean> {
    return this.statements.deleteKey.run(accessKeyId).changes > 0;
  }

  async countKeys(): Promise<number> {
    return this.statements.countKeys.get()!;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

/** Unique and foreign-key violations become the store's conflict. */
function conflicts(write: () => void, what: string): void {
  try {
    write();
  } catch (err) {
    if (err instanceof Database.SqliteError && err.code.startsWith('SQLITE_CONSTRAINT')) throw new AccessKeyStoreConflict(`${what}: ${err.code}`);
    throw err;
  }
}
