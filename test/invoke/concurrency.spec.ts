/**
 * Concurrency through the real SDK against a real server: parallel invokes each get their
 * own execution environment; reserved concurrency (PutFunctionConcurrency) and the
 * account limit (`--concurrency-limit`) admit exactly their number and throttle the rest
 * with 429 TooManyRequestsException and the Reason that names the limit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PutFunctionConcurrencyCommand } from '@aws-sdk/client-lambda';
import { startTestGust, type TestGust } from '../helpers/gust.js';
import { caught, createFunction, invoke, type Invoked, type SdkError } from '../helpers/lambda.js';

// Sleeps long enough for every parallel invoke of a test to overlap with the others.
const HANDLER = `
exports.handler = async (event, context) => {
  await new Promise((r) => setTimeout(r, event.ms ?? 500));
  return { stream: context.logStreamName };
};
`;

interface Outcome {
  ok?: Invoked;
  err?: SdkError;
}

/** Starts `n` invokes at once and waits for all of them. */
function parallel(t: TestGust, name: string, n: number, event: unknown = {}): Promise<Outcome[]> {
  return Promise.all(
    Array.from({ length: n }, async () => {
      try {
        return { ok: await invoke(t.lambda, name, event) };
      } catch (err) {
        return { err: err as SdkError };
      }
    }),
  );
}

function throttles(outcomes: Outcome[]): { name: string; status: number | undefined; reason: string | undefined }[] {
  return outcomes.filter((o) => o.err).map((o) => ({ name: o.err!.name, status: o.err!.$metadata?.httpStatusCode, reason: o.err!.Reason }));
}

describe('parallel invokes and reserved concurrency', () => {
  let t: TestGust;

  beforeAll(async () => {
    t = await startTestGust({ flags: { keepAlive: '500ms' } });
    await createFunction(t.lambda, 'wide', { files: { 'index.js': HANDLER } });
    await createFunction(t.lambda, 'narrow', { files: { 'index.js': HANDLER } });
    await createFunction(t.lambda, 'closed', { files: { 'index.js': HANDLER } });
  });

  afterAll(async () => {
    await t?.stop();
  });

  it('runs 5 parallel invokes on 5 environments', async () => {
    const outcomes = await parallel(t, 'wide', 5);
    expect(throttles(outcomes)).toEqual([]);
    // One log stream per environment (a pid is per sandbox namespace, not per host).
    const results = outcomes.map((o) => o.ok!.json as { stream: string });
    expect(new Set(results.map((r) => r.stream)).size).toBe(5);
  });

  it('admits exactly the reserved concurrency (2 of 6) and throttles the rest', async () => {
    await t.lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'narrow', ReservedConcurrentExecutions: 2 }));
    const outcomes = await parallel(t, 'narrow', 6);
    const admitted = outcomes.filter((o) => o.ok);
    expect(admitted.length).toBe(2);
    for (const o of admitted) expect(o.ok!.functionError).toBeUndefined();
    expect(throttles(outcomes)).toEqual(
      Array.from({ length: 4 }, () => ({ name: 'TooManyRequestsException', status: 429, reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' })),
    );
    expect(outcomes.find((o) => o.err)!.err!.message).toBe('Rate Exceeded.');

    // The leases came back: the next invokes are admitted again.
    expect(throttles(await parallel(t, 'narrow', 2, { ms: 0 }))).toEqual([]);
  });

  it('throttles every invoke of a function with reserved concurrency 0', async () => {
    await t.lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'closed', ReservedConcurrentExecutions: 0 }));
    const err = await caught(invoke(t.lambda, 'closed', { ms: 0 }));
    expect({ name: err?.name, status: err?.$metadata?.httpStatusCode, reason: err?.Reason }).toEqual({
      name: 'TooManyRequestsException',
      status: 429,
      reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
    });
  });
});

describe('the account concurrency limit', () => {
  let t: TestGust;

  beforeAll(async () => {
    t = await startTestGust({ flags: { keepAlive: '500ms', concurrencyLimit: '3' } });
    await createFunction(t.lambda, 'busy', { files: { 'index.js': HANDLER } });
  });

  afterAll(async () => {
    await t?.stop();
  });

  it('admits --concurrency-limit 3 invokes and throttles the 4th with ConcurrentInvocationLimitExceeded', async () => {
    const outcomes = await parallel(t, 'busy', 4);
    expect(outcomes.filter((o) => o.ok).length).toBe(3);
    expect(throttles(outcomes)).toEqual([{ name: 'TooManyRequestsException', status: 429, reason: 'ConcurrentInvocationLimitExceeded' }]);
  });
});
