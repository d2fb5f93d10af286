/**
 * Sandbox networking's cost (namespace driver; needs root): cold starts with the network
 * on against `--sandbox-network none`, sandboxes started per second either way (a burst of
 * concurrent cold starts), and an HTTP GET from inside a function to a server outside the
 * sandbox (the bench's own outside world, outside-world.js) against the same GET from the
 * host. Each GET opens its own connection, so the figures include the connect.
 */
import { keepAliveAgent } from '../lib/http-client.js';
import { HANDLERS, payloadOf } from '../lib/fixtures.js';
import { startGustProcess } from '../lib/gust-process.js';
import { createFunction, invoke, uniqueName } from '../lib/lambda.js';
import { startOutsideWorld } from '../lib/outside-world.js';
import { median, percentile, sortedCopy } from '../lib/stats.js';
import http from 'node:http';

const GETS = `
const http = require('node:http');
const get = (url) => new Promise((resolve, reject) => {
  http.get(url, { agent: false }, (res) => { res.resume(); res.on('end', resolve); }).on('error', reject);
});
exports.handler = async (event) => {
  const ms = [];
  for (let i = 0; i < event.count; i++) {
    const t0 = performance.now();
    await get(event.url);
    ms.push(performance.now() - t0);
  }
  return ms;
};
`;

function getFromHost(url, count) {
  const get = () =>
    new Promise((resolve, reject) => {
      http.get(url, { agent: false }, (res) => {
        res.resume();
        res.on('end', resolve);
      }).on('error', reject);
    });
  return (async () => {
    const ms = [];
    for (let i = 0; i < count; i++) {
      const t0 = performance.now();
      await get();
      ms.push(performance.now() - t0);
    }
    return ms;
  })();
}

async function coldStarts(agent, url, count) {
  const prefix = uniqueName('netcold');
  for (let i = 0; i < count; i++) await createFunction(agent, url, `${prefix}-${i}`, HANDLERS.nodeHello);
  const ms = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await invoke(agent, url, `${prefix}-${i}`, payloadOf(64));
    ms.push(performance.now() - t0);
  }
  return median(ms);
}

/** `count` functions invoked at once, each on a new environment: sandboxes started per second. */
async function burst(agent, url, count) {
  const prefix = uniqueName('netburst');
  for (let i = 0; i < count; i++) await createFunction(agent, url, `${prefix}-${i}`, HANDLERS.nodeHello, { MemorySize: 128 });
  const t0 = performance.now();
  await Promise.all(Array.from({ length: count }, (_, i) => invoke(agent, url, `${prefix}-${i}`, payloadOf(64))));
  return count / ((performance.now() - t0) / 1000);
}

export async function networkRound({ quick }) {
  const outside = await startOutsideWorld();
  const on = await startGustProcess({ sandbox: 'namespace' });
  const off = await startGustProcess({ sandbox: 'namespace', args: ['--sandbox-network', 'none'] });
  const agent = keepAliveAgent(32);
  try {
    const count = quick ? 6 : 15;
    // Alternating, so that load from elsewhere hits both alike.
    const coldOn = await coldStarts(agent, on.url, count);
    const coldOff = await coldStarts(agent, off.url, count);
    const burstSize = quick ? 10 : 30;
    const burstOn = await burst(agent, on.url, burstSize);
    const burstOff = await burst(agent, off.url, burstSize);

    const gets = quick ? 50 : 200;
    const target = `http://${outside.address}:${outside.httpPort}/`;
    const name = uniqueName('netget');
    await createFunction(agent, on.url, name, { runtime: 'nodejs20.x', handler: 'index.handler', files: { 'index.js': GETS } });
    await invoke(agent, on.url, name, Buffer.from(JSON.stringify({ url: target, count: 5 })));
    const inside = sortedCopy(JSON.parse((await invoke(agent, on.url, name, Buffer.from(JSON.stringify({ url: target, count: gets })))).body.toString()));
    const host = sortedCopy(await getFromHost(target, gets));
    return {
      burstSize,
      coldOn,
      coldOff,
      burstOn,
      burstOff,
      insideP50: percentile(inside, 50),
      insideP99: percentile(inside, 99),
      hostP50: percentile(host, 50),
      hostP99: percentile(host, 99),
    };
  } finally {
    agent.destroy();
    await Promise.all([on.stop(), off.stop()]);
    outside.close();
  }
}
