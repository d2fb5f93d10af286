/**
 * Memory under large uploads: 20 CreateFunction requests at once, each the largest body
 * AWS takes (a 49 MiB zip of random bytes, ~68.5 MB once base64 in the JSON body), on a
 * Gust of its own. Gust's RSS is sampled every 100 ms and /health is asked every 50 ms
 * while they run: reports the RSS before, its peak, and /health's slowest answer. Every
 * request must answer 201.
 */
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { startGustProcess } from '../lib/gust-process.js';
import { HANDLERS, zipFiles } from '../lib/fixtures.js';
import { uniqueName } from '../lib/lambda.js';

const REQUESTS = 20;
const MB = 1024 * 1024;

/** One CreateFunction whose body is written in three parts, the shared base64 in the middle (no copy per request). */
function create(url, name, base64) {
  const head = Buffer.from(`{"FunctionName":"${name}","Runtime":"nodejs20.x","Handler":"index.handler","Role":"arn:aws:iam::000000000000:role/bench","Code":{"ZipFile":"`);
  const tail = Buffer.from('"}}');
  const u = new URL(`${url}/2015-03-31/functions`);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': head.length + base64.length + tail.length } },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => (res.statusCode === 201 ? resolve() : reject(new Error(`CreateFunction ${name} answered ${res.statusCode}: ${Buffer.concat(chunks).toString().slice(0, 300)}`))));
      },
    );
    req.on('error', reject);
    req.write(head);
    req.write(base64);
    req.end(tail);
  });
}

function healthMs(url) {
  const t0 = performance.now();
  return new Promise((resolve) => {
    http.get(`${url}/health`, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(performance.now() - t0));
    }).on('error', () => resolve(performance.now() - t0));
  });
}

export async function uploadsRound({ gustOptions }) {
  const zip = await zipFiles({ ...HANDLERS.nodeHello.files, 'blob.bin': randomBytes(49 * MB) });
  const base64 = Buffer.from(zip.toString('base64'));
  const gust = await startGustProcess(gustOptions);
  try {
    const before = gust.rssBytes();
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, gust.rssBytes())), 100);
    let slowest = 0;
    let running = true;
    const prober = (async () => {
      while (running) {
        slowest = Math.max(slowest, await healthMs(gust.url));
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const t0 = performance.now();
    try {
      await Promise.all(Array.from({ length: REQUESTS }, (_, i) => create(gust.url, uniqueName(`up${i}`), base64)));
    } finally {
      running = false;
      clearInterval(sampler);
      await prober;
    }
    return { beforeMb: before / MB, peakMb: peak / MB, healthMaxMs: slowest, seconds: (performance.now() - t0) / 1000, bodyMb: base64.length / MB };
  } finally {
    await gust.stop();
  }
}
