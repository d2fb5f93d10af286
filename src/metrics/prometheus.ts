/**
 * Gust's Prometheus metrics, named after Lambda's CloudWatch metrics (Invocations, Errors,
 * Throttles, Duration, ConcurrentExecutions, AsyncEventsReceived, AsyncEventAge,
 * AsyncEventsDropped) in Prometheus' conventions: `_total` counters, durations in seconds.
 *
 * Two kinds. What happens to invocations is counted as it happens: `RunSeries` caches the
 * labelled children of each (account, function, qualifier, trigger), so a run costs a few
 * map lookups and increments, no label object or string built. What is a state (running
 * invocations, the async queue, pollers, queues, buckets) is read from the spaces in a
 * `collect` callback when Prometheus scrapes, and costs nothing in between.
 *
 * Labels are bounded: account, function, qualifier, trigger and an error class, never a
 * request id. Past `maxFunctions` distinct (account, function) pairs, further functions
 * are counted under `function="_other"`.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { InvocationRun } from '../invoke/invocation-observer.js';
import type { InvokeTrigger } from '../invoke/invoke-types.js';
import type { MetricsSources, SpaceView } from './sources.js';

export const DEFAULT_MAX_FUNCTIONS = 10_000;
export const OVERFLOW_FUNCTION = '_other';

type RunLabels = 'account' | 'function' | 'qualifier' | 'trigger';
type FunctionLabels = 'account' | 'function';
type AsyncTotals = ReturnType<SpaceView['asyncTotals']>;

/**
 * Why a function failed, as few classes as an operator acts on: `timeout` (Sandbox.Timedout),
 * `runtime` (the runtime or the platform: Runtime.*, Function.*, Sandbox.*), `function`
 * (the handler's own error).
 */
export type ErrorClass = 'function' | 'timeout' | 'runtime';

export function errorClassOf(errorType: string | undefined): ErrorClass {
  if (errorType === 'Sandbox.Timedout') return 'timeout';
  if (errorType !== undefined && /^(Runtime|Function|Sandbox)\./.test(errorType)) return 'runtime';
  return 'function';
}

/** Lambda's own duration scale, from a few milliseconds to the 15-minute limit. */
const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900];
const INIT_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface RunSeries {
  invocations: Counter.Internal;
  throttles: Counter.Internal;
  errors: Partial<Record<ErrorClass, Counter.Internal>>;
}

/** One function's children: per qualifier, per trigger; and its function-wide ones. */
interface FunctionSeries {
  runs: Map<string, Partial<Record<InvokeTrigger, RunSeries>>>;
  duration: Histogram.Internal<FunctionLabels>;
  init: Histogram.Internal<FunctionLabels>;
  coldStarts: Counter.Internal;
  initFailures: Counter.Internal;
}

export class PrometheusMetrics {
  readonly registry = new Registry();
  private readonly invocations: Counter<RunLabels>;
  private readonly throttles: Counter<RunLabels>;
  private readonly errors: Counter<RunLabels | 'error_class'>;
  private readonly duration: Histogram<FunctionLabels>;
  private readonly initDuration: Histogram<FunctionLabels>;
  private readonly coldStarts: Counter<FunctionLabels>;
  private readonly initFailures: Counter<FunctionLabels>;
  private readonly functions = new Map<string, Map<string, FunctionSeries>>();
  private distinct = 0;

  constructor(sources: MetricsSources, private readonly maxFunctions = DEFAULT_MAX_FUNCTIONS) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    const runLabels: RunLabels[] = ['account', 'function', 'qualifier', 'trigger'];
    this.invocations = new Counter({ name: 'gust_invocations_total', help: 'Invocations that ran, function errors included, throttles not (Lambda: Invocations).', labelNames: runLabels, registers });
    this.errors = new Counter({ name: 'gust_errors_total', help: 'Invocations that ended in a function error, by class: function, timeout, runtime (Lambda: Errors).', labelNames: [...runLabels, 'error_class'], registers });
    this.throttles = new Counter({ name: 'gust_throttles_total', help: 'Invocations refused with TooManyRequestsException for concurrency (Lambda: Throttles).', labelNames: runLabels, registers });
    this.duration = new Histogram({ name: 'gust_invocation_duration_seconds', help: "The function's run time, as REPORT's Duration (Lambda: Duration).", labelNames: ['account', 'function'], buckets: DURATION_BUCKETS, registers });
    this.initDuration = new Histogram({ name: 'gust_init_duration_seconds', help: "Cold starts' init time, as REPORT's Init Duration.", labelNames: ['account', 'function'], buckets: INIT_BUCKETS, registers });
    this.coldStarts = new Counter({ name: 'gust_cold_starts_total', help: 'Invocations that started an execution environment (sandbox starts).', labelNames: ['account', 'function'], registers });
    this.initFailures = new Counter({ name: 'gust_sandbox_init_failures_total', help: 'Cold starts whose init failed (error, crash or init timeout).', labelNames: ['account', 'function'], registers });
    this.stateMetrics(sources, registers);
  }

  /** Counts one run the invoke path reports; refusals other than throttles are not invocations. */
  record(run: InvocationRun): void {
    const outcome = run.outcome;
    if (outcome === undefined && run.refused !== 'throttled') return;
    const fn = this.functionSeries(run.accountId, run.functionName);
    const series = this.runSeries(fn, run);
    if (outcome === undefined) {
      series.throttles.inc();
      return;
    }
    series.invocations.inc();
    if (outcome.outcome === 'error') {
      const kind = errorClassOf(outcome.errorType);
      (series.errors[kind] ??= this.errors.labels(...this.labelsOf(run, fn), kind)).inc();
    }
    fn.duration.observe(outcome.durationMs / 1000);
    if (outcome.coldStart) {
      fn.coldStarts.inc();
      if (outcome.initDurationMs !== undefined) fn.init.observe(outcome.initDurationMs / 1000);
      if (outcome.initFailed) fn.initFailures.inc();
    }
  }

  /** The exposition text and its content type. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
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
      fn = {
        runs: new Map(),
        duration: this.duration.labels(accountId, name),
        init: this.initDuration.labels(accountId, name),
        coldStarts: this.coldStarts.labels(accountId, name),
        initFailures: this.initFailures.labels(accountId, name),
      };
      byName.set(name, fn);
    }
    // Past the cap every new name shares `_other`'s series, found again by its own name.
    if (name !== functionName) byName.set(functionName, fn);
    return fn;
  }

  private runSeries(fn: FunctionSeries, run: InvocationRun): RunSeries {
    const qualifier = run.qualifier ?? '';
    let byTrigger = fn.runs.get(qualifier);
    if (!byTrigger) {
      byTrigger = {};
      fn.runs.set(qualifier, byTrigger);
    }
    let series = byTrigger[run.trigger];
    if (!series) {
      const labels = this.labelsOf(run, fn);
      series = { invocations: this.invocations.labels(...labels), throttles: this.throttles.labels(...labels), errors: {} };
      byTrigger[run.trigger] = series;
    }
    return series;
  }

  /** The run's labels as the function's series names them (`_other` past the cap). */
  private labelsOf(run: InvocationRun, fn: FunctionSeries): [string, string, string, string] {
    const name = this.functions.get(run.accountId)?.get(OVERFLOW_FUNCTION) === fn ? OVERFLOW_FUNCTION : run.functionName;
    return [run.accountId, name, run.qualifier ?? '', run.trigger];
  }

  /** Gauges and counters read from the spaces when Prometheus scrapes. */
  private stateMetrics(sources: MetricsSources, registers: Registry[]): void {
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
