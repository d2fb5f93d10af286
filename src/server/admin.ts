/**
 * What `gust accounts` and `gust keys` work on: the access keys where the server keeps
 * them (the data dir's auth.db, or the PostgreSQL of `--store`) and the key
 * file that seals their secrets (the data dir's, or a cluster's in `<blob-dir>/keys`), opened
 * directly rather than through an HTTP API. Why:
 * whoever manages keys must be able to make the first one, which an API that needs a key
 * cannot allow; and the data dir is the trust boundary anyway (it holds the key files that
 * seal secrets and sign function credentials), so the file system's permissions are the
 * right guard, and no key management is exposed on the network. SQLite's WAL (or
 * PostgreSQL) lets the CLI write while a server runs; the server reads keys from the
 * database at every verification (on PostgreSQL, from memory kept up to date by the database's
 * notes of every key write: auth/cached-keys.ts), so a new key works and a removed one stops at once.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { AccessKeys } from '../auth/access-keys.js';
import { readAudit, type AuditEntry, type AuditFilter } from '../auth/audit-log.js';
import { SecretBox } from '../auth/secret-box.js';
import type { AccessKeyStore } from '../store/access-key-store.js';
import { keyDirOf, type GustConfig } from './config.js';
import { KEY_FILE, loadKeyFile, settleKeyDir } from './credentials-key.js';
import { openStateBackend } from './state/state-backend.js';

/** The access keys as the CLI manages them. */
export type AccessKeysOfDataDir = AccessKeys;

/** The access keys in `store`, their secrets sealed with the key file in `keyDir` (config.ts `keyDirOf`). */
export function accessKeysOf(store: AccessKeyStore, keyDir: string): AccessKeys {
  return new AccessKeys(store, new SecretBox(loadKeyFile(resolve(keyDir), KEY_FILE.accessKeys)));
}

/** The access keys of the state `config` names; `close` releases the database. */
export async function openAccessKeys(config: Pick<GustConfig, 'store' | 'dataDir' | 'blobDir' | 'accountId'>): Promise<{ keys: AccessKeys; close(): Promise<void> }> {
  mkdirSync(resolve(config.dataDir), { recursive: true });
  const keyDir = keyDirOf(config);
  settleKeyDir(keyDir, config.dataDir);
  const backend = await openStateBackend(config, pino({ level: 'silent' }));
  let store: AccessKeyStore;
  try {
    // A key sealed with this data dir's key file would open on none of a cluster's nodes.
    const nodes = keyDir === config.dataDir ? await backend.clusterNodes?.() : undefined;
    if (nodes) throw new Error(`this database is a cluster's (${nodes} node${nodes === 1 ? '' : 's'} running): pass its --blob-dir (or GUST_BLOB_DIR), where the nodes keep the key that seals access keys`);
    store = await backend.openAccessKeys();
  } catch (err) {
    await backend.close();
    throw err;
  }
  return {
    keys: accessKeysOf(store, keyDir),
    close: async () => {
      await store.close();
      await backend.close();
    },
  };
}

/** The audit log of the data dir (`gust audit`), filtered. */
export async function readAuditLog(dataDir: string, filter: AuditFilter): Promise<AuditEntry[]> {
  return readAudit(join(resolve(dataDir), 'audit.log'), filter);
}
