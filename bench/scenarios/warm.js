/**
 * Warm invokes of a hello-world node function with a 1 KB payload, against the two-hop
 * limit (a bare server in its own process handing each request to the same bootstrap):
 * - sequential latency p50/p99 on one environment, and the server's CPU time per invoke
 *   over the same loop (read from /proc: steadier than latency on a shared machine), after
 *   the same warm-up for both (WARM_UP); the same loop again with the server alone on a
 *   core (lib/pinning.js), the steadiest figure;
 * - throughput with 4 environments and 16 clients. Gust's function has reserved
 *   concurrency 4, so clients beyond 4 get 429s, as on Lambda; a throttled client retries
 *   when the next invoke completes (a client waiting for room, without a made-up sleep).
 *   The two-hop server queues instead. 429s are counted, not as throughput. The same with
 *   4 clients (no 429s) shows the forwarding cost alone;
 * - what a 429 costs the server: sequential invokes of a function whose one reserved slot is
 *   held by a running invoke, each refused, against the CPU of a warm invoke.
 */
import { jsonRequest, keepAliveAgent, post } from '../lib/http-client.js';
import { HANDLERS, payloadOf } from '../lib/fixtures.js';
import { createFunction, invoke, invokeUrl, putConcurrency, uniqueName } from '../lib/lambda.js';
import { cpuMs } from '../lib/proc.js';
import { TwoHopProcess } from '../lib/two-hop.js';
import { percentile, sortedCopy } from '../lib/stats.js';
import { prepareCode, runtimeCommand, runtimeEnv } from '../lib/runtimes.js';
import { pinned } from '../lib/pinning.js';

const CLIENTS = 16;
const ENVIRONMENTS = 4;
/**
 * Invokes before anything is measured, the same for Gust and the baseline: a server's
 * first thousands of invokes run while V8 still compiles the path. Measured with 200 of
 * them, Gust's helper threads took ~200 µs of CPU per invoke compiling, against ~30 µs
 * after 6,000; the two-hop server's few functions are compiled within its first hundred.
 */
const WARM_UP = 3000;

/** Sequential invokes: latency percentiles, and the CPU time `pid` spent per invoke (µs). */
async function sequential(send, count, pid) {
  const samples = [];
  const cpu0 = cpuMs(pid);
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await send();
    samples.push(performance.now() - t0);
  }
  const cpuUs = ((cpuMs(pid) - cpu0) * 1000) / count;
  const s = sortedCopy(samples);
  return { p50: percentile(s, 50), p99: percentile(s, 99), cpuUs };
}

/** Runs `clients` loops for `ms`; a 429 waits for the next completed invoke, then retries. */
async function throughput(send, ms, clients = CLIENTS) {
  let ok = 0;
  let throttled = 0;
  const waiting = [];
  const end = performance.now() + ms;
  const completed = () => waiting.shift()?.();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < end) {
        const status = await send();
        if (status === 200) {
          ok++;
          completed();
        } else if (status === 429) {
          throttled++;
          await new Promise((wake) => waiting.push(wake));
        } else {
          throw new Error(`invoke answered ${status}`);
        }
      }
      // Whoever still waits must not outlive the run.
      while (waiting.length > 0) completed();
    }),
  );
  return { perSecond: ok / (ms / 1000), throttled };
}

/**
 * The first invoke of $LATEST after TagResource and PublishVersion, which change its
 * RevisionId but nothing its environment sees: it should be as warm as any other.
 */
async function invokeAfterChanges(agent, base, name, payload) {
  const arn = `arn:aws:lambda:us-east-1:000000000000:function:${name}`;
  await jsonRequest(agent, 'POST', `${base}/2017-03-31/tags/${encodeURIComponent(arn)}`, { Tags: { bench: 'warm' } });
  await jsonRequest(agent, 'POST', `${base}/2015-03-31/functions/${name}/versions`, {});
  const t0 = performance.now();
  await invoke(agent, base, name, payload);
  return performance.now() - t0;
}

/** Server CPU per 429 (µs): `count` sequential invokes of `name` while its one slot is held. */
async function throttleCost(agent, gust, name, payload, count) {
  await createFunction(agent, gust.url, name, HANDLERS.nodeBusy);
  await putConcurrency(agent, gust.url, name, 1);
  const url = invokeUrl(gust.url, name);
  // The held invoke is never awaited: the environment stops with the server.
  post(agent, url, payload).catch(() => undefined);
  const refused = async () => {
    const { status } = await post(agent, url, payload);
    if (status !== 429) throw new Error(`a throttled invoke answered ${status}`);
  };
  for (let i = 0; (await post(agent, url, payload)).status !== 429; i++) {
    if (i > 500) throw new Error(`${name}: its held invoke never took the slot`);
    await new Promise((r) => setTimeout(r, 10));
  }
  for (let i = 0; i < 200; i++) await refused();
  const cpu0 = cpuMs(gust.pid);
  for (let i = 0; i < count; i++) await refused();
  return ((cpuMs(gust.pid) - cpu0) * 1000) / count;
}

export async function warmRound({ gust, quick }) {
  const agent = keepAliveAgent(64);
  const payload = payloadOf(1024);
  const count = quick ? 500 : 1500;
  const tpMs = quick ? 2000 : 4000;
  const warmUp = quick ? WARM_UP / 3 : WARM_UP;
  const name = uniqueName('warm');
  await createFunction(agent, gust.url, name, HANDLERS.nodeHello);
  for (let i = 0; i < warmUp; i++) await invoke(agent, gust.url, name, payload);
  const gustSeq = await sequential(() => invoke(agent, gust.url, name, payload), count, gust.pid);
  const gustPinned = await pinned(gust.pid, () => sequential(() => invoke(agent, gust.url, name, payload), count, gust.pid));
  const afterChanges = await invokeAfterChanges(agent, gust.url, name, payload);

  const tpName = `${name}-tp`;
  await createFunction(agent, gust.url, tpName, HANDLERS.nodeHello);
  await putConcurrency(agent, gust.url, tpName, ENVIRONMENTS);
  const url = invokeUrl(gust.url, tpName);
  const sendGust = async () => (await post(agent, url, payload)).status;
  await throughput(sendGust, 500);
  const gustTp = await throughput(sendGust, tpMs);
  // One client per environment: no 429s, so the forwarding cost alone.
  const gustTpMatched = await throughput(sendGust, tpMs / 2, ENVIRONMENTS);
  const throttleCpuUs = await throttleCost(agent, gust, `${name}-busy`, payload, count);

  const baseline = new TwoHopProcess();
  await baseline.start();
  try {
    const fixture = prepareCode(HANDLERS.nodeHello);
    await baseline.spawnRuntimes(1, runtimeCommand('node'), runtimeEnv(fixture));
    const sendBase = async () => (await post(agent, baseline.url, payload)).status;
    for (let i = 0; i < warmUp; i++) await sendBase();
    const baseSeq = await sequential(sendBase, count, baseline.pid);
    const basePinned = await pinned(baseline.pid, () => sequential(sendBase, count, baseline.pid));
    await baseline.spawnRuntimes(ENVIRONMENTS - 1, runtimeCommand('node'), runtimeEnv(fixture));
    await throughput(sendBase, 500);
    const baseTp = await throughput(sendBase, tpMs);
    const baseTpMatched = await throughput(sendBase, tpMs / 2, ENVIRONMENTS);
    return { gustLatency: gustSeq, baseLatency: baseSeq, gustTp, baseTp, gustTpMatched, baseTpMatched, tpSeconds: tpMs / 1000, afterChanges, throttleCpuUs, gustPinned, basePinned };
  } finally {
    await baseline.stop();
    agent.destroy();
  }
}
