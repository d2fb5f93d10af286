/**
 * The nodes of a cluster (`gust serve --bus …`): each node writes its row every few seconds
 * (its heartbeat) and removes it when it leaves; `gust nodes` lists them. Kept in the
 * cluster's shared database; a single node has no such store and reports itself alone.
 */

import type { NodeRecord } from '../core/model/cluster-nodes.js';

export interface NodeStore {
  /**
   * The cluster's id and secret, made once with its database: two clusters that share a NATS
   * tell their notes apart by the id; nodes send each other invocations with the secret.
   */
  cluster(): Promise<{ id: string; secret: string }>;
  /** Writes the node's row (inserted at its first beat), the heartbeat time being the database's now. */
  beat(node: Omit<NodeRecord, 'lastHeartbeat'>): Promise<void>;
  /** Every node that has a row, oldest first. */
  list(): Promise<NodeRecord[]>;
  /** Removes a node's row; a node that has none is a no-op. */
  remove(id: string): Promise<void>;
  /** Removes the rows of nodes silent for longer than `ms` (killed, not stopped); returns their ids. */
  removeSilent(ms: number): Promise<string[]>;
}
