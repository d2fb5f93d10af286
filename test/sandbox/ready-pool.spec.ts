/**
 * Ready sandboxes (src/sandbox/namespace/ready-sandboxes.ts) through a real server, the SDK
 * and real sandboxes: a function's first start of a runtime arms the pool; the next cold
 * start of that runtime is given a sandbox whose runtime booted ahead. A ready start shows
 * as a runtime older than its Init Duration (it waited before its function came).
 *
 * - Node and Python: the answer, REPORT's Init Duration, the variables and context of the
 *   function, /var/task holding its own files and refusing writes.
 * - Nothing crosses: a function writes everywhere it can (/tmp, /var/task, /opt, /dev/shm,
 *   its variables, the working directory); the next function given a ready sandbox finds
 *   none of it.
 * - Fallbacks: NODE_OPTIONS and AWS_LAMBDA_EXEC_WRAPPER take the ordinary path and work; a
 *   ready runtime killed while it waits is replaced, and starts still work.
 * - Demand: a burst of cold starts that found none grows the pool, and the next burst of that
 *   size is served from it; the metrics count the waiting sandboxes and the target. Cold
 *   starts one after another (a stream) are served as it goes: each sandbox taken is booted
 *   again at once.
 * - The end: the spawner's death takes the waiting sandboxes with it; so does a stop.
 *
 * Skipped, saying why, where the namespace driver cannot run.
 */
import { realpathSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { namespaceHostGap } from '../../src/sandbox/namespace/namespace-setup.js';
import { startTestGust, type TestGust } from '../helpers/gust.js';
import { createFunction, invoke } from '../helpers/lambda.js';
import { ourSpawners } from '../helpers/processes.js';
import { initDuration, killWaitingAndAwaitReplacement, readyFor, waitingRuntimes } from '../helpers/ready-runtimes.js';
import { parseMetrics, total } from '../helpers/prometheus.js';

const gap = namespaceHostGap();
if (gap) console.warn(`test/sandbox/ready-pool.spec.ts skipped: the namespace driver cannot run here: ${gap}`);

let t: TestGust | undefined;
/** A host service that functions attached to the `svc` host network reach; it greets and hangs up. */
const service = createServer((socket) => socket.end('hello from the host'));

beforeAll(async () => {
  if (gap) return;
  await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve));
  t = await startTestGust({ flags: { sandbox: 'namespace', readySandboxes: '2', hostNetworks: `svc=127.0.0.1:${(service.address() as AddressInfo).port}` } });
}, 120_000);

afterAll(async () => {
  await t?.stop();
  service.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What a server's metrics say of its ready sandboxes, summed over runtimes. */
async function readyGauges(server: TestGust): Promise<{ waiting: number; target: number }> {
  const m = parseMetrics(await (await fetch(`${server.url}/metrics`)).text());
  // A gauge with no runtime yet has no sample, and the parser then no family.
  const gauge = (name: string) => (m.has(name) ? total(m, name) : 0);
  return { waiting: gauge('gust_ready_sandboxes_waiting'), target: gauge('gust_ready_sandboxes_target') };
}

/** Seconds since the runtime process started, as the handler reads it from its own /proc. */
const NODE_AGE = `(() => { const up = Number(require('fs').readFileSync('/proc/uptime', 'utf8').split(' ')[0]); const st = require('fs').readFileSync('/proc/self/stat', 'utf8'); return up - Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[19]) / 100; })()`;
const PY_AGE = `(float(open("/proc/uptime").read().split()[0]) - int(open("/proc/self/stat").read().rsplit(")", 1)[1].split()[19]) / 100)`;

const NODE_PROBE = `const fs = require('fs');
exports.handler = async (event, context) => {
  let write;
  try { fs.writeFileSync('/var/task/x', 'x'); write = 'written'; } catch (e) { write = e.code; }
  return { age: ${NODE_AGE}, mountinfo: fs.readFileSync('/proc/self/mountinfo', 'utf8'), files: fs.readdirSync('/var/task').sort(), own: fs.readFileSync('/var/task/own.txt', 'utf8'), write, cwd: process.cwd(),
    color: process.env.COLOR, fn: process.env.AWS_LAMBDA_FUNCTION_NAME, mem: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE, handler: process.env._HANDLER,
    assignment: process.env._GUST_ASSIGNMENT ?? null, ctx: { name: context.functionName, mem: context.memoryLimitInMB, stream: context.logStreamName === process.env.AWS_LAMBDA_LOG_STREAM_NAME } };
};`;

it.skipIf(gap)('a Node cold start is given a ready sandbox: its code, variables and context, read-only /var/task, Init Duration', { timeout: 120_000 }, async () => {
  await createFunction(t!.lambda, 'node-first', { files: { 'index.js': 'exports.handler = async () => "first";' } });
  expect((await invoke(t!.lambda, 'node-first')).json).toBe('first');
  await createFunction(t!.lambda, 'node-probe', { MemorySize: 256, Environment: { Variables: { COLOR: 'blue' } }, files: { 'index.js': NODE_PROBE, 'own.txt': 'mine' } });
  await readyFor('bootstrap.mjs');
  const r = await invoke(t!.lambda, 'node-probe', {}, { LogType: 'Tail' });
  expect(r.functionError, r.text).toBeUndefined();
  const seen = r.json as Record<string, unknown>;
  const init = initDuration(r.log);
  expect(init, r.log).toBeDefined();
  // It waited ready for more than a second before this start, which took far less.
  expect(seen.age as number).toBeGreaterThan(1);
  expect(init!).toBeLessThan(1000);
  // The slots and the code bound on them show volume paths, never the data directory.
  expect(seen.mountinfo).toMatch(/ \/var\/task /);
  for (const path of [t!.dataDir, realpathSync(t!.dataDir)]) expect((seen.mountinfo as string).includes(path), seen.mountinfo as string).toBe(false);
  expect(seen).toMatchObject({ files: ['index.js', 'own.txt'], own: 'mine', write: 'EROFS', cwd: '/var/task', color: 'blue', fn: 'node-probe', mem: '256', handler: 'index.handler', assignment: null, ctx: { name: 'node-probe', mem: '256', stream: true } });
});

it.skipIf(gap)('a ready sandbox takes the MemorySize of its function: 150 MB of buffers fit 256 MB, not the 128 MB it booted under', { timeout: 120_000 }, async () => {
  const hog = `exports.handler = async () => { const kept = []; for (let i = 0; i < 15; i++) kept.push(Buffer.alloc(10 * 1024 * 1024, 1)); return { mb: kept.length * 10, age: ${NODE_AGE} }; };`;
  await createFunction(t!.lambda, 'hog-256', { MemorySize: 256, Timeout: 30, files: { 'index.js': hog } });
  await createFunction(t!.lambda, 'hog-128', { MemorySize: 128, Timeout: 30, files: { 'index.js': hog } });
  // A start of the runtime arms its pool (the suite's earlier cases may have, this one alone not).
  await createFunction(t!.lambda, 'hog-arm', { files: { 'index.js': 'exports.handler = async () => 1;' } });
  await invoke(t!.lambda, 'hog-arm');
  await readyFor('bootstrap.mjs');
  const big = await invoke(t!.lambda, 'hog-256');
  expect(big.functionError, big.text).toBeUndefined();
  expect(big.json).toMatchObject({ mb: 150 });
  expect((big.json as { age: number }).age).toBeGreaterThan(1);
  await readyFor('bootstrap.mjs');
  const small = await invoke(t!.lambda, 'hog-128', {}, { LogType: 'Tail' });
  expect(small.functionError, small.text).toBe('Unhandled');
  expect(small.json).toMatchObject({ errorType: expect.stringMatching(/^Runtime\.(OutOfMemory|ExitError)$/) });
  expect(small.log).toContain('Init Duration');
});

it.skipIf(gap)('a ready sandbox takes the EphemeralStorage of its function: a disk of that size over the /tmp it booted with', { timeout: 120_000 }, async () => {
  const probe = `const fs = require('fs');
exports.handler = async () => {
  fs.writeFileSync('/tmp/mine', 'x');
  const st = fs.statfsSync('/tmp');
  return { mb: Math.round((st.blocks * st.bsize) / 2 ** 20), entries: fs.readdirSync('/tmp'), age: ${NODE_AGE} };
};`;
  await createFunction(t!.lambda, 'tmp-2048', { EphemeralStorage: { Size: 2048 }, files: { 'index.js': probe } });
  await createFunction(t!.lambda, 'tmp-arm', { files: { 'index.js': 'exports.handler = async () => 1;' } });
  await invoke(t!.lambda, 'tmp-arm');
  await readyFor('bootstrap.mjs');
  const r = await invoke(t!.lambda, 'tmp-2048', {}, { LogType: 'Tail' });
  expect(r.functionError, r.text).toBeUndefined();
  const seen = r.json as { mb: number; entries: string[]; age: number };
  // Booted ahead (with a 512 MB disk), and given a 2 GB one, empty but for what it wrote.
  expect(seen.age).toBeGreaterThan(1);
  expect(seen.mb).toBeGreaterThan(1900);
  expect(seen.entries).toEqual(['mine']);
  expect(initDuration(r.log)).toBeLessThan(1000);
});

it.skipIf(gap)('a function attached to a host network is given a ready sandbox that reaches it; one that is not attached is refused', { timeout: 120_000 }, async () => {
  const port = (service.address() as AddressInfo).port;
  const app = `const net = require('net');
exports.handler = async () => {
  const age = ${NODE_AGE};
  const said = await new Promise((resolve) => {
    const s = net.connect(${port}, new URL(process.env.AWS_ENDPOINT_URL).hostname);
    let data = '';
    s.on('data', (d) => (data += d));
    s.on('end', () => resolve(data));
    s.on('error', (e) => resolve(e.code));
  });
  return { said, age };
};`;
  await createFunction(t!.lambda, 'net-arm', { files: { 'index.js': 'exports.handler = async () => 1;' } });
  await invoke(t!.lambda, 'net-arm');
  const attachments: [string, { VpcConfig?: { SubnetIds: string[]; SecurityGroupIds: string[] } }][] = [
    ['attached', { VpcConfig: { SubnetIds: ['svc'], SecurityGroupIds: [] } }],
    ['detached', {}],
  ];
  for (const [name, vpc] of attachments) {
    await readyFor('bootstrap.mjs');
    await createFunction(t!.lambda, name, { files: { 'index.js': app }, ...vpc });
    const r = await invoke(t!.lambda, name);
    expect(r.functionError, r.text).toBeUndefined();
    const seen = r.json as { said: string; age: number };
    expect(seen.age).toBeGreaterThan(1);
    expect(seen.said).toBe(name === 'attached' ? 'hello from the host' : 'ECONNREFUSED');
  }
});

it.skipIf(gap)('a Python cold start is given a ready sandbox: its code, variables and context, read-only /var/task, Init Duration', { timeout: 120_000 }, async () => {
  const files = (answer: string) => ({ 'lambda_function.py': `def handler(event, context):\n    return "${answer}"\n` });
  await createFunction(t!.lambda, 'py-first', { Runtime: 'python3.11', Handler: 'lambda_function.handler', files: files('first') });
  expect((await invoke(t!.lambda, 'py-first')).json).toBe('first');
  const probe = `import os, helper
def handler(event, context):
    try:
        open("/var/task/x", "w").write("x")
        write = "written"
    except OSError as e:
        write = e.strerror
    return {"age": ${PY_AGE}, "files": sorted(os.listdir("/var/task")), "helper": helper.VALUE, "write": write, "cwd": os.getcwd(),
        "color": os.environ.get("COLOR"), "fn": os.environ["AWS_LAMBDA_FUNCTION_NAME"], "assignment": os.environ.get("_GUST_ASSIGNMENT"),
        "ctx": {"name": context.function_name, "mem": context.memory_limit_in_mb}}
`;
  await createFunction(t!.lambda, 'py-probe', { Runtime: 'python3.11', Handler: 'lambda_function.handler', MemorySize: 192, Environment: { Variables: { COLOR: 'green' } }, files: { 'lambda_function.py': probe, 'helper.py': 'VALUE = "own module"\n' } });
  await readyFor('bootstrap.py');
  const r = await invoke(t!.lambda, 'py-probe', {}, { LogType: 'Tail' });
  expect(r.functionError, r.text).toBeUndefined();
  const seen = r.json as Record<string, unknown>;
  expect(initDuration(r.log), r.log).toBeDefined();
  expect(seen.age as number).toBeGreaterThan(1);
  expect(seen).toMatchObject({ files: ['helper.py', 'lambda_function.py'], helper: 'own module', write: 'Read-only file system', cwd: '/var/task', color: 'green', fn: 'py-probe', assignment: null, ctx: { name: 'py-probe', mem: '192' } });
});

const WRITER = `const fs = require('fs');
const tries = {};
const attempt = (name, f) => { try { f(); tries[name] = 'ok'; } catch (e) { tries[name] = e.code; } };
exports.handler = async () => {
  process.env.SECRET_TRACE = 'writer-was-here';
  for (const dir of ['/tmp', '/var/task', '/opt', '/dev/shm', '/var/runtime', '/run/gust', '/', process.cwd(), process.env.HOME ?? '/tmp']) {
    attempt(dir, () => fs.writeFileSync(dir + '/writer-trace', 'writer-was-here'));
  }
  attempt('/tmp/dir', () => { fs.mkdirSync('/tmp/writer-dir', { recursive: true }); fs.writeFileSync('/tmp/writer-dir/f', 'writer-was-here'); });
  return tries;
};`;

const SEEKER = `const fs = require('fs');
// Built here, so that this file's own text does not hold it.
const mark = ['writer', 'was', 'here'].join('-');
const found = [];
const walk = (dir, depth) => {
  let names;
  try { names = fs.readdirSync(dir); } catch { return; }
  for (const n of names) {
    const p = dir + '/' + n;
    if (n.startsWith('writer-')) found.push(p);
    let st;
    try { st = fs.lstatSync(p); } catch { continue; }
    if (st.isDirectory() && depth > 0) walk(p, depth - 1);
    else if (st.isFile() && st.size < 65536 && !p.startsWith('/proc')) { try { if (fs.readFileSync(p, 'utf8').includes(mark)) found.push(p); } catch {} }
  }
};
exports.handler = async () => {
  for (const dir of ['/tmp', '/var/task', '/opt', '/dev/shm', '/var/runtime', '/run', '/etc']) walk(dir, 4);
  walk('/', 0);
  const env = Object.entries(process.env).filter(([k, v]) => k.startsWith('SECRET_') || v.includes(mark)).map(([k]) => k);
  return { found, env, age: ${NODE_AGE} };
};`;

it.skipIf(gap)('nothing one function leaves in its sandbox reaches the next function given a ready sandbox', { timeout: 120_000 }, async () => {
  await createFunction(t!.lambda, 'writer', { Environment: { Variables: { SECRET_TOKEN: 'writer-was-here' } }, files: { 'index.js': WRITER } });
  await readyFor('bootstrap.mjs');
  const wrote = await invoke(t!.lambda, 'writer');
  expect(wrote.functionError, wrote.text).toBeUndefined();
  // It did write where a function can: the test must not pass because nothing was written.
  expect((wrote.json as Record<string, string>)['/tmp']).toBe('ok');
  // Its walk runs on 128 MB's share of a CPU (Lambda's): under the full suite it took over the default 3 s.
  await createFunction(t!.lambda, 'seeker', { Timeout: 60, files: { 'index.js': SEEKER } });
  await readyFor('bootstrap.mjs');
  const r = await invoke(t!.lambda, 'seeker');
  expect(r.functionError, r.text).toBeUndefined();
  const seen = r.json as { found: string[]; env: string[]; age: number };
  expect(seen.age).toBeGreaterThan(1);
  expect(seen.found).toEqual([]);
  expect(seen.env).toEqual([]);
});

it.skipIf(gap)('NODE_OPTIONS and AWS_LAMBDA_EXEC_WRAPPER take the ordinary path and work', { timeout: 120_000 }, async () => {
  await readyFor('bootstrap.mjs');
  await createFunction(t!.lambda, 'with-options', { Environment: { Variables: { NODE_OPTIONS: '--max-old-space-size=100' } }, files: { 'index.js': `exports.handler = async () => ({ heap: require('v8').getHeapStatistics().heap_size_limit, age: ${NODE_AGE} });` } });
  const r = await invoke(t!.lambda, 'with-options');
  expect(r.functionError, r.text).toBeUndefined();
  const seen = r.json as { heap: number; age: number };
  // The option was read at the interpreter's start, which was this start's own.
  expect(seen.heap).toBeLessThan(200 * 1024 * 1024);
  expect(seen.age).toBeLessThan(1);
  // Gust does not run exec wrappers yet; a wrapper's function must still never get a runtime that started without it.
  await createFunction(t!.lambda, 'with-wrapper', { Environment: { Variables: { AWS_LAMBDA_EXEC_WRAPPER: '/var/task/wrapper.sh' } }, files: { 'index.js': `exports.handler = async () => ({ wrapper: process.env.AWS_LAMBDA_EXEC_WRAPPER, age: ${NODE_AGE} });` } });
  const w = await invoke(t!.lambda, 'with-wrapper');
  expect(w.functionError, w.text).toBeUndefined();
  expect(w.json).toMatchObject({ wrapper: '/var/task/wrapper.sh' });
  expect((w.json as { age: number }).age).toBeLessThan(1);
});

it.skipIf(gap)('a ready runtime killed while it waits is replaced, and cold starts still work', { timeout: 120_000 }, async () => {
  await readyFor('bootstrap.mjs');
  expect((await killWaitingAndAwaitReplacement('bootstrap.mjs')).length).toBeGreaterThan(0);
  await sleep(1200);
  await createFunction(t!.lambda, 'after-kill', { files: { 'index.js': `exports.handler = async () => ({ ok: true, age: ${NODE_AGE} });` } });
  const r = await invoke(t!.lambda, 'after-kill');
  expect(r.functionError, r.text).toBeUndefined();
  expect(r.json).toMatchObject({ ok: true });
  expect((r.json as { age: number }).age).toBeGreaterThan(1);
});

it.skipIf(gap)("the spawner's death takes the waiting sandboxes with it, and starts go on through a new one", { timeout: 120_000 }, async () => {
  await readyFor('bootstrap.mjs');
  const before = waitingRuntimes('bootstrap.mjs');
  const spawners = ourSpawners();
  expect(spawners.length).toBe(1);
  process.kill(spawners[0]!.pid, 'SIGKILL');
  for (let i = 0; i < 100 && before.some((p) => waitingRuntimes('bootstrap.mjs').includes(p)); i++) await sleep(50);
  expect(waitingRuntimes('bootstrap.mjs').filter((p) => before.includes(p))).toEqual([]);
  await createFunction(t!.lambda, 'after-spawner', { files: { 'index.js': 'exports.handler = async () => "still";' } });
  expect((await invoke(t!.lambda, 'after-spawner')).json).toBe('still');
});

it.skipIf(gap)('a burst of cold starts grows the pool by demand: the next burst of the same size is given ready sandboxes, and the metrics say so', { timeout: 180_000 }, async () => {
  const demand = await startTestGust({ flags: { sandbox: 'namespace', readySandboxes: '4' } });
  try {
    const ready = () => readyGauges(demand);
    const settle = async (waiting: number) => {
      for (let i = 0; i < 600 && (await ready()).waiting < waiting; i++) await sleep(100);
      expect(await ready()).toEqual({ waiting, target: waiting });
    };
    expect(await ready()).toEqual({ waiting: 0, target: 0 });
    await createFunction(demand.lambda, 'arm', { files: { 'index.js': 'exports.handler = async () => "armed";' } });
    // Its function's becoming Active armed the runtime (runtime-arming.ts): two are kept from then on.
    await settle(2);
    expect((await invoke(demand.lambda, 'arm')).json).toBe('armed');
    // Four at once, each held long enough that none is served by another's environment.
    const burst = async (prefix: string) => {
      for (let i = 0; i < 4; i++) await createFunction(demand.lambda, `${prefix}-${i}`, { files: { 'index.js': `exports.handler = async () => { const age = ${NODE_AGE}; await new Promise((r) => setTimeout(r, 500)); return { age }; };` } });
      const answers = await Promise.all([0, 1, 2, 3].map((i) => invoke(demand.lambda, `${prefix}-${i}`)));
      for (const a of answers) expect(a.functionError, a.text).toBeUndefined();
      return answers.map((a) => (a.json as { age: number }).age);
    };
    // A burst of four: the count becomes five, held to this server's most, four.
    await burst('first');
    await settle(4);
    // Ready for more than a second before the burst: each runtime older than that served a start.
    await sleep(1200);
    const second = await burst('second');
    expect(second.every((age) => age > 1), JSON.stringify(second)).toBe(true);
  } finally {
    await demand.stop();
  }
});

it.skipIf(gap)('cold starts that come one after another are given ready sandboxes: each one taken is booted again at once, not after the stream', { timeout: 180_000 }, async () => {
  const server = await startTestGust({ flags: { sandbox: 'namespace', readySandboxes: '2' } });
  try {
    // A runtime booted ahead was exec'd with the assignment socket in its start variables.
    const handler = `exports.handler = async () => require('fs').readFileSync('/proc/self/environ', 'utf8').includes('_GUST_ASSIGNMENT=');`;
    const names = ['arm', ...Array.from({ length: 8 }, (_, i) => `stream-${i}`)];
    for (const name of names) await createFunction(server.lambda, name, { files: { 'index.js': handler } });
    // The first function to become Active armed the runtime (runtime-arming.ts): its first start is given one.
    for (let i = 0; i < 200 && (await readyGauges(server)).waiting < 2; i++) await sleep(50);
    expect((await invoke(server.lambda, 'arm')).json).toBe(true);
    for (let i = 0; i < 100 && waitingRuntimes('bootstrap.mjs').length < 2; i++) await sleep(50);
    const served: boolean[] = [];
    for (const name of names.slice(1)) {
      // Less than the refill's delay after a burst (250 ms): a stream put that delay off until a second had passed.
      await sleep(150);
      const answer = await invoke(server.lambda, name);
      expect(answer.functionError, answer.text).toBeUndefined();
      served.push(answer.json as boolean);
    }
    // Two were waiting; the rest were booted as the stream took them (a start may outrun a boot).
    expect(served.filter(Boolean).length, JSON.stringify(served)).toBeGreaterThanOrEqual(6);
  } finally {
    await server.stop();
  }
});

it.skipIf(gap)('a stop leaves no ready sandbox running', { timeout: 120_000 }, async () => {
  await readyFor('bootstrap.mjs');
  expect(waitingRuntimes('bootstrap.mjs').length).toBeGreaterThan(0);
  const server = t!;
  t = undefined;
  await server.stop();
  expect(waitingRuntimes('bootstrap.mjs')).toEqual([]);
  expect(waitingRuntimes('bootstrap.py')).toEqual([]);
});
