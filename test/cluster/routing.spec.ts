/**
 * Synchronous invocations routed between the nodes of a cluster (real child processes, the
 * real SDK): an invoke that reaches a node with no environment of the function runs on
 * another node's idle warm environment instead of starting one; a function no node runs
 * starts on the node with the most room; a function's error comes
 * back as it would from the node that ran it; and when the node running a routed invocation
 * is killed, the client's node answers at once with Lambda's ServiceException while the
 * other nodes go on serving. Skipped, saying why, without PostgreSQL or NATS.
 */
import { describe, expect, it } from 'vitest';
import { activeOn, clusterOf, clusterSkipReason, NODE_PID_JS } from '../helpers/cluster.js';
import type { ServerProcess } from '../helpers/gust-process.js';
import { caught, createFunction, invoke } from '../helpers/lambda.js';
import { parseMetrics, total } from '../helpers/prometheus.js';
import { waitFor } from '../helpers/wait.js';

const skip = await clusterSkipReason();
if (skip) console.warn(`skipping the cluster routing suite: ${skip}`);

/** Each environment answers with an id of its own; `fail` throws, `ms` waits first. */
const WHO = `
const id = require('crypto').randomUUID();
exports.handler = async (e) => {
  if (e.fail) throw new TypeError('asked to fail');
  if (e.ms) await new Promise((r) => setTimeout(r, e.ms));
  return { id };
};`;

/** Nodes tell each other what they run every second (invoke-routing.ts): twice that, and some. */
const GOSSIP_SETTLES_MS = 2_500;

async function metric(on: ServerProcess, name: string): Promise<number> {
  const m = parseMetrics(await (await fetch(`${on.url}/metrics`)).text());
  return m.has(name) ? total(m, name) : 0;
}

const idOf = async (on: ServerProcess, payload: object = {}) => ((await invoke(on.lambda, 'who', payload)).json as { id: string }).id;

function p50(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}

describe.skipIf(skip !== undefined)('synchronous invocations routed between the nodes of a cluster', () => {
  const cluster = clusterOf(3, 'routing', ['--sandbox', 'process', '--keep-alive', '60s']);
  const node = cluster.node;

  it("runs B's invocations on A's idle environment, starting none on B", async () => {
    await createFunction(node(0).lambda, 'who', { files: { 'index.js': WHO }, Timeout: 30 });
    for (const i of [1, 2]) await activeOn(node(i).lambda, 'who');
    const onA = await idOf(node(0));
    await new Promise((resolve) => setTimeout(resolve, GOSSIP_SETTLES_MS));
    const local: number[] = [];
    const routed: number[] = [];
    for (let i = 0; i < 40; i++) {
      let t0 = performance.now();
      expect(await idOf(node(0))).toBe(onA);
      local.push(performance.now() - t0);
      t0 = performance.now();
      // A's id: B started no environment of its own.
      expect(await idOf(node(1))).toBe(onA);
      routed.push(performance.now() - t0);
    }
    console.log(`routing: warm invoke p50 ${p50(local).toFixed(2)} ms on the node that runs it, ${p50(routed).toFixed(2)} ms through another node (+${(p50(routed) - p50(local)).toFixed(2)} ms)`);
    // A function's error is answered as the running node answers it.
    const failed = await invoke(node(1).lambda, 'who', { fail: true });
    expect(failed.functionError).toBe('Unhandled');
    expect(failed.json).toMatchObject({ errorType: 'TypeError', errorMessage: 'asked to fail' });
  }, 90_000);

  it("starts a function's first environment on the node with the most room, not on a busy one", async () => {
    // Each invocation answers which node ran it.
    const BY = `${NODE_PID_JS}\nexports.handler = async (e) => { if (e.ms) await new Promise((r) => setTimeout(r, e.ms)); return { by: nodePid() }; };`;
    for (const name of ['filler', 'spread']) {
      await createFunction(node(2).lambda, name, { files: { 'index.js': BY }, Timeout: 30 });
      for (const i of [0, 1]) await activeOn(node(i).lambda, name);
    }
    const byOf = (r: { json: unknown }) => (r.json as { by: number }).by;
    // C takes two long invocations: the first while every node has the same room, the second
    // while it has one less than the others, less than ROOM_MARGIN: both stay on C.
    const fillers = [];
    for (const running of [1, 2]) {
      fillers.push(invoke(node(2).lambda, 'filler', { ms: 6_000 }));
      await waitFor(`C to run ${running}`, async () => ((await metric(node(2), 'gust_concurrent_executions')) === running ? true : undefined), 30_000, 20);
    }
    await new Promise((resolve) => setTimeout(resolve, GOSSIP_SETTLES_MS));
    // Now C has two units less than A and B: a function no node runs starts on one of them.
    const spread = byOf(await invoke(node(2).lambda, 'spread'));
    expect([node(0).child.pid, node(1).child.pid]).toContain(spread);
    expect((await Promise.all(fillers)).map(byOf)).toEqual([node(2).child.pid, node(2).child.pid]);
  }, 90_000);

  it('answers ServiceException at once when the node running a routed invocation is killed, and the others go on', async () => {
    const onA = await idOf(node(0));
    const slow = caught(invoke(node(1).lambda, 'who', { ms: 20_000 }));
    await waitFor('A to run the routed invocation', async () => ((await metric(node(0), 'gust_concurrent_executions')) === 1 ? true : undefined), 5_000, 20);
    node(0).child.kill('SIGKILL');
    const killedAt = performance.now();
    const err = await slow;
    const answeredMs = Math.round(performance.now() - killedAt);
    console.log(`routing: the client's node answered ${answeredMs} ms after the running node got SIGKILL`);
    expect(err?.name).toBe('ServiceException');
    expect(answeredMs).toBeLessThan(2_000);
    // C goes on: A is gone, so it runs the invocation itself (a cold start there).
    expect(await idOf(node(2))).not.toBe(onA);
  }, 60_000);
});
