/**
 * One account's part of the composition root. Every resource belongs to an account, and
 * each account's live in a space of their own: its own stores (opened by the server's
 * state backend, state/state-backend.ts: SQLite files under the data dir, or a PostgreSQL
 * schema of its own), services whose ARNs carry its id, its pool of environments (its
 * concurrency limit is its own, as AWS counts it per account), its async queue, rules,
 * schedules and pollers. So one account cannot name, list or reach another's resources
 * through any code path but the ones that look a space up by an ARN's account (a
 * cross-account Invoke, which asks the resource policy first). What every space shares —
 * the sandbox driver, the state backend, the code blobs (content-addressed), the S3 buckets
 * (their names are global) — is built once by `startGust` and handed in.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Logger } from 'pino';
import { functionArn, parseFunctionName, type Partition } from '../core/arn.js';
import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import { mintFunctionCredentials } from '../core/function-credentials.js';
import type { BlobStore } from '../store/blob-store.js';
import type { DiskReserve } from '../store/disk-reserve.js';
import type { LogStore } from '../store/log-store.js';
import type { LockSession } from '../store/lock-session.js';
import type { CodeStorage } from '../control/code-storage.js';
import { FunctionService, type FunctionChange } from '../control/function-service.js';
import { LayerService } from '../control/layer-service.js';
import type { RuntimeAvailability } from '../control/runtime-availability.js';
import { UrlService } from '../control/url-service.js';
import { EventInvokeConfigService } from '../control/event-invoke-config-service.js';
import { QueueService, type SendMessageInput, type SendResult } from '../control/sqs/queue-service.js';
import { MappingService } from '../control/event-source-mappings/mapping-service.js';
import { EventRules } from '../control/events/event-rules.js';
import { mayInvoke } from '../control/policy/access.js';
import { AsyncQueue } from '../invoke/async/async-queue.js';
import { poolCapacity } from '../invoke/async/capacity.js';
import { DestinationRouter, LambdaTarget } from '../invoke/async/destinations.js';
import { SqsTarget } from '../invoke/async/sqs-target.js';
import { InvokeService } from '../invoke/invoke-service.js';
import type { InvokeResult } from '../invoke/invoke-types.js';
import type { RoutedRequest } from '../invoke/routed-invoke.js';
import type { InvocationObserver, InvocationTracer } from '../invoke/invocation-observer.js';
import { ProvisionedConcurrency } from '../invoke/provisioned-concurrency.js';
import { Pool } from '../pool/pool.js';
import type { ServerConcurrency } from '../pool/counting-service.js';
import type { Semaphore } from '../core/primitives.js';
import type { SandboxDriver } from '../sandbox/sandbox-driver.js';
import { RuntimeCommandResolver } from '../sandbox/runtime-command.js';
import type { RuntimeProvider } from '../sandbox/runtimes/runtime-provider.js';
import { MappingRunner } from '../triggers/sqs/mapping-runner.js';
import { EventBus } from '../triggers/events/event-bus.js';
import { TargetDispatcher } from '../triggers/events/delivery.js';
import { InvokeDelivery } from '../triggers/events/invoke-delivery.js';
import { QueueDelivery, routeDeliveries } from '../triggers/events/queue-delivery.js';
import { Scheduler } from '../triggers/schedule/scheduler.js';
import { clusterLimits } from './cluster-concurrency.js';
import type { GustConfig } from './config.js';
import type { AccountStores, StateBackend } from './state/state-backend.js';

/** What every space shares, built once by startGust. */
export interface SharedParts {
  config: GustConfig;
  logger: Logger;
  credentialsKey: Buffer;
  driver: SandboxDriver;
  runtimes: RuntimeProvider;
  /** What the control plane asks of runtimes: the provider's readiness and installs, and a version of a runtime becoming Active. */
  availability: RuntimeAvailability;
  blobs: BlobStore;
  code: CodeStorage;
  reserve: DiskReserve;
  /** Where every account's stores are (SQLite or PostgreSQL), chosen once by `--store`. */
  backend: StateBackend;
  /** Reports a background failure (a full data disk says so once). */
  report(err: unknown, context: string): void;
  /** Gust's base URL, known once it listens. */
  baseUrl(): string;
  eventsClock: Clock;
  /** What the whole server allows at once, across every account: invocations, and runtimes initialising. */
  serverConcurrency: ServerConcurrency;
  initPermits: Semaphore;
  /** Told about every synchronous run of every account (metrics, traces). */
  observer?: InvocationObserver;
  /** Decides every run's trace when traces are recorded. */
  tracer?: InvocationTracer;
  /** Told of every committed function write of every account: a cluster's node tells the other nodes (cluster-node.ts). */
  announce?: (accountId: string, functionName: string, change: FunctionChange | undefined) => void;
  /** Told of every function URL configuration written here, of every account (cluster-node.ts). */
  announceUrls?: (accountId: string, functionName: string) => void;
  /** Told of every event invoke configuration written here, of every account (cluster-node.ts). */
  announceConfigs?: (accountId: string, functionName: string) => void;
  /** Told of every EventBridge rule written here, of every account (cluster-node.ts). */
  announceRule?: (accountId: string, eventBusName: string, name: string) => void;
  /** Whether this node fires schedules (a cluster's holder of the scheduler lease, cluster-lease.ts); absent: always. */
  firesSchedules?: () => boolean;
  /** Whether this node is the keeper: it keeps the queues, runs their pollers and keeps the provisioned environments (a cluster's holder of the keeper lease, keeper.ts); absent: always. */
  keeps?: () => boolean;
  /** A cluster node's way to send a message to a queue while another node keeps them (keeper.ts). */
  sendElsewhere?: (accountId: string, queue: string, input: SendMessageInput) => Promise<SendResult>;
  /** Told of every queue created, changed or deleted here, of every account (cluster-node.ts). */
  announceQueues?: (accountId: string) => void;
  /** This node's id in a cluster: async events are then delivered under leases (event-leasing.ts). */
  node?: string;
  /** A cluster node's lock session: reserved concurrency and the account limit are then counted across the nodes. */
  locks?: LockSession;
  /** A cluster node's router: runs a synchronous invocation on another node that has an idle environment for it (invoke-routing.ts). */
  elsewhere?: (accountId: string, functionName: string, request: RoutedRequest) => Promise<InvokeResult | undefined>;
  /** Whether another node keeps provisioned environments of a version (invoke-routing.ts). */
  provisionedElsewhere?: (accountId: string, functionName: string, version: string) => boolean;
}

export class AccountSpace {
  readonly partition: Partition;
  readonly functions: FunctionService;
  readonly layers: LayerService;
  readonly urls: UrlService;
  readonly eventInvokeConfigs: EventInvokeConfigService;
  readonly queues: QueueService;
  readonly logs: LogStore;
  readonly pool: Pool;
  readonly invoker: InvokeService;
  readonly provisioned: ProvisionedConcurrency;
  readonly asyncQueue: AsyncQueue;
  readonly eventRules: EventRules;
  readonly eventBus: EventBus;
  readonly scheduler: Scheduler;
  readonly mappings: MappingService;
  readonly pollers: MappingRunner;
  private readonly dispatcher: TargetDispatcher;
  private readonly stores: { close(): Promise<void> }[];
  private pollersStopped: Promise<void> = Promise.resolve();

  /** Opens (creating on first use) the space of `accountId` and starts its background work. */
  static async open(shared: SharedParts, accountId: string): Promise<AccountSpace> {
    const stores = await shared.backend.openAccount(accountId, {
      reserve: shared.reserve,
      logRetention: { maxBytesPerGroup: shared.config.logRetentionBytes },
      onLogWriteFailure: (err, dropped) => shared.report(err, `writing function logs (${dropped} lines dropped)`),
    });
    const space = new AccountSpace(shared, accountId, stores);
    await space.start();
    return space;
  }

  private constructor(private readonly shared: SharedParts, readonly accountId: string, opened: AccountStores) {
    const { config, blobs, code, report, logger } = shared;
    const partition: Partition = { region: config.region, accountId };
    this.partition = partition;
    const store = opened.metadata;
    this.logs = opened.logs;
    const functions = new FunctionService({ store, blobs, code, partition, clock: systemClock, accountConcurrencyLimit: config.concurrencyLimit, runtimes: shared.availability, reportError: report, networks: config.hostNetworks.map((n) => n.name), ...(shared.announce ? { announce: (name: string, change: FunctionChange | undefined) => shared.announce!(accountId, name, change) } : {}) });
    this.functions = functions;
    this.layers = new LayerService({ store, blobs, code, partition, clock: systemClock });
    const urlStore = opened.urls;
    this.urls = new UrlService({ store: urlStore, functions, partition, clock: systemClock, ...(shared.announceUrls ? { announce: (name: string) => shared.announceUrls!(accountId, name) } : {}) });
    // Async invocation: events and their settings in the event queue; destinations by ARN service.
    const queueStore = opened.events;
    const destinations = new DestinationRouter();
    const announceConfigs = shared.announceConfigs;
    this.eventInvokeConfigs = new EventInvokeConfigService({ store: queueStore, functions, partition, clock: systemClock, deliverable: destinations, ...(announceConfigs ? { announce: (name: string) => announceConfigs(accountId, name) } : {}) });
    // SQS-compatible queues: each message committed before its answer.
    const sqsStore = opened.queues;
    const sendElsewhere = shared.sendElsewhere;
    const queues = new QueueService({
      store: sqsStore,
      partition,
      clock: systemClock,
      report: (err, context) => logger.warn({ err }, context),
      ...(sendElsewhere ? { elsewhere: { send: (queue: string, input: SendMessageInput) => sendElsewhere(accountId, queue, input) } } : {}),
    });
    this.queues = queues;
    const announceQueues = shared.announceQueues;
    if (announceQueues) queues.onChange(() => announceQueues(accountId));

    this.pool = new Pool({
      driver: shared.driver,
      onRetired: () => code.schedule(),
      commands: new RuntimeCommandResolver(shared.runtimes),
      logs: this.logs,
      clock: systemClock,
      region: config.region,
      endpointUrl: shared.baseUrl,
      credentials: (version) =>
        mintFunctionCredentials(
          shared.credentialsKey,
          { function: functionArn(partition, version.functionName), role: version.role, account: accountId, ...this.generationOf(version.functionName) },
          Date.now(),
        ),
      accountConcurrency: config.concurrencyLimit,
      serverConcurrency: shared.serverConcurrency,
      initPermits: shared.initPermits,
      keepAliveMs: config.keepAliveMs,
      ...(shared.locks ? { sharedLimits: clusterLimits(shared.locks, accountId, config.concurrencyLimit) } : {}),
    });
    const elsewhere = shared.elsewhere;
    const provisionedElsewhere = shared.provisionedElsewhere;
    const invoker = new InvokeService({
      functions,
      pool: this.pool,
      blobs,
      partition,
      clock: systemClock,
      enqueue: (request) => this.asyncQueue.enqueue(request),
      ...(shared.observer ? { observer: shared.observer } : {}),
      ...(shared.tracer ? { tracer: shared.tracer } : {}),
      ...(elsewhere ? { elsewhere: (name: string, request: RoutedRequest) => elsewhere(accountId, name, request) } : {}),
      ...(provisionedElsewhere ? { provisionedElsewhere: (name: string, version: string) => provisionedElsewhere(accountId, name, version) } : {}),
    });
    this.invoker = invoker;
    // After the invoker: its change listener drains a deleted version before this one lets its environments go.
    const keeps = shared.keeps;
    this.provisioned = new ProvisionedConcurrency({ functions, pool: this.pool, invokable: (version) => invoker.invokable(version), reportError: report, ...(keeps ? { keeps } : {}) });
    this.asyncQueue = new AsyncQueue({
      store: queueStore,
      invoke: (request) => invoker.invoke(request),
      functions,
      settings: this.eventInvokeConfigs,
      capacity: poolCapacity(this.pool.counting),
      destinations,
      partition,
      clock: systemClock,
      timings: { retryBaseMs: config.asyncRetryBaseMs, throttleBaseMs: config.asyncThrottleBaseMs, throttleMaxMs: config.asyncThrottleMaxMs },
      maxConcurrencyPerFunction: config.asyncMaxConcurrency,
      logs: this.logs,
      report,
      ...(shared.node !== undefined && opened.eventLeases ? { leasing: { store: opened.eventLeases, owner: shared.node } } : {}),
    });
    destinations.register('lambda', (arn) => new LambdaTarget(arn, (request) => this.asyncQueue.handOver(request)));
    destinations.register('sqs', (arn) => new SqsTarget(arn, queues));

    // EventBridge rules and schedules. Each delivery is an Event invoke, committed to the
    // event queue with its retries, as on AWS.
    const ruleStore = opened.rules;
    this.eventRules = new EventRules({ store: ruleStore, partition, clock: shared.eventsClock, log: logger, ...(shared.announceRule ? { announce: (bus: string, name: string) => shared.announceRule!(accountId, bus, name) } : {}) });
    // A target Gust cannot read as a function: the invoke reports it.
    const eventsMayInvoke = (target: string, ruleArn: string): boolean => this.servicePermits(target, 'events.amazonaws.com', ruleArn, accountId) ?? true;
    const delivery = routeDeliveries({ functions: new InvokeDelivery({ invoker, permits: eventsMayInvoke }), queues: new QueueDelivery(queues) });
    this.dispatcher = new TargetDispatcher({ targets: this.eventRules, delivery, log: logger });
    this.eventBus = new EventBus({ rules: this.eventRules, dispatcher: this.dispatcher, partition, clock: shared.eventsClock });
    this.scheduler = new Scheduler({ clock: shared.eventsClock, partition, dispatcher: this.dispatcher, rules: this.eventRules, log: logger });

    // Event source mappings and their pollers, which resume after a restart.
    const mappingStore = opened.mappings;
    this.mappings = new MappingService({ store: mappingStore, functions, queues, partition, clock: systemClock });
    this.pollers = new MappingRunner({ mappings: this.mappings, queues, invoker, functions, partition, clock: systemClock, report: (err, context) => logger.warn({ err }, context) });
    // Closed last, in this order, once nothing runs on them.
    this.stores = [queues, sqsStore, mappingStore, this.logs, urlStore, { close: async () => this.eventInvokeConfigs.close() }, queueStore, ruleStore, store];
  }

  // Each step waits for a turn of the event loop first: a space opens while the server
  // listens (gust-server.ts), and /health, which needs none of it, answers between steps.
  private async start(): Promise<void> {
    // Before the functions load: a version a previous process left Pending waits for its runtime.
    await this.functions.load();
    this.functions.onChange((name, change) => {
      if (change.kind === 'deleted' || change.kind === 'version-deleted' || change.kind === 'code' || change.kind === 'configuration') this.shared.code.schedule();
      if (change.kind === 'deleted') this.shared.observer?.forget?.(this.accountId, name);
    });
    await nextTurn();
    await this.urls.load();
    await this.eventInvokeConfigs.load();
    const keeps = this.shared.keeps?.() ?? true;
    if (keeps) await this.queues.load();
    else await this.queues.loadRecords();
    await nextTurn();
    this.provisioned.start();
    await this.asyncQueue.start();
    await nextTurn();
    const rules = await this.eventRules.load();
    if (this.shared.firesSchedules?.() ?? true) this.scheduler.start(rules);
    await this.mappings.load();
    if (keeps) await this.pollers.start();
  }

  /** This node is the keeper from now on (it took the keeper lease): the queues' messages and the mappings read again, the pollers started, the provisioned environments started. */
  async keep(): Promise<void> {
    // A space that opened after the lease was taken started as the keeper already.
    if (this.queues.hosting) return;
    await this.queues.load();
    await this.mappings.load();
    await this.pollers.start();
    this.provisioned.start();
  }

  /** Another node is the keeper from now on: the provisioned environments go, the pollers stop (their batches in flight finish), and this node knows the queues only. */
  async letGo(): Promise<void> {
    this.provisioned.letGo();
    await this.pollers.stop();
    await this.queues.loadRecords();
  }

  /** A function's credentials stand while the same incarnation of it exists. */
  private generationOf(name: string): { generation?: string } {
    const createdAt = this.functions.getFunctionSync(name)?.createdAt;
    return createdAt === undefined ? {} : { generation: createdAt };
  }

  /**
   * Whether the function `arn` names lets an AWS service invoke it for `sourceArn` on behalf
   * of `sourceAccount`, as its resource policy says (a function that does not exist has
   * none); undefined when `arn` is not a function name of this account.
   */
  servicePermits(arn: string, service: string, sourceArn: string, sourceAccount: string): boolean | undefined {
    let ref;
    try {
      ref = parseFunctionName(arn, this.partition);
    } catch {
      return undefined;
    }
    return mayInvoke(this.functions.policySync(ref.name, ref.qualifier), this.accountId, { service }, { sourceArn, sourceAccount });
  }

  /** Whether the function credentials' claims name a function of this account that still is the one they were minted for. */
  functionLive(functionName: string, generation: string | undefined): boolean {
    try {
      const record = this.functions.getFunctionSync(parseFunctionName(functionName, this.partition).name);
      return record !== undefined && (generation === undefined || generation === record.createdAt);
    } catch {
      return false;
    }
  }

  /** Stops what takes work in: schedules, rule deliveries (waiting for those handed over), pollers. */
  async stopIntake(): Promise<void> {
    this.scheduler.stop();
    this.dispatcher.close();
    await this.dispatcher.idle();
    // Pollers stop taking messages; batches in flight finish (or fail when the pool stops) and their messages come back.
    this.pollersStopped = this.pollers.stop();
  }

  /**
   * Stops the work in flight: the async queue before the environments (outcomes of
   * invocations cut short are not recorded, so those events are delivered again at the
   * next start), then the environments, so that no runtime outlives the server.
   */
  async stopWork(): Promise<void> {
    await this.asyncQueue.stop();
    await this.pool.stopAll();
    await this.pollersStopped;
  }

  /** Closes the stores, once the HTTP edge no longer calls in. */
  async close(): Promise<void> {
    this.provisioned.close();
    this.invoker.close();
    for (const store of this.stores) await store.close();
  }
}
