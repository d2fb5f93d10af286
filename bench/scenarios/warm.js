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
 * Both servers run side by side, and each measurement alternates between them in chunks.
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

/**
 * Gust and the baseline take turns, `CHUNKS` times in each measurement, so that both meet
 * the same moments of a shared machine: measured one after the other, a neighbour's burst
 * landed on one side only, and a ratio moved by tens of percent between runs.
 */
const CHUNKS = 6;

/** Runs `gust` and `base` in turn, `CHUNKS` times; returns the results of each side. */
async function takingTurns(gust, base) {
  const results = { gust: [], base: [] };
  for (let i = 0; i < CHUNKS; i++) {
    results.gust.push(await gust());
    results.base.push(await base());
  }
  return results;
}

/** Sequential invokes: their latencies, and the CPU time `pid` spent over them (ms). */
async function sequential(send, count, pid) {
  const samples = [];
  const cpu0 = cpuMs(pid);
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await send();
    samples.push(performance.now() - t0);
  }
  return { samples, cpuMs: cpuMs(pid) - cpu0 };
}

/** Latency percentiles and the CPU time per invoke (µs) over the chunks of one side. */
function summary(chunks) {
  const samples = chunks.flatMap((c) => c.samples);
  const cpuUs = (chunks.reduce((sum, c) => sum + c.cpuMs, 0) * 1000) / samples.length;
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
  return { ok, throttled, ms };
}

/** Invokes per second and 429s over the chunks of one side. */
function rate(chunks) {
  const seconds = chunks.reduce((sum, c) => sum + c.ms, 0) / 1000;
  return { perSecond: chunks.reduce((sum, c) => sum + c.ok, 0) / seconds, throttled: chunks.reduce((sum, c) => sum + c.throttled, 0), seconds };
}

/**
 * The first invoke of $LATEST after TagResource and PublishVersion, which change its
 * RevisionId but nothing its environment sees: it should be as warm as any other. Against
 * the invoke after two GetFunction calls, the same traffic without a change: an invoke
 * that follows other requests costs more than one in a back-to-back loop (its code and
 * the kernel's caches are cold), which the loop's p50 hid (3-4x, for nothing the change did).
 * The median of `rounds` of each, taking turns.
 */
async function invokeAfterChanges(agent, base, name, payload, rounds) {
  const arn = `arn:aws:lambda:us-east-1:000000000000:function:${name}`;
  const timed = async () => {
    const t0 = performance.now();
    await invoke(agent, base, name, payload);
    return performance.now() - t0;
  };
  const changed = [];
  const read = [];
  for (let i = 0; i < rounds; i++) {
    await jsonRequest(agent, 'POST', `${base}/2017-03-31/tags/${encodeURIComponent(arn)}`, { Tags: { bench: `warm-${i}` } });
    await jsonRequest(agent, 'POST', `${base}/2015-03-31/functions/${name}/versions`, {});
    changed.push(await timed());
    await jsonRequest(agent, 'GET', `${base}/2015-03-31/functions/${name}`);
    await jsonRequest(agent, 'GET', `${base}/2015-03-31/functions/${name}`);
    read.push(await timed());
  }
  return { changed: percentile(sortedCopy(changed), 50), read: percentile(sortedCopy(read), 50) };
}

/**
 * Pause after each invoke: long enough for Gust to freeze the idle environment (its first
 * check is at 50 ms), short of any reaping, as sporadic traffic to a function meets it.
 */
const IDLE_PAUSE_MS = 100;

/** Invokes that each follow an idle pause: their latencies (ms). */
async function afterPauses(send, count) {
  const samples = [];
  for (let i = 0; i < count; i++) {
    await new Promise((r) => setTimeout(r, IDLE_PAUSE_MS));
    const t0 = performance.now();
    await send();
    samples.push(performance.now() - t0);
  }
  return samples;
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
  const chunk = Math.round((quick ? 500 : 1500) / CHUNKS);
  const tpChunkMs = Math.round((quick ? 2000 : 4000) / CHUNKS);
  const warmUp = quick ? WARM_UP / 3 : WARM_UP;
  const name = uniqueName('warm');
  await createFunction(agent, gust.url, name, HANDLERS.nodeHello);
  const tpName = `${name}-tp`;
  await createFunction(agent, gust.url, tpName, HANDLERS.nodeHello);
  await putConcurrency(agent, gust.url, tpName, ENVIRONMENTS);
  const tpUrl = invokeUrl(gust.url, tpName);
  const sendGust = () => invoke(agent, gust.url, name, payload);
  const sendGustTp = async () => (await post(agent, tpUrl, payload)).status;

  // The baseline's two servers, as Gust's two functions: one runtime for the sequential
  // loops, four for the throughput runs.
  const fixture = prepareCode(HANDLERS.nodeHello);
  const baseline = new TwoHopProcess();
  const baselineTp = new TwoHopProcess();
  try {
    await Promise.all([baseline.start(), baselineTp.start()]);
    await baseline.spawnRuntimes(1, runtimeCommand('node'), runtimeEnv(fixture));
    await baselineTp.spawnRuntimes(ENVIRONMENTS, runtimeCommand('node'), runtimeEnv(fixture));
    const sendBase = async () => (await post(agent, baseline.url, payload)).status;
    const sendBaseTp = async () => (await post(agent, baselineTp.url, payload)).status;

    for (let i = 0; i < warmUp; i++) await sendGust();
    for (let i = 0; i < warmUp; i++) await sendBase();
    await throughput(sendGustTp, 500);
    await throughput(sendBaseTp, 500);

    const seq = await takingTurns(
      () => sequential(sendGust, chunk, gust.pid),
      () => sequential(sendBase, chunk, baseline.pid),
    );
    // Pinning left out where it cannot run (one core, no taskset): pinned() gives undefined.
    const pinnedSeq = await takingTurns(
      () => pinned(gust.pid, () => sequential(sendGust, chunk, gust.pid)),
      () => pinned(baseline.pid, () => sequential(sendBase, chunk, baseline.pid)),
    );
    // Right after the loops, while the environment is warm (idle for seconds, it would be frozen).
    const afterChanges = await invokeAfterChanges(agent, gust.url, name, payload, quick ? 3 : 7);
    const idle = await takingTurns(
      () => afterPauses(sendGust, quick ? 3 : 5),
      () => afterPauses(sendBase, quick ? 3 : 5),
    );
    const tp = await takingTurns(
      () => throughput(sendGustTp, tpChunkMs),
      () => throughput(sendBaseTp, tpChunkMs),
    );
    // One client per environment: no 429s, so the forwarding cost alone.
    const tpMatched = await takingTurns(
      () => throughput(sendGustTp, tpChunkMs / 2, ENVIRONMENTS),
      () => throughput(sendBaseTp, tpChunkMs / 2, ENVIRONMENTS),
    );
    const throttleCpuUs = await throttleCost(agent, gust, `${name}-busy`, payload, chunk * CHUNKS);
    const canPin = pinnedSeq.gust.every((c) => c !== undefined);
    return {
      gustLatency: summary(seq.gust),
      baseLatency: summary(seq.base),
      gustPinned: canPin ? summary(pinnedSeq.gust) : undefined,
      basePinned: canPin ? summary(pinnedSeq.base) : undefined,
      gustTp: rate(tp.gust),
      baseTp: rate(tp.base),
      gustTpMatched: rate(tpMatched.gust),
      baseTpMatched: rate(tpMatched.base),
      afterChanges,
      gustAfterIdle: percentile(sortedCopy(idle.gust.flat()), 50),
      baseAfterIdle: percentile(sortedCopy(idle.base.flat()), 50),
      throttleCpuUs,
    };
  } finally {
    await Promise.all([baseline.stop(), baselineTp.stop()]);
    agent.destroy();
  }
}
