/**
 * The cluster's message bus: what the nodes of one cluster tell each other. Gust publishes
 * small JSON notes on subjects of its own, under the cluster's id so that clusters sharing a
 * NATS never hear each other (`gust.<cluster>.functions.<account>`: a function changed;
 * `….urls.<account>`: a function's URL configurations changed; `….rules.<account>`: an
 * EventBridge rule changed; `….queues.<account>`: a queue changed; `….configs.<account>`: a
 * function's event invoke configurations changed) and every other node acts on them; the notes carry no state, only what to read again
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

/** What a note is about: a function (record, versions, aliases, policies…), its URL or event invoke configurations, a rule, or an account's queues. */
export type NoteTopic = 'functions' | 'urls' | 'configs' | 'rules' | 'queues';

/** The subject of `topic`'s notes in `account` of the cluster `cluster`. */
export function noteSubject(cluster: string, topic: NoteTopic, account: string): string {
  return `gust.${cluster}.${topic}.${account}`;
}

/** The pattern of every note of the cluster `cluster`. */
export function clusterNotes(cluster: string): string {
  return `gust.${cluster}.*.*`;
}

/** The topic and account a note's subject names (of any cluster: the subscription chose it). */
export function parseSubject(subject: string): { topic: NoteTopic; account: string } | undefined {
  const m = /^gust\.[^.]+\.(functions|urls|configs|rules|queues)\.(\d{12})$/.exec(subject);
  return m ? { topic: m[1] as NoteTopic, account: m[2]! } : undefined;
}
