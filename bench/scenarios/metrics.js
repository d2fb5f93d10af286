/**
 * The cost of metrics (issue 18) on the invoke path: the same sequential warm invokes
 * (hello-world node, 1 KB payload) on the round's server (metrics on, the default) and on
 * a second server started with `--metrics off`, interleaved in blocks so that a shift of
 * the machine's load falls on both alike; latency p50 and the server's CPU per invoke.
 * The server with metrics is scraped once per block, as Prometheus would be.
 */
import http from 'node:http';
import { keepAliveAgent } from '../lib/http-client.js';
import { HANDLERS, payloadOf } from '../lib/fixtures.js';
import { createFunction, invokeUrl, uniqueName } from '../lib/lambda.js';
import { percentile, sortedCopy } from '../lib/stats.js';
import { startGustProcess } from '../lib/gust-process.js';
import { timedInvokes } from '../lib/timed-invokes.js';

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
      for (let i = 0; i < 50; i++) await timedInvokes(agent, invokeUrl(s.gust.url, name), payload, 1, s.gust.pid, []);
    }
    const perBlock = quick ? 100 : 400;
    for (let b = 0; b < BLOCKS; b++) {
      for (const s of servers) {
        s.cpu += await timedInvokes(agent, invokeUrl(s.gust.url, name), payload, perBlock, s.gust.pid, s.samples);
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
