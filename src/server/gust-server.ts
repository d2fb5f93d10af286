/**
 * The composition root: the only place that chooses concrete implementations and
 * wires them together. `startGust` returns once the server listens; `close` stops it
 * gracefully.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pino, { type Logger } from 'pino';
import { functionArn, type Partition } from '../core/arn.js';
import { mintFunctionCredentials } from '../core/function-credentials.js';
import { systemClock, type Clock } from '../core/clock.js';
import { SqliteMetadataStore } from '../store/sqlite/sqlite-metadata-store.js';
import { FsBlobStore } from '../store/fs-blob-store.js';
import { FunctionService } from '../control/function-service.js';
import { LayerService } from '../control/layer-service.js';
import { CodeStorage } from '../control/code-storage.js';
import { UrlService } from '../control/url-service.js';
import { SqliteUrlStore } from '../store/sqlite/sqlite-url-store.js';
import { EventInvokeConfigService } from '../control/event-invoke-config-service.js';
import { SqliteEventQueue } from '../store/sqlite/sqlite-event-queue.js';
import { SqliteQueueStore } from '../store/sqlite/sqlite-queue-store.js';
import { QueueService } from '../control/sqs/queue-service.js';
import { SqliteMappingStore } from '../store/sqlite/sqlite-mapping-store.js';
import { MappingService } from '../control/event-source-mappings/mapping-service.js';
import { MappingRunner } from '../triggers/sqs/mapping-runner.js';
import { AsyncQueue } from '../invoke/async/async-queue.js';
import { poolCapacity } from '../invoke/async/capacity.js';
import { DestinationRouter, LambdaTarget } from '../invoke/async/destinations.js';
import { SqsTarget } from '../invoke/async/sqs-target.js';
import { buildHttpServer } from '../http/server.js';
import { lambdaApi } from '../http/lambda-api/lambda-api.js';
import { functionUrls } from '../http/function-urls/function-urls.js';
import { eventsApi } from '../http/events-api/events-api.js';
import { sqsApi } from '../http/sqs-api/sqs-api.js';
import { s3Api } from '../http/s3-api/s3-api.js';
import { s3EventsApi } from '../http/s3-events/s3-events-api.js';
import { SqliteS3Store } from '../store/sqlite/sqlite-s3-store.js';
import { FsObjectBlobStore } from '../store/fs-object-blob-store.js';
import { S3Service } from '../control/s3/s3-service.js';
import { MultipartService } from '../control/s3/multipart-service.js';
import { NotificationDispatcher } from '../triggers/s3/notification-dispatcher.js';
import { AmqpBucketEvents } from '../triggers/s3/amqp-bucket-events.js';
import { parseFunctionName } from '../core/arn.js';
import { InvokeService } from '../invoke/invoke-service.js';
import { ProvisionedConcurrency } from '../invoke/provisioned-concurrency.js';
import { Pool } from '../pool/pool.js';
import { detectCgroups } from '../sandbox/cgroups/index.js';
import { ProcessDriver } from '../sandbox/process-driver.js';
import { RuntimeCommandResolver } from '../sandbox/runtime-command.js';
import { RuntimeProvider } from '../sandbox/runtimes/runtime-provider.js';
import { loadCredentialsKey, loadS3EventsToken } from './credentials-key.js';
import { mayInvoke } from '../control/policy/access.js';
import { setUpAuth } from './auth-setup.js';
import { CodeUrlSigner } from '../auth/code-urls.js';
import { codeUrls } from '../http/lambda-api/code-urls.js';
import { descriptorBudget, openFilesLimit } from './descriptor-budget.js';
import { chooseSandboxDriver } from './sandbox-choice.js';
import { SqliteLogStore } from '../store/sqlite/sqlite-log-store.js';
import { DiskReserve } from '../store/disk-reserve.js';
import { DataDisk } from './data-disk.js';
import { SqliteRuleStore } from '../store/sqlite/sqlite-rule-store.js';
import { EventRules } from '../control/events/event-rules.js';
import { EventBus } from '../triggers/events/event-bus.js';
import { TargetDispatcher } from '../triggers/events/delivery.js';
import { InvokeDelivery } from '../triggers/events/invoke-delivery.js';
import { QueueDelivery, routeDeliveries } from '../triggers/events/queue-delivery.js';
import { Scheduler } from '../triggers/schedule/scheduler.js';
import { runtimesDirOf, type GustConfig } from './config.js';

export interface RunningGust {
  /** Base URL, for example http://127.0.0.1:9000 */
  url: string;
  port: number;
  logger: Logger;
  close(): Promise<void>;
}

/** What a test may replace in the wiring; production passes nothing. */
export interface StartOptions {
  /**
   * The clock of EventBridge rules, the event bus and the scheduler (default: the system
   * clock): end-to-end suites fire schedules with a ManualClock instead of waiting.
   */
  eventsClock?: Clock;
}

export async function startGust(config: GustConfig, logger: Logger = pino({ level: config.logLevel }), options: StartOptions = {}): Promise<RunningGust> {
  const dataDir = resolve(config.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const partition: Partition = { region: config.region, accountId: config.accountId };
  const credentialsKey = loadCredentialsKey(dataDir);
  // First: a server that may not start (a non-loopback bind without keys) starts nothing.
  const auth = await setUpAuth({
    config,
    dataDir,
    credentialsKey,
    // A function's credentials stand while the same incarnation of it exists.
    functionLive: (claims) => {
      try {
        const record = functions.getFunctionSync(parseFunctionName(claims.function, partition).name);
        return record !== undefined && (claims.generation === undefined || claims.generation === record.createdAt);
      } catch {
        return false;
      }
    },
    logger,
  });

  const envTmp = join(dataDir, 'env-tmp');
  mkdirSync(envTmp, { recursive: true });
  const runtimesDir = resolve(runtimesDirOf(config));
  mkdirSync(runtimesDir, { recursive: true });
  // Cgroup limits wherever the host has them; what a killed server left behind goes first.
  const cgroups = await detectCgroups();
  await cgroups.sweep();
  const { warnings, ...support } = cgroups.support;
  logger.info({ cgroups: support }, 'cgroups');
  for (const warning of warnings) logger.warn(warning);
  const openFiles = openFilesLimit();
  if (openFiles !== undefined) {
    const budget = descriptorBudget(openFiles);
    const fits = budget.environments >= config.concurrencyLimit;
    logger[fits ? 'info' : 'warn'](
      { openFiles, environments: budget.environments, concurrencyLimit: config.concurrencyLimit },
      fits
        ? `file descriptors: ${openFiles} hold ${budget.environments} environments at their worst`
        : `file descriptors: ${openFiles} hold only ${budget.environments} environments at their worst, fewer than --concurrency-limit ${config.concurrencyLimit}; raise the limit (ulimit -n, LimitNOFILE=) or lower the concurrency limit`,
    );
  }
  // Where Gust's API listens, known once it does; the sandboxes' road to it asks at each connection.
  let api = { host: '127.0.0.1', port: config.port };
  let baseUrl = '';
  const driver = await chooseSandboxDriver({ config, dataDir, envTmp, cgroups, bindRoots: [runtimesDir], api: () => api, processDriver: () => new ProcessDriver({ tmpRoot: envTmp, cgroups }), logger });
  // Before the functions load: a version a previous process left Pending waits for its runtime.
  const runtimes = new RuntimeProvider({ dir: runtimesDir, npmRegistry: config.npmRegistry, debian: { mirror: config.debianMirror }, systemRoots: driver.name === 'namespace' });

  // A full data disk ends no request badly and never the process: writes fail with an
  // answer that says so, deletes use the reserve, and the server logs one line.
  const reserve = new DiskReserve(join(dataDir, 'reserve'), config.diskReserveBytes);
  const dataDisk: DataDisk = new DataDisk({ dir: dataDir, logger, reserve, droppedLogLines: () => logs.stats().droppedEvents });
  await dataDisk.start();
  const report = (err: unknown, context: string) => {
    if (!dataDisk.report(err, context)) logger.warn({ err }, context);
  };

  const store = SqliteMetadataStore.open(join(dataDir, 'gust.db'), { reserve });
  const blobs = new FsBlobStore(join(dataDir, 'blobs'));
  const logs = SqliteLogStore.open(join(dataDir, 'logs.db'), {
    retention: { maxBytesPerGroup: config.logRetentionBytes },
    onWriteFailure: (err, dropped) => report(err, `writing function logs (${dropped} lines dropped)`),
  });
  // Code is counted and collected from what versions and layer versions reference, and
  // kept while environments still run from it (the pool asks for a sweep once they stop).
  const code: CodeStorage = new CodeStorage({
    blobs,
    limitBytes: config.codeStorageLimitBytes,
    references: () => layers.codeReferences(functions.codeReferences()),
    inUse: () => pool.codeHashes(),
    report,
  });
  const functions = new FunctionService({ store, blobs, code, partition, clock: systemClock, accountConcurrencyLimit: config.concurrencyLimit, runtimes, reportError: report, networks: config.hostNetworks.map((n) => n.name) });
  const layers = new LayerService({ store, blobs, code, partition, clock: systemClock });
  await functions.load();
  functions.onChange((_name, change) => {
    if (change.kind === 'deleted' || change.kind === 'version-deleted' || change.kind === 'code' || change.kind === 'configuration') code.schedule();
  });
  const urlStore = SqliteUrlStore.open(join(dataDir, 'urls.db'));
  const urls = new UrlService({ store: urlStore, functions, partition, clock: systemClock });
  await urls.load();
  const urlCredentials = [{ accessKeyId: config.urlAccessKeyId, secretAccessKey: config.urlSecretAccessKey }];
  // Async invocation: events and their settings in queue.db; destinations by ARN service.
  const queueStore = SqliteEventQueue.open(join(dataDir, 'queue.db'), { writerThread: true });
  const destinations = new DestinationRouter();
  const eventInvokeConfigs = new EventInvokeConfigService({ store: queueStore, functions, partition, clock: systemClock, deliverable: destinations });
  await eventInvokeConfigs.load();

  // SQS-compatible queues: in sqs.db, committed on a writer thread before each answer.
  const sqsStore = SqliteQueueStore.open(join(dataDir, 'sqs.db'), { writerThread: true });
  const queues = new QueueService({ store: sqsStore, partition, clock: systemClock, report: (err, context) => logger.warn({ err }, context) });
  await queues.load();

  const pool: Pool = new Pool({
    driver,
    onRetired: () => code.schedule(),
    commands: new RuntimeCommandResolver(runtimes),
    logs,
    clock: systemClock,
    region: config.region,
    endpointUrl: () => baseUrl,
    credentials: (version) =>
      mintFunctionCredentials(
        credentialsKey,
        { function: functionArn(partition, version.functionName), role: version.role, account: partition.accountId, ...generationOf(version.functionName) },
        Date.now(),
      ),
    accountConcurrency: config.concurrencyLimit,
    keepAliveMs: config.keepAliveMs,
  });
  function generationOf(name: string): { generation?: string } {
    const createdAt = functions.getFunctionSync(name)?.createdAt;
    return createdAt === undefined ? {} : { generation: createdAt };
  }
  const invoker: InvokeService = new InvokeService({ functions, pool, blobs, partition, clock: systemClock, enqueue: (request) => asyncQueue.enqueue(request) });
  // After the invoker: its change listener drains a deleted version before this one lets its environments go.
  const provisioned = new ProvisionedConcurrency({ functions, pool, invokable: (version) => invoker.invokable(version), reportError: report });
  provisioned.start();
  const asyncQueue: AsyncQueue = new AsyncQueue({
    store: queueStore,
    invoke: (request) => invoker.invoke(request),
    functions,
    settings: eventInvokeConfigs,
    capacity: poolCapacity(pool.counting),
    destinations,
    partition,
    clock: systemClock,
    timings: { retryBaseMs: config.asyncRetryBaseMs, throttleBaseMs: config.asyncThrottleBaseMs, throttleMaxMs: config.asyncThrottleMaxMs },
    maxConcurrencyPerFunction: config.asyncMaxConcurrency,
    logs,
    report,
  });
  destinations.register('lambda', (arn) => new LambdaTarget(arn, (request) => asyncQueue.handOver(request)));
  destinations.register('sqs', (arn) => new SqsTarget(arn, queues));
  await asyncQueue.start();

  // EventBridge rules and schedules: rules live in gust.db beside the functions. Each
  // delivery is an Event invoke, committed to queue.db with its retries, as on AWS.
  const ruleStore = SqliteRuleStore.open(join(dataDir, 'gust.db'));
  const eventsClock = options.eventsClock ?? systemClock;
  const eventRules = new EventRules({ store: ruleStore, partition, clock: eventsClock, log: logger });
  /**
   * Whether the function `arn` names lets an AWS service invoke it for `sourceArn`, as its
   * resource policy says (a function that does not exist has none); undefined when `arn`
   * is not a function name Gust can read.
   */
  const servicePermits = (arn: string, service: string, sourceArn: string): boolean | undefined => {
    let ref;
    try {
      ref = parseFunctionName(arn, partition);
    } catch {
      return undefined;
    }
    return mayInvoke(functions.policySync(ref.name, ref.qualifier), partition.accountId, { service }, { sourceArn, sourceAccount: partition.accountId });
  };
  // A target Gust cannot read as a function: the invoke reports it.
  const eventsMayInvoke = (functionArn: string, ruleArn: string): boolean => servicePermits(functionArn, 'events.amazonaws.com', ruleArn) ?? true;
  const delivery = routeDeliveries({ functions: new InvokeDelivery({ invoker, permits: eventsMayInvoke }), queues: new QueueDelivery(queues) });
  const dispatcher = new TargetDispatcher({ targets: eventRules, delivery, log: logger });
  const eventBus = new EventBus({ rules: eventRules, dispatcher, partition, clock: eventsClock });
  const scheduler = new Scheduler({ clock: eventsClock, partition, dispatcher, rules: eventRules, log: logger });
  scheduler.start(await eventRules.load());

  // Event source mappings (mappings.db) and their pollers, which resume here after a restart.
  const mappingStore = SqliteMappingStore.open(join(dataDir, 'mappings.db'));
  const mappings = new MappingService({ store: mappingStore, functions, queues, partition, clock: systemClock });
  await mappings.load();
  const pollers = new MappingRunner({ mappings, queues, invoker, functions, partition, clock: systemClock, report: (err, context) => logger.warn({ err }, context) });
  await pollers.start();

  // S3-compatible object storage: metadata and the notification outbox in s3.db, bytes by
  // SHA-256 under blobs/objects/. Notifications become Event invokes, resumed here after a restart.
  const s3Store = SqliteS3Store.open(join(dataDir, 's3.db'), config.accountId);
  const notifications: NotificationDispatcher = new NotificationDispatcher({ outbox: s3Store, targetsOf: (account) => (account === config.accountId ? { bus: eventBus, invoker, queues } : undefined), report });
  const s3 = new S3Service({
    store: s3Store,
    blobs: new FsObjectBlobStore(join(dataDir, 'blobs', 'objects')),
    clock: systemClock,
    region: config.region,
    accountId: config.accountId,
    notified: () => notifications.wake(),
    // As S3 asks Lambda: the function exists and its policy lets S3 invoke it for this bucket.
    functionAccepts: (arn, bucket) => servicePermits(arn, 's3.amazonaws.com', `arn:aws:s3:::${bucket}`) === true,
    queueExists: (arn) => queues.queueNameOfArn(arn) !== undefined,
  });
  notifications.start();
  const amqpEvents = config.s3EventsAmqp === '' ? undefined : new AmqpBucketEvents({ url: config.s3EventsAmqp, announce: (events) => s3.announceExternal(events), log: logger, now: () => systemClock.now() });
  amqpEvents?.start();

  await code.load();

  const app = buildHttpServer(logger, [
    lambdaApi({ partition, functions, layers, urls, eventInvokeConfigs, mappings, provisioned, invoker, asyncQueue, code: blobs, codeUrls: codeUrls(new CodeUrlSigner(credentialsKey, () => Date.now()), auth.verifier), logs, baseUrl: () => baseUrl }),
    functionUrls({ partition, clock: systemClock, urls, invoker, policies: functions, credentials: urlCredentials, auth: auth.verifier, baseUrl: () => baseUrl }),
    eventsApi({ rules: eventRules, bus: eventBus, schedules: scheduler }),
    // Shares `POST /` with the EventBridge API through its route constraint (sqs-api.ts).
    sqsApi({ partition, queues, pollers }),
    s3Api({ service: s3, multipart: new MultipartService(s3.objects), region: config.region, accountId: config.accountId }),
    s3EventsApi({ service: s3, token: loadS3EventsToken(dataDir), now: () => systemClock.now(), baseUrl: () => baseUrl }),
  ], {
    uploads: { concurrency: config.uploadConcurrency, maxWaiting: 32, stagingPath: () => blobs.stagingPath() },
    diskFull: (err) => dataDisk.report(err, 'the HTTP API'),
    auth: { verify: (request, options) => auth.verifier.verify(request, options), precheck: (request) => auth.verifier.precheck(request), audit: (entry) => auth.audit.write(entry) },
  });
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  baseUrl = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
  api = { host: config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host, port };
  logger.info({ url: baseUrl, dataDir }, 'gust listening');

  let closing: Promise<void> | undefined;
  return {
    url: baseUrl,
    port,
    logger,
    close() {
      closing ??= (async () => {
        scheduler.stop();
        dispatcher.close();
        // Deliveries already handed over only wait for their commit to queue.db.
        await dispatcher.idle();
        // Pollers stop taking messages; batches in flight finish (or fail when the pool stops) and their messages come back.
        const pollersStopped = pollers.stop();
        // The async queue before the environments: outcomes of invocations cut short by the
        // stop are not recorded, so those events are delivered again at the next start.
        await amqpEvents?.stop();
        await notifications.stop();
        await asyncQueue.stop();
        // Environments first: in-flight invocations end, and no runtime outlives the server.
        await pool.stopAll();
        await pollersStopped;
        await driver.close?.();
        await cgroups.close();
        provisioned.close();
        invoker.close();
        await app.close();
        await queues.close();
        await s3Store.close();
        await sqsStore.close();
        await mappingStore.close();
        await logs.close();
        await urlStore.close();
        eventInvokeConfigs.close();
        await queueStore.close();
        await ruleStore.close();
        await store.close();
        await auth.close();
        dataDisk.close();
      })();
      return closing;
    },
  };
}
