#!/usr/bin/env node
/**
 * `npm run bench`: Gust against the physical limit, in one run. Starts its own Gust on a
 * temporary data dir, runs each scenario for several rounds beside a baseline measured in
 * the same run, prints a table of medians (with min–max spread) and their ratios, and
 * writes it as JSON to bench/results/<date>.json. A scenario that cannot run fails the
 * whole run; no figure is ever made up. See bench/README.md.
 */
import { cpus, loadavg } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startGustProcess } from './lib/gust-process.js';
import { round, summarize } from './lib/stats.js';
import { warmRound } from './scenarios/warm.js';
import { coldRound } from './scenarios/cold.js';
import { scaleOutRound } from './scenarios/scale-out.js';
import { memoryRound } from './scenarios/memory.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyIndex = args.indexOf('--only');
const only = onlyIndex >= 0 ? args[onlyIndex + 1]?.split(',') : undefined;
const roundsIndex = args.indexOf('--rounds');
const rounds = roundsIndex >= 0 ? Number(args[roundsIndex + 1]) : quick ? 1 : 3;

/** Each scenario: how to run one round, and how to turn rounds into table rows. */
const SCENARIOS = {
  startup: {
    round: async () => {
      const g = await startGustProcess();
      await g.stop();
      return { ms: g.healthMs };
    },
    rows: (r) => [row('gust serve → first 200 on /health (ms)', pick(r, 'ms'), undefined, undefined)],
  },
  warm: {
    round: (ctx) => warmRound(ctx),
    rows: (r) => [
      row('warm invoke latency p50 (ms)', pick(r, (x) => x.gustLatency.p50), pick(r, (x) => x.baseLatency.p50), { max: 1.5 }),
      row('warm invoke latency p99 (ms)', pick(r, (x) => x.gustLatency.p99), pick(r, (x) => x.baseLatency.p99), undefined),
      row('warm throughput, 4 envs, 16 clients (invokes/s)', pick(r, (x) => x.gustTp.perSecond), pick(r, (x) => x.baseTp.perSecond), { min: 0.6 }),
    ],
  },
  'cold-node': {
    round: (ctx) => coldRound(ctx, 'node'),
    rows: (r) => coldRows('node', r),
  },
  'cold-python': {
    round: (ctx) => coldRound(ctx, 'python'),
    rows: (r) => coldRows('python', r),
  },
  'scale-out': {
    round: (ctx) => scaleOutRound(ctx),
    rows: (r) => [row('scale-out: 50 concurrent cold invokes, 100 ms handler (ms)', pick(r, 'gustMs'), pick(r, 'baseMs'), { max: 1.3 })],
  },
  memory: {
    round: (ctx) => memoryRound(ctx),
    rows: (r) => [
      row("Gust's own RSS growth per idle environment (MB)", pick(r, (x) => x.gustPerEnv / 2 ** 20), undefined, { absMax: 1 }),
      row('idle environment RSS vs bare runtime (MB)', pick(r, (x) => x.envRss / 2 ** 20), pick(r, (x) => x.bareRss / 2 ** 20), undefined),
    ],
  },
};

function coldRows(kind, r) {
  return [
    row(`cold start ${kind}: invoke → response (ms)`, pick(r, 'total'), pick(r, 'bare'), undefined),
    row(`cold start ${kind}: Gust's own share (ms)`, pick(r, 'gustShare'), undefined, { absMax: 5 }),
    row(`cold start ${kind}: reported Init Duration (ms)`, pick(r, 'init'), undefined, undefined),
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
  if (target?.absMax !== undefined) pass = gust.median <= target.absMax;
  const targetText = target?.max !== undefined ? `≤ ${target.max}×` : target?.min !== undefined ? `≥ ${target.min}×` : target?.absMax !== undefined ? `≤ ${target.absMax}` : '';
  return { name, gust, baseline, ratio, target: targetText, pass };
}

function fmt(s) {
  if (!s) return '';
  return s.rounds > 1 ? `${round(s.median)} (${round(s.min)}–${round(s.max)})` : `${round(s.median)}`;
}

async function main() {
  const names = only ?? Object.keys(SCENARIOS);
  for (const n of names) if (!SCENARIOS[n]) throw new Error(`unknown scenario '${n}'; known: ${Object.keys(SCENARIOS).join(', ')}`);
  const machine = { cores: cpus().length, cpu: cpus()[0]?.model, loadavg: loadavg().map((l) => round(l)), node: process.version };
  console.log(`gust bench: ${quick ? 'quick, ' : ''}${rounds} round(s); ${machine.cores} cores, load ${machine.loadavg.join(' ')}`);

  const gust = await startGustProcess();
  const rows = [];
  try {
    for (const n of names) {
      const results = [];
      for (let i = 0; i < rounds; i++) {
        process.stdout.write(`  ${n} round ${i + 1}/${rounds}…\n`);
        results.push(await SCENARIOS[n].round({ gust, quick }));
      }
      rows.push(...SCENARIOS[n].rows(results));
    }
  } finally {
    await gust.stop();
  }

  const header = ['scenario', 'Gust', 'baseline', 'ratio', 'target', ''];
  const table = rows.map((r) => [r.name, fmt(r.gust), fmt(r.baseline), r.ratio === undefined ? '' : `${round(r.ratio)}×`, r.target, r.pass === undefined ? '' : r.pass ? 'ok' : 'MISS']);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i].length)));
  const line = (cells) => '| ' + cells.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
  console.log('\n' + line(header));
  console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const t of table) console.log(line(t));

  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const file = `${dir}${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
  writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), quick, rounds, machine, rows }, null, 2));
  console.log(`\nwritten to ${file}`);
}

main().catch((err) => {
  console.error(`gust bench failed: ${err.stack ?? err}`);
  process.exit(1);
});
