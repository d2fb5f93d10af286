/**
 * Start-up: `gust serve` (a process of its own, its own port) to its first answered
 * `/health`, on a fresh data dir and on one holding 10,000 functions, beside a bare node
 * HTTP server spawned the same way. The 10,000 functions are created once per bench run,
 * through the Lambda API of a Gust on a kept data dir, and every round restarts on that dir.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGustProcess } from '../lib/gust-process.js';
import { keepAliveAgent } from '../lib/http-client.js';
import { HANDLERS, zipFiles } from '../lib/fixtures.js';
import { createFunction } from '../lib/lambda.js';

const MANY = 10_000;

/** The least a node server can take to answer: spawn node, listen, answer /health once. */
async function bareServerStartMs() {
  const script = "require('node:http').createServer((q, s) => s.end('{\"status\":\"ok\"}')).listen(0, '127.0.0.1', function () { process.stdout.write(this.address().port + '\\n'); });";
  const t0 = performance.now();
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve, reject) => {
    child.stdout.once('data', (d) => resolve(Number(String(d).trim())));
    child.once('exit', (code) => reject(new Error(`bare node server exited with ${code}`)));
  });
  await new Promise((resolve, reject) => http.get(`http://127.0.0.1:${port}/health`, { agent: false }, (res) => res.resume().on('end', resolve)).on('error', reject));
  const ms = performance.now() - t0;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
  return ms;
}

/** The data dir with 10,000 functions, made at the first round of this bench run. */
let manyDir;
process.on('exit', () => {
  if (manyDir) rmSync(manyDir, { recursive: true, force: true });
});

async function dataDirWithManyFunctions(gustOptions) {
  if (manyDir) return manyDir;
  const dir = mkdtempSync(join(tmpdir(), 'gust-bench-many-'));
  const gust = await startGustProcess({ ...gustOptions, dataDir: dir });
  try {
    const agent = keepAliveAgent(8);
    const zip = await zipFiles(HANDLERS.nodeNoop.files);
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < MANY) await createFunction(agent, gust.url, `startup-${next++}`, HANDLERS.nodeNoop, {}, zip, { waitActive: false });
      }),
    );
    agent.destroy();
  } finally {
    await gust.stop();
  }
  manyDir = dir;
  return dir;
}

export async function startupRound({ gustOptions }) {
  const dir = await dataDirWithManyFunctions(gustOptions);
  // Each Gust figure beside a bare start measured just before it, so that a burst of load
  // from elsewhere falls on both.
  const bareMs = await bareServerStartMs();
  const empty = await startGustProcess(gustOptions);
  await empty.stop();
  const bareManyMs = await bareServerStartMs();
  const many = await startGustProcess({ ...gustOptions, dataDir: dir });
  await many.stop();
  return { gustMs: empty.healthMs, bareMs, manyMs: many.healthMs, bareManyMs };
}
