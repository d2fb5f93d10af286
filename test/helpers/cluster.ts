/**
 * Several `gust serve` nodes of one cluster on this machine, as users run them: one fresh
 * PostgreSQL database, one NATS, one shared --blob-dir, each node with its own port and data
 * dir. `clusterSkipReason` says why a cluster suite cannot run here (no PostgreSQL, no NATS).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll } from 'vitest';
import { buildGust, serve, stopServer, type ServerProcess } from './gust-process.js';
import { killProcessesMentioning } from './processes.js';
import { onServer, postgresSkipReason, urlOfDatabase } from './test-store.js';
import { waitFor } from './wait.js';

/**
 * JavaScript for a handler (`--sandbox process`): `nodePid()` is the pid of the Gust node
 * running it. That is the runtime's parent, or its grandparent when the runtime was exec'd in
 * the launcher the node's spawner started ahead (src/sandbox/process-spare.ts).
 */
export const NODE_PID_JS = `function nodePid() {
  const fs = require('node:fs');
  for (let p = process.ppid, i = 0; i < 3; i++) {
    if (fs.readFileSync('/proc/' + p + '/cmdline', 'utf8').includes('gust.js')) return p;
    const stat = fs.readFileSync('/proc/' + p + '/stat', 'utf8');
    p = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  }
  return process.ppid;
}`;

export const NATS_URL = process.env.GUST_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

/** Why NATS cannot be used here, or undefined when it answers. */
async function natsSkipReason(url: string): Promise<string | undefined> {
  const { hostname, port } = new URL(url.replace(/^nats:/, 'http:'));
  const reason = await new Promise<string | undefined>((resolve) => {
    const socket = connect(Number(port || 4222), hostname);
    socket.setTimeout(2_000, () => socket.destroy(new Error('no answer in 2 s')));
    socket.once('data', (d: Buffer) => {
      socket.destroy();
      resolve(d.toString().startsWith('INFO ') ? undefined : 'it did not greet as NATS does');
    });
    socket.once('error', (err) => resolve(err.message));
  });
  return reason && `NATS is unreachable at ${url} (${reason}); set GUST_TEST_NATS_URL to run it`;
}

/** Why PostgreSQL or NATS cannot be used here, or undefined when both answer. */
export async function clusterSkipReason(): Promise<string | undefined> {
  return (await postgresSkipReason()) ?? (await natsSkipReason(NATS_URL));
}

export interface Cluster {
  /** The nodes, in start order; a stopped or killed node stays in its place. */
  readonly nodes: ServerProcess[];
  /** Each node's data dir, in the same order. */
  readonly dirs: string[];
  /** The arguments every node is started with (store, bus, blob dir and the suite's own). */
  readonly args: string[];
  node(i: number): ServerProcess;
  /** Starts node `i` again on its data dir (after a stop or a kill), in its place. */
  restart(i: number): Promise<ServerProcess>;
}

/**
 * Call inside `describe`: before the suite, makes a database and starts `count` nodes at
 * once (as an operator's rollout does: migrations and the first account race) with `args`
 * after the cluster's own; after it, stops them and drops the database.
 */
export function clusterOf(count: number, name: string, args: string[]): Cluster {
  const database = `gust_t_${name}_${randomBytes(4).toString('hex')}`;
  let blobDir = '';
  const nodes: ServerProcess[] = [];
  const dirs: string[] = [];
  const common: string[] = [];
  const startNode = async (i: number): Promise<ServerProcess> => {
    const n = await serve(dirs[i]!, common);
    await waitFor('the node to join', () => n.lines().some((l) => l.includes('cluster: node')) || undefined, 20_000);
    return n;
  };
  beforeAll(async () => {
    buildGust();
    await onServer(`CREATE DATABASE ${database}`);
    blobDir = mkdtempSync(join(tmpdir(), `gust-${name}-blobs-`));
    common.push('--store', urlOfDatabase(database), '--bus', NATS_URL, '--blob-dir', blobDir, ...args);
    for (let i = 0; i < count; i++) dirs.push(mkdtempSync(join(tmpdir(), `gust-${name}-${i}-`)));
    nodes.push(...(await Promise.all(dirs.map((_, i) => startNode(i)))));
  }, 180_000);
  afterAll(async () => {
    for (const n of nodes) await stopServer(n);
    for (const dir of dirs) {
      killProcessesMentioning(dir);
      rmSync(dir, { recursive: true, force: true });
    }
    if (blobDir) rmSync(blobDir, { recursive: true, force: true });
    await onServer(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  });
  return {
    nodes,
    dirs,
    args: common,
    node: (i) => nodes[i]!,
    restart: async (i) => (nodes[i] = await startNode(i)),
  };
}

/**
 * Waits until the node `lambda` talks to knows `name` Active: another node's notes reach it
 * within milliseconds, but a request sent at once may come first (ResourceNotFoundException).
 */
export async function activeOn(lambda: ServerProcess['lambda'], name: string): Promise<void> {
  await waitFor(
    `${name} to be Active there`,
    async () => {
      const c = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name })).catch((err: unknown) => {
        if ((err as Error).name === 'ResourceNotFoundException') return undefined;
        throw err;
      });
      return c?.State === 'Active' && c.LastUpdateStatus !== 'InProgress' ? true : undefined;
    },
    5_000,
    10,
  );
}
