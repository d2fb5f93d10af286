/**
 * The composition root: the only place that chooses concrete implementations and
 * wires them together. `startGust` returns once the server listens (before it opens the
 * accounts' stores: `started`); `close` stops it gracefully.
 */
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import pino, { type Logger } from 'pino';
import type { FastifyRequest } from 'fastify';
import { systemClock, type Clock } from '../core/clock.js';
import { FsBlobStore } from '../store/fs-blob-store.js';
import { CodeStorage } from '../control/code-storage.js';
import { buildHttpServer } from '../http/server.js';
import { closeEdge } from '../http/graceful-close.js';
import { lambdaApi } from '../http/lambda-api/lambda-api.js';
import type { LambdaApiContext } from '../http/lambda-api/context.js';
import { functionUrls, type UrlTarget } from '../http/function-urls/function-urls.js';
import { eventsApi } from '../http/events-api/events-api.js';
import { sqsApi } from '../http/sqs-api/sqs-api.js';
import { s3Api } from '../http/s3-api/s3-api.js';
import { s3EventsApi } from '../http/s3-events/s3-events-api.js';
import { webConsole } from '../http/console/console-plugin.js';
import { consoleCaller } from '../http/console/session-auth.js';
import { FsObjectBlobStore } from '../store/fs-object-blob-store.js';
import { S3Service } from '../control/s3/s3-service.js';
import { MultipartService } from '../control/s3/multipart-service.js';
import { destinationAccount, NotificationDispatcher } from '../triggers/s3/notification-dispatcher.js';
import { AmqpBucketEvents } from '../triggers/s3/amqp-bucket-events.js';
import { detectCgroups } from '../sandbox/cgroups/index.js';
import { openEnvTmp } from './env-tmp.js';
import { newInstanceName } from '../sandbox/server-instance.js';
import type { Runtime } from '../core/limits.js';
import type { RuntimeAvailability } from '../control/runtime-availability.js';
import { ProcessDriver } from '../sandbox/process-driver.js';
import { ChosenDriver } from '../sandbox/chosen-driver.js';
import { namespaceHostGap } from '../sandbox/namespace/namespace-setup.js';
import { RuntimeProvider } from '../sandbox/runtimes/runtime-provider.js';
import { loadCredentialsKey, loadMetricsToken, loadS3EventsToken, settleKeyDir } from './credentials-key.js';
import { setUpAuth } from './auth-setup.js';
import { CodeUrlSigner } from '../auth/code-urls.js';
import type { Caller } from '../auth/caller.js';
import { codeUrls } from '../http/lambda-api/code-urls.js';
import { descriptorBudget, openFilesLimit } from './descriptor-budget.js';
import { chooseSandboxDriver } from './sandbox-choice.js';
import type { FirstListener } from './first-listener.js';
import { SandboxVolume } from '../sandbox/namespace/sandbox-volume.js';
import { tmpDiskGap } from '../sandbox/namespace/tmp-disks.js';
import { Deferred } from '../core/primitives.js';
import { performance } from 'node:perf_hooks';
import { DiskReserve } from '../store/disk-reserve.js';
import { DataDisk } from './data-disk.js';
import { blobDirOf, keyDirOf, runtimesDirOf, type GustConfig } from './config.js';
import { joinCluster } from './cluster-node.js';
import { ClusterLease } from './cluster-lease.js';
import { SqsServiceUnavailable } from '../core/sqs-errors.js';
import type { SendMessageInput, SendResult } from '../control/sqs/queue-service.js';
import { Keeper } from './keeper.js';
import type { FunctionChange } from '../control/function-service.js';
import { nodesApi } from '../http/nodes-api/nodes-api.js';
import { AccountSpaces } from './account-spaces.js';
import { openStateBackend } from './state/state-backend.js';
import { ServerConcurrency } from '../pool/counting-service.js';
import { initPermits, NoIdleEnvironmentError } from '../pool/pool.js';
import type { RoutedRequest } from '../invoke/routed-invoke.js';
import type { InvokeResult } from '../invoke/invoke-types.js';
import { clusterApi } from '../http/cluster-api/cluster-api.js';
import { InvokeRouter } from './invoke-routing.js';
import { probeRuntimes, probedRuntimes, type ProbeResult } from './runtime-probe.js';
import { RuntimeArming } from './runtime-arming.js';
import type { AccountSpace } from './account-space.js';
import { observers } from '../invoke/invocation-observer.js';
import { GustMetrics } from '../metrics/gust-metrics.js';
import type { SpaceView } from '../metrics/sources.js';
import { metricsApi } from '../http/metrics-api/metrics-api.js';

/** The sandbox volume's room beyond the code-storage limit: merged /opt trees, bootstraps, /etc. */
const VOLUME_HEADROOM_BYTES = 4 * 1024 ** 3;
/** How long answers written as the environments stop have to reach their clients before the last connections are cut. */
const LAST_ANSWERS_MS = 1_000;

/** What the metrics read of a space when Prometheus scrapes. */
function spaceView(space: AccountSpace): SpaceView {
  return {
    accountId: space.accountId,
    concurrency: () => space.pool.counting.stats(),
    provisionedInFlight: () => space.pool.counting.provisionedInFlight(),
    asyncTotals: () => space.asyncQueue.totalStats(),
    mappings: () => space.pollers.report(),
    queues: () => space.queues.report(),
  };
}

/** Whether a function of an open account names the runtime, as the accounts stand now. */
function runtimesInUse(spaces: readonly AccountSpace[]): (runtime: Runtime) => boolean {
  const used = new Set<string>();
  for (const space of spaces) space.functions.runtimesInUse(used);
  return (runtime) => used.has(runtime);
}

export interface RunningGust {
  /** Base URL, for example http://127.0.0.1:9000 */
  url: string;
  port: number;
  logger: Logger;
  /**
   * Resolves once the server has opened every account's stores and resumed its work,
   * which it does after it listens (requests wait for it); rejects with the error that
   * keeps it from serving, such as a store that cannot be opened.
   */
  started: Promise<void>;
  /**
   * Cold-starts a hello world in each language runtime ready on this host, in the sandbox
   * functions run in, and logs one line per runtime (a warning for a broken one); `gust
   * serve` runs it in the background once it listens.
   */
  probeRuntimes(): Promise<ProbeResult[]>;
  close(): Promise<void>;
  /** Cuts a close's wait for requests in flight (`--shutdown-grace`) short: their environments stop now (a second signal). */
  hurry(): void;
}

/** What `gust serve` or a test may hand the wiring. */
export interface StartOptions {
  /**
   * The clock of EventBridge rules, the event bus and the scheduler (default: the system
   * clock): end-to-end suites fire schedules with a ManualClock instead of waiting.
   */
  eventsClock?: Clock;
  /**
   * The port `gust serve` opened before loading the server (first-listener.ts), on
   * `config.host`; without it the server listens itself once built.
   */
  listener?: FirstListener;
}

export async function startGust(config: GustConfig, logger: Logger = pino({ level: config.logLevel }), options: StartOptions = {}): Promise<RunningGust> {
  const dataDir = resolve(config.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const keyDir = resolve(keyDirOf(config));
  const differing = settleKeyDir(keyDir, dataDir);
  if (differing.length > 0) {
    logger.warn({ keyDir, differing }, `keys: ${differing.join(', ')} in the data dir differ from the cluster's in ${keyDir}, which this node uses: access keys made and credentials signed with this node's own before no longer verify`);
  }
  const credentialsKey = loadCredentialsKey(keyDir);
  // First, the state: a database that does not answer fails the start before anything runs.
  const backend = await openStateBackend({ ...config, dataDir }, logger);
  // A node of a cluster tells the others of its function writes and learns theirs (cluster-node.ts).
  const cluster = config.bus === '' ? undefined : await joinCluster({ bus: config.bus, dataDir, backend, logger });
  if (cluster) {
    logger.warn({ store: backend.location, bus: config.bus, node: cluster.id }, `cluster: node ${cluster.id} on PostgreSQL at ${backend.location} and NATS at ${config.bus}; functions, versions, aliases, policies, function URLs and EventBridge rules follow the other nodes' changes; a synchronous invoke with no idle environment here runs on another node's idle one when a node runs its version, and one no node runs starts on the node with the most room; schedules fire on one node (the scheduler lease's holder); async events are delivered under leases in PostgreSQL (one node at a time; a killed node's events are taken over within 13 s); reserved concurrency and the account's concurrency limit are counted across the nodes; one node, the keeper (the keeper lease's holder), keeps the SQS queues, runs the mappings' pollers, keeps the provisioned environments and delivers bucket notifications, and the others hand it those requests; event invoke configurations follow the other nodes' changes; still per node: async capacity`);
  } else if (backend.kind === 'postgres') {
    logger.warn({ store: backend.location }, `state: PostgreSQL at ${backend.location}; single-node for now (no --bus): run one Gust server per database (SQS visibility, leases and caches are kept in this process)`);
  }
  // Then a server that may not start (a non-loopback bind without keys) starts nothing.
  const auth = await setUpAuth({
    config,
    dataDir,
    keyDir,
    credentialsKey,
    backend,
    // A function's credentials stand while the same incarnation of it exists, in the account they were minted for.
    functionLive: (claims) => spaces.get(claims.account ?? config.accountId)?.functionLive(claims.function, claims.generation) ?? false,
    logger,
  }).catch(async (err: unknown) => {
    // A refused start leaves no pool of connections behind (a test starts another server in the same process).
    await cluster?.close();
    await backend.close();
    throw err;
  });

  // One name for this server's files in env-tmp and its cgroups, each swept by the next server once it is gone.
  const instance = newInstanceName();
  const envTmpDirs = openEnvTmp(dataDir, instance);
  const envTmp = envTmpDirs.dir;
  const runtimesDir = resolve(runtimesDirOf(config));
  mkdirSync(runtimesDir, { recursive: true });
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
  // The sandbox driver is chosen once the server listens (chosen-driver.ts); `started`
  // below waits for it before anything can ask for it.
  const namespaceLikely = config.sandbox !== 'process' && namespaceHostGap() === undefined;
  // The namespace sandboxes' files on a filesystem of their own, mounted once the server
  // listens, so that their mount table shows no host path (sandbox-volume.ts). Made where
  // the namespace driver can be: should its set-up still fail (`auto` then runs plain
  // processes), those read the code trees there as well as anywhere.
  // A cluster's nodes share their code trees in --blob-dir, where the volume would hold each node's own.
  const volumeGap = namespaceLikely ? (cluster ? 'the nodes of a cluster share code trees in --blob-dir' : tmpDiskGap()) : undefined;
  const volume = namespaceLikely && !volumeGap ? new SandboxVolume(join(dataDir, 'sandbox', 'volume.img'), join(dataDir, 'sandbox', 'volume'), config.codeStorageLimitBytes + VOLUME_HEADROOM_BYTES) : undefined;
  const volumeState = new Deferred<string>();
  let listening!: () => void;
  const listened = new Promise<void>((resolve) => (listening = resolve));
  // What killed servers left in env-tmp goes in the background, once this one listens.
  listened
    .then(() => envTmpDirs.sweep())
    .then(
      (removed) => {
        if (removed > 0) logger.info({ removed }, `env-tmp: removed the temporary files of ${removed} server(s) that did not stop in order`);
      },
      (err: unknown) => logger.warn({ err }, 'env-tmp: could not remove the temporary files of servers that did not stop in order'),
    );
  // Cgroup limits wherever the host has them; what a killed server left behind goes before
  // the driver's trial sandbox.
  const cgroupHost = listened.then(async () => {
    const cgroups = await detectCgroups({ instance });
    await cgroups.sweep();
    const { warnings, ...support } = cgroups.support;
    logger.info({ cgroups: support }, 'cgroups');
    for (const warning of warnings) logger.warn(warning);
    return cgroups;
  });
  const driver = new ChosenDriver(
    cgroupHost.then((cgroups) => chooseSandboxDriver({ config, dataDir, envTmp, cgroups, bindRoots: [runtimesDir], api: () => api, processDriver: () => new ProcessDriver({ tmpRoot: envTmp, socketDirPrefix: envTmpDirs.socketDirPrefix, cgroups, readySandboxes: config.readySandboxes, onReadyFailure: (err, what) => logger.warn({ err }, `ready sandbox: ${what}`) }), logger, ...(volume ? { volumeState: volumeState.promise } : {}) })),
  );
  // Before the functions load: a version a previous process left Pending waits for its runtime.
  const runtimes = new RuntimeProvider({
    dir: runtimesDir,
    npmRegistry: config.npmRegistry,
    debian: { mirror: config.debianMirror },
    // Read when a runtime is looked up, which is after the choice.
    get systemRoots() {
      return driver.name === 'namespace';
    },
  });

  // A full data disk ends no request badly and never the process: writes fail with an
  // answer that says so, deletes use the reserve, and the server logs one line.
  const reserve = new DiskReserve(join(dataDir, 'reserve'), config.diskReserveBytes);
  const dataDisk: DataDisk = new DataDisk({ dir: dataDir, logger, reserve, droppedLogLines: () => spaces.all().reduce((n, space) => n + space.logs.stats().droppedEvents, 0) });
  const report = (err: unknown, context: string) => {
    if (!dataDisk.report(err, context)) logger.warn({ err }, context);
  };

  const blobs = new FsBlobStore(resolve(blobDirOf(config)), {
    ...(volume ? { trees: { dir: volume.codeDir, ready: volume.ready, room: () => volume.room() }, report } : {}),
    ...(cluster ? { node: cluster.id } : {}),
  });
  if (volume) blobs.treesOpened.then(() => volumeState.resolve(volume.stateDir), (err: unknown) => volumeState.reject(err));
  // Code is counted and collected from what versions and layer versions of every account
  // reference, and kept while environments still run from it (a pool asks for a sweep once they stop).
  const code: CodeStorage = new CodeStorage({
    blobs,
    limitBytes: config.codeStorageLimitBytes,
    references: async () => {
      const into = new Set<string>();
      for (const space of spaces.all()) await space.layers.codeReferences(space.functions.codeReferences(into));
      return into;
    },
    inUse: () => spaces.all().flatMap((space) => [...space.pool.codeHashes()]),
    report,
    collects: !cluster,
  });
  // Metrics watch every run of every account and read the spaces when Prometheus scrapes.
  const metrics =
    config.metrics === 'on'
      ? new GustMetrics({
          spaces: () => spaces.all().map(spaceView),
          buckets: () => s3.report(),
          running: (accountId, functionName) => spaces.get(accountId)?.pool.counting.running(functionName) ?? 0,
          readySandboxes: () => driver.readySandboxes(),
        })
      : undefined;
  // Off unless an OTLP endpoint is configured: then every account's runs are traced, by one
  // exporter. OpenTelemetry's modules load only then: they would cost every other start.
  const traces = config.tracing && new (await import('../telemetry/invocation-traces.js')).InvocationTraces({ settings: config.tracing, region: config.region, reportExportFailure: (err) => logger.warn({ err, url: config.tracing?.url }, 'traces: export failed; spans of this batch are lost') });
  if (config.tracing) logger.info({ url: config.tracing.url, serviceName: config.tracing.serviceName }, 'traces: OTLP/HTTP');
  const observer = observers([...(metrics ? [metrics] : []), ...(traces ? [traces] : [])]);
  // Every account's resources in a space of its own (account-space.ts); all that exist open
  // once the server listens (below), before code storage collects what they do not
  // reference. One concurrency limit for the server beside each account's, and one set of
  // init permits, so that more accounts never mean more than the machine was sized for.
  const serverConcurrency = new ServerConcurrency(config.concurrencyLimit);
  let probing: Promise<ProbeResult[]> | undefined;
  // Arming's probes write their code apart from the start-up probe's: a version left Pending by
  // the last process can become Active, and arm its runtime, before `gust serve` starts that probe.
  const probeDeps = (inUse: ((runtime: Runtime) => boolean) | undefined, arming = false) => ({ driver, images: runtimes, region: config.region, workDir: join(envTmp, 'runtime-probe', arming ? 'arming' : ''), endpointUrl: () => baseUrl, ...(inUse ? { inUse } : {}), arming });
  const reportProbe = (results: ProbeResult[]) => {
    for (const r of results) {
      if (r.ok) logger.info({ runtime: r.runtime, initMs: r.initMs }, `runtime probe: ${r.runtime} starts in the sandbox (Init Duration ${r.initMs?.toFixed(1) ?? '?'} ms)`);
      else logger.warn({ runtime: r.runtime, problem: r.problem }, `runtime probe: ${r.runtime} does not start in the sandbox; its functions will fail: ${r.problem}`);
    }
  };
  const arming = new RuntimeArming({
    enabled: config.readySandboxes > 0,
    armed: (runtime) => driver.readySandboxes().some((r) => r.runtime === runtime),
    probe: (runtime) => probeRuntimes(probeDeps(undefined, true), [runtime]),
    startupProbe: () => probing?.catch(() => undefined) ?? Promise.resolve(),
    report: reportProbe,
    fail: (err, runtime) => logger.warn({ err, runtime }, `runtime probe: arming ${runtime} failed; its first start takes the ordinary path`),
  });
  const availability: RuntimeAvailability = { readiness: (r) => runtimes.readiness(r), prepare: (r) => runtimes.prepare(r), activated: (r) => arming.arm(r) };
  const spaces = new AccountSpaces({ config, logger, credentialsKey, driver, runtimes, availability, blobs, code, reserve, backend, report, serverConcurrency, initPermits: initPermits(), baseUrl: () => baseUrl, eventsClock: options.eventsClock ?? systemClock, ...(observer ? { observer } : {}), ...(traces ? { tracer: traces } : {}), ...(cluster ? { node: cluster.id, locks: cluster.locks, elsewhere: (account: string, name: string, request: RoutedRequest): Promise<InvokeResult | undefined> => router!.elsewhere(account, name, request), provisionedElsewhere: (account: string, name: string, version: string): boolean => router!.provisionedElsewhere(account, name, version), announce: (account: string, name: string, change: FunctionChange | undefined) => cluster.announce(account, name, change), announceUrls: (account: string, name: string) => cluster.announceUrls(account, name), announceConfigs: (account: string, name: string) => cluster.announceConfigs(account, name), announceRule: (account: string, bus: string, name: string) => cluster.announceRule(account, bus, name), firesSchedules: (): boolean => scheduleLease?.holding ?? false, keeps: (): boolean => keeperLease?.holding ?? false, sendElsewhere: (account: string, queue: string, input: SendMessageInput): Promise<SendResult> => keeper!.send(account, queue, input), announceQueues: (account: string) => cluster.announceQueues(account) } : {}) });
  // A synchronous invocation no idle environment here would take goes to a node that has one.
  const router: InvokeRouter | undefined = cluster ? new InvokeRouter({ bus: cluster.bus, cluster: cluster.cluster, secret: cluster.secret, node: cluster.id, url: () => baseUrl, warmVersions: (): string[] => spaces.warmVersions(), provisionedVersions: (): string[] => spaces.provisionedVersions(), room: () => serverConcurrency.free, logger }) : undefined;
  // One node of a cluster fires every schedule: the holder of the scheduler lease.
  const scheduleLease: ClusterLease | undefined = cluster
    ? new ClusterLease(cluster.locks, 'gust.scheduler', { lease: 'the scheduler lease', work: "it fires every account's schedules" }, { take: (holding) => spaces.startSchedules(holding), give: async () => spaces.stopSchedules() }, logger)
    : undefined;
  // One node of a cluster, the keeper, keeps every queue, runs the pollers, keeps the
  // provisioned environments and delivers bucket notifications: the holder of the keeper
  // lease. It says so once it has read them (`keeping`); the others hand it those requests (hand-over.ts).
  let keeping = false;
  const keeperLease: ClusterLease | undefined = cluster
    ? new ClusterLease(cluster.locks, 'gust.keeper', { lease: 'the keeper lease', work: "it keeps every account's queues, runs their pollers, keeps the provisioned environments and delivers bucket notifications" }, {
        take: async (holding) => {
          await spaces.keep(holding);
          if (!holding()) return;
          notifications.start();
          keeping = true;
          keeper!.tell();
        },
        give: async () => {
          keeping = false;
          await notifications.pause();
          await spaces.letGo();
          keeper!.gaveUp();
        },
      }, logger)
    : undefined;
  const keeper: Keeper | undefined = cluster ? new Keeper({ bus: cluster.bus, cluster: cluster.cluster, secret: cluster.secret, node: cluster.id, url: () => baseUrl, holding: () => keeping, vacated: () => keeperLease!.tryNow(), outboxWritten: () => notifications.wake(), logger }) : undefined;
  const load = () =>
    spaces.all().reduce(
      (sum, space) => {
        const { environments: e, concurrency } = space.pool.stats();
        return { environments: sum.environments + e.starting + e.ready + e.invoking, invocations: sum.invocations + concurrency.inFlight };
      },
      { environments: 0, invocations: 0 },
    );
  const startedAt = new Date().toISOString();
  const urlCredentials = [{ accessKeyId: config.urlAccessKeyId, secretAccessKey: config.urlSecretAccessKey }];

  // S3-compatible object storage: metadata and the notification outbox in the state backend
  // (s3.db, or PostgreSQL), bytes by SHA-256 under <blob-dir>/objects/. Notifications become
  // Event invokes, resumed here after a restart.
  const s3Store = await backend.openS3();
  // A notification goes to the space of the account its destination's ARN names (a bucket's owner's, or one whose policy lets S3 in).
  const notifications: NotificationDispatcher = new NotificationDispatcher({
    outbox: s3Store,
    targetsOf: (account) => {
      const space = spaces.get(account);
      return space && { bus: space.eventBus, invoker: space.invoker, queues: space.queues };
    },
    report,
  });
  const s3 = new S3Service({
    store: s3Store,
    // In the blob dir: a cluster's nodes share objects' bytes as they share code.
    blobs: new FsObjectBlobStore(join(resolve(blobDirOf(config)), 'objects'), cluster ? { node: cluster.id } : {}),
    clock: systemClock,
    region: config.region,
    accountId: config.accountId,
    // In a cluster the keeper alone delivers from the shared outbox: another node tells it.
    notified: () => (keeper && !keeping ? keeper.wroteOutbox() : notifications.wake()),
    // As S3 asks Lambda: the function exists and its policy lets S3 invoke it for this
    // bucket of this owner. A queue must be the owner's: Gust keeps no queue policies.
    functionAccepts: (arn, bucket, owner) => spaces.get(destinationAccount(arn) ?? owner)?.servicePermits(arn, 's3.amazonaws.com', `arn:aws:s3:::${bucket}`, owner) === true,
    queueExists: (arn, owner) => spaces.get(owner)?.queues.queueNameOfArn(arn) !== undefined,
  });
  const amqpEvents = config.s3EventsAmqp === '' ? undefined : new AmqpBucketEvents({ url: config.s3EventsAmqp, announce: (events) => s3.announceExternal(events), log: logger, now: () => systemClock.now() });

  // The space a request acts in: its verified caller's account (the server's own on an open server).
  const spaceOfCaller = (caller: Caller | undefined): AccountSpace => (caller ? spaces.get(caller.accountId) : undefined) ?? spaces.home;
  const spaceOf = (request: FastifyRequest): AccountSpace => spaceOfCaller(request.caller);
  const codeLinks = codeUrls(new CodeUrlSigner(credentialsKey, () => Date.now()), auth.verifier);
  const lambdaContexts = new WeakMap<AccountSpace, LambdaApiContext>();
  const lambdaContextOf = (space: AccountSpace): LambdaApiContext => {
    let ctx = lambdaContexts.get(space);
    if (!ctx) {
      const { partition, functions, layers, urls, eventInvokeConfigs, mappings, provisioned, invoker, asyncQueue, logs } = space;
      ctx = { partition, functions, layers, urls, eventInvokeConfigs, mappings, provisioned, invoker, asyncQueue, logs, code: blobs, codeUrls: codeLinks, baseUrl: () => baseUrl };
      lambdaContexts.set(space, ctx);
    }
    return ctx;
  };
  const urlTarget = (urlId: string): UrlTarget | undefined => {
    for (const space of spaces.all()) {
      const config = space.urls.resolve(urlId);
      if (config) return { config, partition: space.partition, invoker: space.invoker, policies: space.functions };
    }
    return undefined;
  };

  // What a first /health does not need happens once the server listens: choosing (and
  // setting up) the sandbox driver, opening every account's stores and reading their functions into memory, then code storage's count,
  // then the deliveries that resume (S3 notifications, external bucket events). Every
  // other request waits for it at the edge (`started`), so none is answered from a store
  // that is not open.
  const started = listened.then(async () => {
    const t0 = performance.now();
    // The reserve is filled before anything can write.
    await dataDisk.start();
    const chosen = await driver.chosen;
    if (chosen.name === 'namespace' && volumeGap) logger.warn({ reason: volumeGap }, `sandbox volume: none (${volumeGap}); functions can read Gust's host paths (data directory, runtimes) in /proc/self/mountinfo`);
    await nextTurn();
    // Listening to the other nodes before reading the functions: a change another node makes
    // meanwhile is in what the read finds or in a note applied once its account is open.
    // (After the read, a function created in between was never heard of on this node.)
    await cluster?.start(baseUrl, {
      refresh: (account, name, change) => spaces.whenOpen(account)?.then((space) => space.functions.refresh(name, change)),
      refreshUrls: (account, name) => spaces.whenOpen(account)?.then((space) => space.urls.refresh(name)),
      refreshConfigs: (account, name) => spaces.whenOpen(account)?.then((space) => space.eventInvokeConfigs.refresh(name)),
      reloadQueues: (account) => spaces.whenOpen(account)?.then((space) => (space.queues.hosting ? undefined : space.queues.loadRecords())),
      // The lease holder opens an account it has not served: its schedules are this node's to fire.
      reloadRule: (account, bus, name) => (scheduleLease?.holding ? spaces.ready(account) ?? spaces.whenOpen(account) : spaces.whenOpen(account))?.then((space) => space.eventRules.reload(bus, name)),
      resync: async () => {
        for (const space of spaces.all()) {
          await space.functions.resync();
          for (const name of space.functions.functionNamesSync()) await space.urls.refresh(name);
          await space.eventInvokeConfigs.refresh();
          if (!space.queues.hosting) await space.queues.loadRecords();
          await space.eventRules.resync();
        }
      },
      load,
    });
    await spaces.load();
    await nextTurn();
    // Without a sandbox volume nothing else waits for the trees to agree with the zips (a data
    // dir last served with one has its trees there); with one, sandbox starts and uploads do.
    if (!volume) await blobs.treesOpened;
    await code.load();
    if (!cluster) notifications.start();
    amqpEvents?.start();
    scheduleLease?.start();
    keeper?.start();
    keeperLease?.start();
    router?.start();
    logger.info({ accounts: spaces.all().length, ms: Math.round(performance.now() - t0) }, 'gust started: every account open');
    // Last, and waited for by the scrapes alone (the process metrics count from the first).
    metrics?.prepare().catch((err: unknown) => logger.warn({ err }, 'metrics: prom-client did not load; scrapes will fail'));
  });
  // Observed by `serve` (and by the requests that wait); a test may not look.
  started.catch(() => undefined);

  const app = buildHttpServer(logger, [
    lambdaApi({
      of: (request) => lambdaContextOf(spaceOf(request)),
      ofCaller: (caller) => lambdaContextOf(spaceOfCaller(caller)),
      ofAccount: (accountId) => {
        const space = spaces.get(accountId);
        return space && lambdaContextOf(space);
      },
    }),
    functionUrls({ region: config.region, clock: systemClock, resolve: urlTarget, credentials: urlCredentials, auth: auth.verifier, baseUrl: () => baseUrl }),
    eventsApi((request) => {
      const space = spaceOf(request);
      return { rules: space.eventRules, bus: space.eventBus, schedules: space.scheduler };
    }),
    // Shares `POST /` with the EventBridge API through its route constraint (sqs-api.ts).
    sqsApi((request) => spaceOf(request)),
    s3Api({ service: s3, multipart: new MultipartService(s3.objects), region: config.region, accountId: config.accountId }),
    s3EventsApi({ service: s3, token: loadS3EventsToken(keyDir), now: () => systemClock.now(), baseUrl: () => baseUrl }),
    ...(metrics
      ? [metricsApi({ scrape: () => metrics.scrape(), history: (account, name) => metrics.historyOf(account, name), summary: (account) => metrics.summary(account), token: loadMetricsToken(keyDir), accountId: config.accountId, verifier: auth.verifier })]
      : []),
    webConsole({ sessions: auth.sessions, enforcing: () => auth.verifier.enforcing() }),
    ...(cluster
      ? [clusterApi({ secret: cluster.secret, isBusy: (err) => err instanceof NoIdleEnvironmentError, run: async (account, request) => {
          const space = spaces.get(account);
          if (!space) throw new NoIdleEnvironmentError();
          return space.invoker.invoke(request);
        }, send: async (account, queue, input) => {
          const space = (await spaces.ready(account)) ?? spaces.get(account)!;
          // Never on to another node: the sender thought this one kept them.
          if (!space.queues.hosting) throw new SqsServiceUnavailable();
          return space.queues.send(queue, input);
        } })]
      : []),
    nodesApi({
      accountId: config.accountId,
      nodes: async () => cluster?.nodes({ self: keeping, url: keeper!.target() }) ?? [{ id: hostname(), url: baseUrl, startedAt, lastHeartbeat: new Date().toISOString(), ...load(), self: true, keeper: true }],
    }),
  ], {
    started,
    ...(keeper ? { handOver: { keeper: () => keeper.place(), found: () => keeper.found(), unreachable: (url: string) => keeper.unreachable(url) } } : {}),
    listening: options.listener,
    uploads: { concurrency: config.uploadConcurrency, maxWaiting: 32, stagingPath: () => blobs.stagingPath() },
    diskFull: (err) => dataDisk.report(err, 'the HTTP API'),
    auth: {
      // A verified caller of an account that has not acted before gets its space first. A
      // signed-in console's cookie stands for a signature on the routes it calls (docs/console.md).
      // Neither the console's check nor an open space costs a request an await it does not need.
      verify: async (request) => {
        const session = consoleCaller(auth.sessions, request);
        const sessionCaller = session && (await session);
        const verified = sessionCaller ? { caller: sessionCaller } : await auth.verifier.verify(request);
        const opening = spaces.ready(verified.caller.accountId);
        if (opening) await opening;
        return verified;
      },
      // A console's large test event (an Invoke over 1 MB) stands on its session, as it will in verify.
      precheck: async (request) => {
        const session = consoleCaller(auth.sessions, request);
        if (!(session && (await session))) await auth.verifier.precheck(request);
      },
      audit: (entry) => auth.audit.write(entry),
    },
  });
  if (options.listener) await app.ready();
  else await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  baseUrl = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
  api = { host: config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host, port };
  logger.info({ url: baseUrl, dataDir }, 'gust listening');
  // After listen: the first sandbox start (and the first upload) waits for it instead.
  if (volume) {
    const began = performance.now();
    volume.open().then(
      () => logger.info({ volume: volume.root, ms: Math.round(performance.now() - began) }, 'sandbox volume: mounted; sandboxes bind code, layers, runtimes\' bootstraps, /etc and gust-init from it'),
      (err: unknown) => logger.warn({ err, volume: volume.root }, `sandbox volume: cannot mount ${volume.image}; sandboxes bind from the data directory and can read its path in /proc/self/mountinfo`),
    );
  }
  listening();

  let closing: Promise<void> | undefined;
  let hurry: () => void = () => undefined;
  const hurried = new Promise<void>((resolve) => (hurry = resolve));
  return {
    url: baseUrl,
    port,
    logger,
    started,
    probeRuntimes() {
      probing ??= (async () => {
        const results = await probeRuntimes(probeDeps(runtimesInUse(spaces.all())), probedRuntimes((runtime) => runtimes.readiness(runtime).kind === 'ready'));
        if (results.length === 0) logger.info('runtime probe: no runtime is installed yet (each installs and is probed at its first CreateFunction)');
        reportProbe(results);
        return results;
      })();
      return probing;
    },
    hurry,
    close() {
      closing ??= (async () => {
        // What start-up still does ends first: spaces it opens are stopped below.
        await started.catch(() => undefined);
        // Gone from `gust nodes` first: the node is leaving.
        await cluster?.leave();
        router?.stop();
        // The lease goes back at once, for another node to fire the schedules.
        await scheduleLease?.stop();
        // The keeper lease too, once this node's pollers stopped (their batches in flight
        // finish first) and its provisioned environments were let go.
        await keeperLease?.stop();
        // A probe in progress finishes first: it runs on the driver closed below.
        await probing?.catch(() => undefined);
        await arming.close();
        // No new request; those in flight get --shutdown-grace to finish while the environments
        // still run, and the ones that did not are answered as their runtimes stop below.
        const edge = closeEdge(app, options.listener && (() => options.listener!.close()));
        // Async deliveries in flight get the same grace; the events waiting go to other nodes now.
        const queuesDrained = Promise.all(spaces.all().map((space) => space.asyncQueue.drain().catch((err: unknown) => logger.warn({ err, account: space.partition.accountId }, 'async queue: draining failed; it stops below'))));
        let graceTimer: NodeJS.Timeout | undefined;
        const graceEnds = new Promise<void>((resolve) => (graceTimer = setTimeout(resolve, config.shutdownGraceMs)));
        await Promise.race([Promise.all([edge.drained, queuesDrained]), graceEnds, hurried]);
        clearTimeout(graceTimer);
        const all = await spaces.shutdown();
        await Promise.all(all.map((space) => space.stopIntake()));
        await amqpEvents?.stop();
        await notifications.stop();
        await Promise.all(all.map((space) => space.stopWork()));
        await edge.drainedWithin(LAST_ANSWERS_MS);
        edge.cut();
        await edge.drained;
        await driver.close?.();
        await (await cgroupHost.catch(() => undefined))?.close();
        envTmpDirs.close();
        await volume?.close().catch((err: unknown) => logger.warn({ err }, 'sandbox volume: unmount failed'));
        for (const space of all) await space.close();
        await s3Store.close();
        await auth.close();
        router?.close();
        keeper?.close();
        await cluster?.close();
        await backend.close();
        // Last: the runs that ended while closing are in its batch.
        await traces?.shutdown();
        dataDisk.close();
      })();
      return closing;
    },
  };
}
