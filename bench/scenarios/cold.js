/**
 * Cold starts (invoke to response on a new environment) against the same done bare: the
 * runtime spawned by the bench on a minimal Runtime API, handed the event at its first
 * /next. Gust's own share is the difference of the medians.
 */
import { keepAliveAgent } from '../lib/http-client.js';
import { HANDLERS, payloadOf } from '../lib/fixtures.js';
import { createFunction, invoke, uniqueName } from '../lib/lambda.js';
import { bareColdStart } from '../lib/two-hop.js';
import { gustCpuMs } from '../lib/proc.js';
import { median } from '../lib/stats.js';
import { prepareCode, runtimeCommand, runtimeEnv } from '../lib/runtimes.js';

const KINDS = { node: HANDLERS.nodeHello, python: HANDLERS.pythonHello };

function initDurationOf(res) {
  const tail = Buffer.from(res.headers['x-amz-log-result'] ?? '', 'base64').toString();
  const m = /Init Duration: ([\d.]+) ms/.exec(tail);
  if (!m) throw new Error(`no Init Duration in the log tail of a cold start: ${tail.slice(-300)}`);
  return Number(m[1]);
}

/**
 * A pause after each start, Gust's and the bare one: what a start sets going once it has
 * answered (Gust's next launcher joining its cgroup, which holds up every fork on the host
 * for ~10 ms; an exiting runtime) is done before the other side's start begins. Without it,
 * each side's after-work landed in the other's timing. Short: after 150 ms of idle both
 * sides started slower and twice as spread (the CPUs had gone idle).
 */
const SETTLE_MS = 30;

function settle() {
  return new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
}

export async function coldRound({ gust, quick }, kind) {
  const agent = keepAliveAgent(8);
  const payload = payloadOf(64);
  const count = quick ? 8 : 20;
  const fixture = KINDS[kind];
  const names = [];
  const prefix = uniqueName(`cold-${kind}`);
  for (let i = 0; i < count; i++) {
    names.push(`${prefix}-${i}`);
    await createFunction(agent, gust.url, names[i], fixture);
  }
  const code = prepareCode(fixture);
  const totals = [];
  const inits = [];
  const bareNext = [];
  const bare = [];
  // Gust and the bare start-up take turns, so that a burst of load from elsewhere on the
  // machine hits both sides alike. Gust's own CPU time over the loop (its process and its
  // spawner, not the runtimes) is the figure load moves least.
  const cpu0 = gustCpuMs(gust.pid);
  for (const name of names) {
    const t0 = performance.now();
    const res = await invoke(agent, gust.url, name, payload, { 'x-amz-log-type': 'Tail' });
    totals.push(performance.now() - t0);
    inits.push(initDurationOf(res));
    await settle();
    const b = await bareColdStart(runtimeCommand(kind), runtimeEnv(code), payload);
    bareNext.push(b.nextMs);
    bare.push(b.responseMs);
    await settle();
  }
  const cpuPerStart = (gustCpuMs(gust.pid) - cpu0) / count;
  agent.destroy();
  const total = median(totals);
  const bareMs = median(bare);
  return { total, init: median(inits), bareNext: median(bareNext), bare: bareMs, gustShare: total - bareMs, gustCpuMs: cpuPerStart, samples: count };
}
