/**
 * What `gust accounts` and `gust keys` work on: the data dir's auth.db and its key file,
 * opened directly rather than through an HTTP API. Why: whoever manages keys must be able
 * to make the first one, which an API that needs a key cannot allow; and the data dir is
 * the trust boundary anyway (it holds the key files that seal secrets and sign function
 * credentials), so the file system's permissions are the right guard, and no key
 * management is exposed on the network. SQLite's WAL lets the CLI write while a server
 * runs; the server reads keys from the database at every verification, so a new key works
 * and a removed one stops at once.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AccessKeys } from '../auth/access-keys.js';
import { readAudit, type AuditEntry, type AuditFilter } from '../auth/audit-log.js';
import { SecretBox } from '../auth/secret-box.js';
import { SqliteAccessKeyStore } from '../store/sqlite/sqlite-access-key-store.js';
import { loadKeyFile } from './credentials-key.js';

/** The access keys as the CLI manages them. */
export type AccessKeysOfDataDir = AccessKeys;

export const AUTH_DB = 'auth.db';
export const ACCESS_KEYS_KEY = 'access-keys.key';

/** The access keys of the data dir; `close` releases the database. */
export function openAccessKeys(dataDir: string): { keys: AccessKeys; close(): Promise<void> } {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true });
  const store = SqliteAccessKeyStore.open(join(dir, AUTH_DB));
  return { keys: new AccessKeys(store, new SecretBox(loadKeyFile(dir, ACCESS_KEYS_KEY))), close: () => store.close() };
}

/** The audit log of the data dir (`gust audit`), filtered. */
export async function readAuditLog(dataDir: string, filter: AuditFilter): Promise<AuditEntry[]> {
  return readAudit(join(resolve(dataDir), 'audit.log'), filter);
}
