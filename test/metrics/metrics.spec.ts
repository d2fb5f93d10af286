/**
 * Metrics against a real server and real functions: a scripted workload (successes,
 * function errors, a throttle, an async invoke, cold starts counted from REPORT lines, a
 * failed init),
 * then `GET /metrics` read with a Prometheus text parser, whose counters and histogram
 * counts must equal what the workload did; the history and summary routes, and
 * `gust top --once`, show the same.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvokeCommand, DeleteFunctionCommand, PutFunctionConcurrencyCommand } from '@aws-sdk/client-lambda';
import { startTestGust, type TestGust } from '../helpers/gust.js';
import { createFunction, expectAwsError, invoke } from '../helpers/lambda.js';
import { parseMetrics, total, type Family } from '../helpers/prometheus.js';
import { waitFor } from '../helpers/wait.js';
import { buildCli, runGust, SLOW, succeeded } from '../cli/support.js';

const ACCOUNT = '000000000000';
const HANDLER = `
exports.handler = async (event) => {
  if (event.fail) throw new TypeError('asked to fail');
  return { ok: true };
};
`;
const SUCCESSES = 5;
const ERRORS = 2;

async function scrape(t: TestGust): Promise<Map<string, Family>> {
  const res = await fetch(`${t.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseMetrics(await res.text());
}

describe('metrics of a scripted workload', () => {
  let t: TestGust;
  let coldStarts = 0;

  beforeAll(async () => {
    t = await startTestGust({ flags: { sandbox: 'process' } });
    await createFunction(t.lambda, 'work', { files: { 'index.js': HANDLER } });
    await createFunction(t.lambda, 'closed', { files: { 'index.js': HANDLER } });
    await createFunction(t.lambda, 'broken', { files: { 'index.js': "throw new Error('no init');\nexports.handler = async () => 1;\n" } });
    await t.lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'closed', ReservedConcurrentExecutions: 0 }));
    const tails: string[] = [];
    for (let i = 0; i < SUCCESSES; i++) tails.push((await invoke(t.lambda, 'work', {}, { LogType: 'Tail' })).log ?? '');
    for (let i = 0; i < ERRORS; i++) {
      const r = await invoke(t.lambda, 'work', { fail: true }, { LogType: 'Tail' });
      expect(r.functionError).toBe('Unhandled');
      tails.push(r.log ?? '');
    }
    coldStarts = tails.filter((tail) => /REPORT .*Init Duration/.test(tail)).length;
    await expectAwsError(invoke(t.lambda, 'closed', {}), 'TooManyRequestsException', 429);
    expect((await invoke(t.lambda, 'broken', {})).functionError).toBe('Unhandled');
    const accepted = await t.lambda.send(new InvokeCommand({ FunctionName: 'work', InvocationType: 'Event', Payload: Buffer.from('{}') }));
    expect(accepted.StatusCode).toBe(202);
    await waitFor('the async invoke to run', async () => (total(await scrape(t), 'gust_invocations_total', { trigger: 'async' }) === 1 ? true : undefined));
  }, 120_000);

  afterAll(async () => {
    await t?.stop();
  });

  it('counts invocations, errors, throttles and durations exactly', async () => {
    const m = await scrape(t);
    const work = { account: ACCOUNT, function: 'work' };
    expect(total(m, 'gust_invocations_total', { ...work, trigger: 'api', qualifier: '' })).toBe(SUCCESSES + ERRORS);
    expect(total(m, 'gust_invocations_total', { ...work, trigger: 'async' })).toBe(1);
    expect(total(m, 'gust_errors_total', { ...work, error_class: 'function' })).toBe(ERRORS);
    expect(total(m, 'gust_errors_total', work)).toBe(ERRORS);
    expect(total(m, 'gust_throttles_total', { account: ACCOUNT, function: 'closed' })).toBe(1);
    expect(total(m, 'gust_invocations_total', { function: 'closed' })).toBe(0);
    expect(total(m, 'gust_invocation_duration_seconds_count', work)).toBe(SUCCESSES + ERRORS + 1);
    expect(total(m, 'gust_invocation_duration_seconds_bucket', { ...work, le: '+Inf' })).toBe(SUCCESSES + ERRORS + 1);
    expect(total(m, 'gust_invocation_duration_seconds_sum', work)).toBeGreaterThan(0);
    expect(coldStarts).toBeGreaterThanOrEqual(1);
    // The async run may have started an environment of its own, if the first had been reaped.
    const cold = total(m, 'gust_cold_starts_total', work);
    expect(cold === coldStarts || cold === coldStarts + 1).toBe(true);
    expect(total(m, 'gust_init_duration_seconds_count', work)).toBe(cold);
    expect(total(m, 'gust_sandbox_init_failures_total', work)).toBe(0);
    const broken = { account: ACCOUNT, function: 'broken' };
    expect(total(m, 'gust_sandbox_init_failures_total', broken)).toBe(1);
    expect(total(m, 'gust_cold_starts_total', broken)).toBe(1);
    expect(total(m, 'gust_invocations_total', broken)).toBe(1);
    expect(total(m, 'gust_errors_total', broken)).toBe(1);
    expect(total(m, 'gust_async_events_received_total', { account: ACCOUNT })).toBe(1);
    expect(total(m, 'gust_concurrent_executions', { account: ACCOUNT })).toBe(0);
    // prom-client's process metrics come along.
    expect(m.has('process_cpu_seconds_total')).toBe(true);
    // No request id ever becomes a label.
    for (const family of m.values()) for (const s of family.metrics) expect(Object.keys(s.labels ?? {})).not.toContain('request_id');
  });

  it('keeps the last hour per function, minute by minute', async () => {
    const res = await fetch(`${t.url}/gust/metrics/history?function=work`);
    expect(res.status).toBe(200);
    const h = (await res.json()) as { function: string; minutes: { t: number; invocations: number; errors: number; throttles: number; p50: number | null; p99: number | null; maxConcurrency: number }[] };
    expect(h.function).toBe('work');
    expect(h.minutes).toHaveLength(60);
    expect(h.minutes.every((m, i) => i === 0 || m.t - h.minutes[i - 1]!.t === 60_000)).toBe(true);
    expect(h.minutes.reduce((n, m) => n + m.invocations, 0)).toBe(SUCCESSES + ERRORS + 1);
    expect(h.minutes.reduce((n, m) => n + m.errors, 0)).toBe(ERRORS);
    const busy = h.minutes.filter((m) => m.invocations > 0);
    expect(busy.every((m) => m.p50 !== null && m.p99! >= m.p50 && m.maxConcurrency >= 1)).toBe(true);
    expect(h.minutes.filter((m) => m.invocations === 0).every((m) => m.p50 === null && m.p99 === null)).toBe(true);
    const closed = (await (await fetch(`${t.url}/gust/metrics/history?function=closed`)).json()) as typeof h;
    expect(closed.minutes.reduce((n, m) => n + m.throttles, 0)).toBe(1);
    expect((await fetch(`${t.url}/gust/metrics/history`)).status).toBe(400);
  });

  it('sums the last minute per function', async () => {
    const rows = (await (await fetch(`${t.url}/gust/metrics/summary`)).json()) as { function: string; invocations: number; errors: number; p50: number | null; p99: number | null; concurrency: number }[];
    expect(rows.map((r) => r.function)).toEqual(['work', 'broken', 'closed']);
    expect(rows[0]).toMatchObject({ invocations: SUCCESSES + ERRORS + 1, errors: ERRORS, concurrency: 0 });
    expect(rows[0]!.p50).not.toBeNull();
  });

  it('gust top --once prints the functions', SLOW, async () => {
    buildCli();
    const cwd = mkdtempSync(join(tmpdir(), 'gust-top-'));
    try {
      const out = succeeded(await runGust(['top', '--once'], { cwd, endpoint: t.url }), ['top', '--once']);
      const line = out.split('\n').find((l) => l.startsWith('work'));
      expect(line, out).toBeDefined();
      expect(line!.split(/\s+/).slice(0, 4)).toEqual(['work', ((SUCCESSES + ERRORS + 1) / 60).toFixed(2), String(ERRORS), '0']);
      expect(out).toMatch(/^closed\s/m);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
  // Last: it deletes one of the workload's functions.
  it('forgets a deleted function: its series and history go', async () => {
    await t.lambda.send(new DeleteFunctionCommand({ FunctionName: 'broken' }));
    const s = await scrape(t);
    expect(s.get('gust_invocations_total')!.metrics.map((m) => m.labels!['function'])).not.toContain('broken');
    expect(total(s, 'gust_invocations_total', { function: 'work' })).toBe(SUCCESSES + ERRORS + 1);
    const rows = (await (await fetch(`${t.url}/gust/metrics/summary`)).json()) as { function: string }[];
    expect(rows.map((r) => r.function)).toEqual(['work', 'closed']);
  });
});

describe('metrics switched off', () => {
  it('has no routes and watches nothing', async () => {
    const t = await startTestGust({ flags: { sandbox: 'process', metrics: 'off' } });
    try {
      expect((await fetch(`${t.url}/metrics`)).status).toBe(404);
      expect((await fetch(`${t.url}/gust/metrics/summary`)).status).toBe(404);
    } finally {
      await t.stop();
    }
  });
});
