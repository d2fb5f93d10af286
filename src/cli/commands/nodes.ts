/**
 * `gust nodes`: the nodes of the cluster the server belongs to (its `/gust/nodes` route):
 * each node's id, URL, role (the keeper: queues, pollers, provisioned environments, bucket
 * notifications), environments, invocations running (its load), last heartbeat and start; a
 * single node lists itself.
 */
import type { Command } from 'commander';
import type { NodeView } from '../../core/model/cluster-nodes.js';
import { fetchGust } from '../client.js';
import { table } from '../output.js';
import { runCommand } from '../run.js';

/** Seconds since an ISO time, as `3s ago`. */
function ago(iso: string, now: number): string {
  return `${Math.max(0, Math.round((now - Date.parse(iso)) / 1000))}s ago`;
}

export function renderNodes(nodes: NodeView[], now: number): string {
  const rows = nodes.map((n) => [n.self ? `${n.id} *` : n.id, n.url, n.keeper ? 'keeper' : '-', String(n.environments), String(n.invocations), ago(n.lastHeartbeat, now), n.startedAt]);
  return table(['NODE', 'URL', 'ROLE', 'ENVIRONMENTS', 'INVOCATIONS', 'HEARTBEAT', 'STARTED'], rows);
}

export function registerNodes(program: Command): void {
  program
    .command('nodes')
    .description('List the nodes of the cluster (* the one that answered): URL, which is the keeper, environments, invocations running, last heartbeat')
    .action(async (_flags: unknown, cmd: Command) =>
      runCommand(cmd, async ({ target, json, print }) => {
        const { nodes } = await fetchGust<{ nodes: NodeView[] }>(target, '/gust/nodes');
        print(json ? JSON.stringify(nodes, null, 2) : renderNodes(nodes, Date.now()));
      }),
    );
}
