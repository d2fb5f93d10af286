#!/usr/bin/env node
/**
 * `npm run bench`: Gust against the physical limit, in one run. Starts its own Gust on a
 * temporary data dir, runs each scenario for several rounds beside a baseline measured in
 * the same run, prints a table of medians (with min–max spread) and their ratios, and
 * writes it as JSON to bench/results/<date>.json. A scenario that cannot run fails the
 * whole run; no figure is ever made up. See bench/README.md.
 */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startGustProcess } from './lib/gust-process.js';
import { round, summarize } from './lib/stats.js';
import { warmRound } from './scenarios/warm.js';
import { coldRound } from './scenarios/cold.js';
import { scaleOutRound } from './scenarios/scale-out.js';
import { memoryRound } from './scenarios/memory.js';
import { asyncRound } from './scenarios/async.js';
import { steadyRound } from './scenarios/steady.js';
import { burstRound } from './scenarios/burst.js';
import { uploadsRound } from './scenarios/uploads.js';
import { queuesRound } from './scenarios/queues.js';
import { s3Round } from './scenarios/s3.js';
import { provisionedRound } from './scenarios/provisioned.js';
import { networkRound } from './scenarios/network.js';
import { readyRound } from './scenarios/ready.js';
import { authRound } from './scenarios/auth.js';
import { metricsRound } from './scenarios/metrics.js';
import { tracesRound } from './scenarios/traces.js';
import { createLargeRound, listFunctionsRound } from './scenarios/control.js';
import { startupRound } from './scenarios/startup.js';
import { clusterRound } from './scenarios/cluster.js';
import { clusterTransportRound } from './scenarios/cluster-transport.js';

function serveHasSandboxOption() {
  const help = execFileSync(process.execPath, [fileURLToPath(new URL('../bin/gust.js', import.meta.url)), 'serve', '--help'], { encoding: 'utf8' });
  return /--sandbox\b/.test(help);
}

function option(name, { dashes = false } = {}) {
  const i = process.argv.indexOf(name);
  if (i < 0) return undefined;
  const v = process.argv[i + 1];
  if (v === undefined || (!dashes && v.startsWith('--'))) throw new Error(`${name} needs a value`);
  return v;
}

const quick = process.argv.includes('--quick');
const only = option('--only')?.split(',');
const rounds = Number(option('--rounds') ?? (quick ? 1 : 3));
/**
 * Sandbox drivers to run the cold starts with; the first one serves every other scenario.
 * By default `process` (the figures the targets are set for), or no flag at all on a Gust
 * that has no --sandbox option.
 */
const sandboxes = option('--sandbox')?.split(',') ?? [serveHasSandboxOption() ? 'process' : undefined];
const profileDir = option('--profile');
/** More `gust serve` options for every server the bench starts (`--serve-args '--sandbox-network none'`). */
const serveArgs = option('--serve-args', { dashes: true })?.split(' ').filter(Boolean) ?? [];
/** Length of the steady-load scenario; the issue's closing figure is 600. */
const steadySeconds = Number(option('--steady-seconds') ?? (quick ? 20 : 60));

/** Gust's own share of a cold start, per driver (issue 7). */
const COLD_SHARE_TARGET_MS = { process: 5, namespace: 15 };

/**
 * Each scenario: how to run one round, and how to turn rounds into table rows. `optIn`
 * scenarios run only when named with --only.
 */
const SCENARIOS = {
  startup: {
    round: (ctx) => startupRound(ctx),
    rows: (r) => [
      row('gust serve → first 200 on /health, empty data dir (ms)', pick(r, 'gustMs'), pick(r, 'bareMs'), { absMax: 150 }),
      row('gust serve → first 200 on /health, 10,000 functions (ms)', pick(r, 'manyMs'), pick(r, 'bareManyMs'), { absMax: 300 }),
    ],
  },
  warm: {
    round: (ctx) => warmRound(ctx),
    rows: (r) => [
      row('warm invoke latency p50 (ms)', pick(r, (x) => x.gustLatency.p50), pick(r, (x) => x.baseLatency.p50), { max: 1.2 }),
      row('warm invoke latency p99 (ms)', pick(r, (x) => x.gustLatency.p99), pick(r, (x) => x.baseLatency.p99), undefined),
      row('$LATEST invoke right after TagResource + PublishVersion vs after two GetFunction (ms)', pick(r, (x) => x.afterChanges.changed), pick(r, (x) => x.afterChanges.read), undefined),
      row('warm invoke after 100 ms idle (Gust froze the environment), p50 (ms)', pick(r, 'gustAfterIdle'), pick(r, 'baseAfterIdle'), undefined),
      row('warm invoke: server CPU per invoke (µs)', pick(r, (x) => x.gustLatency.cpuUs), pick(r, (x) => x.baseLatency.cpuUs), { max: 1.1 }),
      // Left out where pinning cannot run (one core, no taskset).
      ...(r.every((x) => x.gustPinned && x.basePinned)
        ? [row('warm invoke: server CPU per invoke, server alone on a core (µs)', pick(r, (x) => x.gustPinned.cpuUs), pick(r, (x) => x.basePinned.cpuUs), { max: 1.1 })]
        : []),
      row('warm throughput, 4 envs, 16 clients (invokes/s)', pick(r, (x) => x.gustTp.perSecond), pick(r, (x) => x.baseTp.perSecond), { min: 0.6 }),
      row('warm throughput, 4 envs, 4 clients (invokes/s)', pick(r, (x) => x.gustTpMatched.perSecond), pick(r, (x) => x.baseTpMatched.perSecond), { min: 0.8 }),
      row('warm throughput, 16 clients: 429s answered per second', pick(r, (x) => x.gustTp.throttled / x.gustTp.seconds), undefined, undefined),
      row("a 429's server CPU vs a warm invoke's (µs)", pick(r, 'throttleCpuUs'), pick(r, (x) => x.gustLatency.cpuUs), undefined),
    ],
  },
  'cold-node': {
    perDriver: true,
    // The ordinary path's starts, which these rows measure, with no ready sandbox and no refill booting beside them (the ready scenario measures the pool).
    serveArgs: ['--ready-sandboxes', '0'],
    round: (ctx) => coldRound(ctx, 'node'),
    rows: (r, driver) => coldRows('node', r, driver),
  },
  'cold-python': {
    perDriver: true,
    serveArgs: ['--ready-sandboxes', '0'],
    round: (ctx) => coldRound(ctx, 'python'),
    rows: (r, driver) => coldRows('python', r, driver),
  },
  'scale-out': {
    round: (ctx) => scaleOutRound({ ...ctx, serveArgs }),
    rows: (r) => [
      row('scale-out: first burst of 50 concurrent cold invokes, 100 ms handler (ms)', pick(r, 'firstMs'), pick(r, 'baseMs'), { max: 1.3 }),
      row('scale-out: next burst of 50, after the pool refilled (ms)', pick(r, 'gustMs'), pick(r, 'baseMs'), { max: 0.5 }),
      row('scale-out: runtimes that answered the next 50', pick(r, 'gustEnvironments'), pick(r, 'baseEnvironments'), undefined),
      row('scale-out: ready sandboxes waiting after the first burst', pick(r, 'poolWaiting'), undefined, undefined),
      row('scale-out: their memory, cgroup peaks summed (MB)', pick(r, 'poolMb'), undefined, undefined),
      row('scale-out: first burst → pool refilled (ms)', pick(r, 'refillMs'), undefined, undefined),
    ],
  },
  burst: {
    optIn: true,
    round: (ctx) => burstRound(ctx),
    rows: (r) => [
      row('200 concurrent cold starts: all answered (ms)', pick(r, 'burstMs'), undefined, undefined),
      row('200 concurrent cold starts: /health p50 meanwhile (ms)', pick(r, 'healthP50'), undefined, undefined),
      row('200 concurrent cold starts: /health p99 meanwhile (ms)', pick(r, 'healthP99'), undefined, { absMax: 100 }),
      row('200 concurrent cold starts: slowest /health meanwhile (ms)', pick(r, 'healthMax'), undefined, { absMax: 100 }),
    ],
  },
  memory: {
    round: (ctx) => memoryRound(ctx),
    rows: (r) => [
      row("Gust's own RSS growth per idle environment (MB)", pick(r, (x) => x.gustPerEnv / 2 ** 20), undefined, { absMax: 1 }),
      row('idle environment RSS vs bare runtime (MB)', pick(r, (x) => x.envRss / 2 ** 20), pick(r, (x) => x.bareRss / 2 ** 20), undefined),
    ],
  },
  async: {
    round: (ctx) => asyncRound(ctx),
    rows: (r) => [
      row(`async: ${r[0].events} events accepted (events/s) vs sync invokes/s`, pick(r, 'acceptedPerSecond'), pick(r, 'syncPerSecond'), undefined),
      row(`async: ${r[0].events} events processed (events/s) vs sync invokes/s`, pick(r, 'processedPerSecond'), pick(r, 'syncPerSecond'), { min: 0.7 }),
    ],
  },
  steady: {
    optIn: true,
    round: (ctx) => steadyRound({ ...ctx, seconds: steadySeconds }),
    rows: (r) => [
      row(`steady load ${steadySeconds} s, 4 clients: Gust RSS at start (MB)`, pick(r, 'startMb'), undefined, undefined),
      row(`steady load ${steadySeconds} s: Gust RSS peak (MB)`, pick(r, 'peakMb'), undefined, undefined),
      row(`steady load ${steadySeconds} s: Gust RSS at the end (MB)`, pick(r, 'endMb'), undefined, undefined),
      row(`steady load ${steadySeconds} s: RSS trend over the second half (MB per minute)`, pick(r, 'slopeMbPerMinute'), undefined, { absMax: 10 }),
      row(`steady load ${steadySeconds} s: invokes/s`, pick(r, 'invokesPerSecond'), undefined, undefined),
    ],
  },
  uploads: {
    optIn: true,
    round: (ctx) => uploadsRound(ctx),
    rows: (r) => [
      row('20 concurrent max-size CreateFunction: Gust RSS before (MB)', pick(r, 'beforeMb'), undefined, undefined),
      row('20 concurrent max-size CreateFunction: Gust RSS peak (MB)', pick(r, 'peakMb'), undefined, { absMax: 1024 }),
      row('20 concurrent max-size CreateFunction: slowest /health (ms)', pick(r, 'healthMaxMs'), undefined, undefined),
      row('20 concurrent max-size CreateFunction: all answered (s)', pick(r, 'seconds'), undefined, undefined),
    ],
  },
  queues: {
    round: (ctx) => queuesRound(ctx),
    rows: (r) => [
      row('SQS: SendMessage/s from the SDK, 16 clients', pick(r, 'sendPerSecond'), undefined, undefined),
      row('SQS: ReceiveMessage/s from the SDK (1 message each), 16 clients', pick(r, 'receivePerSecond'), undefined, undefined),
      row('SQS mapping: messages processed/s (batch 10) vs async events processed/s', pick(r, 'mappingPerSecond'), pick(r, 'asyncPerSecond'), { min: 0.7 }),
      row('SQS mapping: SendMessage → handler start, idle queue, p50 (ms)', pick(r, 'latencyP50'), undefined, { absMax: 5 }),
      row('SQS mapping: SendMessage → handler start, idle queue, p99 (ms)', pick(r, 'latencyP99'), undefined, undefined),
    ],
  },
  s3: {
    round: (ctx) => s3Round(ctx),
    rows: (r) => [
      row('S3: PutObject/s, 1 KB, 16 clients vs write+fsync+rename on disk', pick(r, 'putSmall'), pick(r, 'diskPutSmall'), undefined),
      row('S3: GetObject/s, 1 KB, 16 clients vs readFile', pick(r, 'getSmall'), pick(r, 'diskGetSmall'), undefined),
      row('S3: PutObject/s, 1 KB, 16 plain HTTP clients vs write+fsync+rename', pick(r, 'rawPutSmall'), pick(r, 'diskPutSmall'), undefined),
      row('S3: GetObject/s, 1 KB, 16 plain HTTP clients vs readFile', pick(r, 'rawGetSmall'), pick(r, 'diskGetSmall'), undefined),
      row('S3: PutObject MB/s, 8 MB objects vs write+fsync on disk', pick(r, 'putLarge'), pick(r, 'diskPutLarge'), undefined),
      row('S3: GetObject MB/s, 8 MB objects vs readFile', pick(r, 'getLarge'), pick(r, 'diskGetLarge'), undefined),
      row('S3 notification: upload → handler start, p50 (ms)', pick(r, 'latencyP50'), undefined, undefined),
      row('S3 notification: upload → handler start, p99 (ms)', pick(r, 'latencyP99'), undefined, undefined),
      row('S3: Gust peak RSS during a 1 GiB streamed PutObject (MB)', pick(r, 'gibPeakMb'), undefined, { absMax: 512 }),
      row('S3: 1 GiB streamed PutObject (MB/s)', pick(r, 'gibMbPerSecond'), undefined, undefined),
    ],
  },
  provisioned: {
    round: (ctx) => provisionedRound(ctx),
    rows: (r) => [
      row('provisioned concurrency: Put → READY, 1 environment (ms)', pick(r, 'readyOneMs'), undefined, undefined),
      row(`provisioned concurrency: Put → READY, ${r[0].many} environments (ms)`, pick(r, 'readyManyMs'), undefined, undefined),
      row('provisioned concurrency: first invoke vs a cold start (ms)', pick(r, 'provisionedFirstMs'), pick(r, 'coldFirstMs'), undefined),
    ],
  },
  network: {
    // Namespace sandboxes and root, whatever --sandbox says: named with --only.
    optIn: true,
    round: (ctx) => networkRound(ctx),
    rows: (r) => [
      row('cold start node [namespace]: network on vs --sandbox-network none (ms)', pick(r, 'coldOn'), pick(r, 'coldOff'), undefined),
      row(`sandboxes started per second, ${r[0].burstSize} concurrent cold starts: network on vs none`, pick(r, 'burstOn'), pick(r, 'burstOff'), undefined),
      row('HTTP GET to a server outside, new connection each, p50: from a function vs from the host (ms)', pick(r, 'insideP50'), pick(r, 'hostP50'), undefined),
      row('HTTP GET to a server outside, new connection each, p99: from a function vs from the host (ms)', pick(r, 'insideP99'), pick(r, 'hostP99'), undefined),
    ],
  },
  ready: {
    // Starts servers of its own (per --sandbox): named with --only.
    optIn: true,
    perDriver: true,
    round: (ctx) => readyRound(ctx),
    rows: (r, driver = 'process') =>
      ['node', 'python'].flatMap((kind) => [
        row(`cold start ${kind} [${driver}]: invoke → response, ready sandbox vs none (ms)`, pick(r, (x) => x[kind].ready), pick(r, (x) => x[kind].plain), { absMax: 10 }),
        row(`cold start ${kind} [${driver}]: Init Duration, ready sandbox vs none (ms)`, pick(r, (x) => x[kind].readyInit), pick(r, (x) => x[kind].plainInit), undefined),
        row(`ready ${kind} sandbox waiting [${driver}]: resident memory, ${driver === 'namespace' ? 'bwrap + gust-init + runtime' : 'runtime'} (MB)`, pick(r, (x) => x[kind].rssMb), undefined, undefined),
        row(`ready ${kind} sandbox waiting [${driver}]: proportional memory (PSS) (MB)`, pick(r, (x) => x[kind].pssMb), undefined, undefined),
        row(`cold start ${kind} [${driver}]: a stream of new functions 60 ms apart, invoke → response p50, default pool vs none (ms)`, pick(r, (x) => x[kind].streamPooled), pick(r, (x) => x[kind].streamPlain), undefined),
      ]),
  },
  auth: {
    // Makes an access key in the server's data dir for part of each round: named with --only.
    optIn: true,
    round: (ctx) => authRound(ctx),
    rows: (r) => [
      row('warm invoke p50, auth on vs off (ms)', pick(r, (x) => x.on.warm.p50), pick(r, (x) => x.off.warm.p50), undefined),
      row('warm invoke: server CPU per invoke, auth on vs off (µs)', pick(r, (x) => x.on.warm.cpuUs), pick(r, (x) => x.off.warm.cpuUs), undefined),
      row('S3 100 MB PutObject from SDK v3 (unsigned payload), auth on vs off (MB/s)', pick(r, (x) => x.on.sdkMbPerSecond), pick(r, (x) => x.off.sdkMbPerSecond), undefined),
      row('S3 100 MB PutObject, signed payload (hashed while streaming), auth on vs off (MB/s)', pick(r, (x) => x.on.signedMbPerSecond), pick(r, (x) => x.off.signedMbPerSecond), undefined),
    ],
  },
  metrics: {
    // Starts a second server with --metrics off beside the round's: named with --only.
    optIn: true,
    round: (ctx) => metricsRound(ctx),
    rows: (r) => [
      row('warm invoke p50, metrics on vs off (ms)', pick(r, (x) => x.on.p50), pick(r, (x) => x.off.p50), undefined),
      row('warm invoke: server CPU per invoke, metrics on vs off (µs)', pick(r, (x) => x.on.cpuUs), pick(r, (x) => x.off.cpuUs), undefined),
    ],
  },
  traces: {
    // Starts a second Gust, exporting to a sink in the bench: named with --only.
    optIn: true,
    round: (ctx) => tracesRound(ctx),
    rows: (r) => [
      row('warm invoke p50, traces exported vs off (ms)', pick(r, (x) => x.on.p50), pick(r, (x) => x.off.p50), undefined),
      row('warm invoke: server CPU per invoke, traces exported vs off (µs)', pick(r, (x) => x.on.cpuUs), pick(r, (x) => x.off.cpuUs), undefined),
      row('traces: spans received per warm invoke', pick(r, 'spansPerInvoke'), undefined, undefined),
    ],
  },
  'create-5mb': {
    round: (ctx) => createLargeRound(ctx),
    rows: (r) => [row('CreateFunction, 5 MB zip → Active (ms)', pick(r, 'ms'), undefined, undefined)],
  },
  cluster: {
    // Its own nodes on PostgreSQL and NATS, beside the bench's Gust: named with --only.
    optIn: true,
    round: (ctx) => clusterRound(ctx),
    rows: (r) => [
      row('cluster: warm invokes/s, 4 clients, 1 node', pick(r, (x) => x[1].perSecond), undefined, undefined),
      row('cluster: warm invokes/s, 4 clients over 2 nodes vs 1 node', pick(r, (x) => x[2].perSecond), pick(r, (x) => x[1].perSecond), undefined),
      row('cluster: warm invokes/s, 4 clients over 3 nodes vs 1 node', pick(r, (x) => x[3].perSecond), pick(r, (x) => x[1].perSecond), undefined),
      row('cluster: CPU per warm invoke, all nodes, 2 nodes vs 1 (µs)', pick(r, (x) => x[2].cpuUs), pick(r, (x) => x[1].cpuUs), undefined),
      row('cluster: CPU per warm invoke, all nodes, 3 nodes vs 1 (µs)', pick(r, (x) => x[3].cpuUs), pick(r, (x) => x[1].cpuUs), undefined),
      row("cluster: PostgreSQL server's CPU per warm invoke, 3 nodes vs 1 (µs)", pick(r, (x) => x[3].dbCpuUs), pick(r, (x) => x[1].dbCpuUs), undefined),
      row("cluster: warm invoke p50, routed through another node vs on the runner's node (ms)", pick(r, 'routedP50'), pick(r, 'localP50'), undefined),
    ],
  },
  'cluster-transport': {
    // How routed invocations travel between nodes: HTTP straight to the node, or NATS request/reply.
    optIn: true,
    round: (ctx) => clusterTransportRound(ctx),
    rows: (r) =>
      ['1 KB', '256 KB'].flatMap((size) => [
        row(`node to node, ${size} request: round trip p50, NATS request/reply vs HTTP keep-alive (ms)`, pick(r, (x) => x[size].nats.p50), pick(r, (x) => x[size].http.p50), undefined),
        row(`node to node, ${size} request: round trip p99, NATS request/reply vs HTTP keep-alive (ms)`, pick(r, (x) => x[size].nats.p99), pick(r, (x) => x[size].http.p99), undefined),
        row(`node to node, ${size} request: CPU per call, both ends (and the NATS server), NATS vs HTTP (µs)`, pick(r, (x) => x[size].nats.cpuUs), pick(r, (x) => x[size].http.cpuUs), undefined),
      ]),
  },
  'list-functions': {
    optIn: true,
    round: (ctx) => listFunctionsRound(ctx),
    rows: (r) => [
      row('ListFunctions, all pages over 10,000 functions (ms)', pick(r, 'listMs'), undefined, undefined),
      row('CreateFunction while filling 10,000 functions (per s)', pick(r, 'createPerSecond'), undefined, undefined),
    ],
  },
};

function coldRows(kind, r, driver = 'process') {
  const target = COLD_SHARE_TARGET_MS[driver];
  return [
    row(`cold start ${kind} [${driver}]: invoke → response vs bare spawn → response (ms)`, pick(r, 'total'), pick(r, 'bare'), undefined),
    row(`cold start ${kind} [${driver}]: Gust's own share (ms)`, pick(r, 'gustShare'), undefined, target === undefined ? undefined : { absMax: target }),
    row(`cold start ${kind} [${driver}]: Gust's CPU per cold start, its spawner's included (ms)`, pick(r, 'gustCpuMs'), undefined, undefined),
    row(`cold start ${kind}: bare spawn → first /next (ms)`, pick(r, 'bareNext'), undefined, undefined),
    row(`cold start ${kind} [${driver}]: reported Init Duration (ms)`, pick(r, 'init'), undefined, undefined),
  ];
}

function pick(results, key) {
  return summarize(results.map((x) => (typeof key === 'function' ? key(x) : x[key])));
}

function row(name, gust, baseline, target) {
  const ratio = baseline ? gust.median / baseline.median : undefined;
  let pass;
  if (target?.max !== undefined) pass = ratio <= target.max;
  if (target?.min !== undefined) pass = ratio >= target.min;
  // A negative own share means the bare baseline ran slower than Gust, which only the
  // machine's state can do (see README, cgroups): no verdict then.
  if (target?.absMax !== undefined) pass = gust.median < 0 ? 'n/a' : gust.median <= target.absMax;
  const targetText = target?.max !== undefined ? `≤ ${target.max}×` : target?.min !== undefined ? `≥ ${target.min}×` : target?.absMax !== undefined ? `≤ ${target.absMax}` : '';
  return { name, gust, baseline, ratio, target: targetText, pass };
}

function fmt(s) {
  if (!s) return '';
  return s.rounds > 1 ? `${round(s.median)} (${round(s.min)}–${round(s.max)})` : `${round(s.median)}`;
}

/** One Gust per sandbox driver and extra `gust serve` arguments, started when first needed and stopped at the end. */
function gustPool() {
  const running = new Map();
  return {
    async get(sandbox, extraArgs = []) {
      const key = [sandbox, ...extraArgs].join(' ');
      if (!running.has(key)) running.set(key, await startGustProcess({ sandbox, args: [...serveArgs, ...extraArgs], ...(profileDir ? { cpuProfDir: profileDir } : {}) }));
      return running.get(key);
    },
    async stopAll() {
      const all = [...running.values()];
      running.clear();
      await Promise.all(all.map((g) => g.stop()));
    },
  };
}

async function main() {
  const names = only ?? Object.keys(SCENARIOS).filter((n) => !SCENARIOS[n].optIn);
  for (const n of names) if (!SCENARIOS[n]) throw new Error(`unknown scenario '${n}'; known: ${Object.keys(SCENARIOS).join(', ')}`);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds needs a positive integer');
  const machine = { cores: cpus().length, cpu: cpus()[0]?.model, loadavg: loadavg().map((l) => round(l)), node: process.version };
  const drivers = sandboxes.map((s) => s ?? 'default (process)').join(', ');
  console.log(`gust bench: ${quick ? 'quick, ' : ''}${rounds} round(s); sandbox ${drivers}; ${machine.cores} cores, load ${machine.loadavg.join(' ')}`);

  const started = performance.now();
  const gusts = gustPool();
  const rows = [];
  const loads = {};
  const seconds = {};
  try {
    for (const n of names) {
      const scenario = SCENARIOS[n];
      for (const sandbox of scenario.perDriver ? sandboxes : [sandboxes[0]]) {
        const results = [];
        const key = scenario.perDriver && sandbox ? `${n} [${sandbox}]` : n;
        const t0 = performance.now();
        loads[key] = loadavg().map((l) => round(l));
        for (let i = 0; i < rounds; i++) {
          process.stdout.write(`  ${n}${sandbox && scenario.perDriver ? ` [${sandbox}]` : ''} round ${i + 1}/${rounds} (load ${loadavg()[0].toFixed(2)})…\n`);
          const gust = await gusts.get(sandbox, scenario.serveArgs);
          results.push(await scenario.round({ gust, quick, gustOptions: sandbox ? { sandbox } : {} }));
        }
        rows.push(...scenario.rows(results, sandbox));
        seconds[key] = round((performance.now() - t0) / 1000, 1);
        process.stdout.write(`  ${key}: ${seconds[key]} s\n`);
      }
    }
  } finally {
    await gusts.stopAll();
  }
  const totalSeconds = (performance.now() - started) / 1000;
  machine.loadavgAfter = loadavg().map((l) => round(l));

  const header = ['scenario', 'Gust', 'baseline', 'ratio', 'target', ''];
  const table = rows.map((r) => [r.name, fmt(r.gust), fmt(r.baseline), r.ratio === undefined ? '' : `${round(r.ratio)}×`, r.target, r.pass === undefined ? '' : r.pass === 'n/a' ? 'n/a' : r.pass ? 'ok' : 'MISS']);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i].length)));
  const line = (cells) => '| ' + cells.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
  console.log('\n' + line(header));
  console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const t of table) console.log(line(t));
  console.log(`\n${machine.cores} cores; load ${machine.loadavg.join(' ')} before, ${machine.loadavgAfter.join(' ')} after; ${round(totalSeconds, 1)} s`);

  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const file = `${dir}${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
  writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), quick, rounds, sandboxes: sandboxes.map((s) => s ?? 'default'), seconds: totalSeconds, secondsPerScenario: seconds, machine, loadBeforeScenario: loads, rows }, null, 2));
  console.log(`written to ${file}`);
}

main().catch((err) => {
  console.error(`gust bench failed: ${err.stack ?? err}`);
  process.exit(1);
});
