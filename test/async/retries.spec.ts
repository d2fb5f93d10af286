/**
 * Retries, destinations and dead letters against a real server and real Node.js runtimes,
 * with the waits shrunk by configuration (`--async-retry-base 50ms`, `--async-throttle-base
 * 20ms`): attempts counted by the handler in a file named by its environment, invocation
 * records delivered to a recorder function and compared with AWS's shape, and an event
 * that grew older than its maximum age while the server was down.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateAliasCommand, PublishVersionCommand, PutFunctionConcurrencyCommand, PutFunctionEventInvokeConfigCommand, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { newDataDir, startTestGust, type TestGust } from '../helpers/gust.js';
import { createFunction, waitActive } from '../helpers/lambda.js';
import { waitFor } from '../helpers/wait.js';
import { ARN, PROBE, RECORDER, asyncReport, drained, lines, postEvent, waitForLines } from './support.js';

interface ProbeLine {
  id: string;
  start: number;
  end: number;
}

interface Record {
  version: string;
  timestamp: string;
  requestContext: { requestId: string; functionArn: string; condition: string; approximateInvokeCount: number };
  requestPayload: unknown;
  responseContext?: { statusCode: number; executedVersion: string; functionError?: string };
  responsePayload?: unknown;
}

// The handlers record what they saw in a host file, which only the process driver lets a function write.
// No shutdown grace: the stop below abandons the event in flight instead of letting it run to its timeout.
const FLAGS = { asyncRetryBase: '50ms', asyncThrottleBase: '20ms', asyncThrottleMax: '200ms', sandbox: 'process', shutdownGrace: '0s' };

describe('async retries and destinations', () => {
  const dataDir = newDataDir();
  let t: TestGust;
  let out: string;
  const file = (name: string) => join(out, `${name}.jsonl`);

  async function probe(name: string, over: { Timeout?: number } = {}): Promise<void> {
    await createFunction(t.lambda, name, { files: { 'index.js': PROBE }, Environment: { Variables: { OUT: file(name) } }, ...over });
  }

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'gust-async-retries-'));
    t = await startTestGust({ dataDir, flags: FLAGS });
    await createFunction(t.lambda, 'recorder', { files: { 'index.js': RECORDER }, Environment: { Variables: { OUT: file('recorder') } } });
    await createFunction(t.lambda, 'dlq', { files: { 'index.js': RECORDER }, Environment: { Variables: { OUT: file('dlq') } } });
  });
  afterAll(async () => {
    await t?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(out, { recursive: true, force: true });
  });

  const recordsFor = (requestId: string) => lines<Record>(file('recorder')).filter((r) => r.requestContext.requestId === requestId);

  it('a handler that fails twice then succeeds runs 3 times, 1 and 2 retry units apart, and OnSuccess gets the record', async () => {
    await probe('flaky');
    await t.lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'flaky', DestinationConfig: { OnSuccess: { Destination: `${ARN}:recorder` } } }));
    const answer = await postEvent(t.url, 'flaky', JSON.stringify({ failTimes: 2, tag: 'flaky' }));
    expect(answer.status).toBe(202);
    const runs = await waitForLines<ProbeLine>(file('flaky'), 3);
    expect(runs.map((r) => r.id)).toEqual([answer.requestId, answer.requestId, answer.requestId]);
    expect(runs[1]!.start - runs[0]!.end).toBeGreaterThanOrEqual(45);
    expect(runs[2]!.start - runs[1]!.end).toBeGreaterThanOrEqual(95);
    const [record] = await waitFor('the success record', () => (recordsFor(answer.requestId).length > 0 ? recordsFor(answer.requestId) : undefined));
    expect(record).toEqual({
      version: '1.0',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      requestContext: { requestId: answer.requestId, functionArn: `${ARN}:flaky:$LATEST`, condition: 'Success', approximateInvokeCount: 3 },
      requestPayload: { failTimes: 2, tag: 'flaky' },
      responseContext: { statusCode: 200, executedVersion: '$LATEST' },
      responsePayload: { ok: true, seen: 3 },
    });
    const report = await drained(t.url, 'flaky');
    expect(report.counters).toMatchObject({ enqueued: 1, functionErrors: 2, retries: 2, succeeded: 1, destinationDeliveries: 1 });
    expect(lines(file('flaky'))).toHaveLength(3);
  });

  it('with MaximumRetryAttempts 0 runs once; OnFailure gets RetriesExhausted and the dead-letter target gets the event', async () => {
    await probe('once');
    await t.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'once', DeadLetterConfig: { TargetArn: `${ARN}:dlq` } }));
    await waitActive(t.lambda, 'once');
    await t.lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'once', MaximumRetryAttempts: 0, DestinationConfig: { OnFailure: { Destination: `${ARN}:recorder` } } }));
    const answer = await postEvent(t.url, 'once', JSON.stringify({ fail: true, tag: 'once' }));
    const [record] = await waitFor('the failure record', () => (recordsFor(answer.requestId).length > 0 ? recordsFor(answer.requestId) : undefined));
    expect(record!.requestContext).toEqual({ requestId: answer.requestId, functionArn: `${ARN}:once:$LATEST`, condition: 'RetriesExhausted', approximateInvokeCount: 1 });
    expect(record!.responseContext).toEqual({ statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' });
    expect(record!.responsePayload).toMatchObject({ errorType: 'Error', errorMessage: 'planned failure 1' });
    expect(record!.requestPayload).toEqual({ fail: true, tag: 'once' });
    const [dead] = await waitForLines(file('dlq'), 1);
    expect(dead).toEqual({ fail: true, tag: 'once' });
    const report = await drained(t.url, 'once');
    expect(lines(file('once'))).toHaveLength(1);
    expect(report.failed[0]).toMatchObject({ requestId: answer.requestId, condition: 'RetriesExhausted', attempts: 1, sentTo: [`${ARN}:recorder`, `${ARN}:dlq`] });
    expect(report.failed[0]!.error).toContain('planned failure 1');
    expect(report.counters).toMatchObject({ failed: 1, deadLettered: 1, destinationDeliveries: 2 });
  });

  it('by default retries a failing event twice, then gives up', async () => {
    await probe('hopeless');
    await t.lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'hopeless', DestinationConfig: { OnFailure: { Destination: `${ARN}:recorder` } } }));
    const answer = await postEvent(t.url, 'hopeless', JSON.stringify({ fail: true }));
    const [record] = await waitFor('the failure record', () => (recordsFor(answer.requestId).length > 0 ? recordsFor(answer.requestId) : undefined));
    expect(record!.requestContext).toMatchObject({ condition: 'RetriesExhausted', approximateInvokeCount: 3 });
    expect(record!.responsePayload).toMatchObject({ errorType: 'Error', errorMessage: 'planned failure 1' });
    expect(lines(file('hopeless'))).toHaveLength(3);
  });

  it('a timeout is a function error, retried as the alias is configured; the record names the alias and the version that ran', async () => {
    await probe('slowpoke', { Timeout: 1 });
    await t.lambda.send(new PublishVersionCommand({ FunctionName: 'slowpoke' }));
    await t.lambda.send(new CreateAliasCommand({ FunctionName: 'slowpoke', Name: 'live', FunctionVersion: '1' }));
    await t.lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'slowpoke', Qualifier: 'live', MaximumRetryAttempts: 1, DestinationConfig: { OnFailure: { Destination: `${ARN}:recorder` } } }));
    const answer = await postEvent(t.url, 'slowpoke', JSON.stringify({ sleep: 1500 }), 'live');
    const [record] = await waitFor('the timeout record', () => (recordsFor(answer.requestId).length > 0 ? recordsFor(answer.requestId) : undefined), 15_000);
    expect(record!.requestContext).toMatchObject({ functionArn: `${ARN}:slowpoke:live`, condition: 'RetriesExhausted', approximateInvokeCount: 2 });
    expect(record!.responseContext).toEqual({ statusCode: 200, executedVersion: '1', functionError: 'Unhandled' });
    expect(record!.responsePayload).toMatchObject({ errorType: 'Sandbox.Timedout' });
  });

  it('sends an event that grew older than its maximum age to OnFailure as EventAgeExceeded', async () => {
    await probe('stale');
    await t.lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'stale', ReservedConcurrentExecutions: 1 }));
    await t.lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'stale', MaximumEventAgeInSeconds: 60, DestinationConfig: { OnFailure: { Destination: `${ARN}:recorder` } } }));
    // One event runs (and sleeps), the other waits for the only slot; then the server stops.
    const first = await postEvent(t.url, 'stale', JSON.stringify({ sleep: 5000, n: 1 }));
    const second = await postEvent(t.url, 'stale', JSON.stringify({ n: 2 }));
    await waitFor('one in flight', async () => ((await asyncReport(t.url, 'stale')).inFlight === 1 ? true : undefined));
    await t.stop();
    // Two minutes pass while the server is down.
    const db = new Database(join(dataDir, 'queue.db'));
    const rows = db.prepare('SELECT seq, meta FROM events').all() as { seq: number; meta: string }[];
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      const meta = JSON.parse(row.meta) as { enqueuedAt: number };
      db.prepare('UPDATE events SET meta = ? WHERE seq = ?').run(JSON.stringify({ ...meta, enqueuedAt: meta.enqueuedAt - 120_000 }), row.seq);
    }
    db.close();
    t = await startTestGust({ dataDir, flags: FLAGS });
    const records = await waitFor('two age records', () => {
      const r = [...recordsFor(first.requestId), ...recordsFor(second.requestId)];
      return r.length === 2 ? r : undefined;
    });
    expect(records.map((r) => [r.requestContext.condition, r.requestContext.approximateInvokeCount, r.requestPayload])).toEqual([
      ['EventAgeExceeded', 0, { sleep: 5000, n: 1 }],
      ['EventAgeExceeded', 0, { n: 2 }],
    ]);
    expect(records[0]!.responseContext).toBeUndefined();
    const report = await drained(t.url, 'stale');
    expect(report.failed.map((f) => f.condition)).toEqual(['EventAgeExceeded', 'EventAgeExceeded']);
    expect(lines(file('stale'))).toHaveLength(0);
  });

  it('with reserved concurrency 0 sends new events to OnFailure without running them', async () => {
    await probe('closed');
    await t.lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'closed', ReservedConcurrentExecutions: 0 }));
    await t.lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'closed', DestinationConfig: { OnFailure: { Destination: `${ARN}:recorder` } } }));
    const answer = await postEvent(t.url, 'closed', JSON.stringify({ n: 0 }));
    expect(answer.status).toBe(202);
    const [record] = await waitFor('the record', () => (recordsFor(answer.requestId).length > 0 ? recordsFor(answer.requestId) : undefined));
    expect(record!.requestContext).toMatchObject({ condition: 'RetriesExhausted', approximateInvokeCount: 0 });
    expect(lines(file('closed'))).toHaveLength(0);
  });
});
