/**
 * A function cannot spend Gust's file descriptors: one that opens and keeps 64 connections
 * to its Runtime API gets at most gust-init's 16 relayed, the rest closed at once, and each
 * costs Gust one socket, served by the environment's endpoint itself (runtime-api-relay.ts),
 * so Gust holds a bounded number of descriptors for it (it held ~205 before the cap, and
 * three per connection while a relay stood between the sandbox's socket and the endpoint).
 */
import { readdirSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { namespaceHostGap } from '../../src/sandbox/namespace/namespace-setup.js';
import { crashRig, serve } from '../helpers/gust-process.js';
import { createFunction, invoke } from '../helpers/lambda.js';
import { testRuntimesDir } from '../helpers/runtimes.js';

const gap = namespaceHostGap();
if (gap) console.warn(`test/sandbox/descriptors.spec.ts skipped: ${gap}`);

const HOARDER = `
const net = require('net');
const kept = [];
exports.handler = async (event) => {
  const [host, port] = process.env.AWS_LAMBDA_RUNTIME_API.split(':');
  const outcomes = await Promise.all(Array.from({ length: event.count }, () => new Promise((resolve) => {
    const s = net.connect({ host, port: Number(port) });
    kept.push(s);
    s.on('error', () => resolve('error'));
    // A connection gust-init turned away is closed at once; a kept one stays open.
    s.on('close', () => resolve('closed'));
    setTimeout(() => resolve('open'), 1500);
  })));
  return { open: outcomes.filter((o) => o === 'open').length, closed: outcomes.filter((o) => o !== 'open').length };
};
`;

describe.skipIf(gap !== undefined)("Gust's descriptors against a function that hoards connections", () => {
  const rig = crashRig('gust-fds');
  afterAll(() => undefined);

  it('relays at most 16 connections per sandbox, and its descriptors grow by a bounded number', async () => {
    rig.server = await serve(rig.dataDir, ['--sandbox', 'namespace', '--runtimes-dir', testRuntimesDir()]);
    const fds = () => readdirSync(`/proc/${rig.server!.child.pid}/fd`).length;
    await createFunction(rig.server.lambda, 'hoard', { files: { 'index.js': HOARDER } });
    // Warm first, so that the count below is the hoarding alone.
    expect((await invoke(rig.server.lambda, 'hoard', { count: 0 })).json).toEqual({ open: 0, closed: 0 });
    // And once the ready sandbox that first start asked for has booted (its pipes and sockets are its own, not the hoarding's).
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const before = fds();
    const r = await invoke(rig.server.lambda, 'hoard', { count: 64 });
    expect(r.functionError, r.text).toBeUndefined();
    const { open, closed } = r.json as { open: number; closed: number };
    // The runtime's own connection takes one of the 16.
    expect(open).toBeLessThanOrEqual(15);
    expect(open + closed).toBe(64);
    const grown = fds() - before;
    console.log(`Gust's descriptors: ${before} before, +${grown} with 64 connections hoarded (${open} kept open by gust-init)`);
    expect(grown).toBeLessThanOrEqual(16);
  });
});
