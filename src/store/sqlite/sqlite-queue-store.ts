/**
 * The embedded QueueStore: its own SQLite file (`<dataDir>/sqs.db`) in WAL mode with
 * `synchronous = FULL`, so that a `write` that returned is on disk before SendMessage (or
 * DeleteMessage, or CreateQueue) answers. Its own file and migration list, as queue.db has
 * for the async queue: the queue service is a busy writer of its own, and in a file of its
 * own its commits never wait for, or make wait, the metadata database's. Writes go through
 * the shared committer (committer.ts), on a writer thread in production; the queue service
 * batches many operations into one `write` with core/group-commit.ts.
 *
 * A message row keeps what never changes (`body`, `meta`) apart from `state`, which every
 * receive rewrites: a receive updates one short column, not the body.
 */
import type Database from 'better-sqlite3';
import type { DeduplicationEntry, MessageState, QueueRecord, StoredMessage } from '../../core/model/queues.js';
import { decodeAttributes, encodeAttributes, type MessageMeta } from '../message-attributes-json.js';
import type { QueueStore, QueueStoreWrite } from '../queue-store.js';
import { openCommitter, type Committer, type Step } from './committer.js';
import type { Migration } from './migrations.js';
import { openDurableDatabase } from './open-database.js';

/** The queue store's schema, oldest first. Append only. */
export const SQS_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'queues, messages and FIFO deduplication ids',
    up: (db) =>
      db.exec(`
        CREATE TABLE queues (
          name TEXT PRIMARY KEY,
          doc  TEXT NOT NULL
        ) STRICT;

        CREATE TABLE messages (
          seq   INTEGER PRIMARY KEY,
          queue TEXT NOT NULL,
          body  TEXT NOT NULL,
          -- Everything else that never changes: ids, attributes, digests, group, times.
          meta  TEXT NOT NULL,
          -- visibleAt, receiveCount, firstReceiveAt: rewritten by every receive.
          state TEXT NOT NULL
        ) STRICT;
        CREATE INDEX messages_by_queue ON messages (queue, seq);

        CREATE TABLE deduplications (
          queue      TEXT NOT NULL,
          dedup_id   TEXT NOT NULL,
          expires_at INTEGER NOT NULL,
          doc        TEXT NOT NULL,
          PRIMARY KEY (queue, dedup_id)
        ) STRICT;
        CREATE INDEX deduplications_by_expiry ON deduplications (expires_at);
      `),
  },
];

/** Every statement a write runs, by name: prepared by whichever connection writes. */
const WRITE_SQL = {
  putQueue: 'INSERT INTO queues (name, doc) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET doc = excluded.doc',
  deleteQueue: 'DELETE FROM queues WHERE name = ?',
  deleteQueueMessages: 'DELETE FROM messages WHERE queue = ?',
  deleteQueueDeduplications: 'DELETE FROM deduplications WHERE queue = ?',
  putMessage: 'INSERT INTO messages (seq, queue, body, meta, state) VALUES (?, ?, ?, ?, ?)',
  setMessageState: 'UPDATE messages SET state = ? WHERE seq = ?',
  deleteMessage: 'DELETE FROM messages WHERE seq = ?',
  purgeQueue: 'DELETE FROM messages WHERE queue = ? AND seq <= ?',
  putDeduplication:
    'INSERT INTO deduplications (queue, dedup_id, expires_at, doc) VALUES (?, ?, ?, ?) ON CONFLICT (queue, dedup_id) DO UPDATE SET expires_at = excluded.expires_at, doc = excluded.doc',
  expireDeduplications: 'DELETE FROM deduplications WHERE expires_at < ?',
} as const;

type StepName = keyof typeof WRITE_SQL;

function steps(op: QueueStoreWrite): Step<StepName>[] {
  switch (op.kind) {
    case 'putQueue':
      return [['putQueue', [op.queue.name, JSON.stringify(op.queue)]]];
    case 'deleteQueue':
      return [
        ['deleteQueueMessages', [op.name]],
        ['deleteQueueDeduplications', [op.name]],
        ['deleteQueue', [op.name]],
      ];
    case 'putMessage': {
      const { queue, seq, body, state, messageAttributes, ...rest } = op.message;
      const meta: MessageMeta = { ...rest, messageAttributes: encodeAttributes(messageAttributes) };
      return [['putMessage', [seq, queue, body, JSON.stringify(meta), JSON.stringify(state)]]];
    }
    case 'setMessageState':
      return [['setMessageState', [JSON.stringify(op.state), op.seq]]];
    case 'deleteMessage':
      return [['deleteMessage', [op.seq]]];
    case 'purgeQueue':
      return [['purgeQueue', [op.name, op.throughSeq]]];
    case 'putDeduplication':
      return [['putDeduplication', [op.entry.queue, op.entry.deduplicationId, op.entry.expiresAt, JSON.stringify(op.entry)]]];
    case 'expireDeduplications':
      return [['expireDeduplications', [op.before]]];
  }
}

interface MessageRow {
  seq: number;
  queue: string;
  body: string;
  meta: string;
  state: string;
}

export interface SqliteQueueStoreOptions {
  /** Commit on a writer thread with its own connection (default false); see committer.ts. */
  writerThread?: boolean;
}

/** The SQLite QueueStore. Open it with `SqliteQueueStore.open`. */
export class SqliteQueueStore implements QueueStore {
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly db: Database.Database,
    private readonly committer: Committer<StepName>,
  ) {}

  /** Opens (creating it if needed) the database at `path`; `:memory:` for tests (no writer thread). */
  static open(path: string, options: SqliteQueueStoreOptions = {}): SqliteQueueStore {
    // SendMessage promises the message survives a power loss: openDurableDatabase fsyncs every commit.
    const db = openDurableDatabase(path, SQS_MIGRATIONS);
    try {
      return new SqliteQueueStore(db, openCommitter(db, path, WRITE_SQL, options.writerThread ?? false));
    } catch (err) {
      db.close();
      throw err;
    }
  }

  async write(ops: QueueStoreWrite[]): Promise<void> {
    if (ops.length === 0) return;
    await this.committer.commit(ops.flatMap(steps));
  }

  async queues(): Promise<QueueRecord[]> {
    return this.db
      .prepare<[], string>('SELECT doc FROM queues ORDER BY name')
      .pluck()
      .all()
      .map((doc) => JSON.parse(doc) as QueueRecord);
  }

  async messages(queue: string): Promise<StoredMessage[]> {
    const rows = this.db.prepare<[string], MessageRow>('SELECT seq, queue, body, meta, state FROM messages WHERE queue = ? ORDER BY seq').all(queue);
    return rows.map((row) => {
      const meta = JSON.parse(row.meta) as MessageMeta;
      return { ...meta, queue: row.queue, seq: row.seq, body: row.body, messageAttributes: decodeAttributes(meta.messageAttributes), state: JSON.parse(row.state) as MessageState };
    });
  }

  async deduplications(queue: string): Promise<DeduplicationEntry[]> {
    return this.db
      .prepare<[string], string>('SELECT doc FROM deduplications WHERE queue = ? ORDER BY dedup_id')
      .pluck()
      .all(queue)
      .map((doc) => JSON.parse(doc) as DeduplicationEntry);
  }

  async lastSeq(): Promise<number> {
    return this.db.prepare<[], number | null>('SELECT max(seq) FROM messages').pluck().get() ?? 0;
  }

  async close(): Promise<void> {
    this.closing ??= (async () => {
      await this.committer.close();
      if (this.db.open) this.db.close();
    })();
    return this.closing;
  }
}
