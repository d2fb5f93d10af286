/**
 * A function cannot spend Gust's file descriptors: one that opens and keeps 64 connections
 * to its Runtime API, and 64 more straight to the unix socket behind it (visible at
 * /run/gust), keeps at most 16 in all, the rest closed at once, and each
 * costs Gust one socket, served by the environment's endpoint itself (runtime-api-relay.ts),
 * so Gust holds a bounded number of descriptors for it (it held ~205 before the cap, and
 * three per connection while a relay stood between the sandbox's socket and the endpoint).
 */
import { readdirSync, readlinkSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { namespaceHostGap } from '../../src/sandbox/namespace/namespace-setup.js';
import { crashRig, serve } from '../helpers/gust-process.js';
import { createFunction, invoke } from '../helpers/lambda.js';
import { parseMetrics, total } from '../helpers/prometheus.js';
import { testRuntimesDir } from '../helpers/runtimes.js';

const gap = namespaceHostGap();
if (gap) console.warn(`test/sandbox/descriptors.spec.ts skipped: ${gap}`);

const HOARDER = `
const net = require('net');
const kept = [];
/** Opens \${count} connections to \${target} and keeps them: how many stayed open, how many were closed. */
async function hoard(count, target) {
  const outcomes = await Promise.all(Array.from({ length: count }, () => new Promise((resolve) => {
    const s = net.connect(target);
    kept.push(s);
    s.on('error', () => resolve('error'));
    // A connection turned away is closed at once; a kept one stays open.
    s.on('close', () => resolve('closed'));
    setTimeout(() => resolve('open'), 1500);
  })));
  return { open: outcomes.filter((o) => o === 'open').length, closed: outcomes.filter((o) => o !== 'open').length };
}
exports.handler = async (event) => {
  const [host, port] = process.env.AWS_LAMBDA_RUNTIME_API.split(':');
  // Through gust-init, and straight to the socket Gust listens on, which the sandbox sees at /run/gust.
  const [relayed, direct] = await Promise.all([hoard(event.count, { host, port: Number(port) }), hoard(event.count, '/run/gust/runtime-api.sock')]);
  return { relayed, direct };
};
`;

/**
 * Waits until the server's ready sandboxes are all booted and stay so for 1.5 s: as many
 * waiting as it keeps and none booting. (The runtime probe starts every installed runtime
 * after start-up, and each start of a runtime that functions use arms its ready sandboxes.)
 */
async function settledPool(url: string): Promise<void> {
  let last = '';
  let steady = 0;
  for (let i = 0; i < 240; i++) {
    const m = parseMetrics(await (await fetch(`${url}/metrics`)).text());
    const gauge = (name: string) => (m.has(name) ? total(m, name) : 0);
    const now = JSON.stringify([gauge('gust_ready_sandboxes_waiting'), gauge('gust_ready_sandboxes_booting'), gauge('gust_ready_sandboxes_target')]);
    const settled = gauge('gust_ready_sandboxes_booting') === 0 && gauge('gust_ready_sandboxes_waiting') >= gauge('gust_ready_sandboxes_target');
    steady = settled && now === last ? steady + 1 : 0;
    if (steady === 3) return;
    last = now;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`the ready sandboxes did not settle within 2 minutes: ${last}`);
}

/** What a process's descriptors point at ("socket", "pipe", "anon_inode:[eventfd]", a path), counted. */
function descriptorKinds(pid: number): Map<string, number> {
  const kinds = new Map<string, number>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let target = 'closed meanwhile';
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`).replace(/:\[\d+\]$/, '');
    } catch {
      // Closed between the listing and the read.
    }
    kinds.set(target, (kinds.get(target) ?? 0) + 1);
  }
  return kinds;
}

function kindsGrown(before: Map<string, number>, after: Map<string, number>): string {
  return [...after].filter(([kind, n]) => n > (before.get(kind) ?? 0)).map(([kind, n]) => `${kind} +${n - (before.get(kind) ?? 0)}`).join(', ');
}

describe.skipIf(gap !== undefined)("Gust's descriptors against a function that hoards connections", () => {
  const rig = crashRig('gust-fds');
  afterAll(() => undefined);

  it('relays at most 16 connections per sandbox, and its descriptors grow by a bounded number', async () => {
    rig.server = await serve(rig.dataDir, ['--sandbox', 'namespace', '--runtimes-dir', testRuntimesDir()]);
    const pid = rig.server.child.pid!;
    const fds = () => readdirSync(`/proc/${pid}/fd`).length;
    await createFunction(rig.server.lambda, 'hoard', { files: { 'index.js': HOARDER } });
    // Warm first, so that the count below is the hoarding alone.
    const none = { open: 0, closed: 0 };
    expect((await invoke(rig.server.lambda, 'hoard', { count: 0 })).json).toEqual({ relayed: none, direct: none });
    // And once the ready sandboxes that first start asked for have booted (their pipes and
    // sockets are their own, not the hoarding's): the metrics say when none is booting.
    await settledPool(rig.server.url);
    const before = fds();
    const kindsBefore = descriptorKinds(pid);
    const r = await invoke(rig.server.lambda, 'hoard', { count: 64 });
    expect(r.functionError, r.text).toBeUndefined();
    const { relayed, direct } = r.json as Record<'relayed' | 'direct', { open: number; closed: number }>;
    // The runtime's own connection takes one of the 16 either way. (A relayed connection that
    // Gust turned away is closed by gust-init when it sees that, which under load may come
    // after the count: Gust's descriptors below are what is bounded.)
    expect(relayed.open).toBeLessThanOrEqual(15);
    expect(direct.open).toBeLessThanOrEqual(15);
    expect(relayed.open + relayed.closed).toBe(64);
    expect(direct.open + direct.closed).toBe(64);
    // A connection turned away is closed by Gust's event loop after it accepted it, which on a
    // loaded machine may come a moment after the answer: what must hold is the count it settles to.
    let grown = fds() - before;
    for (const settleBy = Date.now() + 5000; grown > 16 && Date.now() < settleBy; grown = fds() - before) await new Promise((resolve) => setTimeout(resolve, 100));
    console.log(`Gust's descriptors: ${before} before, +${grown} with 128 connections hoarded (${relayed.open} through gust-init, ${direct.open} straight to the socket kept open)`);
    expect(grown, `grown: ${kindsGrown(kindsBefore, descriptorKinds(pid))}`).toBeLessThanOrEqual(16);
  });
});
