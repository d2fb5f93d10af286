/** 50 concurrent invokes of a function with no warm environment, handler sleeping 100 ms. */
import { keepAliveAgent, post } from '../lib/http-client.js';
import { HANDLERS, payloadOf } from '../lib/fixtures.js';
import { createFunction, invoke } from '../lib/lambda.js';
import { TwoHopServer } from '../lib/two-hop.js';
import { prepareCode, runtimeCommand, runtimeEnv } from '../lib/runtimes.js';

const N = 50;

export async function scaleOutRound({ gust }) {
  const agent = keepAliveAgent(N + 4);
  const payload = payloadOf(64);
  const name = `scale-${Math.random().toString(36).slice(2, 8)}`;
  await createFunction(agent, gust.url, name, HANDLERS.nodeSleep);
  const t0 = performance.now();
  await Promise.all(Array.from({ length: N }, () => invoke(agent, gust.url, name, payload)));
  const gustMs = performance.now() - t0;

  const baseline = new TwoHopServer();
  await baseline.start();
  try {
    const code = prepareCode(HANDLERS.nodeSleep);
    const b0 = performance.now();
    const answers = Array.from({ length: N }, () => post(agent, baseline.url, payload));
    await baseline.spawnRuntimes(N, runtimeCommand('node'), runtimeEnv(code));
    await Promise.all(answers);
    const baseMs = performance.now() - b0;
    return { gustMs, baseMs };
  } finally {
    await baseline.stop();
    agent.destroy();
  }
}
