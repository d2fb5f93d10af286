/**
 * Provisioned concurrency: PutProvisionedConcurrencyConfig → Status READY for 1 and for N
 * environments, then the first invoke of the provisioned version against the first invoke
 * of a fresh function (a cold start), in the same round. The provisioned invoke's REPORT
 * must carry no Init Duration, and the cold one's must.
 */
import { jsonRequest, keepAliveAgent } from '../lib/http-client.js';
import { HANDLERS, payloadOf } from '../lib/fixtures.js';
import { createFunction, invoke, uniqueName } from '../lib/lambda.js';

const provisionedUrl = (base, name, version) => `${base}/2019-09-30/functions/${name}/provisioned-concurrency?Qualifier=${version}`;

function tailOf(res) {
  return Buffer.from(res.headers['x-amz-log-result'] ?? '', 'base64').toString();
}

/** Put → READY, in ms; polls Get every 5 ms. */
async function timeToReady(agent, base, name, version, count) {
  const t0 = performance.now();
  await jsonRequest(agent, 'PUT', provisionedUrl(base, name, version), { ProvisionedConcurrentExecutions: count });
  for (;;) {
    const got = await jsonRequest(agent, 'GET', provisionedUrl(base, name, version));
    if (got.Status === 'READY') {
      if (got.AllocatedProvisionedConcurrentExecutions !== count) throw new Error(`${name}: READY with ${got.AllocatedProvisionedConcurrentExecutions} of ${count} environments`);
      return performance.now() - t0;
    }
    if (got.Status === 'FAILED') throw new Error(`${name}: provisioning FAILED: ${got.StatusReason}`);
    if (performance.now() - t0 > 120_000) throw new Error(`${name}: not READY after two minutes`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function publishedFunction(agent, base, prefix) {
  const name = uniqueName(prefix);
  await createFunction(agent, base, name, HANDLERS.nodeHello);
  const { Version } = await jsonRequest(agent, 'POST', `${base}/2015-03-31/functions/${name}/versions`, {});
  return { name, version: Version };
}

export async function provisionedRound({ gust, quick }) {
  const agent = keepAliveAgent(4);
  const payload = payloadOf(64);
  const many = quick ? 2 : 4;

  const one = await publishedFunction(agent, gust.url, 'pc-one');
  const readyOneMs = await timeToReady(agent, gust.url, one.name, one.version, 1);
  const manyFn = await publishedFunction(agent, gust.url, 'pc-many');
  const readyManyMs = await timeToReady(agent, gust.url, manyFn.name, manyFn.version, many);

  let t0 = performance.now();
  const warm = await invoke(agent, gust.url, `${one.name}:${one.version}`, payload, { 'x-amz-log-type': 'Tail' });
  const provisionedFirstMs = performance.now() - t0;
  if (/Init Duration/.test(tailOf(warm))) throw new Error(`the first invoke of a provisioned version reported an Init Duration: ${tailOf(warm).slice(-300)}`);

  const cold = await publishedFunction(agent, gust.url, 'pc-cold');
  t0 = performance.now();
  const coldRes = await invoke(agent, gust.url, `${cold.name}:${cold.version}`, payload, { 'x-amz-log-type': 'Tail' });
  const coldFirstMs = performance.now() - t0;
  if (!/Init Duration/.test(tailOf(coldRes))) throw new Error('the cold start reported no Init Duration');

  for (const fn of [one, manyFn]) await jsonRequest(agent, 'DELETE', provisionedUrl(gust.url, fn.name, fn.version));
  agent.destroy();
  return { readyOneMs, readyManyMs, many, provisionedFirstMs, coldFirstMs };
}
