/**
 * Ready sandboxes, per driver (`--sandbox`; the namespace driver needs root): hello-world cold starts, invoke to
 * response, on a server keeping ready sandboxes (`--ready-sandboxes 2`) against one keeping
 * none (`--ready-sandboxes 0`), for Node and Python, taking turns. Before each start on the
 * first server the bench waits until a ready sandbox of the runtime waits again (the pool
 * refills 250 ms after a take), so every start there is given one; each function is new, so
 * every start is cold. Then what the waiting sandboxes hold: resident and proportional memory
 * of each ready sandbox's processes (the booted runtime, and the namespace driver's bwrap and
 * gust-init), read from /proc.
 * Last, a stream: new functions invoked one after another, 60 ms apart, each a cold start, on
 * a server with the default pool (sized by demand) against the one keeping none.
 */
import { readFileSync } from 'node:fs';
import { keepAliveAgent } from '../lib/http-client.js';
import { HANDLERS, payloadOf } from '../lib/fixtures.js';
import { startGustProcess } from '../lib/gust-process.js';
import { createFunction, invoke, uniqueName } from '../lib/lambda.js';
import { median } from '../lib/stats.js';
import { descendants, parentOf } from '../lib/proc.js';

const KINDS = { node: { fixture: HANDLERS.nodeHello, bootstrap: 'bootstrap.mjs' }, python: { fixture: HANDLERS.pythonHello, bootstrap: 'bootstrap.py' } };

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function read(path) {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** Waiting runtimes of `bootstrap` under the server `pid`: their start environment names the assignment socket. */
function waiting(pid, bootstrap) {
  return descendants(pid).filter((p) => read(`/proc/${p}/cmdline`).includes(bootstrap) && read(`/proc/${p}/environ`).includes('_GUST_ASSIGNMENT='));
}

async function untilWaiting(pid, bootstrap) {
  for (let i = 0; i < 400; i++) {
    if (waiting(pid, bootstrap).length > 0) return;
    await sleep(25);
  }
  throw new Error(`no ready ${bootstrap} sandbox came`);
}

function initDurationOf(res) {
  const m = /Init Duration: ([\d.]+) ms/.exec(Buffer.from(res.headers['x-amz-log-result'] ?? '', 'base64').toString());
  if (!m) throw new Error('no Init Duration in the log tail of a cold start');
  return Number(m[1]);
}

/** kB of `field` (VmRSS in status, Pss in smaps_rollup). */
function kb(path, field) {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(read(path));
  return m ? Number(m[1]) : 0;
}

/** RSS and PSS (MB) of one ready sandbox: the runtime, and in a namespace sandbox gust-init (its parent) and bwrap (gust-init's parent). */
function sandboxMemory(runtimePid, sandbox) {
  const init = parentOf(runtimePid);
  const pids = sandbox === 'namespace' ? [runtimePid, init, parentOf(init)] : [runtimePid];
  return {
    rssMb: pids.reduce((s, p) => s + kb(`/proc/${p}/status`, 'VmRSS'), 0) / 1024,
    pssMb: pids.reduce((s, p) => s + kb(`/proc/${p}/smaps_rollup`, 'Pss'), 0) / 1024,
  };
}

async function coldStarts(agent, ready, plain, kind, count, sandbox) {
  const { fixture, bootstrap } = KINDS[kind];
  const prefix = uniqueName(`ready-${kind}`);
  for (const g of [ready, plain]) for (let i = 0; i <= count; i++) await createFunction(agent, g.url, `${prefix}-${i}`, fixture);
  // The first start of a runtime arms its pool.
  for (const g of [ready, plain]) await invoke(agent, g.url, `${prefix}-0`, payloadOf(64));
  const withReady = [];
  const withReadyInit = [];
  const without = [];
  const withoutInit = [];
  for (let i = 1; i <= count; i++) {
    await untilWaiting(ready.pid, bootstrap);
    // Settled: the refill's boot is over, as it is for a start that comes some time after another.
    await sleep(300);
    let t0 = performance.now();
    let res = await invoke(agent, ready.url, `${prefix}-${i}`, payloadOf(64), { 'x-amz-log-type': 'Tail' });
    withReady.push(performance.now() - t0);
    withReadyInit.push(initDurationOf(res));
    await sleep(300);
    t0 = performance.now();
    res = await invoke(agent, plain.url, `${prefix}-${i}`, payloadOf(64), { 'x-amz-log-type': 'Tail' });
    without.push(performance.now() - t0);
    withoutInit.push(initDurationOf(res));
  }
  await untilWaiting(ready.pid, bootstrap);
  await sleep(500);
  const memory = waiting(ready.pid, bootstrap).map((pid) => sandboxMemory(pid, sandbox));
  return {
    ready: median(withReady),
    readyInit: median(withReadyInit),
    plain: median(without),
    plainInit: median(withoutInit),
    waiting: memory.length,
    rssMb: median(memory.map((m) => m.rssMb)),
    pssMb: median(memory.map((m) => m.pssMb)),
  };
}

/** The median invoke → response of `count` new functions of `kind` invoked one after another, `STREAM_GAP_MS` apart. */
async function stream(agent, gust, kind, count) {
  const prefix = uniqueName(`stream-${kind}`);
  for (let i = 0; i <= count; i++) await createFunction(agent, gust.url, `${prefix}-${i}`, KINDS[kind].fixture);
  // The runtime's first start, as in coldStarts; the stream begins once its refill could be over.
  await invoke(agent, gust.url, `${prefix}-0`, payloadOf(64));
  await sleep(1500);
  const times = [];
  for (let i = 1; i <= count; i++) {
    await sleep(STREAM_GAP_MS);
    const t0 = performance.now();
    await invoke(agent, gust.url, `${prefix}-${i}`, payloadOf(64));
    times.push(performance.now() - t0);
  }
  return median(times);
}

const STREAM_GAP_MS = 60;

export async function readyRound({ quick, gustOptions }) {
  const sandbox = gustOptions.sandbox ?? 'process';
  const ready = await startGustProcess({ sandbox, args: ['--ready-sandboxes', '2'] });
  const plain = await startGustProcess({ sandbox, args: ['--ready-sandboxes', '0'] });
  let pooled;
  const agent = keepAliveAgent(8);
  try {
    const count = quick ? 8 : 20;
    const node = await coldStarts(agent, ready, plain, 'node', count, sandbox);
    const python = await coldStarts(agent, ready, plain, 'python', count, sandbox);
    await ready.stop();
    // The default pool: its size follows the stream.
    pooled = await startGustProcess({ sandbox });
    for (const [kind, r] of [['node', node], ['python', python]]) {
      r.streamPooled = await stream(agent, pooled, kind, count);
      r.streamPlain = await stream(agent, plain, kind, count);
    }
    return { node, python, samples: count };
  } finally {
    agent.destroy();
    await Promise.all([ready.stop(), plain.stop(), pooled?.stop()]);
  }
}
