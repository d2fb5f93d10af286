/**
 * AsyncQueue on a ManualClock (retries never sleep) with the real embedded stores
 * (FunctionService on SQLite, the queue in queue.db) and the pool's real CountingService.
 * The synchronous invoke path is a scripted function that takes a real concurrency lease
 * while it runs, so throttling behaves as with the pool; the integration suites in
 * test/async run the same queue against real runtimes.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../core/clock.js';
import { ServiceException, TooManyRequestsException } from '../../core/errors.js';
import { Deferred } from '../../core/primitives.js';
import { EventInvokeConfigService, type EventInvokeConfigInput } from '../../control/event-invoke-config-service.js';
import { FunctionService } from '../../control/function-service.js';
import { handlerZip, nodeFunction, openFunctionFixture, TEST_PARTITION as PARTITION, type FunctionFixture } from '../../../test/helpers/functions.js';
import { CountingService } from '../../pool/counting-service.js';
import type { EventQueueStore } from '../../store/event-queue.js';
import { PgEventQueue } from '../../store/postgres/pg-event-queue.js';
import { testPostgres } from '../../store/postgres/testing/test-postgres.js';
import { SqliteEventQueue } from '../../store/sqlite/sqlite-event-queue.js';
import type { InvokeRequest, InvokeResult } from '../invoke-types.js';
import { AsyncQueue, type AsyncQueueDeps } from './async-queue.js';
import { poolCapacity } from './capacity.js';
import { DestinationRouter, LambdaTarget } from './destinations.js';
import type { InvocationRecord } from './invocation-record.js';

const ARN = 'arn:aws:lambda:us-east-1:000000000000:function';
const TIMINGS = { retryBaseMs: 60_000, throttleBaseMs: 1_000, throttleMaxMs: 300_000 };

/** Lets commits (next turn of the loop) and the work they unblock run. */
async function settle(turns = 8): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((r) => setImmediate(r));
}

/** Time for the round trips to PostgreSQL that the work in hand makes. */
async function roundTrips(): Promise<void> {
  await new Promise((r) => setTimeout(r, 200));
  await settle();
}

/** One lease poll of every leasing queue on `clock`, and time for its round trips to PostgreSQL. */
async function pollOn(clock: ManualClock): Promise<void> {
  clock.advance(1_000);
  await roundTrips();
}

type Outcome = 'ok' | 'error' | 'throttle' | 'platform' | Deferred<InvokeResult>;

/** A node's lease releases: `next` resolves once its next release has been written. */
interface ReleasesOf {
  next(): Promise<void>;
}

interface Harness {
  queue: AsyncQueue;
  router: DestinationRouter;
  calls: InvokeRequest[];
  /** What the next invocations of a function do, in order; then 'ok'. */
  script: Map<string, Outcome[]>;
  running: Map<string, number>;
  maxRunning: Map<string, number>;
  stop(): Promise<void>;
}

const pg = await testPostgres('async_queue');

describe('AsyncQueue', () => {
  let fixture: FunctionFixture;
  let queueStore: SqliteEventQueue;
  let clock: ManualClock;
  let functions: FunctionService;
  let configs: EventInvokeConfigService;
  let counting: CountingService;
  const harnesses: Harness[] = [];

  async function create(name: string): Promise<void> {
    await functions.createFunction(nodeFunction(name, await handlerZip('x')));
  }

  function harness(over: { maxConcurrencyPerFunction?: number; store?: EventQueueStore; leasing?: AsyncQueueDeps['leasing']; functions?: FunctionService } = {}): Harness {
    const calls: InvokeRequest[] = [];
    const script = new Map<string, Outcome[]>();
    const running = new Map<string, number>();
    const maxRunning = new Map<string, number>();
    const invoke = async (req: InvokeRequest): Promise<InvokeResult> =>
      counting.withLease(req.functionName, async () => {
        calls.push(req);
        const n = (running.get(req.functionName) ?? 0) + 1;
        running.set(req.functionName, n);
        maxRunning.set(req.functionName, Math.max(n, maxRunning.get(req.functionName) ?? 0));
        try {
          const next = script.get(req.functionName)?.shift() ?? 'ok';
          const base = { executedVersion: '$LATEST', requestId: req.requestId! };
          if (next === 'ok') return { statusCode: 200, payload: Buffer.from(JSON.stringify({ echo: JSON.parse(req.payload.toString()) })), ...base };
          if (next === 'error') {
            return { statusCode: 200, functionError: 'Unhandled', errorType: 'Error', payload: Buffer.from('{"errorType":"Error","errorMessage":"boom"}'), ...base };
          }
          if (next === 'throttle') throw new TooManyRequestsException('Rate Exceeded.', 'ConcurrentInvocationLimitExceeded');
          if (next === 'platform') throw new ServiceException('environment failed');
          return await next.promise;
        } finally {
          running.set(req.functionName, (running.get(req.functionName) ?? 1) - 1);
        }
      });
    const router = new DestinationRouter();
    const queue = new AsyncQueue({
      store: over.store ?? queueStore,
      invoke,
      functions: over.functions ?? functions,
      settings: configs,
      capacity: poolCapacity(counting),
      destinations: router,
      partition: PARTITION,
      clock,
      timings: TIMINGS,
      maxConcurrencyPerFunction: over.maxConcurrencyPerFunction ?? 10,
      report: () => {},
      ...(over.leasing ? { leasing: over.leasing } : {}),
    });
    router.register('lambda', (arn) => new LambdaTarget(arn, (r) => queue.handOver(r)));
    const h: Harness = { queue, router, calls, script, running, maxRunning, stop: () => queue.stop() };
    harnesses.push(h);
    return h;
  }

  /** Two cluster nodes' queues, A (with `overA`) and B, leasing from one PostgreSQL schema; not started. */
  async function leasingNodes(overA: Omit<Parameters<typeof harness>[0] & object, 'store' | 'leasing'> = {}): Promise<[Harness, Harness, ReleasesOf]> {
    const schema = pg.newSchema();
    const [storeA, storeB] = [await PgEventQueue.open(schema), await PgEventQueue.open(schema)];
    // A's releases are PostgreSQL writes another node's poll must come after: told as each lands.
    const landed: (() => void)[] = [];
    const release = storeA.release.bind(storeA);
    storeA.release = async (owner, seqs) => {
      await release(owner, seqs);
      for (const told of landed.splice(0)) told();
    };
    const releasesOfA: ReleasesOf = { next: () => new Promise<void>((told) => landed.push(told)) };
    return [harness({ store: storeA, leasing: { store: storeA, owner: 'a' }, ...overA }), harness({ store: storeB, leasing: { store: storeB, owner: 'b' } }), releasesOfA];
  }

  const succeeded = (requestId: string): InvokeResult => ({ statusCode: 200, payload: Buffer.from('{}'), executedVersion: '$LATEST', requestId });

  const send = (queue: AsyncQueue, functionName: string, payload: unknown, requestId: string, qualifier?: string) =>
    queue.enqueue({ functionName, ...(qualifier === undefined ? {} : { qualifier }), payload: Buffer.from(JSON.stringify(payload)), invocationType: 'Event', requestId });
  const callsOf = (h: Harness, name: string) => h.calls.filter((c) => c.functionName === name);
  const records = (h: Harness) => callsOf(h, 'recorder').map((c) => JSON.parse(c.payload.toString()) as InvocationRecord);
  const putConfig = (input: Omit<EventInvokeConfigInput, 'function'> & { fn?: string }) => configs.put({ function: { name: input.fn ?? 'f' }, ...input });

  beforeEach(async () => {
    fixture = await openFunctionFixture({ startMs: Date.UTC(2026, 0, 1) });
    ({ clock, functions } = fixture);
    queueStore = SqliteEventQueue.open(join(fixture.dir, 'queue.db'));
    counting = new CountingService({ accountLimit: 50 });
    functions.onChange((name) => counting.setReserved(name, functions.getFunctionSync(name)?.reservedConcurrency));
    configs = new EventInvokeConfigService({ store: queueStore, functions, partition: PARTITION, clock });
    await create('f');
    await create('recorder');
    await settle();
  });
  afterEach(async () => {
    for (const h of harnesses.splice(0)) await h.stop();
    configs.close();
    await settle();
    await queueStore.close();
    await fixture.close();
  });

  it.skipIf(pg.skip !== undefined)('numbers an event again when another server on the same database took its number first, losing neither', async () => {
    const schema = pg.newSchema();
    const [storeA, storeB] = [await PgEventQueue.open(schema), await PgEventQueue.open(schema)];
    // Not started: both count from 0, as two nodes that started together do.
    const [a, b] = [harness({ store: storeA }), harness({ store: storeB })];
    await send(a.queue, 'f', { n: 1 }, 'req-a');
    await send(b.queue, 'f', { n: 2 }, 'req-b');
    expect((await storeA.pendingEvents()).map((e) => [e.seq, e.requestId, e.payload.toString()])).toEqual([
      [1, 'req-a', '{"n":1}'],
      [2, 'req-b', '{"n":2}'],
    ]);
    await send(a.queue, 'f', { n: 3 }, 'req-a2');
    expect((await storeB.pendingEvents()).map((e) => e.seq)).toEqual([1, 2, 3]);
  });

  it.skipIf(pg.skip !== undefined)("delivers a cluster node's events on that node only, until it leaves and releases them to another", async () => {
    const [a, b] = await leasingNodes();
    await a.queue.start();
    const slow = new Deferred<InvokeResult>();
    a.script.set('f', [slow]);
    await send(a.queue, 'f', { n: 1 }, 'req-1');
    await send(a.queue, 'f', { n: 2 }, 'req-2');
    await settle();
    // B starts and polls while A holds both events (req-1 in flight, req-2 done but its delete may still be on its way).
    await b.queue.start();
    await pollOn(clock);
    expect(callsOf(b, 'f')).toEqual([]);
    expect(callsOf(a, 'f').map((c) => c.requestId)).toEqual(['req-1', 'req-2']);
    // A leaves with req-1 in flight: its lease goes back, and B's next poll takes it.
    await a.queue.stop();
    await pollOn(clock);
    expect(callsOf(b, 'f').map((c) => c.requestId)).toEqual(['req-1']);
    slow.resolve(succeeded('req-1'));
  });

  it.skipIf(pg.skip !== undefined)('drains: lets its invocation in flight finish and record its outcome, and hands its waiting events to another node at once', async () => {
    const [a, b, releasesOfA] = await leasingNodes({ maxConcurrencyPerFunction: 1 });
    await a.queue.start();
    await b.queue.start();
    const slow = new Deferred<InvokeResult>();
    a.script.set('f', [slow]);
    await send(a.queue, 'f', { n: 1 }, 'req-1');
    await send(a.queue, 'f', { n: 2 }, 'req-2');
    await settle();
    expect(callsOf(a, 'f').map((c) => c.requestId)).toEqual(['req-1']);
    const released = releasesOfA.next();
    const drained = a.queue.drain();
    // A gives req-2 back in a write to PostgreSQL, which B's poll must come after.
    await released;
    // B's next poll takes req-2, which A had not started; req-1 goes on at A.
    await pollOn(clock);
    expect(callsOf(b, 'f').map((c) => c.requestId)).toEqual(['req-2']);
    slow.resolve(succeeded('req-1'));
    await drained;
    await a.queue.stop();
    // req-1's success was recorded by A: nobody delivers it again.
    await pollOn(clock);
    await pollOn(clock);
    expect(callsOf(b, 'f').map((c) => c.requestId)).toEqual(['req-2']);
    expect(callsOf(a, 'f').map((c) => c.requestId)).toEqual(['req-1']);
  });

  it.skipIf(pg.skip !== undefined)('delivers a taken-over event of a function this node had not heard of, once the database has it', async () => {
    // A is another node: its FunctionService, on the same database, made a function B's has not read.
    const onA = new FunctionService({ store: fixture.store, blobs: fixture.blobs, partition: PARTITION, clock });
    await onA.load();
    await onA.createFunction(nodeFunction('late', await handlerZip('x')));
    await settle();
    expect(functions.getFunctionSync('late')).toBeUndefined();
    const [a, b] = await leasingNodes({ functions: onA });
    await a.queue.start();
    await b.queue.start();
    const slow = new Deferred<InvokeResult>();
    a.script.set('late', [slow]);
    await send(a.queue, 'late', { n: 1 }, 'req-late');
    await settle();
    await a.queue.stop();
    await pollOn(clock);
    expect(callsOf(b, 'late').map((c) => c.requestId)).toEqual(['req-late']);
    expect(functions.getFunctionSync('late')).toBeDefined();
    slow.resolve(succeeded('req-late'));
  });

  it('commits before resolving, delivers with the same request id, and forgets the event after success', async () => {
    const h = harness();
    await h.queue.start();
    await send(h.queue, 'f', { n: 1 }, 'req-1');
    // Resolved: it is in queue.db.
    expect((await queueStore.pendingEvents()).map((e) => e.requestId)).toEqual(['req-1']);
    await settle();
    expect(callsOf(h, 'f').map((c) => [c.requestId, c.invocationType, c.payload.toString()])).toEqual([['req-1', 'RequestResponse', '{"n":1}']]);
    expect(await queueStore.pendingEvents()).toEqual([]);
    expect(h.queue.functionStats('f')).toMatchObject({ queued: 0, inFlight: 0, retrying: 0, counters: { enqueued: 1, succeeded: 1 } });
  });

  it('counts a done event as finishing, still stored, until its outcome is delivered and committed', async () => {
    const h = harness();
    const gate = new Deferred<void>();
    h.router.register('lambda', (arn) => ({ arn, deliver: () => gate.promise, sendEvent: () => gate.promise }));
    await putConfig({ destinationConfig: { onSuccess: { destination: `${ARN}:recorder` } } });
    await h.queue.start();
    await send(h.queue, 'f', { n: 1 }, 'req-1');
    await settle();
    expect(callsOf(h, 'f')).toHaveLength(1);
    expect(h.queue.functionStats('f')).toMatchObject({ queued: 0, inFlight: 0, retrying: 0, finishing: 1 });
    expect((await queueStore.pendingEvents()).map((e) => e.requestId)).toEqual(['req-1']);
    gate.resolve();
    await settle();
    expect(h.queue.functionStats('f')).toMatchObject({ finishing: 0, counters: { succeeded: 1, destinationDeliveries: 1 } });
    expect(await queueStore.pendingEvents()).toEqual([]);
  });

  it('groups concurrent enqueues into one commit', async () => {
    const h = harness();
    await h.queue.start();
    await Promise.all(Array.from({ length: 50 }, (_, i) => send(h.queue, 'f', { i }, `r${i}`)));
    expect(h.queue.totalStats().groupCommit).toMatchObject({ batches: 1, operations: 50, largestBatch: 50 });
  });

  it('retries a function error after 1 and 2 retry units, then reports success with approximateInvokeCount 3', async () => {
    const h = harness();
    await h.queue.start();
    await putConfig({ destinationConfig: { onSuccess: { destination: `${ARN}:recorder` } } });
    h.script.set('f', ['error', 'error', 'ok']);
    await send(h.queue, 'f', { n: 1 }, 'req-1');
    await settle();
    expect(callsOf(h, 'f')).toHaveLength(1);
    expect(h.queue.functionStats('f')).toMatchObject({ retrying: 1, counters: { functionErrors: 1, retries: 1 } });
    expect((await queueStore.pendingEvents())[0]).toMatchObject({ attempts: 1, notBefore: clock.now() + 60_000, lastError: 'Error: boom' });
    clock.advance(59_999);
    await settle();
    expect(callsOf(h, 'f')).toHaveLength(1);
    clock.advance(1);
    await settle();
    expect(callsOf(h, 'f')).toHaveLength(2);
    clock.advance(119_999);
    await settle();
    expect(callsOf(h, 'f')).toHaveLength(2);
    clock.advance(1);
    await settle();
    expect(callsOf(h, 'f').map((c) => c.requestId)).toEqual(['req-1', 'req-1', 'req-1']);
    const [record] = records(h);
    expect(record).toEqual({
      version: '1.0',
      timestamp: new Date(clock.now()).toISOString(),
      requestContext: { requestId: 'req-1', functionArn: `${ARN}:f:$LATEST`, condition: 'Success', approximateInvokeCount: 3 },
      requestPayload: { n: 1 },
      responseContext: { statusCode: 200, executedVersion: '$LATEST' },
      responsePayload: { echo: { n: 1 } },
    });
    // The record is a new event, with its own request id.
    expect(callsOf(h, 'recorder')[0]!.requestId).not.toBe('req-1');
    expect(await queueStore.pendingEvents()).toEqual([]);
  });

  it('with MaximumRetryAttempts 0 invokes once and sends RetriesExhausted to OnFailure, keeping the failure', async () => {
    const h = harness();
    await h.queue.start();
    await putConfig({ maximumRetryAttempts: 0, destinationConfig: { onFailure: { destination: `${ARN}:recorder` } } });
    h.script.set('f', ['error']);
    await send(h.queue, 'f', { n: 2 }, 'req-2');
    await settle();
    expect(callsOf(h, 'f')).toHaveLength(1);
    expect(records(h)).toEqual([
      {
        version: '1.0',
        timestamp: new Date(clock.now()).toISOString(),
        requestContext: { requestId: 'req-2', functionArn: `${ARN}:f:$LATEST`, condition: 'RetriesExhausted', approximateInvokeCount: 1 },
        requestPayload: { n: 2 },
        responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
        responsePayload: { errorType: 'Error', errorMessage: 'boom' },
      },
    ]);
    const report = await h.queue.describe('f');
    expect(report.failed).toEqual([expect.objectContaining({ requestId: 'req-2', condition: 'RetriesExhausted', attempts: 1, error: 'Error: boom', sentTo: [`${ARN}:recorder`], payloadPreview: '{"n":2}' })]);
    expect(report.counters).toMatchObject({ failed: 1, functionErrors: 1, retries: 0, destinationDeliveries: 1 });
  });

  it('sends an event that outlives its maximum age to OnFailure as EventAgeExceeded', async () => {
    const h = harness();
    await h.queue.start();
    await putConfig({ maximumEventAgeInSeconds: 90, destinationConfig: { onFailure: { destination: `${ARN}:recorder` } } });
    h.script.set('f', ['error', 'error']);
    await send(h.queue, 'f', { n: 3 }, 'req-3');
    await settle();
    clock.advance(60_000); // second attempt at 60 s
    await settle();
    expect(callsOf(h, 'f')).toHaveLength(2);
    clock.advance(30_001); // the third would be at 180 s; the event expires at 90 s
    await settle();
    expect(callsOf(h, 'f')).toHaveLength(2);
    expect(records(h)[0]!.requestContext).toEqual({ requestId: 'req-3', functionArn: `${ARN}:f:$LATEST`, condition: 'EventAgeExceeded', approximateInvokeCount: 2 });
    expect(h.queue.functionStats('f').counters).toMatchObject({ failed: 1, expired: 1 });
  });

  it('retries throttles and platform errors with exponential backoff that does not count as attempts', async () => {
    const h = harness();
    await h.queue.start();
    await putConfig({ destinationConfig: { onSuccess: { destination: `${ARN}:recorder` } } });
    h.script.set('f', ['throttle', 'platform', 'throttle', 'ok']);
    await send(h.queue, 'f', {}, 'req-4');
    await settle();
    const times = [clock.now()];
    for (const wait of [1000, 2000, 4000]) {
      clock.advance(wait - 1);
      await settle();
      expect(callsOf(h, 'f')).toHaveLength(times.length);
      clock.advance(1);
      await settle();
      times.push(clock.now());
      expect(callsOf(h, 'f')).toHaveLength(times.length);
    }
    expect(records(h)[0]!.requestContext.approximateInvokeCount).toBe(1);
    expect(h.queue.functionStats('f').counters).toMatchObject({ throttles: 2, platformErrors: 1, functionErrors: 0, succeeded: 1 });
  });

  it('with reserved concurrency 0 sends new events straight to OnFailure without invoking', async () => {
    const h = harness();
    await h.queue.start();
    await putConfig({ destinationConfig: { onFailure: { destination: `${ARN}:recorder` } } });
    await functions.putFunctionConcurrency('f', 0);
    await send(h.queue, 'f', { n: 5 }, 'req-5');
    await settle();
    expect(callsOf(h, 'f')).toEqual([]);
    expect(records(h).map((r) => [r.requestContext.condition, r.requestContext.approximateInvokeCount, r.responseContext])).toEqual([['RetriesExhausted', 0, undefined]]);
  });

  it('runs a function at most at its reserved concurrency, starting events in arrival order, and waits without spinning', async () => {
    const h = harness();
    await h.queue.start();
    await functions.putFunctionConcurrency('f', 2);
    const gates = Array.from({ length: 10 }, () => new Deferred<InvokeResult>());
    h.script.set('f', [...gates]);
    for (let i = 0; i < 10; i++) await send(h.queue, 'f', { i }, `r${i}`);
    await settle();
    expect(callsOf(h, 'f').map((c) => c.requestId)).toEqual(['r0', 'r1']);
    expect(h.queue.functionStats('f')).toMatchObject({ queued: 8, inFlight: 2, counters: { throttles: 0 } });
    for (let i = 0; i < 10; i++) {
      gates[i]!.resolve({ statusCode: 200, payload: Buffer.from('null'), executedVersion: '$LATEST', requestId: `r${i}` });
      await settle();
    }
    await settle();
    expect(callsOf(h, 'f').map((c) => c.requestId)).toEqual(Array.from({ length: 10 }, (_, i) => `r${i}`));
    expect(h.maxRunning.get('f')).toBe(2);
    expect(h.queue.functionStats('f').counters).toMatchObject({ succeeded: 10, throttles: 0 });
  });

  it('backs off on the clock while others hold all the concurrency', async () => {
    const h = harness();
    await h.queue.start();
    await functions.putFunctionConcurrency('f', 1);
    const held = counting.acquire('f'); // a synchronous invocation holds the only slot
    await send(h.queue, 'f', {}, 'req-6');
    await settle();
    expect(h.calls).toEqual([]);
    clock.advance(1000);
    await settle();
    expect(h.calls).toEqual([]);
    expect(h.queue.functionStats('f').counters.throttles).toBe(2);
    held.release();
    clock.advance(2000);
    await settle();
    expect(callsOf(h, 'f')).toHaveLength(1);
  });

  it('delivers stored events again after a restart, with their request ids and retry state', async () => {
    const first = harness();
    await first.queue.start();
    first.script.set('f', ['error', new Deferred<InvokeResult>()]);
    await send(first.queue, 'f', { a: 1 }, 'req-a');
    await send(first.queue, 'f', { b: 1 }, 'req-b');
    await settle();
    // req-a failed once and waits for its retry; req-b hangs in flight when the process "dies".
    await first.stop();
    expect((await queueStore.pendingEvents()).map((e) => [e.requestId, e.attempts])).toEqual([['req-a', 1], ['req-b', 0]]);

    const second = harness();
    await second.queue.start();
    await settle();
    expect(callsOf(second, 'f').map((c) => c.requestId)).toEqual(['req-b']);
    clock.advance(60_000);
    await settle();
    expect(callsOf(second, 'f').map((c) => c.requestId)).toEqual(['req-b', 'req-a']);
    expect(await queueStore.pendingEvents()).toEqual([]);
  });

  it("sends the event itself to the version's dead-letter target, and the record to OnFailure", async () => {
    const h = harness();
    await create('dlq');
    await settle();
    await functions.updateFunctionConfiguration({ functionName: 'f', deadLetterTargetArn: `${ARN}:dlq` });
    await settle();
    await h.queue.start();
    await putConfig({ maximumRetryAttempts: 0, destinationConfig: { onFailure: { destination: `${ARN}:recorder` } } });
    h.script.set('f', ['error']);
    await send(h.queue, 'f', { n: 7 }, 'req-7');
    await settle();
    expect(callsOf(h, 'dlq').map((c) => c.payload.toString())).toEqual(['{"n":7}']);
    expect(records(h)).toHaveLength(1);
    expect(h.queue.functionStats('f').counters).toMatchObject({ deadLettered: 1, destinationDeliveries: 2 });
  });

  it('cuts destination loops after 16 hops', async () => {
    const h = harness();
    await h.queue.start();
    await putConfig({ maximumRetryAttempts: 0, destinationConfig: { onFailure: { destination: `${ARN}:recorder` } } });
    await putConfig({ fn: 'recorder', maximumRetryAttempts: 0, destinationConfig: { onFailure: { destination: `${ARN}:f` } } });
    h.script.set('f', Array(20).fill('error'));
    h.script.set('recorder', Array(20).fill('error'));
    await send(h.queue, 'f', {}, 'loop');
    await settle(200);
    expect(h.calls).toHaveLength(17);
    expect(h.queue.totalStats().counters.dropped).toBe(1);
  });

  it('drops the events of a deleted function', async () => {
    const h = harness();
    await h.queue.start();
    h.script.set('f', ['error']);
    await send(h.queue, 'f', {}, 'req-8');
    await settle();
    await functions.deleteFunction('f');
    await settle();
    expect(await queueStore.pendingEvents()).toEqual([]);
    clock.advance(60_000);
    await settle();
    expect(h.calls).toHaveLength(1);
  });
});
