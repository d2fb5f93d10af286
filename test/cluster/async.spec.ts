/**
 * Async (Event) invokes on three nodes of one cluster, as users run them (real child
 * processes, the real SDK, PostgreSQL and NATS): each event is delivered by one node at a
 * time under a lease. A function appends each event's id to a file outside its sandbox;
 * the suite sends events spread over the nodes at once and checks that every accepted
 * event (202) is delivered, that a node killed with SIGKILL leaves its events to the
 * others within the lease bound, and that a node starting while others live delivers none
 * of their events again. Skipped, saying why, without PostgreSQL or NATS.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { afterAll, describe, expect, it } from 'vitest';
import { activeOn, clusterOf, clusterSkipReason, NODE_PID_JS } from '../helpers/cluster.js';
import { stopServer, type ServerProcess } from '../helpers/gust-process.js';
import { createFunction } from '../helpers/lambda.js';
import { waitFor } from '../helpers/wait.js';

const skip = await clusterSkipReason();
if (skip) console.warn(`skipping the cluster async suite: ${skip}`);

/** The lease (12 s) and one poll (1 s): event-leasing.ts's takeoverBoundMs. */
const TAKEOVER_BOUND_MS = 13_000;

describe.skipIf(skip !== undefined)('gust serve --bus: async events under leases', () => {
  const cluster = clusterOf(3, 'async', ['--sandbox', 'process', '--keep-alive', '60s']);
  const node = cluster.node;
  const out = mkdtempSync(join(tmpdir(), 'gust-async-out-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  /** A function that appends `<id> <ms> <its server's pid>` to `file` for each event, after `ms` of work. */
  async function recorder(name: string, file: string): Promise<void> {
    const handler = `const fs = require('node:fs');
${NODE_PID_JS}
exports.handler = async (e) => {
  await new Promise((r) => setTimeout(r, e.ms));
  fs.appendFileSync(${JSON.stringify(file)}, e.id + ' ' + Date.now() + ' ' + nodePid() + '\\n');
};`;
    await createFunction(node(0).lambda, name, { files: { 'index.js': handler } });
    for (const i of [0, 1, 2]) await activeOn(node(i).lambda, name);
  }

  interface Delivery {
    at: number;
    /** The pid of the node that ran it. */
    by: number;
  }

  /** Each id's deliveries, from the function's file. */
  function deliveries(file: string): Map<string, Delivery[]> {
    const seen = new Map<string, Delivery[]>();
    if (!existsSync(file)) return seen;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const [id, at, by] = line.split(' ');
      if (!id || !by) continue;
      seen.set(id, [...(seen.get(id) ?? []), { at: Number(at), by: Number(by) }]);
    }
    return seen;
  }

  /** Sends event `id` to `server`; true when it answered 202 (accepted), false when the node is gone. */
  async function send(server: ServerProcess, name: string, id: string, ms: number): Promise<boolean> {
    try {
      const r = await server.lambda.send(new InvokeCommand({ FunctionName: name, InvocationType: 'Event', Payload: Buffer.from(JSON.stringify({ id, ms })) }));
      return r.StatusCode === 202;
    } catch {
      return false;
    }
  }

  /** Sends `ids` to the nodes in turn, `width` at a time, each taking `ms(node)`; returns the accepted ones with the node that took each. */
  async function sendAll(name: string, ids: string[], ms: (at: number) => number, width: number, onSent?: (count: number) => void): Promise<Map<string, number>> {
    const accepted = new Map<string, number>();
    let next = 0;
    let sent = 0;
    const worker = async () => {
      while (next < ids.length) {
        const i = next++;
        const at = i % 3;
        if (await send(node(at), name, ids[i]!, ms(at))) accepted.set(ids[i]!, at);
        onSent?.(++sent);
      }
    };
    await Promise.all(Array.from({ length: width }, worker));
    return accepted;
  }

  const duplicatesOf = (seen: Map<string, Delivery[]>) => [...seen.values()].filter((times) => times.length > 1).length;

  it('delivers every accepted event once while a node leaves and starts again', async () => {
    const file = join(out, 'restart.txt');
    await recorder('restart', file);
    const ids = Array.from({ length: 300 }, (_, i) => `r${i}`);
    const t0 = performance.now();
    // A's and B's take 1 s each, 10 at once per node: they hold a backlog when C starts again.
    const accepted = await sendAll('restart', ids, (at) => (at === 2 ? 20 : 1_000), 12);
    // Node C leaves (SIGTERM: it releases what it holds) and starts again while A and B deliver theirs.
    await stopServer(node(2));
    await cluster.restart(2);
    await waitFor('every accepted event to be delivered', () => ([...accepted.keys()].every((id) => deliveries(file).has(id)) ? true : undefined), 60_000, 200);
    const seen = deliveries(file);
    const ms = performance.now() - t0;
    console.log(`restart run: ${accepted.size} accepted, ${seen.size} delivered in ${Math.round(ms)} ms (${Math.round((seen.size / ms) * 1000)} events/s), ${duplicatesOf(seen)} duplicates`);
    expect(accepted.size).toBe(ids.length);
    // A's and B's never run twice; C's in flight at SIGTERM finish within its grace (20 ms
    // each, against 5 s) and its waiting ones go back before it stops: none runs twice either.
    const twiceFromLive = [...seen].filter(([id, times]) => times.length > 1 && accepted.get(id) !== 2);
    expect(twiceFromLive).toEqual([]);
    expect(duplicatesOf(seen)).toBe(0);
  }, 90_000);

  it('delivers every accepted event after a node is killed with SIGKILL, its events within the takeover bound', async () => {
    const file = join(out, 'kill.txt');
    await recorder('kill', file);
    const count = Number(process.env.GUST_TEST_ASYNC_EVENTS ?? 2000);
    const ids = Array.from({ length: count }, (_, i) => `k${i}`);
    const t0 = performance.now();
    let killedAt = 0;
    // C's events take 500 ms (C runs 10 at a time, slower than they arrive): C holds a backlog when it dies.
    const accepted = await sendAll('kill', ids, (at) => (at === 2 ? 500 : 20), 24, (sent) => {
      if (sent === Math.floor(count / 2)) {
        killedAt = Date.now();
        node(2).child.kill('SIGKILL');
      }
    });
    const sentMs = performance.now() - t0;
    await waitFor('every accepted event to be delivered', () => ([...accepted.keys()].every((id) => deliveries(file).has(id)) ? true : undefined), 60_000, 200);
    const seen = deliveries(file);
    const totalMs = performance.now() - t0;
    const ofKilled = [...accepted].filter(([, at]) => at === 2).map(([id]) => id);
    // Survivors' deliveries of C's events (C's own runtimes may finish the invocations in flight at the kill).
    const survivors = new Set([node(0).child.pid, node(1).child.pid]);
    const takenOver = ofKilled.flatMap((id) => seen.get(id)!.filter((d) => survivors.has(d.by)).map((d) => d.at));
    const firstMs = Math.min(...takenOver) - killedAt;
    const takeoverMs = Math.max(...takenOver) - killedAt;
    console.log(
      `kill run: ${accepted.size} of ${count} accepted in ${Math.round(sentMs)} ms, all delivered after ${Math.round(totalMs)} ms (${Math.round((seen.size / totalMs) * 1000)} events/s); ` +
        `the killed node accepted ${ofKilled.length}, ${takenOver.length} of them delivered after the kill, the first ${firstMs} ms and the last ${takeoverMs} ms after it; ${duplicatesOf(seen)} duplicates`,
    );
    expect(killedAt).toBeGreaterThan(0);
    expect(accepted.size).toBeGreaterThan(count / 2);
    expect(takenOver.length).toBeGreaterThan(0);
    // Taken over after at most a lease and a poll (then 500 ms of work, and slack for a
    // loaded machine); the last ones after the survivors worked through C's backlog.
    expect(firstMs).toBeLessThan(TAKEOVER_BOUND_MS + 2_000);
    expect(takeoverMs).toBeLessThan(TAKEOVER_BOUND_MS + 20_000);
    await cluster.restart(2);
  }, 120_000);
});
