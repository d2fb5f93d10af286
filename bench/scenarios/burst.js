/**
 * `/health` while 200 environments start at once: 200 concurrent invokes of a function
 * with no warm environment (its handler sleeps 100 ms, so each invoke needs an environment
 * of its own), and meanwhile a probe asks `/health` every 20 ms on a connection of its own.
 * Cold-start work that blocks the event loop shows as slow probes; the target is p99 and
 * max under 100 ms.
 */
import { jsonRequest, keepAliveAgent } from '../lib/http-client.js';
import { HANDLERS, payloadOf } from '../lib/fixtures.js';
import { createFunction, invoke, uniqueName } from '../lib/lambda.js';
import { percentile, sortedCopy } from '../lib/stats.js';

const N = 200;
const PROBE_EVERY_MS = 20;

export async function burstRound({ gust }) {
  const name = uniqueName('burst');
  const setup = keepAliveAgent(2);
  await createFunction(setup, gust.url, name, HANDLERS.nodeSleep);
  setup.destroy();
  const agent = keepAliveAgent(N);
  await Promise.all(Array.from({ length: N }, () => jsonRequest(agent, 'GET', `${gust.url}/health`)));
  const probeAgent = keepAliveAgent(1);
  const probes = [];
  let running = true;
  const probing = (async () => {
    while (running) {
      const t0 = performance.now();
      await jsonRequest(probeAgent, 'GET', `${gust.url}/health`);
      probes.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, PROBE_EVERY_MS));
    }
  })();
  const t0 = performance.now();
  try {
    // invoke() throws on anything but a 200 without a function error.
    await Promise.all(Array.from({ length: N }, () => invoke(agent, gust.url, name, payloadOf(64))));
  } finally {
    running = false;
    await probing;
    agent.destroy();
    probeAgent.destroy();
  }
  const burstMs = performance.now() - t0;
  const sorted = sortedCopy(probes);
  return { burstMs, probes: probes.length, healthP50: percentile(sorted, 50), healthP99: percentile(sorted, 99), healthMax: sorted.at(-1) };
}
