/**
 * The auth part of the composition root: the access keys of the state backend, the mode the
 * server runs in (scope 3 of issue 17), the verifier every API uses, and the audit log.
 * - No access key, loopback bind: open, as Gust always was (any or no signature accepted,
 *   one default account), said in the start-up log.
 * - Any access key: every request on every API is verified (keys made later with
 *   `gust keys create` take effect at once: the verifier keeps what it read of the store
 *   until the store says a key was written, by a PostgreSQL notification or a write to
 *   SQLite's `-wal` file: auth/cached-keys.ts).
 * - Non-loopback bind with no key: refused at start-up, unless --insecure-no-auth.
 */
import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { AuditLog } from '../auth/audit-log.js';
import { CachedKeys } from '../auth/cached-keys.js';
import { RequestVerifier } from '../auth/verifier.js';
import { ConsoleSessions } from '../auth/console-sessions.js';
import type { FunctionCredentialClaims } from '../core/function-credentials.js';
import { accessKeysOf } from './admin.js';
import { ConfigError, type GustConfig } from './config.js';
import { isLoopback } from './loopback.js';
import type { StateBackend } from './state/state-backend.js';

export interface AuthSetup {
  verifier: RequestVerifier;
  audit: AuditLog;
  /** The web console's sign-in sessions (docs/console.md). */
  sessions: ConsoleSessions;
  close(): Promise<void>;
}

export async function setUpAuth(options: {
  config: GustConfig;
  /** Where the audit log is written (this node's own). */
  dataDir: string;
  /** Where `access-keys.key` is (config.ts `keyDirOf`). */
  keyDir: string;
  credentialsKey: Buffer;
  backend: StateBackend;
  functionLive(claims: FunctionCredentialClaims): boolean;
  logger: Logger;
}): Promise<AuthSetup> {
  const { config, logger } = options;
  const store = await options.backend.openAccessKeys();
  const watch = await options.backend.watchAccessKeys?.((err, context) => logger.warn({ err }, `authentication: ${context}`)).catch(async (err: unknown) => {
    await store.close();
    throw err;
  });
  const opened = {
    keys: accessKeysOf(store, options.keyDir),
    close: async () => {
      await watch?.close();
      await store.close();
    },
  };
  // The server's own account exists in the store, so that `gust keys create --account
  // <--account-id>` works at once: until resources are kept per account, only its keys act.
  if (!(await opened.keys.listAccounts()).some((a) => a.accountId === config.accountId)) {
    // The nodes of a cluster starting together on a fresh database: one of them makes it.
    await opened.keys.createAccount({ accountId: config.accountId, name: 'default' }).catch(async (err: unknown) => {
      if (!(await opened.keys.listAccounts()).some((a) => a.accountId === config.accountId)) throw err;
    });
  }
  const loopback = isLoopback(config.host);
  const anyKey = await opened.keys.any();
  if (!loopback && !anyKey && !config.insecureNoAuth) {
    await opened.close();
    throw new ConfigError(
      `refusing to serve on ${config.host} without authentication: no access key exists. Create one (gust accounts create, then gust keys create --account <id>) or pass --insecure-no-auth to let anyone who reaches the port deploy and run code`,
    );
  }
  if (anyKey) logger.info('authentication: every request must be signed (SigV4) by an access key');
  else if (loopback) logger.warn('authentication: OFF — no access key exists, so any or no signature is accepted on this loopback address (gust keys create turns it on)');
  else logger.warn(`authentication: OFF on ${config.host} (--insecure-no-auth): anyone who reaches the port can deploy and run code`);
  const verifier = new RequestVerifier({
    keys: watch ? new CachedKeys(opened.keys, watch) : opened.keys,
    functionCredentialsKey: options.credentialsKey,
    functionLive: options.functionLive,
    accountId: config.accountId,
    mayRunOpen: loopback || config.insecureNoAuth,
    now: () => Date.now(),
  });
  await verifier.enforcing();
  const audit = new AuditLog(join(options.dataDir, 'audit.log'));
  // Its own key, derived, so that a session token and a function's credentials never share one.
  const sessions = new ConsoleSessions({ key: createHmac('sha256', options.credentialsKey).update('gust console sessions').digest(), keys: opened.keys, now: () => Date.now() });
  return { verifier, audit, sessions, close: async () => { await audit.close(); await opened.close(); } };
}
