/**
 * The AccessKeyStore keeps the accounts an operator creates and their access keys. A key's
 * secret is stored sealed (encrypted by auth/secret-box.ts under a key file kept outside the
 * database): the store never sees it in clear. Every implementation must pass
 * `runAccessKeyStoreContract` in access-key-store.contract.ts.
 *
 * Rules every implementation keeps:
 * - Reads return copies.
 * - An account id and an access key id are unique: a second `putAccount`/`putKey` with the
 *   same id is refused with AccessKeyStoreConflict.
 * - A key belongs to an account that exists (`putKey` of an unknown account is refused).
 * - Deleting something that is not stored answers false.
 */

/** An account an operator created. */
export interface AccountRecord {
  /** Twelve digits, as in ARNs. */
  accountId: string;
  name: string;
  /** Ms since the epoch. */
  createdAt: number;
}

/** An access key of an account, its secret sealed. */
export interface AccessKeyRecord {
  accessKeyId: string;
  accountId: string;
  /** The secret, sealed by the secret box (base64 of nonce, tag and ciphertext). */
  sealedSecret: string;
  createdAt: number;
}

/** A put that names an id already stored, or an account that does not exist. */
export class AccessKeyStoreConflict extends Error {}

export interface AccessKeyStore {
  putAccount(account: AccountRecord): Promise<void>;
  getAccount(accountId: string): Promise<AccountRecord | undefined>;
  /** Every account, oldest first. */
  listAccounts(): Promise<AccountRecord[]>;
  putKey(key: AccessKeyRecord): Promise<void>;
  getKey(accessKeyId: string): Promise<AccessKeyRecord | undefined>;
  /** The keys of one account, or all of them, oldest first. */
  listKeys(accountId?: string): Promise<AccessKeyRecord[]>;
  /** Whether the key existed. */
  deleteKey(accessKeyId: string): Promise<boolean>;
  /** How many keys exist: none means the server may run open on loopback. */
  countKeys(): Promise<number>;
  close(): Promise<void>;
}
