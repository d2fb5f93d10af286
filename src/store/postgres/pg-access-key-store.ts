/**
 * The AccessKeyStore on PostgreSQL: accounts and their access keys, in the schema every
 * account shares (`gust`, see pg-schema.ts), since a key is looked up before its account is
 * known. Secrets arrive sealed; nothing here can read them. Each write of a key notifies
 * its schema's channel (`accessKeysChannel`) in the same statement, so the notification goes out exactly when the
 * write commits, and the nodes' caches of keys (auth/cached-keys.ts) drop what they read.
 */
import { AccessKeyStoreConflict, type AccessKeyRecord, type AccessKeyStore, type AccountRecord } from '../access-key-store.js';
import { sqlState } from './pg-errors.js';
import { migrate, type PgComponent } from './pg-migrations.js';
import type { PgSchema } from './pg-schema.js';

/** The notification channel of key writes in `schema` (pg-channel-watch.ts hears it): `gust.access_keys` for a server's. */
export function accessKeysChannel(schema: string): string {
  return `${schema}.access_keys`;
}

/** The auth store's tables, oldest first. Append only. */
export const AUTH_COMPONENT: PgComponent = {
  name: 'auth',
  migrations: [
    {
      version: 1,
      description: 'accounts and access keys',
      up: (s) => `
        CREATE TABLE ${s.table('accounts')} (
          account_id text COLLATE "C" PRIMARY KEY,
          name       text NOT NULL,
          -- ms since the epoch, as the records carry it
          created_at bigint NOT NULL
        );
        CREATE TABLE ${s.table('access_keys')} (
          access_key_id text COLLATE "C" PRIMARY KEY,
          account_id    text COLLATE "C" NOT NULL REFERENCES ${s.table('accounts')} (account_id),
          sealed_secret text NOT NULL,
          created_at    bigint NOT NULL
        );
        CREATE INDEX access_keys_by_account ON ${s.table('access_keys')} (account_id, created_at);
      `,
    },
  ],
};

// bigint comes back as a string; these are millisecond times, far below 2^53.
interface AccountRow { account_id: string; name: string; created_at: string }
interface KeyRow { access_key_id: string; account_id: string; sealed_secret: string; created_at: string }

const toAccount = (r: AccountRow): AccountRecord => ({ accountId: r.account_id, name: r.name, createdAt: Number(r.created_at) });
const toKey = (r: KeyRow): AccessKeyRecord => ({ accessKeyId: r.access_key_id, accountId: r.account_id, sealedSecret: r.sealed_secret, createdAt: Number(r.created_at) });

function sql(s: PgSchema) {
  const accounts = s.table('accounts');
  const keys = s.table('access_keys');
  return {
    putAccount: `INSERT INTO ${accounts} (account_id, name, created_at) VALUES ($1, $2, $3)`,
    getAccount: `SELECT * FROM ${accounts} WHERE account_id = $1`,
    listAccounts: `SELECT * FROM ${accounts} ORDER BY created_at, account_id`,
    putKey: `WITH written AS (INSERT INTO ${keys} (access_key_id, account_id, sealed_secret, created_at) VALUES ($1, $2, $3, $4) RETURNING 1)
             SELECT pg_notify($5, '') FROM written`,
    getKey: `SELECT * FROM ${keys} WHERE access_key_id = $1`,
    listKeys: `SELECT * FROM ${keys} ORDER BY created_at, access_key_id`,
    listKeysOf: `SELECT * FROM ${keys} WHERE account_id = $1 ORDER BY created_at, access_key_id`,
    deleteKey: `WITH gone AS (DELETE FROM ${keys} WHERE access_key_id = $1 RETURNING 1)
                SELECT (SELECT count(*) FROM gone) AS n, pg_notify($2, '')`,
    countKeys: `SELECT count(*) AS n FROM ${keys}`,
  };
}

/** The PostgreSQL AccessKeyStore. Open it with `PgAccessKeyStore.open`. */
export class PgAccessKeyStore implements AccessKeyStore {
  private readonly sql: ReturnType<typeof sql>;
  private readonly channel: string;

  private constructor(private readonly schema: PgSchema) {
    this.sql = sql(schema);
    this.channel = accessKeysChannel(schema.name);
  }

  /** Brings the auth tables of `schema` (normally the shared `gust`) up to date and opens the store on them. */
  static async open(schema: PgSchema): Promise<PgAccessKeyStore> {
    await migrate(schema, AUTH_COMPONENT);
    return new PgAccessKeyStore(schema);
  }

  async putAccount(a: AccountRecord): Promise<void> {
    await conflicts(this.schema.execute(this.sql.putAccount, [a.accountId, a.name, a.createdAt]), `account ${a.accountId}`);
  }

  async getAccount(accountId: string): Promise<AccountRecord | undefined> {
    const [row] = await this.schema.query<AccountRow>(this.sql.getAccount, [accountId]);
    return row && toAccount(row);
  }

  async listAccounts(): Promise<AccountRecord[]> {
    return (await this.schema.query<AccountRow>(this.sql.listAccounts)).map(toAccount);
  }

  async putKey(k: AccessKeyRecord): Promise<void> {
    await conflicts(
      this.schema.execute(this.sql.putKey, [k.accessKeyId, k.accountId, k.sealedSecret, k.createdAt, this.channel]),
      `access key ${k.accessKeyId} (or no account ${k.accountId})`,
    );
  }

  async getKey(accessKeyId: string): Promise<AccessKeyRecord | undefined> {
    const [row] = await this.schema.query<KeyRow>(this.sql.getKey, [accessKeyId]);
    return row && toKey(row);
  }

  async listKeys(accountId?: string): Promise<AccessKeyRecord[]> {
    const rows = accountId === undefined ? await this.schema.query<KeyRow>(this.sql.listKeys) : await this.schema.query<KeyRow>(this.sql.listKeysOf, [accountId]);
    return rows.map(toKey);
  }

  async deleteKey(accessKeyId: string): Promise<boolean> {
    const [row] = await this.schema.query<{ n: string }>(this.sql.deleteKey, [accessKeyId, this.channel]);
    return Number(row?.n ?? 0) > 0;
  }

  async countKeys(): Promise<number> {
    const [row] = await this.schema.query<{ n: string }>(this.sql.countKeys);
    return Number(row?.n ?? 0);
  }

  /** The pool is the server's: closing a store releases nothing of it. */
  async close(): Promise<void> {}
}

/** Integrity violations (class 23: a unique id taken, an account missing) become the store's conflict. */
async function conflicts(write: Promise<unknown>, what: string): Promise<void> {
  try {
    await write;
  } catch (err) {
    const state = sqlState(err);
    if (state?.startsWith('23')) throw new AccessKeyStoreConflict(`${what}: SQLSTATE ${state}`);
    throw err;
  }
}
