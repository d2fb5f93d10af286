/**
 * Event invocations against a real server and real Node.js runtimes: the 202 comes only
 * once the event is in queue.db (read here with better-sqlite3), the function then runs
 * with the 202's request id, the payload limit is AWS's 1 MB, the async path is not
 * throttled at the front door, a ClientContext reaches synchronous invocations only, and
 * `GET /gust/events` shows the queue.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvokeCommand, PutFunctionConcurrencyCommand } from '@aws-sdk/client-lambda';
import { startTestGust, type TestGust } from '../helpers/gust.js';
import { createFunction, expectAwsError } from '../helpers/lambda.js';
import { waitFor } from '../helpers/wait.js';
import { PROBE, asyncReport, drained, lines, postEvent, waitForLines } from './support.js';

interface ProbeLine {
  id: string;
  start: number;
  end: number;
  event: Record<string, unknown>;
  clientContext?: unknown;
}

describe('Event invocations', () => {
  let t: TestGust;
  let out: string;
  let queueDb: Database.Database;

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'gust-async-out-'));
    // The handlers record what they saw in a host file, which only the process driver lets a function write.
    t = await startTestGust({ flags: { sandbox: 'process' } });
    await createFunction(t.lambda, 'probe', { files: { 'index.js': PROBE }, Environment: { Variables: { OUT: join(out, 'probe.jsonl') } } });
    await createFunction(t.lambda, 'busy', { files: { 'index.js': PROBE }, Environment: { Variables: { OUT: join(out, 'busy.jsonl') } } });
    queueDb = new Database(join(t.dataDir, 'queue.db'), { readonly: true });
  });
  afterAll(async () => {
    queueDb?.close();
    await t?.stop();
    rmSync(out, { recursive: true, force: true });
  });

  /** The probe's line for the invocation whose event had `n`. */
  const ranWith = (n: string) => waitFor(`the probe to run ${n}`, () => lines<ProbeLine>(join(out, 'probe.jsonl')).find((l) => l.event.n === n));
  const storedIds = () => queueDb.prepare('SELECT request_id FROM events ORDER BY seq').pluck().all() as string[];

  it('answers 202 only once the event is in queue.db, then runs it with the same request id', async () => {
    const answer = await postEvent(t.url, 'probe', JSON.stringify({ sleep: 300, n: 1 }));
    expect(answer.status).toBe(202);
    expect(answer.body).toBe('');
    expect(answer.requestId).toMatch(/^[0-9a-f-]{36}$/);
    // Read right after the 202, by another connection: the event is committed.
    expect(storedIds()).toContain(answer.requestId);
    const [ran] = await waitForLines<ProbeLine>(join(out, 'probe.jsonl'), 1);
    expect(ran!.id).toBe(answer.requestId);
    expect(ran!.event).toEqual({ sleep: 300, n: 1 });
    await drained(t.url, 'probe');
    // Gone from the queue once its outcome is recorded.
    expect(storedIds()).not.toContain(answer.requestId);
  });

  it("does not hand an Event invoke's ClientContext to the function: Lambda passes it for synchronous invocations only", async () => {
    const clientContext = Buffer.from(JSON.stringify({ custom: { tenant: 'acme' } })).toString('base64');
    const answer = await t.lambda.send(new InvokeCommand({ FunctionName: 'probe', InvocationType: 'Event', Payload: Buffer.from('{"n":"cc"}'), ClientContext: clientContext }));
    expect(answer.StatusCode).toBe(202);
    const ran = await ranWith('cc');
    expect(ran).not.toHaveProperty('clientContext');
    // The same context on a synchronous invoke reaches the function.
    const sync = await t.lambda.send(new InvokeCommand({ FunctionName: 'probe', Payload: Buffer.from('{"n":"cc-sync"}'), ClientContext: clientContext }));
    expect(sync.StatusCode).toBe(200);
    expect((await ranWith('cc-sync')).clientContext).toEqual({ custom: { tenant: 'acme' } });
  });

  it('the SDK gets StatusCode 202 with no payload', async () => {
    const res = await t.lambda.send(new InvokeCommand({ FunctionName: 'probe', InvocationType: 'Event', Payload: Buffer.from('{"n":2}') }));
    expect(res.StatusCode).toBe(202);
    expect(Buffer.from(res.Payload ?? []).length).toBe(0);
    await drained(t.url, 'probe');
  });

  it('takes payloads up to 1 MB and refuses larger ones with RequestTooLargeException', async () => {
    const fill = (bytes: number) => JSON.stringify({ s: 'x'.repeat(bytes - 8) });
    expect(Buffer.byteLength(fill(1024 * 1024))).toBe(1024 * 1024);
    const ok = await postEvent(t.url, 'probe', fill(1024 * 1024));
    expect(ok.status).toBe(202);
    await expectAwsError(
      t.lambda.send(new InvokeCommand({ FunctionName: 'probe', InvocationType: 'Event', Payload: Buffer.from(fill(1024 * 1024 + 1)) })),
      'RequestTooLargeException',
      413,
    );
    await expectAwsError(t.lambda.send(new InvokeCommand({ FunctionName: 'probe', InvocationType: 'Event', Payload: Buffer.from('{not json') })), 'InvalidRequestContentException', 400);
    await expectAwsError(t.lambda.send(new InvokeCommand({ FunctionName: 'missing', InvocationType: 'Event', Payload: Buffer.from('{}') })), 'ResourceNotFoundException', 404);
    await drained(t.url, 'probe');
  });

  it('is never throttled at the front door: events wait until concurrency is free', async () => {
    await t.lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'busy', ReservedConcurrentExecutions: 1 }));
    const answers = await Promise.all(Array.from({ length: 5 }, (_, i) => postEvent(t.url, 'busy', JSON.stringify({ sleep: 100, i }))));
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 202, 202]);
    const report = await asyncReport(t.url, 'busy');
    expect(report.queued + report.inFlight).toBeGreaterThan(0);
    expect(report.inFlight).toBeLessThanOrEqual(1);
    const done = await drained(t.url, 'busy');
    const ran = lines<ProbeLine>(join(out, 'busy.jsonl'));
    expect(ran.map((l) => l.id).sort()).toEqual(answers.map((a) => a.requestId).sort());
    // One at a time, in arrival order.
    expect(ran.map((l) => l.event.i)).toEqual([0, 1, 2, 3, 4]);
    for (let i = 1; i < ran.length; i++) expect(ran[i]!.start).toBeGreaterThanOrEqual(ran[i - 1]!.end);
    expect(done.counters).toMatchObject({ enqueued: 5, succeeded: 5 });
  });

  it('starts the handler within milliseconds of the 202 when the queue is empty and the function warm', async () => {
    const file = join(out, 'probe.jsonl');
    const sinceSent: number[] = [];
    const since202: number[] = [];
    for (let i = 0; i < 20; i++) {
      const before = lines(file).length;
      const answer = await postEvent(t.url, 'probe', JSON.stringify({ latency: i }));
      const ran = await waitForLines<ProbeLine>(file, before + 1);
      const start = ran[ran.length - 1]!.start;
      sinceSent.push(start - answer.sentAt);
      // Can be negative: the handler may start before the client has read the 202.
      since202.push(start - answer.at);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[10]!;
    console.log(`warm function, empty queue: request sent → handler start median ${median(sinceSent)} ms (max ${Math.max(...sinceSent)}); 202 received → handler start median ${median(since202)} ms (max ${Math.max(...since202)})`);
    const gaps = since202;
    expect(median(gaps)).toBeLessThan(100);
  });

  it('GET /gust/events reports totals, and a missing function is a 404', async () => {
    const res = await fetch(`${t.url}/gust/events`);
    const totals = (await res.json()) as { counters: { enqueued: number }; functions: string[]; groupCommit: { batches: number } };
    expect(totals.functions).toEqual(expect.arrayContaining(['busy', 'probe']));
    expect(totals.counters.enqueued).toBeGreaterThanOrEqual(28);
    expect(totals.groupCommit.batches).toBeGreaterThan(0);
    const missing = await fetch(`${t.url}/gust/events/nope`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-amzn-errortype')).toBe('ResourceNotFoundException');
  });
});
