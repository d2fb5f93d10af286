/**
 * Gust's Prometheus metrics, named after Lambda's CloudWatch metrics (Invocations, Errors,
 * Throttles, Duration, ConcurrentExecutions, AsyncEventsReceived, AsyncEventAge,
 * AsyncEventsDropped) in Prometheus' conventions: `_total` counters, durations in seconds.
 *
 * Two kinds. What happens to invocations is counted as it happens, in plain numbers held
 * by a cached object per (account, function, qualifier, trigger), and written out at
 * scrape time (run-series.ts): prom-client's labelled children hash and validate their
 * labels at every increment (0.5 µs an `inc`, 0.75 µs an `observe`, measured), which the
 * invoke path should not pay. What is a state (running invocations, the async queue,
 * pollers, queues, buckets) is read from the spaces by prom-client gauges' `collect`
 * callbacks when Prometheus scrapes, beside prom-client's process metrics.
 *
 * Labels are bounded: account, function, qualifier, trigger and an error class, never a
 * request id. Past `maxFunctions` distinct (account, function) pairs, further functions
 * are counted under `function="_other"`.
 *
 * prom-client itself loads in `prepare()`, which the composition root calls once the
 * server listens (and a scrape waits for): it is not on start-up's path (issue 19), and
 * the invoke path never needed it.
 */
import type { Registry } from 'prom-client';
import { once } from '../core/primitives.js';
import type { InvocationRun } from '../invoke/invocation-observer.js';
import { errorClassOf, FunctionSeries, writeRunSeries } from './run-series.js';
import type { MetricsSources, SpaceView } from './sources.js';

export const DEFAULT_MAX_FUNCTIONS = 10_000;
export const OVERFLOW_FUNCTION = '_other';

type AsyncTotals = ReturnType<SpaceView['asyncTotals']>;
type PromClient = typeof import('prom-client');

export class PrometheusMetrics {
  private registry: Promise<Registry> | undefined;
  /**
   * Registers prom-client's process metrics, at the first scrape: its event-loop lag
   * histogram samples every 10 ms, which woke a server nobody scraped 100 times a second
   * (idle, 1.1% of a core; 0.5% without).
   */
  private processMetrics: (() => void) | undefined;
  private readonly functions = new Map<string, Map<string, FunctionSeries>>();
  private distinct = 0;

  constructor(
    private readonly sources: MetricsSources,
    private readonly maxFunctions = DEFAULT_MAX_FUNCTIONS,
  ) {}

  /** Loads prom-client and registers the state gauges, once (the process metrics come at the first scrape). */
  prepare(): Promise<Registry> {
    // `default` is module.exports of this CommonJS package, natively and in the bundle alike
    // (a bundler cannot know a CommonJS module's named exports at a dynamic import).
    this.registry ??= import('prom-client').then(({ default: client }) => {
      const registry = new client.Registry();
      this.processMetrics = once(() => client.collectDefaultMetrics({ register: registry }));
      this.stateMetrics(client, this.sources, [registry]);
      return registry;
    });
    return this.registry;
  }

  /** Counts one run the invoke path reports; refusals other than throttles are not invocations. */
  record(run: InvocationRun): void {
    const outcome = run.outcome;
    if (outcome === undefined && run.refused !== 'throttled') return;
    const fn = this.functionSeries(run.accountId, run.functionName);
    const series = fn.run(run.qualifier ?? '', run.trigger);
    if (outcome === undefined) {
      series.throttles++;
      return;
    }
    series.invocations++;
    if (outcome.outcome === 'error') series.errors[errorClassOf(outcome.errorType)]++;
    fn.duration.observe(outcome.durationMs / 1000);
    if (outcome.coldStart) {
      fn.coldStarts++;
      if (outcome.initDurationMs !== undefined) fn.init.observe(outcome.initDurationMs / 1000);
      if (outcome.initFailed) fn.initFailures++;
    }
  }

  /** Drops a deleted function's series (past the cap, only its way to `_other`'s, which others share). */
  forget(accountId: string, functionName: string): void {
    const byName = this.functions.get(accountId);
    const fn = byName?.get(functionName);
    if (!byName || !fn) return;
    byName.delete(functionName);
    if (fn !== byName.get(OVERFLOW_FUNCTION) || functionName === OVERFLOW_FUNCTION) this.distinct--;
    if (byName.size === 0) this.functions.delete(accountId);
  }

  /** The exposition text and its content type. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    const registry = await this.prepare();
    this.processMetrics?.();
    const all: FunctionSeries[] = [];
    for (const byName of this.functions.values()) for (const fn of new Set(byName.values())) all.push(fn);
    return { contentType: registry.contentType, body: `${writeRunSeries(all)}\n${await registry.metrics()}` };
  }

  private functionSeries(accountId: string, functionName: string): FunctionSeries {
    let byName = this.functions.get(accountId);
    if (!byName) {
      byName = new Map();
      this.functions.set(accountId, byName);
    }
    let fn = byName.get(functionName);
    if (fn) return fn;
    const name = this.distinct < this.maxFunctions ? functionName : OVERFLOW_FUNCTION;
    fn = byName.get(name);
    if (!fn) {
      this.distinct++;
      fn = new FunctionSeries(accountId, name);
      byName.set(name, fn);
    }
    // Past the cap every new name shares `_other`'s series, found again by its own name.
    if (name !== functionName) byName.set(functionName, fn);
    return fn;
  }

  /** Gauges and counters read from the spaces when Prometheus scrapes. */
  private stateMetrics({ Counter, Gauge }: PromClient, sources: MetricsSources, registers: Registry[]): void {
    new Gauge({
      name: 'gust_concurrent_executions',
      help: 'Invocations running now (Lambda: ConcurrentExecutions).',
      labelNames: ['account'],
      registers,
      collect() {
        this.reset();
        for (const space of sources.spaces()) this.set({ account: space.accountId }, space.concurrency().inFlight);
      },
    });
    new Gauge({
      name: 'gust_provisioned_concurrent_executions',
      help: 'Invocations running on provisioned environments now (Lambda: ProvisionedConcurrentExecutions).',
      labelNames: ['account'],
      registers,
      collect() {
        this.reset();
        for (const space of sources.spaces()) this.set({ account: space.accountId }, space.provisionedInFlight());
      },
    });
    new Gauge({
      name: 'gust_concurrency_limit',
      help: "The account's concurrency limit.",
      labelNames: ['account'],
      registers,
      collect() {
        this.reset();
        for (const space of sources.spaces()) this.set({ account: space.accountId }, space.concurrency().accountLimit);
      },
    });
    const asyncGauge = (name: string, help: string, read: (t: AsyncTotals) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['account'],
        registers,
        collect() {
          this.reset();
          for (const space of sources.spaces()) this.set({ account: space.accountId }, read(space.asyncTotals()));
        },
      });
    asyncGauge('gust_async_events_queued', 'Async events waiting for their first attempt.', (t) => t.queued);
    asyncGauge('gust_async_events_in_flight', 'Async events being invoked.', (t) => t.inFlight);
    asyncGauge('gust_async_events_retrying', 'Async events waiting for a retry.', (t) => t.retrying);
    asyncGauge('gust_async_oldest_event_age_seconds', 'Age of the oldest async event still queued (Lambda: AsyncEventAge).', (t) => t.oldestEventAgeMs / 1000);
    const asyncCounter = (name: string, help: string, read: (c: AsyncTotals['counters']) => number) =>
      new Counter({
        name,
        help,
        labelNames: ['account'],
        registers,
        collect() {
          this.reset();
          for (const space of sources.spaces()) this.inc({ account: space.accountId }, read(space.asyncTotals().counters));
        },
      });
    asyncCounter('gust_async_events_received_total', 'Async events accepted (Lambda: AsyncEventsReceived).', (c) => c.enqueued);
    asyncCounter('gust_async_retries_total', 'Async retries after function errors.', (c) => c.retries);
    asyncCounter('gust_async_throttles_total', 'Times an async event waited for concurrency.', (c) => c.throttles);
    asyncCounter('gust_async_events_dropped_total', 'Async events that failed for good: retries exhausted or too old (Lambda: AsyncEventsDropped).', (c) => c.failed);
    asyncCounter('gust_async_events_dead_lettered_total', 'Dropped async events sent to a dead-letter queue or on-failure destination.', (c) => c.deadLettered);
    const mappingGauge = (name: string, help: string, read: (m: { pollers: number; batchesInFlight: number }) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['account', 'mapping', 'function'],
        registers,
        collect() {
          this.reset();
          for (const space of sources.spaces()) {
            for (const m of space.mappings()) this.set({ account: space.accountId, mapping: m.uuid, function: m.functionArn.slice(m.functionArn.lastIndexOf(':function:') + 10) }, read(m));
          }
        },
      });
    mappingGauge('gust_event_source_mapping_pollers', "An event source mapping's pollers.", (m) => m.pollers);
    mappingGauge('gust_event_source_mapping_batches_in_flight', "An event source mapping's batches being invoked.", (m) => m.batchesInFlight);
    const readyGauge = (name: string, help: string, read: (r: ReturnType<MetricsSources['readySandboxes']>[number]) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['runtime'],
        registers,
        collect() {
          this.reset();
          for (const r of sources.readySandboxes()) this.set({ runtime: r.runtime }, read(r));
        },
      });
    readyGauge('gust_ready_sandboxes_waiting', 'Sandboxes booted ahead, waiting for a cold start of their runtime.', (r) => r.waiting);
    readyGauge('gust_ready_sandboxes_booting', 'Sandboxes of the runtime booting ahead now.', (r) => r.booting);
    readyGauge('gust_ready_sandboxes_target', 'How many sandboxes the runtime keeps booted ahead: grown by cold starts that found none, halved after a minute without.', (r) => r.target);
    readyGauge('gust_ready_sandboxes_memory_bytes', "The waiting sandboxes' memory (their cgroups' peak), summed.", (r) => r.memoryBytes);
    new Gauge({
      name: 'gust_sqs_messages',
      help: "A queue's messages by state: visible, in_flight, delayed (SQS: ApproximateNumberOfMessages*).",
      labelNames: ['account', 'queue', 'state'],
      registers,
      collect() {
        this.reset();
        for (const space of sources.spaces()) {
          for (const q of space.queues()) {
            this.set({ account: space.accountId, queue: q.name, state: 'visible' }, q.visible);
            this.set({ account: space.accountId, queue: q.name, state: 'in_flight' }, q.inFlight);
            this.set({ account: space.accountId, queue: q.name, state: 'delayed' }, q.delayed);
          }
        }
      },
    });
    const bucketGauge = (name: string, help: string, read: (b: { objects: number; bytes: number }) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['account', 'bucket'],
        registers,
        async collect() {
          this.reset();
          for (const b of await sources.buckets()) this.set({ account: b.owner, bucket: b.name }, read(b));
        },
      });
    bucketGauge('gust_s3_bucket_objects', "A bucket's objects (S3: NumberOfObjects).", (b) => b.objects);
    bucketGauge('gust_s3_bucket_bytes', "A bucket's stored bytes (S3: BucketSizeBytes).", (b) => b.bytes);
  }
}
