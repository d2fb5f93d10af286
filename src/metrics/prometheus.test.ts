import { describe, expect, it } from 'vitest';
import type { InvocationRun } from '../invoke/invocation-observer.js';
import { parseMetrics, total } from '../../test/helpers/prometheus.js';
import { OVERFLOW_FUNCTION, PrometheusMetrics } from './prometheus.js';
import { errorClassOf } from './run-series.js';
import type { MetricsSources } from './sources.js';

const ACCOUNT = '111111111111';

const sources: MetricsSources = {
  spaces: () => [
    {
      accountId: ACCOUNT,
      concurrency: () => ({ inFlight: 3, accountLimit: 1000 }),
      provisionedInFlight: () => 1,
      asyncTotals: () => ({ queued: 4, inFlight: 1, retrying: 2, oldestEventAgeMs: 1500, counters: { enqueued: 9, retries: 2, throttles: 0, failed: 1, deadLettered: 1 } }),
      mappings: () => [{ uuid: 'u-1', functionArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:worker`, pollers: 2, batchesInFlight: 1 }],
      queues: () => [{ name: 'jobs', visible: 5, inFlight: 1, delayed: 0 }],
    },
  ],
  buckets: async () => [{ name: 'photos', owner: ACCOUNT, objects: 7, bytes: 1024 }],
  running: () => 0,
  readySandboxes: () => [{ runtime: 'nodejs22.x', waiting: 6, booting: 2, target: 8, memoryBytes: 6 * 9_000_000 }],
};

const SUCCESS = { outcome: 'success' as const, payload: Buffer.alloc(0), executedVersion: '$LATEST', coldStart: false, durationMs: 12, billedDurationMs: 12, maxMemoryUsedMb: 40 };

/** A run of `functionName`: a success unless `extra` says otherwise (`refused` leaves the outcome out). */
function run(functionName: string, extra: Partial<InvocationRun> = {}): InvocationRun {
  const base: InvocationRun = {
    accountId: ACCOUNT,
    functionName,
    executedVersion: '$LATEST',
    trigger: 'api',
    requestId: 'r',
    traceId: 't',
    startedAt: 0,
    endedAt: 1,
    ...extra,
  };
  return extra.refused === undefined && extra.outcome === undefined ? { ...base, outcome: SUCCESS } : base;
}

async function read(m: PrometheusMetrics) {
  return parseMetrics((await m.scrape()).body);
}

describe('PrometheusMetrics', () => {
  it('classes errors', () => {
    expect(errorClassOf('Sandbox.Timedout')).toBe('timeout');
    expect(errorClassOf('Runtime.ExitError')).toBe('runtime');
    expect(errorClassOf('TypeError')).toBe('function');
    expect(errorClassOf(undefined)).toBe('function');
  });

  it('counts runs by qualifier and trigger, and ignores refusals other than throttles', async () => {
    const m = new PrometheusMetrics(sources);
    m.record(run('a'));
    m.record(run('a', { qualifier: 'live', trigger: 'sqs' }));
    m.record(run('a', { refused: 'throttled' }));
    m.record(run('a', { refused: 'ResourceConflictException' }));
    const failedInit = { outcome: 'error' as const, errorType: 'Runtime.ExitError', payload: Buffer.alloc(0), executedVersion: '$LATEST', coldStart: true, durationMs: 0, billedDurationMs: 0, maxMemoryUsedMb: 0, initDurationMs: 30, initFailed: true as const };
    m.record(run('a', { outcome: failedInit }));
    const s = await read(m);
    expect(total(s, 'gust_invocations_total', { function: 'a' })).toBe(3);
    expect(total(s, 'gust_invocations_total', { function: 'a', qualifier: 'live', trigger: 'sqs' })).toBe(1);
    expect(total(s, 'gust_throttles_total', { function: 'a' })).toBe(1);
    expect(total(s, 'gust_errors_total', { function: 'a', error_class: 'runtime' })).toBe(1);
    expect(total(s, 'gust_cold_starts_total', { function: 'a' })).toBe(1);
    expect(total(s, 'gust_sandbox_init_failures_total', { function: 'a' })).toBe(1);
    expect(total(s, 'gust_init_duration_seconds_count', { function: 'a' })).toBe(1);
  });

  it('counts functions past the cap under _other', async () => {
    const m = new PrometheusMetrics(sources, 2);
    for (const name of ['a', 'b', 'c', 'd', 'c']) m.record(run(name));
    const s = await read(m);
    const names = new Set(s.get('gust_invocations_total')!.metrics.map((x) => x.labels!['function']));
    expect(names).toEqual(new Set(['a', 'b', OVERFLOW_FUNCTION]));
    expect(total(s, 'gust_invocations_total', { function: OVERFLOW_FUNCTION })).toBe(3);
    expect(total(s, 'gust_invocation_duration_seconds_count', { function: OVERFLOW_FUNCTION })).toBe(3);
  });

  it('forgets a deleted function: its series go, and its place under the cap is free again', async () => {
    const m = new PrometheusMetrics(sources, 2);
    for (const name of ['a', 'b']) m.record(run(name));
    m.forget(ACCOUNT, 'a');
    m.record(run('c'));
    const s = await read(m);
    const names = new Set(s.get('gust_invocations_total')!.metrics.map((x) => x.labels!['function']));
    expect(names).toEqual(new Set(['b', 'c']));
  });

  it('reads the spaces when scraped', async () => {
    const s = await read(new PrometheusMetrics(sources));
    const account = { account: ACCOUNT };
    expect(total(s, 'gust_concurrent_executions', account)).toBe(3);
    expect(total(s, 'gust_provisioned_concurrent_executions', account)).toBe(1);
    expect(total(s, 'gust_async_events_queued', account)).toBe(4);
    expect(total(s, 'gust_async_oldest_event_age_seconds', account)).toBe(1.5);
    expect(total(s, 'gust_async_events_received_total', account)).toBe(9);
    expect(total(s, 'gust_async_events_dropped_total', account)).toBe(1);
    expect(total(s, 'gust_event_source_mapping_pollers', { mapping: 'u-1', function: 'worker' })).toBe(2);
    expect(total(s, 'gust_sqs_messages', { queue: 'jobs', state: 'visible' })).toBe(5);
    expect(total(s, 'gust_s3_bucket_objects', { account: ACCOUNT, bucket: 'photos' })).toBe(7);
    expect(total(s, 'gust_s3_bucket_bytes', { bucket: 'photos' })).toBe(1024);
    const node = { runtime: 'nodejs22.x' };
    expect(total(s, 'gust_ready_sandboxes_waiting', node)).toBe(6);
    expect(total(s, 'gust_ready_sandboxes_booting', node)).toBe(2);
    expect(total(s, 'gust_ready_sandboxes_target', node)).toBe(8);
    expect(total(s, 'gust_ready_sandboxes_memory_bytes', node)).toBe(54_000_000);
  });
});
