/** The nodes of a cluster (`gust serve --bus …`), as each reports itself and `gust nodes` lists them. */

/** One node as it last reported itself. */
export interface NodeRecord {
  /** Chosen by the node at start-up; it names the node on the bus and in its blob work directory. */
  id: string;
  /** Where the node serves its APIs. */
  url: string;
  /** ISO times: when the node started, and its last heartbeat by the database's clock (one clock for every node). */
  startedAt: string;
  lastHeartbeat: string;
  /** Execution environments the node runs now. */
  environments: number;
  /** Invocations running on the node now: its load. */
  invocations: number;
}

/** One node as `GET /gust/nodes` answers: its record, whether it is the node that answered, and whether it is the keeper (as the answering node knows). */
export interface NodeView extends NodeRecord {
  self: boolean;
  /** It holds the keeper lease: it keeps the queues, the pollers, the provisioned environments and the bucket notifications' delivery (a single node keeps them all). */
  keeper: boolean;
}

/** Where a node finds the keeper: itself, another node (its URL), or none known now (a move in progress). */
export type KeeperPlace = 'here' | { url: string } | undefined;
