/** Warm invoke latency (sequential) and throughput (4 environments, 16 clients). */
import { keepAliveAgent, post } from '../lib/http-client.js';
import { HANDLERS, payloadOf } from '../lib/fixtures.js';
import { createFunction, invoke, invokeUrl, putConcurrency } from '../lib/lambda.js';
import { TwoHopServer } from '../lib/two-hop.js';
import { percentile, sortedCopy } from '../lib/stats.js';
import { prepareCode, runtimeCommand, runtimeEnv } from '../lib/runtimes.js';

async function sequentialLatencies(send, count) {
  const samples = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await send();
    samples.push(performance.now() - t0);
  }
  const s = sortedCopy(samples);
  return { p50: percentile(s, 50), p99: percentile(s, 99) };
}

/** Runs `clients` loops for `ms`; a 429 is retried at once and not counted. */
async function throughput(send, clients, ms) {
  let ok = 0;
  let throttled = 0;
  const end = performance.now() + ms;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < end) {
        const status = await send();
        if (status === 200) ok++;
        else if (status === 429) throttled++;
        else throw new Error(`invoke answered ${status}`);
      }
    }),
  );
  return { perSecond: ok / (ms / 1000), throttled };
}

export async function warmRound({ gust, quick }) {
  const agent = keepAliveAgent(64);
  const payload = payloadOf(1024);
  const count = quick ? 300 : 1500;
  const tpMs = quick ? 2000 : 5000;
  const name = `warm-${Math.random().toString(36).slice(2, 8)}`;
  await createFunction(agent, gust.url, name, HANDLERS.nodeHello);
  for (let i = 0; i < 50; i++) await invoke(agent, gust.url, name, payload);
  const gustLatency = await sequentialLatencies(() => invoke(agent, gust.url, name, payload), count);

  const tpName = `${name}-tp`;
  await createFunction(agent, gust.url, tpName, HANDLERS.nodeHello);
  await putConcurrency(agent, gust.url, tpName, 4);
  const url = invokeUrl(gust.url, tpName);
  await throughput(async () => (await post(agent, url, payload)).status, 16, 500);
  const gustTp = await throughput(async () => (await post(agent, url, payload)).status, 16, tpMs);

  const baseline = new TwoHopServer();
  await baseline.start();
  try {
    const fixture = prepareCode(HANDLERS.nodeHello);
    await baseline.spawnRuntimes(1, runtimeCommand('node'), runtimeEnv(fixture));
    for (let i = 0; i < 50; i++) await post(agent, baseline.url, payload);
    const baseLatency = await sequentialLatencies(() => post(agent, baseline.url, payload), count);
    await baseline.spawnRuntimes(3, runtimeCommand('node'), runtimeEnv(fixture));
    await throughput(async () => (await post(agent, baseline.url, payload)).status, 16, 500);
    const baseTp = await throughput(async () => (await post(agent, baseline.url, payload)).status, 16, tpMs);
    return { gustLatency, baseLatency, gustTp, baseTp };
  } finally {
    await baseline.stop();
    agent.destroy();
  }
}
