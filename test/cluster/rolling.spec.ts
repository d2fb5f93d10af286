/**
 * A rolling restart of a three-node cluster under steady invoke load, as an operator rolls
 * out a new build: behind a load balancer (test/helpers/balancer.ts), each node in turn gets
 * SIGTERM, exits and starts again on its data dir, while clients keep invoking through the
 * SDK with its default retry policy. A node that leaves finishes what it runs and stops
 * taking requests; no invoke may fail that the SDK's retries do not absorb. Skipped, saying
 * why, without PostgreSQL or NATS.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBalancer, type Balancer } from '../helpers/balancer.js';
import { activeOn, clusterOf, clusterSkipReason } from '../helpers/cluster.js';
import { stopServer } from '../helpers/gust-process.js';
import { createFunction } from '../helpers/lambda.js';

const skip = await clusterSkipReason();
if (skip) console.warn(`skipping the rolling restart suite: ${skip}`);

const CLIENTS = 4;

describe.skipIf(skip !== undefined)('a rolling restart of three nodes under invoke load', () => {
  const cluster = clusterOf(3, 'rolling', ['--sandbox', 'process', '--keep-alive', '30s']);
  let balancer: Balancer;
  let lambda: LambdaClient;

  beforeAll(async () => {
    balancer = await startBalancer(cluster.nodes.map((n) => n.url));
    // The SDK's defaults: three attempts, its standard backoff.
    lambda = new LambdaClient({ endpoint: balancer.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  });

  afterAll(async () => {
    lambda?.destroy();
    await balancer?.close();
  });

  it('fails no invoke that the SDK retries do not absorb', async () => {
    await createFunction(cluster.node(0).lambda, 'steady', { files: { 'index.js': 'exports.handler = async (e) => ({ n: e.n, pid: process.pid });' } });
    for (const n of cluster.nodes) await activeOn(n.lambda, 'steady');
    let running = true;
    const failures: string[] = [];
    let ok = 0;
    let retried = 0;
    const client = async (c: number) => {
      for (let i = 0; running; i++) {
        try {
          const out = await lambda.send(new InvokeCommand({ FunctionName: 'steady', Payload: Buffer.from(JSON.stringify({ n: i })) }));
          const text = Buffer.from(out.Payload ?? []).toString();
          if (out.FunctionError || (JSON.parse(text) as { n: number }).n !== i) throw new Error(`answered ${out.FunctionError ?? ''} ${text}`);
          ok++;
          if ((out.$metadata.attempts ?? 1) > 1) retried++;
        } catch (err) {
          failures.push(`client ${c}, invoke ${i}: ${(err as Error).name}: ${(err as Error).message}`);
        }
      }
    };
    const clients = Array.from({ length: CLIENTS }, (_, c) => client(c));
    const restarts: number[] = [];
    for (let i = 0; i < cluster.nodes.length; i++) {
      await new Promise((r) => setTimeout(r, 1_000));
      const t0 = performance.now();
      await stopServer(cluster.node(i));
      await cluster.restart(i);
      balancer.setTargets(cluster.nodes.map((n) => n.url));
      restarts.push(Math.round(performance.now() - t0));
    }
    await new Promise((r) => setTimeout(r, 1_000));
    running = false;
    await Promise.all(clients);
    console.log(`rolling restart: ${ok} invokes answered, ${retried} after an SDK retry, ${failures.length} failed; each node's restart took ${restarts.join(', ')} ms`);
    expect(failures).toEqual([]);
    expect(ok).toBeGreaterThan(100);
  }, 120_000);
});
