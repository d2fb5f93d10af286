/**
 * Reserved concurrency held across the three nodes of a cluster (real child processes, the
 * real SDK): a function with reserved concurrency 2 runs exactly 2 invocations at once
 * whichever nodes they reach, the others are refused with Lambda's
 * TooManyRequestsException, and a slot is free again once its invocation ended, or once the
 * node that held it was killed. The account's limit holds across the nodes the same way.
 * Skipped, saying why, without PostgreSQL or NATS.
 */
import { GetFunctionConcurrencyCommand, PutFunctionConcurrencyCommand } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { activeOn, clusterOf, clusterSkipReason } from '../helpers/cluster.js';
import type { ServerProcess } from '../helpers/gust-process.js';
import { caught, createFunction, invoke } from '../helpers/lambda.js';
import { parseMetrics, total } from '../helpers/prometheus.js';
import { waitFor } from '../helpers/wait.js';

const skip = await clusterSkipReason();
if (skip) console.warn(`skipping the cluster concurrency suite: ${skip}`);

const SLOW = 'exports.handler = async (e) => { await new Promise((r) => setTimeout(r, e.ms)); return "done"; };';

/**
 * How an invoke of `slow` for `ms` on `on` ended: answered, refused for `limit` (the
 * TooManyRequestsException's Reason), or anything else (which fails the test).
 */
async function attempt(on: ServerProcess, ms: number, limit = 'ReservedFunctionConcurrentInvocationLimitExceeded', fn = 'slow'): Promise<'ran' | 'refused'> {
  const err = await caught(invoke(on.lambda, fn, { ms }));
  if (!err) return 'ran';
  if (err.name === 'TooManyRequestsException' && (err as { Reason?: string }).Reason === limit) return 'refused';
  throw err;
}

/** Waits until `on` runs one invocation (a cold start: slow on a loaded machine), and still does 300 ms later (a refused one would be gone by then). */
async function running(on: ServerProcess): Promise<void> {
  const executions = async () => total(parseMetrics(await (await fetch(`${on.url}/metrics`)).text()), 'gust_concurrent_executions');
  await waitFor('the invocation to run', async () => ((await executions()) === 1 ? true : undefined), 30_000, 20);
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(await executions()).toBe(1);
}

const count = (outcomes: string[], which: string) => outcomes.filter((o) => o === which).length;

describe.skipIf(skip !== undefined)('reserved concurrency across the nodes of a cluster', () => {
  const cluster = clusterOf(3, 'concurrency', ['--sandbox', 'process', '--keep-alive', '60s']);
  const node = cluster.node;

  /** Makes `name` with a reservation of 2, known to every node. */
  async function reservedTwo(name: string): Promise<void> {
    await createFunction(node(0).lambda, name, { files: { 'index.js': SLOW } });
    await node(0).lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: name, ReservedConcurrentExecutions: 2 }));
    for (const i of [0, 1, 2]) {
      await activeOn(node(i).lambda, name);
      await waitFor(`node ${i} to see the reservation`, async () => ((await node(i).lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: name }))).ReservedConcurrentExecutions === 2 ? true : undefined), 5_000, 20);
    }
  }

  it('admits exactly 2 of 9 invocations sent at once to three nodes, and 2 again once they ended', async () => {
    await reservedTwo('slow');
    for (let round = 0; round < 2; round++) {
      const outcomes = await Promise.all([0, 1, 2].flatMap((i) => [0, 1, 2].map(() => attempt(node(i), 2_000))));
      expect({ ran: count(outcomes, 'ran'), refused: count(outcomes, 'refused') }).toEqual({ ran: 2, refused: 7 });
    }
  }, 60_000);

  it('frees the slot of a node killed while it ran an invocation, and admits no more than the reservation meanwhile', async () => {
    // A function of its own: the first case's warm environments on other nodes would take
    // A's invocation (routing runs it where an environment is idle), and this case needs it on A.
    await reservedTwo('held');
    const held = (on: ServerProcess, ms: number) => attempt(on, ms, undefined, 'held');
    // One long invocation on A, then one on C, each running before the next is sent (A's one
    // environment is busy then, so C runs its own): both slots are held, and an invoke on B is refused.
    const onA = held(node(0), 12_000);
    await running(node(0));
    const onC = caught(invoke(node(2).lambda, 'held', { ms: 12_000 }));
    await running(node(2));
    expect(await held(node(1), 0)).toBe('refused');
    node(2).child.kill('SIGKILL');
    await node(2).exited;
    const killedAt = performance.now();
    // C's slot is free once PostgreSQL saw its session end.
    await waitFor("C's slot to be taken again", async () => ((await held(node(1), 0)) === 'ran' ? true : undefined), 10_000, 20);
    const takeoverMs = Math.round(performance.now() - killedAt);
    console.log(`concurrency: a killed node's slot was taken again ${takeoverMs} ms after SIGKILL`);
    expect(takeoverMs).toBeLessThan(3_000);
    // A still holds the other slot: of three at once on B, one runs.
    const outcomes = await Promise.all([0, 1, 2].map(() => held(node(1), 1_000)));
    expect({ ran: count(outcomes, 'ran'), refused: count(outcomes, 'refused') }).toEqual({ ran: 1, refused: 2 });
    expect(await onA).toBe('ran');
    expect(await onC).toBeDefined();
  }, 60_000);
});

describe.skipIf(skip !== undefined)("the account's concurrency limit across the nodes of a cluster", () => {
  const cluster = clusterOf(3, 'account_limit', ['--sandbox', 'process', '--keep-alive', '60s', '--concurrency-limit', '6']);
  const node = cluster.node;

  it('admits exactly 6 of 12 invocations sent at once to three nodes under --concurrency-limit 6', async () => {
    await createFunction(node(0).lambda, 'slow', { files: { 'index.js': SLOW } });
    for (const i of [0, 1, 2]) await activeOn(node(i).lambda, 'slow');
    for (let round = 0; round < 2; round++) {
      const outcomes = await Promise.all([0, 1, 2].flatMap((i) => [0, 1, 2, 3].map(() => attempt(node(i), 2_000, 'ConcurrentInvocationLimitExceeded'))));
      expect({ ran: count(outcomes, 'ran'), refused: count(outcomes, 'refused') }).toEqual({ ran: 6, refused: 6 });
    }
  }, 60_000);
});
