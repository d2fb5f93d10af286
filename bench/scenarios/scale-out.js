/**
 * 50 concurrent invokes of a function with no warm environment, handler sleeping 100 ms,
 * against 50 bare runtimes started in parallel behind the two-hop server, each given one
 * of 50 requests. Each round starts a Gust of its own (the bench's driver and options), so
 * that what the first burst finds is known: a runtime started once, which keeps two ready
 * sandboxes (namespace driver). The first burst grows the pool by demand; once the pool has
 * refilled, a second burst of 50 on another function measures what bursts cost from then
 * on, and the pool's memory is read from the metrics. Both sides get their 50 client
 * sockets opened beforehand, so that the burst reaches the server at once. The handler
 * answers with an id of its process, so the table shows how many environments Gust
 * actually started (one that has finished may take a later arrival, as on Lambda).
 */
import http from 'node:http';
import { jsonRequest, keepAliveAgent, post } from '../lib/http-client.js';
import { HANDLERS, payloadOf } from '../lib/fixtures.js';
import { startGustProcess } from '../lib/gust-process.js';
import { createFunction, invoke, uniqueName } from '../lib/lambda.js';
import { TwoHopProcess } from '../lib/two-hop.js';
import { prepareCode, runtimeCommand, runtimeEnv } from '../lib/runtimes.js';

const N = 50;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** How many runtime processes answered (the handler returns an id of its process). */
function distinctRuntimes(answers) {
  return new Set(answers.map((a) => JSON.parse(a.body.toString()).id)).size;
}

/** Opens N keep-alive sockets to `base` (concurrent GETs), so the burst needs no handshakes. */
async function openSockets(agent, base) {
  await Promise.all(Array.from({ length: N }, () => jsonRequest(agent, 'GET', `${base}/health`)));
}

/** The ready-sandbox gauges of /metrics, summed over runtimes; zeros where the driver keeps none. */
async function readyGauges(agent, base) {
  const text = await new Promise((resolve, reject) => {
    http
      .get(`${base}/metrics`, { agent }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks).toString()) : reject(new Error(`GET /metrics answered ${res.statusCode}`))));
      })
      .on('error', reject);
  });
  const gauge = (name) => [...text.matchAll(new RegExp(`^${name}\\{[^}]*\\} (\\S+)$`, 'gm'))].reduce((sum, m) => sum + Number(m[1]), 0);
  return { waiting: gauge('gust_ready_sandboxes_waiting'), booting: gauge('gust_ready_sandboxes_booting'), target: gauge('gust_ready_sandboxes_target'), memoryBytes: gauge('gust_ready_sandboxes_memory_bytes') };
}

/** Waits until the pool holds what it keeps now, with no boot under way. */
async function settled(agent, base) {
  for (let i = 0; i < 600; i++) {
    const g = await readyGauges(agent, base);
    if (g.waiting >= g.target && g.booting === 0) return g;
    await sleep(100);
  }
  throw new Error(`the ready pool did not refill within 60 s: ${JSON.stringify(await readyGauges(agent, base))}`);
}

async function burst(base, name, payload) {
  const agent = keepAliveAgent(N);
  try {
    await openSockets(agent, base);
    const t0 = performance.now();
    const answers = await Promise.all(Array.from({ length: N }, () => invoke(agent, base, name, payload)));
    return { ms: performance.now() - t0, environments: distinctRuntimes(answers) };
  } finally {
    agent.destroy();
  }
}

export async function scaleOutRound({ gustOptions, serveArgs }) {
  const payload = payloadOf(64);
  const gust = await startGustProcess({ ...gustOptions, args: serveArgs });
  const setup = keepAliveAgent(2);
  let first;
  let next;
  let pool;
  try {
    const names = ['arm', 'first', 'next'].map((n) => uniqueName(`scale-${n}`));
    for (const name of names) await createFunction(setup, gust.url, name, HANDLERS.nodeSleep);
    await invoke(setup, gust.url, names[0], payload);
    await settled(setup, gust.url);
    first = await burst(gust.url, names[1], payload);
    const t0 = performance.now();
    pool = { ...(await settled(setup, gust.url)), refillMs: performance.now() - t0 };
    next = await burst(gust.url, names[2], payload);
  } finally {
    setup.destroy();
    await gust.stop();
  }

  const baseline = new TwoHopProcess({ oneEach: true });
  await baseline.start();
  const baseAgent = keepAliveAgent(N);
  try {
    const code = prepareCode(HANDLERS.nodeSleep);
    await openSockets(baseAgent, baseline.base);
    const b0 = performance.now();
    // Gathered before the runtimes start, so that a failed request is this round's error
    // rather than an unhandled rejection.
    const answers = Promise.all(Array.from({ length: N }, () => post(baseAgent, baseline.url, payload)));
    const [baseAnswers] = await Promise.all([answers, baseline.spawnRuntimes(N, runtimeCommand('node'), runtimeEnv(code))]);
    const baseMs = performance.now() - b0;
    const baseEnvironments = distinctRuntimes(baseAnswers);
    if (baseEnvironments !== N) throw new Error(`the baseline's ${N} invokes ran on ${baseEnvironments} runtimes, not ${N}`);
    return {
      firstMs: first.ms,
      gustMs: next.ms,
      baseMs,
      firstEnvironments: first.environments,
      gustEnvironments: next.environments,
      baseEnvironments,
      poolWaiting: pool.waiting,
      poolMb: pool.memoryBytes / 2 ** 20,
      refillMs: pool.refillMs,
    };
  } finally {
    await baseline.stop();
    baseAgent.destroy();
  }
}
