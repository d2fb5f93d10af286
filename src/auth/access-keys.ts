/**
 * Accounts and their access keys, as the operator manages them (`gust accounts`,
 * `gust keys`) and as the verifier looks them up. Access key ids look like AWS's long-term
 * keys (`AKIA` and 16 upper-case letters and digits), so that SDKs and tools accept them;
 * secrets are 40 characters of base64 like AWS's, shown once at creation and stored sealed.
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { AccessKeyStore, AccountRecord } from '../store/access-key-store.js';
import type { SecretBox } from './secret-box.js';

/** What `gust keys create` prints once. */
export interface NewAccessKey {
  accessKeyId: string;
  secretAccessKey: string;
  accountId: string;
}

/** A key as listed: never its secret. */
export interface AccessKeyView {
  accessKeyId: string;
  accountId: string;
  createdAt: number;
}

/** An operator's mistake, reported as one line by the CLI. */
export class AccessKeyError extends Error {}

const KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function newAccessKeyId(): string {
  let id = 'AKIA';
  for (const byte of randomBytes(16)) id += KEY_ALPHABET[byte % 32];
  return id;
}

function newAccountId(): string {
  // Never 000000000000, the server's default account when none is configured.
  let id = '';
  while (id === '' || /^0+$/.test(id)) id = String(randomInt(0, 1e12)).padStart(12, '0');
  return id;
}

export class AccessKeys {
  constructor(
    private readonly store: AccessKeyStore,
    private readonly box: SecretBox,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new account, with the id given (12 digits) or a random one. */
  async createAccount(options: { name?: string | undefined; accountId?: string | undefined } = {}): Promise<AccountRecord> {
    const accountId = options.accountId ?? newAccountId();
    if (!/^\d{12}$/.test(accountId)) throw new AccessKeyError(`an account id is twelve digits, got '${accountId}'`);
    if (await this.store.getAccount(accountId)) throw new AccessKeyError(`account ${accountId} already exists`);
    const account = { accountId, name: options.name ?? '', createdAt: this.now() };
    await this.store.putAccount(account);
    return account;
  }

  listAccounts(): Promise<AccountRecord[]> {
    return this.store.listAccounts();
  }

  /** A new key of `accountId`; its secret is returned here and never again. */
  async createKey(accountId: string): Promise<NewAccessKey> {
    if (!(await this.store.getAccount(accountId))) throw new AccessKeyError(`no account ${accountId} (gust accounts create makes one)`);
    const accessKeyId = newAccessKeyId();
    const secretAccessKey = randomBytes(30).toString('base64');
    await this.store.putKey({ accessKeyId, accountId, sealedSecret: this.box.seal(accessKeyId, secretAccessKey), createdAt: this.now() });
    return { accessKeyId, secretAccessKey, accountId };
  }

  async listKeys(accountId?: string): Promise<AccessKeyView[]> {
    return (await this.store.listKeys(accountId)).map(({ accessKeyId, accountId: owner, createdAt }) => ({ accessKeyId, accountId: owner, createdAt }));
  }

  async removeKey(accessKeyId: string): Promise<void> {
    if (!(await this.store.deleteKey(accessKeyId))) throw new AccessKeyError(`no access key ${accessKeyId}`);
  }

  /** The key's account and secret, or undefined when no key has this id (or its seal does not open). */
  async lookup(accessKeyId: string): Promise<{ accountId: string; secretAccessKey: string } | undefined> {
    const key = await this.store.getKey(accessKeyId);
    if (!key) return undefined;
    const secretAccessKey = this.box.open(accessKeyId, key.sealedSecret);
    return secretAccessKey === undefined ? undefined : { accountId: key.accountId, secretAccessKey };
  }

  /** Whether any key exists: with none, a loopback server runs open. */
  async any(): Promise<boolean> {
    return (await this.store.countKeys()) > 0;
  }
}
