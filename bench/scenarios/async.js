/**
 * Asynchronous invocation: N events (InvocationType Event) to a no-op function, sent by
 * the same number of keep-alive clients as the synchronous baseline. Accepted/s counts
 * until the last 202; processed/s until the queue's `succeeded` counter (GET /gust/events)
 * shows every handler ran. The baseline is N synchronous invokes of the same function.
 */
import { jsonRequest, keepAliveAgent, post } from '../lib/http-client.js';
import { HANDLERS } from '../lib/fixtures.js';
import { createFunction, invoke, invokeUrl, uniqueName } from '../lib/lambda.js';

const EVENTS = 5000;
const CLIENTS = 16;
/** Longest wait for the queue to run every event before the scenario fails. */
const PROCESS_LIMIT_MS = 120_000;

/** Sends `count` requests from CLIENTS loops; each answer must have `status`. */
async function sendAll(count, send, status) {
  let next = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (next < count) {
        next++;
        const res = await send();
        if (res.status !== status) throw new Error(`invoke answered ${res.status}, expected ${status}: ${res.body.toString().slice(0, 300)}`);
      }
    }),
  );
}

async function counters(agent, base) {
  return (await jsonRequest(agent, 'GET', `${base}/gust/events`)).counters;
}

export async function asyncRound({ gust }) {
  const agent = keepAliveAgent(CLIENTS + 2);
  const payload = Buffer.from('{"bench":"async"}');
  const name = uniqueName('async');
  await createFunction(agent, gust.url, name, HANDLERS.nodeNoop);
  const url = invokeUrl(gust.url, name);
  // Warm environments for both sides, so neither pays the cold starts.
  await Promise.all(Array.from({ length: CLIENTS }, () => invoke(agent, gust.url, name, payload)));

  const s0 = performance.now();
  await sendAll(EVENTS, () => post(agent, url, payload), 200);
  const syncMs = performance.now() - s0;

  const before = await counters(agent, gust.url);
  const t0 = performance.now();
  await sendAll(EVENTS, () => post(agent, url, payload, { 'x-amz-invocation-type': 'Event' }), 202);
  const acceptedMs = performance.now() - t0;
  for (;;) {
    const c = await counters(agent, gust.url);
    const failures = ['functionErrors', 'platformErrors', 'failed', 'dropped'].filter((k) => c[k] !== before[k]);
    if (failures.length > 0) throw new Error(`async events did not all succeed: ${failures.map((k) => `${k} +${c[k] - before[k]}`).join(', ')}`);
    if (c.succeeded - before.succeeded >= EVENTS) break;
    if (performance.now() - t0 > PROCESS_LIMIT_MS) throw new Error(`only ${c.succeeded - before.succeeded} of ${EVENTS} events ran within ${PROCESS_LIMIT_MS} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
  const processedMs = performance.now() - t0;
  agent.destroy();
  return { events: EVENTS, acceptedPerSecond: EVENTS / (acceptedMs / 1000), processedPerSecond: EVENTS / (processedMs / 1000), syncPerSecond: EVENTS / (syncMs / 1000) };
}
