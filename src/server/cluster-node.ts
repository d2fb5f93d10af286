/**
 * This server as a node of a cluster (`--bus nats://…` with `--store postgres://…`): it
 * tells the other nodes of every function write it commits (a note on
 * `gust.<cluster>.functions.<account>`), of every function URL configuration it writes
 * (`gust.<cluster>.urls.<account>`), of every event invoke configuration
 * (`gust.<cluster>.configs.<account>`) and, keeping the queues, of every queue it changes
 * (`gust.<cluster>.queues.<account>`); it refreshes a function or its URLs from the database when another
 * node tells it of one, and keeps its row in `gust.nodes` (a heartbeat every HEARTBEAT_MS),
 * which it removes when it leaves. Notes carry no state: a node that missed some (its
 * connection to NATS dropped) reads every function of its open accounts again when it is
 * back.
 *
 * Propagation bound: a change is visible to another node's invokes once its note has
 * travelled (loopback NATS: about a millisecond) and that node has read the function
 * again (five queries on the pool); test/cluster/nodes.spec.ts measures it.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { clusterNotes, noteSubject, parseSubject, type ClusterBus } from '../bus/cluster-bus.js';
import type { FunctionChange, FunctionChangeKind } from '../control/function-service.js';
import type { NodeStore } from '../store/node-store.js';
import type { LockSession } from '../store/lock-session.js';
import type { NodeView } from '../core/model/cluster-nodes.js';
import { StateUnavailableError, type StateBackend } from './state/state-backend.js';

/** How often a node writes its heartbeat. */
export const HEARTBEAT_MS = 5_000;
/** A node silent this long was killed, not stopped: the next heartbeat of another node removes its row. */
const SILENT_MS = 6 * HEARTBEAT_MS;

const CHANGE_KINDS: ReadonlySet<string> = new Set<FunctionChangeKind>(['created', 'code', 'configuration', 'published', 'version-deleted', 'alias', 'concurrency', 'provisioned', 'tags', 'policy', 'deleted']);

/**
 * The node's id, kept in the data dir so that a restarted node is the same node (its row in
 * `gust.nodes`, its work directory in the shared blob dir): the host name and random bytes.
 */
export function nodeIdOf(dataDir: string): string {
  const file = join(dataDir, 'node-id');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const id = `${hostname().replace(/[^A-Za-z0-9-]/g, '-').slice(0, 40)}-${randomBytes(3).toString('hex')}`;
  writeFileSync(file, `${id}\n`, { flag: 'wx' });
  return id;
}

/** What the node reads of its open account spaces. */
export interface NodeSpaces {
  /** Refreshes a function of an account this node has open, or is opening (waits for it); none: nothing to do. */
  refresh(accountId: string, functionName: string, change: FunctionChange | undefined): Promise<void> | undefined;
  /** The same for a function's URL configurations. */
  refreshUrls(accountId: string, functionName: string): Promise<void> | undefined;
  /** The same for a function's event invoke configurations. */
  refreshConfigs(accountId: string, functionName: string): Promise<void> | undefined;
  /** Reads the queues of an account again, unless this node keeps them (the node that does changed one). */
  reloadQueues(accountId: string): Promise<void> | undefined;
  /** Reads a rule of an account again (the node that fires schedules opens the account if it must). */
  reloadRule(accountId: string, eventBusName: string, name: string): Promise<void> | undefined;
  /** Reads every function of every open account again (after notes may have been lost). */
  resync(): Promise<void>;
  /** Execution environments this node runs, and invocations running on them. */
  load(): { environments: number; invocations: number };
}

export interface ClusterNodeOptions {
  id: string;
  /** The cluster's id, kept in its database (NodeStore.cluster): its notes' subjects carry it. */
  cluster: string;
  /** The cluster's secret, which nodes send each other invocations with (invoke-routing.ts). */
  secret: string;
  bus: ClusterBus;
  nodes: NodeStore;
  /** The node's session for the cluster's leases (the scheduler lease). */
  locks: LockSession;
  logger: Logger;
}

export class ClusterNode {
  readonly id: string;
  private readonly startedAt = new Date().toISOString();
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> = Promise.resolve();
  private url = '';
  private spaces: NodeSpaces | undefined;

  constructor(private readonly options: ClusterNodeOptions) {
    this.id = options.id;
  }

  /** The node's session for the cluster's leases. */
  get locks(): LockSession {
    return this.options.locks;
  }

  get bus(): ClusterBus {
    return this.options.bus;
  }

  get cluster(): string {
    return this.options.cluster;
  }

  get secret(): string {
    return this.options.secret;
  }

  /** Tells the other nodes that this node committed a write of `functionName`. */
  announce(accountId: string, functionName: string, change: FunctionChange | undefined): void {
    this.options.bus.publish(noteSubject(this.options.cluster, 'functions', accountId), { node: this.id, function: functionName, ...(change ? { change } : {}) });
  }

  /** Tells the other nodes that this node wrote a URL configuration of `functionName`. */
  announceUrls(accountId: string, functionName: string): void {
    this.options.bus.publish(noteSubject(this.options.cluster, 'urls', accountId), { node: this.id, function: functionName });
  }

  /** Tells the other nodes that this node wrote event invoke configurations of `functionName`. */
  announceConfigs(accountId: string, functionName: string): void {
    this.options.bus.publish(noteSubject(this.options.cluster, 'configs', accountId), { node: this.id, function: functionName });
  }

  /** Tells the other nodes that this node, which keeps the queues, created, changed or deleted one of `accountId`. */
  announceQueues(accountId: string): void {
    this.options.bus.publish(noteSubject(this.options.cluster, 'queues', accountId), { node: this.id });
  }

  /** Tells the other nodes that this node wrote (or deleted) the rule `name` of `eventBusName`. */
  announceRule(accountId: string, eventBusName: string, name: string): void {
    this.options.bus.publish(noteSubject(this.options.cluster, 'rules', accountId), { node: this.id, bus: eventBusName, rule: name });
  }

  /** Listens to the other nodes and starts the heartbeat; once the spaces are open and the server listens at `url`. */
  async start(url: string, spaces: NodeSpaces): Promise<void> {
    this.url = url;
    this.spaces = spaces;
    const { bus, logger } = this.options;
    bus.subscribe(clusterNotes(this.options.cluster), (note, subject) => {
      const about = parseSubject(subject);
      if (note.node === this.id || !about) return;
      const { topic, account } = about;
      if (topic === 'queues') {
        spaces.reloadQueues(account)?.catch((err: unknown) => logger.warn({ err, account }, 'cluster: cannot read the queues another node changed'));
        return;
      }
      if (topic === 'rules') {
        const { bus: eventBus, rule } = note;
        if (typeof eventBus !== 'string' || typeof rule !== 'string') return;
        spaces.reloadRule(account, eventBus, rule)?.catch((err: unknown) => logger.warn({ err, account, rule }, 'cluster: cannot read a rule another node changed'));
        return;
      }
      const name = note.function;
      if (typeof name !== 'string') return;
      const fail = (err: unknown) => logger.warn({ err, account, function: name, topic }, `cluster: cannot read ${topic === 'urls' ? 'the URLs of ' : topic === 'configs' ? 'the event invoke configurations of ' : ''}a function another node changed`);
      if (topic === 'urls') {
        spaces.refreshUrls(account, name)?.catch(fail);
        return;
      }
      if (topic === 'configs') {
        spaces.refreshConfigs(account, name)?.catch(fail);
        return;
      }
      const change = readChange(note.change);
      if (change !== null) spaces.refresh(account, name, change)?.catch(fail);
    });
    bus.onReconnect(() => {
      logger.info('cluster: bus connection back; reading every function again');
      spaces.resync().catch((err: unknown) => logger.warn({ err }, 'cluster: reading the functions again failed'));
    });
    await this.beat();
    this.timer = setInterval(() => {
      this.beating = this.beat();
    }, HEARTBEAT_MS);
    this.timer.unref();
    logger.info({ node: this.id, heartbeatMs: HEARTBEAT_MS }, `cluster: node ${this.id} joined`);
  }

  /** Every node's row, this one marked, and the keeper as `keeper` says (its URL; this node's own when it keeps). */
  async nodes(keeper: { self: boolean; url: string | undefined }): Promise<NodeView[]> {
    return (await this.options.nodes.list()).map((n) => {
      const self = n.id === this.id;
      return { ...n, self, keeper: self ? keeper.self : n.url === keeper.url };
    });
  }

  /** Stops the heartbeat and removes this node's row: the first step of a stop. */
  async leave(): Promise<void> {
    clearInterval(this.timer);
    await this.beating;
    await this.options.nodes.remove(this.id).catch((err: unknown) => this.options.logger.warn({ err }, 'cluster: cannot remove this node from gust.nodes'));
  }

  /** Leaves the bus, after the writes of the stop were announced, and ends the lock session. */
  async close(): Promise<void> {
    await this.options.locks.close();
    await this.options.bus.close().catch((err: unknown) => this.options.logger.warn({ err }, 'cluster: leaving the bus failed'));
  }

  private async beat(): Promise<void> {
    const { nodes, logger } = this.options;
    try {
      await nodes.beat({ id: this.id, url: this.url, startedAt: this.startedAt, ...(this.spaces?.load() ?? { environments: 0, invocations: 0 }) });
      const gone = await nodes.removeSilent(SILENT_MS);
      if (gone.length > 0) logger.warn({ nodes: gone }, `cluster: removed nodes silent for ${SILENT_MS / 1000} s`);
    } catch (err) {
      logger.warn({ err }, 'cluster: heartbeat failed');
    }
  }
}

/** A note's change: absent (a version settled), a known change, or null for a note to drop. */
function readChange(raw: unknown): FunctionChange | undefined | null {
  if (raw === undefined) return undefined;
  if (!raw || typeof raw !== 'object') return null;
  const { kind, qualifier } = raw as { kind?: unknown; qualifier?: unknown };
  if (typeof kind !== 'string' || !CHANGE_KINDS.has(kind)) return null;
  if (qualifier !== undefined && typeof qualifier !== 'string') return null;
  return { kind: kind as FunctionChangeKind, ...(qualifier === undefined ? {} : { qualifier }) };
}

/**
 * Joins the cluster `bus` names as the node `dataDir` names: connects to NATS, then opens
 * `gust.nodes`, so that a node that cannot join writes nothing. A bus that does not answer
 * fails the start with one line, as a database that does not (StateUnavailableError); the
 * backend is closed then. Listening and the heartbeat begin with `start`.
 */
export async function joinCluster(options: { bus: string; dataDir: string; backend: StateBackend; logger: Logger }): Promise<ClusterNode> {
  const { bus: url, backend, logger } = options;
  const { BusUnavailableError, NatsBus } = await import('../bus/nats-bus.js');
  try {
    if (!backend.openNodes || !backend.openLocks) throw new StateUnavailableError('--bus needs --store postgres://…');
    const id = nodeIdOf(options.dataDir);
    const bus = await NatsBus.connect({ url, name: `gust ${id}`, report: (err, context) => logger.warn({ err }, `cluster bus: ${context}`) });
    try {
      const nodes = await backend.openNodes();
      const locks = await backend.openLocks((err, context) => logger.warn({ err }, `cluster: ${context}`));
      const { id: cluster, secret } = await nodes.cluster();
      return new ClusterNode({ id, cluster, secret, bus, nodes, locks, logger });
    } catch (err) {
      await bus.close().catch(() => undefined);
      throw err;
    }
  } catch (err) {
    await backend.close();
    throw err instanceof BusUnavailableError ? new StateUnavailableError(err.message) : err;
  }
}
