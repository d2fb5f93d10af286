/**
 * The cost of metrics (issue 18) on the invoke path: the same sequential warm invokes
 * (hello-world node, 1 KB payload) on the round's server (metrics on, the default) and on
 * a second server started with `--metrics off`, interleaved in blocks so that a shift of
 * the machine's load falls on both alike; latency p50 and the server's CPU per invoke.
 * The server with metrics is scraped once per block, as Prometheus would be.
 */
import http from 'node:http';
import { keepAliveAgent, post } from '../lib/http-client.js';
import { HANDLERS, payloadOf } from '../lib/fixtures.js';
import { createFunction, invokeUrl, uniqueName } from '../lib/lambda.js';
import { cpuMs } from '../lib/proc.js';
import { percentile, sortedCopy } from '../lib/stats.js';
import { startGustProcess } from '../lib/gust-process.js';

const BLOCKS = 5;

/** GET /metrics as Prometheus does; resolves with the body's size. */
function scrape(agent, base) {
  return new Promise((resolve, reject) => {
    const req = http.get(`${base}/metrics`, { agent }, (res) => {
      let bytes = 0;
      res.on('data', (c) => (bytes += c.length));
      res.on('end', () => (res.statusCode === 200 ? resolve(bytes) : reject(new Error(`/metrics answered ${res.statusCode}`))));
    });
    req.on('error', reject);
  });
}

/** `count` sequential invokes: their latencies pushed on `samples`, the server's CPU ms returned. */
async function block(agent, url, payload, count, pid, samples) {
  const cpu0 = cpuMs(pid);
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    const res = await post(agent, url, payload);
    if (res.status !== 200) throw new Error(`invoke answered ${res.status}: ${res.body.toString().slice(0, 200)}`);
    samples.push(performance.now() - t0);
  }
  return cpuMs(pid) - cpu0;
}

export async function metricsRound({ gust, quick, gustOptions }) {
  const agent = keepAliveAgent(8);
  const off = await startGustProcess({ ...gustOptions, args: ['--metrics', 'off'] });
  try {
    const name = uniqueName('metrics');
    const payload = payloadOf(1024);
    const servers = [
      { label: 'on', gust, samples: [], cpu: 0, scrape: true },
      { label: 'off', gust: off, samples: [], cpu: 0, scrape: false },
    ];
    for (const s of servers) {
      await createFunction(agent, s.gust.url, name, HANDLERS.nodeHello);
      for (let i = 0; i < 50; i++) await block(agent, invokeUrl(s.gust.url, name), payload, 1, s.gust.pid, []);
    }
    const perBlock = quick ? 100 : 400;
    for (let b = 0; b < BLOCKS; b++) {
      for (const s of servers) {
        s.cpu += await block(agent, invokeUrl(s.gust.url, name), payload, perBlock, s.gust.pid, s.samples);
        if (s.scrape) await scrape(agent, s.gust.url);
      }
    }
    const result = (s) => ({ p50: percentile(sortedCopy(s.samples), 50), cpuUs: (s.cpu * 1000) / s.samples.length });
    return { on: result(servers[0]), off: result(servers[1]) };
  } finally {
    agent.destroy();
    await off.stop();
  }
}
