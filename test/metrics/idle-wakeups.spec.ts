/**
 * An idle `gust serve` that nobody scrapes sleeps: its main thread wakes only for its own
 * work, not 100 times a second for prom-client's event-loop lag histogram, which samples
 * every 10 ms once the process metrics are registered. They are registered at the first
 * scrape, which then reports them, and from then on the histogram samples (which also shows
 * that the count below sees such wake-ups).
 */
import { readFileSync } from 'node:fs';
import { beforeAll, expect, it } from 'vitest';
import { crashRig, serve } from '../helpers/gust-process.js';
import { parseMetrics } from '../helpers/prometheus.js';

const rig = crashRig('gust-idle');

beforeAll(async () => {
  rig.server = await serve(rig.dataDir, ['--sandbox', 'process']);
}, 120_000);

/** Voluntary context switches of the server's main thread: each is a wait that ended, a wake-up. */
function wakeups(pid: number): number {
  return Number(/^voluntary_ctxt_switches:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/task/${pid}/status`, 'utf8'))?.[1]);
}

async function wakeupsOver(pid: number, ms: number): Promise<number> {
  const before = wakeups(pid);
  await new Promise((resolve) => setTimeout(resolve, ms));
  return wakeups(pid) - before;
}

it('does not wake 100 times a second before the first scrape, which then reports the process metrics', { timeout: 60_000 }, async () => {
  const pid = rig.server!.child.pid!;
  // Start-up's own work (the runtime probe) settles first.
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const idle = await wakeupsOver(pid, 2000);
  const m = parseMetrics(await (await fetch(`${rig.server!.url}/metrics`)).text());
  expect(m.has('process_cpu_seconds_total')).toBe(true);
  expect(m.has('nodejs_eventloop_lag_p50_seconds')).toBe(true);
  const scraped = await wakeupsOver(pid, 2000);
  console.log(`idle gust serve, main thread wake-ups in 2 s: ${idle} before the first scrape, ${scraped} after it`);
  expect(idle).toBeLessThan(40);
  expect(scraped).toBeGreaterThan(100);
});
