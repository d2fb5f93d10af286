/**
 * RSS under a steady load: CLIENTS clients invoke a warm hello-world function back to back
 * for `seconds`, on a Gust of its own; Gust's RSS is sampled every second. Reports the RSS
 * at the start of the load, its peak, its last sample and the slope of a least-squares
 * line through the second half of the samples (MB per minute; the first half is the heap
 * growing to its working size): a leak shows as a slope that does not fall back, garbage
 * a full GC collects as a saw-tooth around a flat line. The closing
 * measurement is ten minutes (`--steady-seconds 600`); the default is one.
 */
import { startGustProcess } from '../lib/gust-process.js';
import { keepAliveAgent } from '../lib/http-client.js';
import { HANDLERS, payloadOf } from '../lib/fixtures.js';
import { createFunction, invoke, uniqueName } from '../lib/lambda.js';

const CLIENTS = 4;
const MB = 1024 * 1024;

/** Slope of the least-squares line through (t seconds, rss bytes), in MB per minute. */
function slopeMbPerMinute(samples) {
  const n = samples.length;
  const mt = samples.reduce((s, x) => s + x.t, 0) / n;
  const mr = samples.reduce((s, x) => s + x.rss, 0) / n;
  let num = 0;
  let den = 0;
  for (const x of samples) {
    num += (x.t - mt) * (x.rss - mr);
    den += (x.t - mt) ** 2;
  }
  return den === 0 ? 0 : ((num / den) * 60) / MB;
}

export async function steadyRound({ gustOptions, seconds }) {
  const gust = await startGustProcess(gustOptions);
  try {
    const agent = keepAliveAgent(CLIENTS + 2);
    const name = uniqueName('steady');
    const payload = payloadOf(1024);
    await createFunction(agent, gust.url, name, HANDLERS.nodeHello);
    await Promise.all(Array.from({ length: CLIENTS }, () => invoke(agent, gust.url, name, payload)));
    const samples = [];
    const t0 = performance.now();
    const end = t0 + seconds * 1000;
    let invokes = 0;
    const sampler = setInterval(() => samples.push({ t: (performance.now() - t0) / 1000, rss: gust.rssBytes() }), 1000);
    try {
      await Promise.all(
        Array.from({ length: CLIENTS }, async () => {
          while (performance.now() < end) {
            await invoke(agent, gust.url, name, payload);
            invokes++;
          }
        }),
      );
    } finally {
      clearInterval(sampler);
    }
    agent.destroy();
    const rss = samples.map((s) => s.rss);
    return {
      startMb: rss[0] / MB,
      peakMb: Math.max(...rss) / MB,
      endMb: rss.at(-1) / MB,
      slopeMbPerMinute: slopeMbPerMinute(samples.slice(Math.floor(samples.length / 2))),
      invokesPerSecond: invokes / seconds,
    };
  } finally {
    await gust.stop();
  }
}
