/**
 * 50 concurrent invokes of a function with no warm environment, handler sleeping 100 ms,
 * against 50 bare runtimes started in parallel behind the two-hop server, each given one
 * of 50 requests. Both sides get their 50 client sockets opened beforehand, so that the
 * burst reaches the server at once. The handler answers with an id of its process, so the table shows
 * how many environments Gust actually started (one that has finished may take a later
 * arrival, as on Lambda).
 */
import { jsonRequest, keepAliveAgent, post } from '../lib/http-client.js';
import { HANDLERS, payloadOf } from '../lib/fixtures.js';
import { createFunction, invoke, uniqueName } from '../lib/lambda.js';
import { TwoHopProcess } from '../lib/two-hop.js';
import { prepareCode, runtimeCommand, runtimeEnv } from '../lib/runtimes.js';

const N = 50;

/** How many runtime processes answered (the handler returns an id of its process). */
function distinctRuntimes(answers) {
  return new Set(answers.map((a) => JSON.parse(a.body.toString()).id)).size;
}

/** Opens N keep-alive sockets to `base` (concurrent GETs), so the burst needs no handshakes. */
async function openSockets(agent, base) {
  await Promise.all(Array.from({ length: N }, () => jsonRequest(agent, 'GET', `${base}/health`)));
}

export async function scaleOutRound({ gust }) {
  const payload = payloadOf(64);
  const name = uniqueName('scale');
  const setup = keepAliveAgent(2);
  await createFunction(setup, gust.url, name, HANDLERS.nodeSleep);
  setup.destroy();

  const gustAgent = keepAliveAgent(N);
  await openSockets(gustAgent, gust.url);
  const t0 = performance.now();
  const gustAnswers = await Promise.all(Array.from({ length: N }, () => invoke(gustAgent, gust.url, name, payload)));
  const gustMs = performance.now() - t0;
  gustAgent.destroy();

  const baseline = new TwoHopProcess({ oneEach: true });
  await baseline.start();
  const baseAgent = keepAliveAgent(N);
  try {
    const code = prepareCode(HANDLERS.nodeSleep);
    await openSockets(baseAgent, baseline.base);
    const b0 = performance.now();
    // Gathered before the runtimes start, so that a failed request is this round's error
    // rather than an unhandled rejection.
    const answers = Promise.all(Array.from({ length: N }, () => post(baseAgent, baseline.url, payload)));
    const [baseAnswers] = await Promise.all([answers, baseline.spawnRuntimes(N, runtimeCommand('node'), runtimeEnv(code))]);
    const baseMs = performance.now() - b0;
    const baseEnvironments = distinctRuntimes(baseAnswers);
    if (baseEnvironments !== N) throw new Error(`the baseline's ${N} invokes ran on ${baseEnvironments} runtimes, not ${N}`);
    return { gustMs, baseMs, gustEnvironments: distinctRuntimes(gustAnswers), baseEnvironments };
  } finally {
    await baseline.stop();
    baseAgent.destroy();
  }
}
