/**
 * The process driver's ready sandboxes (src/sandbox/process-ready.ts) through a real server,
 * the SDK and real runtimes: a function's first start of a runtime arms the pool; the next
 * cold start of that runtime is given a runtime that booted ahead, which the function sees in
 * the environment its process was exec'd with.
 *
 * - Node and Python: the answer, the function's variables and context, its code directory
 *   as working directory and task root, NODE_PATH / sys.path naming the real directories,
 *   and (Python, ctypes) a shared library in the code's `lib/` and in a layer's `lib/` found
 *   by name through LD_LIBRARY_PATH, which the C library read when the runtime booted.
 * - Nothing of one function reaches the next: its variables and what it left in its TMPDIR.
 * - Fallbacks: NODE_OPTIONS and a function's own LD_LIBRARY_PATH take the ordinary path and
 *   work; a ready runtime killed while it waits is replaced, and starts still work.
 * - The end: a stop leaves no ready runtime running and no ready directory behind.
 */
import { existsSync, readFileSync, readlinkSync, realpathSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { LambdaClient, PublishLayerVersionCommand } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestGust, type TestGust } from '../helpers/gust.js';
import { envTmpEntries } from '../helpers/env-tmp.js';
import { createFunction, invoke } from '../helpers/lambda.js';
import { parseMetrics, total } from '../helpers/prometheus.js';
import { initDuration, killWaitingAndAwaitReplacement, readyFor, waitingRuntimes } from '../helpers/ready-runtimes.js';
import { makeZip } from '../helpers/zips.js';

/** A shared library every Debian host has, copied into code and layers under a name no system directory holds. */
const LIBZ = ['/usr/lib/x86_64-linux-gnu/libz.so.1', '/lib/x86_64-linux-gnu/libz.so.1', '/usr/lib/aarch64-linux-gnu/libz.so.1'].find((p) => existsSync(p));
if (!LIBZ) console.warn('test/sandbox/process-ready.spec.ts: no libz.so.1 on this host, so the library cases are skipped');

let t: TestGust | undefined;
let dataDir = '';

beforeAll(async () => {
  // Its data dir is kept past the stop, so that the last case can look in it; removed after.
  t = await startTestGust({ keepDataDir: true, flags: { sandbox: 'process', readySandboxes: '2' } });
  dataDir = t.dataDir;
}, 120_000);

afterAll(async () => {
  await t?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Whether the runtime booted ahead, as the handler reads it: the environment its process was
 * exec'd with (which /proc keeps) named an assignment socket. Not the process's ahead: an
 * ordinary start execs in the launcher that waited ahead, whose start time it keeps.
 */
const NODE_AHEAD = `require('fs').readFileSync('/proc/self/environ', 'latin1').includes('_GUST_ASSIGNMENT=')`;
const PY_AHEAD = `(b"_GUST_ASSIGNMENT=" in open("/proc/self/environ", "rb").read())`;

/** Still waiting for a function: not yet in a code directory, which the bootstrap enters at assignment. */
const unassigned = (pid: number) => !readlinkSync(`/proc/${pid}/cwd`).includes('/blobs/');

async function layerWithLibrary(lambda: LambdaClient, name: string): Promise<string> {
  const zip = await makeZip({ 'lib/libgustlayer.so.1': { content: readFileSync(LIBZ!), mode: 0o755 } });
  const out = await lambda.send(new PublishLayerVersionCommand({ LayerName: name, Content: { ZipFile: zip }, CompatibleRuntimes: ['nodejs20.x', 'python3.11'] }));
  return out.LayerVersionArn!;
}

/** A waiting Node runtime of `major` (the host's node runs its own major; another is one Gust installed). */
const nodeOf = (major: number) => (pid: number) => unassigned(pid) && (major === HOST_NODE_MAJOR ? realpathSync(`/proc/${pid}/exe`) === realpathSync(process.execPath) : readlinkSync(`/proc/${pid}/exe`).includes(`/node-${major}.`));
const HOST_NODE_MAJOR = Number(process.versions.node.split('.')[0]);

// Node 22 and later take their module paths at assignment through the same internal API (Module._initPaths).
it.each([HOST_NODE_MAJOR, 22].filter((v, i, all) => all.indexOf(v) === i))('a Node %i cold start is given a ready runtime: its variables, context, code directory and module paths, Init Duration', { timeout: 180_000 }, async (major) => {
  const runtime = `nodejs${major}.x` as 'nodejs20.x';
  await createFunction(t!.lambda, `node${major}-first`, { Runtime: runtime, files: { 'index.js': 'exports.handler = async () => process.versions.node;' } });
  expect((await invoke(t!.lambda, `node${major}-first`)).json).toMatch(new RegExp(`^${major}\\.`));
  const probe = `exports.handler = async (event, context) => ({ ahead: ${NODE_AHEAD}, cwd: process.cwd(), root: process.env.LAMBDA_TASK_ROOT, own: require('fs').readFileSync('own.txt', 'utf8'),
    nodePath: process.env.NODE_PATH, paths: require.resolve.paths('x'), color: process.env.COLOR, assignment: process.env._GUST_ASSIGNMENT ?? null,
    ctx: { name: context.functionName, mem: context.memoryLimitInMB } });`;
  await createFunction(t!.lambda, `node${major}-probe`, { Runtime: runtime, MemorySize: 256, Environment: { Variables: { COLOR: 'blue' } }, files: { 'index.js': probe, 'own.txt': 'mine' } });
  await readyFor('bootstrap.mjs', nodeOf(major));
  const r = await invoke(t!.lambda, `node${major}-probe`, {}, { LogType: 'Tail' });
  expect(r.functionError, r.text).toBeUndefined();
  const seen = r.json as { ahead: boolean; cwd: string; root: string; nodePath: string; paths: string[] };
  const init = initDuration(r.log);
  expect(init, r.log).toBeDefined();
  expect(seen.ahead).toBe(true);
  expect(init!).toBeLessThan(1000);
  expect(seen).toMatchObject({ own: 'mine', color: 'blue', assignment: null, ctx: { name: `node${major}-probe`, mem: '256' } });
  expect(seen.cwd).toBe(seen.root);
  expect(seen.root).toContain('/blobs/code/');
  // Node's global module paths are the function's NODE_PATH, not the ones it booted with.
  for (const dir of seen.nodePath.split(':')) expect(seen.paths).toContain(dir);
  expect(seen.paths.join(':')).not.toContain('gust-ready-');
});

it.skipIf(!LIBZ)('a ready runtime finds a shared library in the code and in a layer by name, as LD_LIBRARY_PATH says', { timeout: 120_000 }, async () => {
  const layer = await layerWithLibrary(t!.lambda, 'zlib-layer');
  const lib = { content: readFileSync(LIBZ!), mode: 0o755 };
  // Python's ctypes loads it in the runtime itself, whose search path the C library read when
  // it booted, before the function (and its code's directory) was known.
  await createFunction(t!.lambda, 'py-first', { Runtime: 'python3.11', Handler: 'app.handler', files: { 'app.py': 'def handler(e, c):\n    return "first"\n' } });
  expect((await invoke(t!.lambda, 'py-first')).json).toBe('first');
  const py = `import ctypes, os, sys
def handler(event, context):
    found = {}
    for name in ("libgustcode.so.1", "libgustlayer.so.1"):
        try:
            ctypes.CDLL(name)
            found[name] = "loaded"
        except OSError as e:
            found[name] = str(e)
    return {"found": found, "ahead": ${PY_AHEAD}, "cwd": os.getcwd(), "path": sys.path, "root": os.environ["LAMBDA_TASK_ROOT"]}
`;
  await createFunction(t!.lambda, 'py-libs', { Runtime: 'python3.11', Handler: 'app.handler', Layers: [layer], files: { 'app.py': py, 'lib/libgustcode.so.1': lib } });
  await readyFor('bootstrap.py', unassigned);
  const r = await invoke(t!.lambda, 'py-libs');
  expect(r.functionError, r.text).toBeUndefined();
  const seen = r.json as { found: Record<string, string>; ahead: boolean; cwd: string; path: string[]; root: string };
  expect(seen.ahead).toBe(true);
  expect(seen.found).toEqual({ 'libgustcode.so.1': 'loaded', 'libgustlayer.so.1': 'loaded' });
  expect(seen.cwd).toBe(seen.root);
  expect(seen.path[0]).toBe(seen.root);
  expect(seen.path.join(':')).not.toContain('gust-ready-');
});

it('nothing of one function reaches the next given a ready runtime: variables, TMPDIR', { timeout: 120_000 }, async () => {
  const writer = `exports.handler = async () => { require('fs').writeFileSync(require('path').join(process.env.TMPDIR, 'secret.txt'), 'x'); return { tmp: process.env.TMPDIR, ahead: ${NODE_AHEAD} }; };`;
  await createFunction(t!.lambda, 'writer', { Environment: { Variables: { SECRET_TOKEN: 'writer-was-here' } }, files: { 'index.js': writer } });
  await readyFor('bootstrap.mjs', unassigned);
  const wrote = await invoke(t!.lambda, 'writer');
  expect(wrote.functionError, wrote.text).toBeUndefined();
  expect((wrote.json as { ahead: boolean }).ahead).toBe(true);
  const seeker = `exports.handler = async () => ({ files: require('fs').readdirSync(process.env.TMPDIR), tmp: process.env.TMPDIR, token: process.env.SECRET_TOKEN ?? null, ahead: ${NODE_AHEAD} });`;
  await createFunction(t!.lambda, 'seeker', { files: { 'index.js': seeker } });
  await readyFor('bootstrap.mjs', unassigned);
  const r = await invoke(t!.lambda, 'seeker');
  expect(r.functionError, r.text).toBeUndefined();
  const seen = r.json as { files: string[]; tmp: string; token: string | null; ahead: boolean };
  expect(seen.ahead).toBe(true);
  expect(seen.files).toEqual([]);
  expect(seen.token).toBeNull();
  expect(seen.tmp).not.toBe((wrote.json as { tmp: string }).tmp);
});

it('NODE_OPTIONS and a function of its own LD_LIBRARY_PATH take the ordinary path and work', { timeout: 120_000 }, async () => {
  await readyFor('bootstrap.mjs', unassigned);
  await createFunction(t!.lambda, 'with-options', { Environment: { Variables: { NODE_OPTIONS: '--max-old-space-size=100' } }, files: { 'index.js': `exports.handler = async () => ({ heap: require('v8').getHeapStatistics().heap_size_limit, ahead: ${NODE_AHEAD} });` } });
  const r = await invoke(t!.lambda, 'with-options');
  expect(r.functionError, r.text).toBeUndefined();
  const seen = r.json as { heap: number; ahead: boolean };
  // The option was read at the interpreter's start, which was this start's own.
  expect(seen.heap).toBeLessThan(200 * 1024 * 1024);
  expect(seen.ahead).toBe(false);
  await createFunction(t!.lambda, 'with-ld', { Environment: { Variables: { LD_LIBRARY_PATH: '/nowhere' } }, files: { 'index.js': `exports.handler = async () => ({ ld: process.env.LD_LIBRARY_PATH, ahead: ${NODE_AHEAD} });` } });
  const l = await invoke(t!.lambda, 'with-ld');
  expect(l.functionError, l.text).toBeUndefined();
  expect(l.json).toMatchObject({ ld: '/nowhere' });
  expect((l.json as { ahead: boolean }).ahead).toBe(false);
});

it('a ready runtime killed while it waits is replaced, and cold starts still work', { timeout: 120_000 }, async () => {
  await readyFor('bootstrap.mjs', unassigned);
  expect((await killWaitingAndAwaitReplacement('bootstrap.mjs', unassigned)).length).toBeGreaterThan(0);
  await sleep(1200);
  await createFunction(t!.lambda, 'after-kill', { files: { 'index.js': `exports.handler = async () => ({ ok: true, ahead: ${NODE_AHEAD} });` } });
  const r = await invoke(t!.lambda, 'after-kill');
  expect(r.functionError, r.text).toBeUndefined();
  expect(r.json).toMatchObject({ ok: true });
  expect((r.json as { ahead: boolean }).ahead).toBe(true);
});

it('a burst given ready runtimes is not held to the init permits: more handlers initialise at once than runtimes may boot at once', { timeout: 180_000 }, async () => {
  // The pool's init permits (src/pool/pool.ts): as many runtimes boot at once, each holding
  // its permit until its first /next. A ready runtime booted already, so it needs none.
  const permits = Math.max(4, 2 * availableParallelism());
  const n = permits + 2;
  const server = await startTestGust({ flags: { sandbox: 'process', readySandboxes: String(n + 2) } });
  try {
    const grow = `exports.handler = async () => ({ ahead: ${NODE_AHEAD} });`;
    // Each probe's module takes 600 ms to load: its Init overlaps the others' or waits for them.
    const probe = `const t0 = Date.now(); await new Promise((r) => setTimeout(r, 600)); const t1 = Date.now();
export const handler = async () => ({ t0, t1, ahead: (await import('node:fs')).readFileSync('/proc/self/environ', 'latin1').includes('_GUST_ASSIGNMENT=') });`;
    for (let i = 0; i < n; i++) {
      await createFunction(server.lambda, `grow-${i}`, { files: { 'index.js': grow } });
      await createFunction(server.lambda, `probe-${i}`, { Handler: 'index.handler', files: { 'index.mjs': probe } });
    }
    // A burst of n cold starts grows the pool to n + 1 waiting runtimes.
    await Promise.all(Array.from({ length: n }, (_, i) => invoke(server.lambda, `grow-${i}`)));
    // This server's own (the suite's server keeps some too), from its metrics.
    const waiting = async () => {
      const m = parseMetrics(await (await fetch(`${server.url}/metrics`)).text());
      return m.has('gust_ready_sandboxes_waiting') ? total(m, 'gust_ready_sandboxes_waiting', { runtime: 'nodejs20.x' }) : 0;
    };
    for (let i = 0; i < 600 && (await waiting()) < n; i++) await sleep(100);
    expect(await waiting()).toBeGreaterThanOrEqual(n);
    const runs = await Promise.all(Array.from({ length: n }, (_, i) => invoke(server.lambda, `probe-${i}`)));
    for (const r of runs) expect(r.functionError, r.text).toBeUndefined();
    const inits = runs.map((r) => r.json as { t0: number; t1: number; ahead: boolean });
    expect(inits.every((x) => x.ahead)).toBe(true);
    // The most module loads under way at one moment.
    const overlap = Math.max(...inits.map((a) => inits.filter((b) => b.t0 <= a.t0 && a.t0 < b.t1).length));
    expect(overlap).toBeGreaterThan(permits);
  } finally {
    await server.stop();
  }
});

it('a stop leaves no ready runtime running and no ready directory behind', { timeout: 120_000 }, async () => {
  // A start of the runtime arms its pool (the earlier cases have, this one alone not).
  await createFunction(t!.lambda, 'stop-arm', { files: { 'index.js': 'exports.handler = async () => 1;' } });
  await invoke(t!.lambda, 'stop-arm');
  await readyFor('bootstrap.mjs', unassigned);
  const readyDirs = () => envTmpEntries(dataDir).filter((d) => d.split('/')[1]!.startsWith('gust-ready-'));
  expect(readyDirs().length).toBeGreaterThan(0);
  const server = t!;
  t = undefined;
  await server.stop();
  expect(waitingRuntimes('bootstrap.mjs', unassigned)).toEqual([]);
  expect(waitingRuntimes('bootstrap.py', unassigned)).toEqual([]);
  expect(readyDirs()).toEqual([]);
});
