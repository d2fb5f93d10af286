/**
 * A node joining a cluster while another node creates functions learns every one of them:
 * it listens to the other nodes before it reads the functions, so a function created while
 * it starts is in what it reads or in a note it applies. Two nodes on PostgreSQL and NATS;
 * skipped, saying why, without them.
 */
import { ListFunctionsCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { clusterOf, clusterSkipReason } from '../helpers/cluster.js';
import { stopServer } from '../helpers/gust-process.js';
import { createFunction } from '../helpers/lambda.js';
import { waitFor } from '../helpers/wait.js';

const skip = await clusterSkipReason();
if (skip) console.warn(`skipping the cluster joining suite: ${skip}`);

async function names(lambda: LambdaClient): Promise<string[]> {
  const all: string[] = [];
  let Marker: string | undefined;
  do {
    const page = await lambda.send(new ListFunctionsCommand({ Marker }));
    all.push(...(page.Functions ?? []).map((f) => f.FunctionName!));
    Marker = page.NextMarker;
  } while (Marker);
  return all.sort();
}

describe.skipIf(skip !== undefined)('gust serve --bus: a node joining while functions are created', () => {
  const cluster = clusterOf(2, 'joining', ['--sandbox', 'process']);
  const node = cluster.node;

  it('knows every function another node created while it started', async () => {
    // Enough functions that reading them takes a while at B's start.
    for (let i = 0; i < 40; i++) await createFunction(node(0).lambda, `before-${i}`, { files: { 'index.js': 'exports.handler = async () => 1;' } });
    await stopServer(node(1));
    let creating = true;
    let made = 0;
    const creator = (async () => {
      while (creating) await createFunction(node(0).lambda, `during-${made++}`, { files: { 'index.js': 'exports.handler = async () => 2;' } });
    })();
    const b = await cluster.restart(1);
    // B has started (it answers the Lambda API), and a few more are made after.
    await names(b.lambda);
    const until = made + 3;
    await waitFor('three more functions', () => (made >= until ? true : undefined), 30_000, 10);
    creating = false;
    await creator;
    const onA = await names(node(0).lambda);
    expect(onA.length).toBe(40 + made);
    // Notes arrive within milliseconds; a function B missed would never come.
    await waitFor('B to list what A lists', async () => ((await names(b.lambda)).length === onA.length ? true : undefined), 5_000, 50).catch(() => undefined);
    expect(await names(b.lambda)).toEqual(onA);
  }, 120_000);
});
