/**
 * How a routed invocation should travel between two nodes (issue 20: "NATS request/reply or
 * a direct node-to-node connection, whichever measures better"): the same request, 1 KB and
 * 256 KB, sent sequentially from this process to a process of its own (lib/transport-echo.js)
 * over a keep-alive HTTP connection and over NATS request/reply through the NATS server at
 * GUST_TEST_NATS_URL. Per transport: the round trip's p50 and p99, and the CPU per call of
 * both ends plus, for NATS, the NATS server's (from /proc). The two transports take turns in
 * blocks, so that the machine's load falls on both alike.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import * as nats from '@nats-io/transport-node';
import { keepAliveAgent, post } from '../lib/http-client.js';
import { cpuMs, cpuMsOfCommand } from '../lib/proc.js';
import { percentile, sortedCopy } from '../lib/stats.js';

const NATS_URL = process.env.GUST_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const SIZES = { '1 KB': 1024, '256 KB': 256 * 1024 };
const BLOCK = 100;

function processCpuMs() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** One round: `{ [size]: { http: { p50, p99, cpuUs }, nats: { p50, p99, cpuUs } } }`. */
export async function clusterTransportRound({ quick }) {
  const child = spawn(process.execPath, [fileURLToPath(new URL('../lib/transport-echo.js', import.meta.url)), NATS_URL], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = await Promise.race([
    once(createInterface({ input: child.stdout }), 'line'),
    once(child, 'exit').then(([code]) => {
      throw new Error(`the transport echo exited (${code}) before listening: is NATS at ${NATS_URL}?`);
    }),
  ]);
  const { url, subject } = JSON.parse(line);
  const { hostname, port } = new URL(NATS_URL.replace(/^nats:/, 'http:'));
  const nc = await nats.connect({ servers: `${hostname}:${port || 4222}` });
  const agent = keepAliveAgent(1);
  const blocks = quick ? 4 : 20;
  const result = {};
  try {
    for (const [size, bytes] of Object.entries(SIZES)) {
      const body = Buffer.alloc(bytes, 'a');
      const sends = {
        http: async () => {
          const res = await post(agent, url, body);
          if (res.status !== 200) throw new Error(`the HTTP echo answered ${res.status}`);
        },
        nats: async () => {
          await nc.request(subject, body, { timeout: 5_000 });
        },
      };
      const samples = { http: [], nats: [] };
      const cpu = { http: 0, nats: 0 };
      for (const send of Object.values(sends)) for (let i = 0; i < 50; i++) await send();
      for (let b = 0; b < blocks; b++) {
        for (const [name, send] of Object.entries(sends)) {
          const before = processCpuMs() + cpuMs(child.pid) + (name === 'nats' ? cpuMsOfCommand('nats-server') : 0);
          for (let i = 0; i < BLOCK; i++) {
            const t0 = process.hrtime.bigint();
            await send();
            samples[name].push(Number(process.hrtime.bigint() - t0) / 1e6);
          }
          cpu[name] += processCpuMs() + cpuMs(child.pid) + (name === 'nats' ? cpuMsOfCommand('nats-server') : 0) - before;
        }
      }
      result[size] = Object.fromEntries(
        Object.keys(sends).map((name) => {
          const sorted = sortedCopy(samples[name]);
          return [name, { p50: percentile(sorted, 50), p99: percentile(sorted, 99), cpuUs: (cpu[name] * 1000) / samples[name].length }];
        }),
      );
    }
  } finally {
    agent.destroy();
    await nc.close();
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
  return result;
}
