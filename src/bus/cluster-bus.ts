/**
 * The cluster's message bus: what the nodes of one cluster tell each other. Gust publishes
 * small JSON notes on subjects of its own (`gust.functions.<account>`: a function changed)
 * and every other node acts on them; the notes carry no state, only what to read again
 * from the shared database, so a note that is lost leaves a node stale, never wrong in the
 * database. A single node has no bus at all.
 */

/** Who sent a note: the receiver ignores its own. */
export interface BusNote {
  node: string;
}

export interface ClusterBus {
  /** Sends `note` to every node subscribed to `subject`; does not wait for them. */
  publish(subject: string, note: BusNote & Record<string, unknown>): void;
  /**
   * Calls `handler` with each note on subjects matching `pattern` (NATS wildcards: `*` one
   * token, `>` the rest) and the subject it came on; notes that are not JSON objects are dropped.
   */
  subscribe(pattern: string, handler: (note: BusNote & Record<string, unknown>, subject: string) => void): void;
  /** Called after the connection to the bus came back: notes sent meanwhile were lost. */
  onReconnect(listener: () => void): void;
  /** Sends what is queued, then disconnects. */
  close(): Promise<void>;
}

/** The subject of a function's changes in `account`. */
export function functionSubject(account: string): string {
  return `gust.functions.${account}`;
}

/** The account a function subject names. */
export function accountOfSubject(subject: string): string | undefined {
  return /^gust\.functions\.(\d{12})$/.exec(subject)?.[1];
}
