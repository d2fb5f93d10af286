/**
 * Where a server keeps its durable state: the one choice `--store` makes, taken once by the
 * composition root (gust-server.ts) and handed to every account space, so that no other
 * module asks which database it runs on. Each backend opens the same store contracts
 * (src/store/*.ts), which both implementations pass (the `*.contract.ts` suites).
 * - `sqlite` (the default): files in the data dir, as Gust always kept them.
 * - `postgres://…`: one database; each account's stores in a schema of its own, the access
 *   keys and the S3 buckets' metadata in the shared `gust` schema.
 * Code and object bytes stay in the data dir's blob stores with either.
 */
import type { Logger } from 'pino';
import type { AccessKeyStore } from '../../store/access-key-store.js';
import type { ChangeWatch } from '../../store/change-watch.js';
import type { EventLeases, EventQueueStore } from '../../store/event-queue.js';
import type { LogRetention, LogStore } from '../../store/log-store.js';
import type { MappingStore } from '../../store/mapping-store.js';
import type { NodeStore } from '../../store/node-store.js';
import type { LockSession } from '../../store/lock-session.js';
import type { MetadataStore } from '../../store/metadata-store.js';
import type { QueueStore } from '../../store/queue-store.js';
import type { RuleStore } from '../../store/rule-store.js';
import type { S3Store } from '../../store/s3-store.js';
import type { UrlStore } from '../../store/url-store.js';
import type { GustConfig } from '../config.js';

/** The stores of one account's space. */
export interface AccountStores {
  metadata: MetadataStore;
  urls: UrlStore;
  /** Async events and their invoke configs. */
  events: EventQueueStore;
  /** The events' leases, where several nodes share the store (PostgreSQL). */
  eventLeases?: EventLeases;
  /** SQS-compatible queues and their messages. */
  queues: QueueStore;
  mappings: MappingStore;
  logs: LogStore;
  rules: RuleStore;
}

/** What an account's stores are told by the space. */
export interface AccountStoreOptions {
  logRetention: LogRetention;
  /** Space a delete may free when the data disk is full (SQLite's databases live on it; see DiskReserve). */
  reserve: { release(): boolean };
  /** Told when a batch of function logs could not be written and was dropped. */
  onLogWriteFailure(err: unknown, dropped: number): void;
}

export interface StateBackend {
  /** `sqlite` or `postgres`, for the start-up log and the metrics. */
  readonly kind: 'sqlite' | 'postgres';
  /** Where the state is, for the start-up log: the data dir, or the database URL without its password. */
  readonly location: string;
  /** The accounts other than the server's own that have state here, to open at start-up. */
  otherAccounts(): Promise<string[]>;
  /** Opens (creating on first use) the stores of `accountId`. */
  openAccount(accountId: string, options: AccountStoreOptions): Promise<AccountStores>;
  /** The server-wide access keys and accounts. */
  openAccessKeys(): Promise<AccessKeyStore>;
  /**
   * Word of every write of access keys, from any process, so that the server may keep them
   * in memory (auth/cached-keys.ts): PostgreSQL's notifications, SQLite's `-wal` file watched.
   */
  watchAccessKeys?(report: (err: Error, context: string) => void): Promise<ChangeWatch>;
  /** The server-wide S3 buckets, objects' metadata and notification outbox. */
  openS3(): Promise<S3Store>;
  /** The cluster's nodes and their heartbeats; PostgreSQL alone (a SQLite server is one node). */
  openNodes?(): Promise<NodeStore>;
  /** How many nodes of a cluster the state lists now (0 when none ever joined), read without migrating anything; PostgreSQL alone. */
  clusterNodes?(): Promise<number>;
  /** The node's own session for the cluster's leases (lock-session.ts); PostgreSQL alone. */
  openLocks?(report: (err: Error, context: string) => void): Promise<LockSession>;
  /** Releases what the backend holds (PostgreSQL's pool), once every store it opened is closed. */
  close(): Promise<void>;
}

/** Thrown when the state named by `--store` (or the cluster's `--bus`) cannot be reached at start-up; `gust serve` prints its message alone. */
export class StateUnavailableError extends Error {}

/**
 * The backend `store` names (`sqlite`, or a `postgres://` URL as config.ts accepts it).
 * A PostgreSQL that does not answer fails here, before anything else starts.
 */
export async function openStateBackend(config: Pick<GustConfig, 'store' | 'dataDir' | 'accountId'>, logger: Logger): Promise<StateBackend> {
  // Each backend (and its driver) loads only when chosen; `gust serve` imports this module
  // before its port opens (first-listener.ts) for StateUnavailableError alone.
  if (config.store === 'sqlite') return new (await import('./sqlite-backend.js')).SqliteBackend(config.dataDir, config.accountId);
  return (await import('./postgres-backend.js')).PostgresBackend.connect(config.store, config.accountId, logger);
}
