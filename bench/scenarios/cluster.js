/**
 * Cluster mode on this machine (issue 20): 1, 2 and 3 `gust serve` nodes on one fresh
 * PostgreSQL database and one NATS, each its own process, port and data dir, `--sandbox
 * process`. For each size, warm invokes of a hello-world function from 4 clients spread over
 * the nodes (straight to their ports: no balancer of ours in the figure): invokes/s, and the
 * nodes' CPU per invoke summed over all of them. With 2 cores the machine's CPU is the same
 * for every size, so the ratios show the cluster's overhead, not its scaling. And the added
 * latency of a routed invoke: a function warm on one node, invoked sequentially on another
 * (which runs it on the first node's environment) against on the first node itself.
 *
 * Needs PostgreSQL (GUST_TEST_PG_URL, by default postgres://postgres@127.0.0.1:5432/test,
 * whose server gets a database per round) and NATS (GUST_TEST_NATS_URL, by default
 * nats://127.0.0.1:4222); fails the run when either does not answer.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startGustProcess } from '../lib/gust-process.js';
import { jsonRequest, keepAliveAgent, post } from '../lib/http-client.js';
import { HANDLERS, payloadOf } from '../lib/fixtures.js';
import { createFunction, invokeUrl } from '../lib/lambda.js';
import { cpuMs, cpuMsOfCommand } from '../lib/proc.js';
import { percentile, sortedCopy } from '../lib/stats.js';

const PG_URL = process.env.GUST_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const NATS_URL = process.env.GUST_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const CLIENTS = 4;
/** Nodes tell each other what they run every second: twice that, and some. */
const GOSSIP_SETTLES_MS = 2_500;

/** Each environment answers with an id drawn once per runtime process. */
const WHO = { runtime: 'nodejs20.x', handler: 'index.handler', files: { 'index.js': "const id = require('node:crypto').randomUUID();\nexports.handler = async () => ({ id });\n" } };

function databaseUrl(name) {
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function onServer(sql) {
  const client = new pg.Client({ connectionString: databaseUrl('postgres'), connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query(sql);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Throws unless NATS greets at NATS_URL. */
async function natsAnswers() {
  const { hostname, port } = new URL(NATS_URL.replace(/^nats:/, 'http:'));
  await new Promise((resolve, reject) => {
    const socket = connect(Number(port || 4222), hostname);
    socket.setTimeout(2_000, () => socket.destroy(new Error('no answer in 2 s')));
    socket.once('data', (d) => {
      socket.destroy();
      if (d.toString().startsWith('INFO ')) resolve();
      else reject(new Error('it did not greet as NATS does'));
    });
    socket.once('error', (err) => reject(new Error(`NATS at ${NATS_URL}: ${err.message}`)));
  });
}

async function until(what, check, ms = 30_000) {
  const end = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error(`cluster bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function active(agent, node, name) {
  await until(`${name} Active on ${node.url}`, async () => {
    try {
      return (await jsonRequest(agent, 'GET', `${node.url}/2015-03-31/functions/${name}`)).Configuration.State === 'Active';
    } catch {
      return false;
    }
  });
}

async function invokeOn(agent, node, name, payload) {
  const res = await post(agent, invokeUrl(node.url, name), payload);
  if (res.status !== 200) throw new Error(`invoke on ${node.url} answered ${res.status}: ${res.body.toString().slice(0, 200)}`);
  return res.body;
}

/** `count` sequential invokes of `name` on `node`: their p50 (ms), and the ids that answered. */
async function sequential(agent, node, name, count) {
  const samples = [];
  const ids = new Set();
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    const body = await invokeOn(agent, node, name, Buffer.from('{}'));
    samples.push(performance.now() - t0);
    ids.add(JSON.parse(body.toString()).id);
  }
  return { p50: percentile(sortedCopy(samples), 50), ids };
}

/**
 * CLIENTS loops, client i on node i mod N, for `ms`: invokes/s, the nodes' CPU per invoke
 * and the PostgreSQL server's on this machine (µs).
 */
async function throughput(agent, nodes, name, ms) {
  const payload = payloadOf(1024);
  let count = 0;
  const cpu0 = nodes.reduce((sum, n) => sum + cpuMs(n.pid), 0);
  const db0 = cpuMsOfCommand('postgres');
  const t0 = performance.now();
  const end = t0 + ms;
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, i) => {
      const node = nodes[i % nodes.length];
      while (performance.now() < end) {
        await invokeOn(agent, node, name, payload);
        count++;
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const cpu = nodes.reduce((sum, n) => sum + cpuMs(n.pid), 0) - cpu0;
  const db = cpuMsOfCommand('postgres') - db0;
  return { perSecond: count / seconds, cpuUs: (cpu * 1000) / count, dbCpuUs: (db * 1000) / count };
}

/** Starts `count` nodes of a cluster on `database`, waits until each serves the Lambda API. */
async function startNodes(agent, count, database, blobDir) {
  const args = ['--store', databaseUrl(database), '--bus', NATS_URL, '--blob-dir', blobDir];
  const nodes = [];
  try {
    for (let i = 0; i < count; i++) nodes.push(await startGustProcess({ sandbox: 'process', args }));
    for (const node of nodes) {
      await until(`${node.url} to serve the Lambda API`, async () => {
        try {
          await jsonRequest(agent, 'GET', `${node.url}/2015-03-31/functions`);
          return true;
        } catch {
          return false;
        }
      });
    }
    return nodes;
  } catch (err) {
    await Promise.allSettled(nodes.map((n) => n.stop()));
    throw err;
  }
}

export async function clusterRound({ quick }) {
  await natsAnswers();
  const database = `gust_bench_${randomBytes(4).toString('hex')}`;
  await onServer(`CREATE DATABASE ${database}`);
  const blobDir = mkdtempSync(join(tmpdir(), 'gust-bench-blobs-'));
  const agent = keepAliveAgent();
  const ms = quick ? 3_000 : 6_000;
  const result = {};
  try {
    for (const size of [1, 2, 3]) {
      const nodes = await startNodes(agent, size, database, blobDir);
      try {
        const name = `hello${size}`;
        await createFunction(agent, nodes[0].url, name, HANDLERS.nodeHello);
        for (const node of nodes) await active(agent, node, name);
        await throughput(agent, nodes, name, 1_000);
        result[size] = await throughput(agent, nodes, name, ms);
        if (size === 2) {
          // Warm on A only, then invoked on B: B runs it on A's environment.
          await createFunction(agent, nodes[0].url, 'who', WHO);
          await active(agent, nodes[1], 'who');
          const local = await sequential(agent, nodes[0], 'who', 20);
          await new Promise((r) => setTimeout(r, GOSSIP_SETTLES_MS));
          const count = quick ? 100 : 300;
          const onA = await sequential(agent, nodes[0], 'who', count);
          const throughB = await sequential(agent, nodes[1], 'who', count);
          const ids = new Set([...local.ids, ...onA.ids, ...throughB.ids]);
          if (ids.size !== 1) throw new Error(`cluster bench: the routed invokes ran in ${ids.size} environments, not in the one warm on A`);
          result.localP50 = onA.p50;
          result.routedP50 = throughB.p50;
        }
      } finally {
        await Promise.allSettled(nodes.map((n) => n.stop()));
      }
    }
  } finally {
    agent.destroy();
    rmSync(blobDir, { recursive: true, force: true });
    await onServer(`DROP DATABASE IF EXISTS ${database}`).catch(() => undefined);
  }
  return result;
}
