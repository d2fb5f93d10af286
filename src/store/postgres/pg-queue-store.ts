/**
 * The QueueStore (SQS) on PostgreSQL, in the account's schema: the tables of sqs.db, a
 * `write` being one transaction, committed before SendMessage, DeleteMessage or CreateQueue
 * answers. A message row keeps what never changes (`body`, `meta`) apart from `state`,
 * which every receive rewrites.
 *
 * This keeps today's contract, in which the queue service holds the working set (receipt
 * handles, visibility, FIFO group locks) in one process's memory and writes every change
 * here. Nodes sharing a queue need the receive itself in the database (due messages picked
 * with `FOR UPDATE SKIP LOCKED`, visibility and the receipt handle written by the same
 * statement, FIFO groups with an in-flight message skipped), which the interface does not
 * have yet.
 */
import type { DeduplicationEntry, MessageState, QueueRecord, StoredMessage } from '../../core/model/queues.js';
import { decodeAttributes, encodeAttributes, type MessageMeta } from '../message-attributes-json.js';
import type { QueueStore, QueueStoreWrite } from '../queue-store.js';
import { migrate, type PgComponent } from './pg-migrations.js';
import type { PgQueryable, PgSchema } from './pg-schema.js';
import { isRunOf, lastByKey, runsOfOneKind } from './write-runs.js';

/** The queue store's tables, oldest first. Append only. */
export const SQS_COMPONENT: PgComponent = {
  name: 'sqs',
  migrations: [
    {
      version: 1,
      description: 'queues, messages and FIFO deduplication ids',
      up: (s) => `
        CREATE TABLE ${s.table('queues')} (
          name text COLLATE "C" PRIMARY KEY,
          doc  text NOT NULL
        );
        CREATE TABLE ${s.table('messages')} (
          seq   bigint PRIMARY KEY,
          queue text COLLATE "C" NOT NULL,
          -- SQS refuses NUL and lone surrogates in bodies, so text holds any body exactly.
          body  text NOT NULL,
          -- Everything else that never changes: ids, attributes, digests, group, times.
          meta  text NOT NULL,
          -- visibleAt, receiveCount, firstReceiveAt: rewritten by every receive.
          state text NOT NULL
        );
        CREATE INDEX messages_by_queue ON ${s.table('messages')} (queue, seq);
        CREATE TABLE ${s.table('deduplications')} (
          queue      text COLLATE "C" NOT NULL,
          dedup_id   text COLLATE "C" NOT NULL,
          expires_at bigint NOT NULL,
          doc        text NOT NULL,
          PRIMARY KEY (queue, dedup_id)
        );
        CREATE INDEX deduplications_by_expiry ON ${s.table('deduplications')} (expires_at);
      `,
    },
  ],
};

function sql(s: PgSchema) {
  const queues = s.table('queues');
  const messages = s.table('messages');
  const dedups = s.table('deduplications');
  return {
    putQueue: `INSERT INTO ${queues} (name, doc) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET doc = excluded.doc`,
    deleteQueue: `DELETE FROM ${queues} WHERE name = $1`,
    deleteQueueMessages: `DELETE FROM ${messages} WHERE queue = $1`,
    deleteQueueDeduplications: `DELETE FROM ${dedups} WHERE queue = $1`,
    // A seq put twice, even within one run, breaks the key: a message is put once.
    putMessages: `INSERT INTO ${messages} (seq, queue, body, meta, state) SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[])`,
    setMessageStates: `UPDATE ${messages} AS m SET state = n.state FROM unnest($1::bigint[], $2::text[]) AS n (seq, state) WHERE m.seq = n.seq`,
    deleteMessages: `DELETE FROM ${messages} WHERE seq = ANY ($1::bigint[])`,
    purgeQueue: `DELETE FROM ${messages} WHERE queue = $1 AND seq <= $2`,
    putDeduplication: `INSERT INTO ${dedups} (queue, dedup_id, expires_at, doc) VALUES ($1, $2, $3, $4) ON CONFLICT (queue, dedup_id) DO UPDATE SET expires_at = excluded.expires_at, doc = excluded.doc`,
    expireDeduplications: `DELETE FROM ${dedups} WHERE expires_at < $1`,
    queues: `SELECT doc FROM ${queues} ORDER BY name`,
    messages: `SELECT seq, queue, body, meta, state FROM ${messages} WHERE queue = $1 ORDER BY seq`,
    deduplications: `SELECT doc FROM ${dedups} WHERE queue = $1 ORDER BY dedup_id`,
    lastSeq: `SELECT max(seq) AS seq FROM ${messages}`,
  };
}

interface MessageRow {
  seq: string;
  queue: string;
  body: string;
  meta: string;
  state: string;
}

/** The PostgreSQL QueueStore. Open it with `PgQueueStore.open`. */
export class PgQueueStore implements QueueStore {
  private readonly sql: ReturnType<typeof sql>;

  private constructor(private readonly schema: PgSchema) {
    this.sql = sql(schema);
  }

  /** Brings the SQS tables of `schema` (created if needed) up to date and opens the store on them. */
  static async open(schema: PgSchema): Promise<PgQueueStore> {
    await migrate(schema, SQS_COMPONENT);
    return new PgQueueStore(schema);
  }

  async write(ops: QueueStoreWrite[]): Promise<void> {
    if (ops.length === 0) return;
    await this.schema.transaction(async (tx) => {
      for (const run of runsOfOneKind(ops)) {
        if (isRunOf(run, 'putMessage')) await this.putMessages(tx, run.map((op) => op.message));
        else if (isRunOf(run, 'setMessageState')) await this.setStates(tx, run);
        else if (isRunOf(run, 'deleteMessage')) await tx.execute(this.sql.deleteMessages, [run.map((op) => op.seq)]);
        else for (const op of run) await this.apply(tx, op);
      }
    });
  }

  async queues(): Promise<QueueRecord[]> {
    return (await this.schema.query<{ doc: string }>(this.sql.queues)).map((r) => JSON.parse(r.doc) as QueueRecord);
  }

  async messages(queue: string): Promise<StoredMessage[]> {
    const rows = await this.schema.query<MessageRow>(this.sql.messages, [queue]);
    return rows.map((row) => {
      const meta = JSON.parse(row.meta) as MessageMeta;
      // bigint comes back as a string; seqs count messages, far below 2^53.
      return { ...meta, queue: row.queue, seq: Number(row.seq), body: row.body, messageAttributes: decodeAttributes(meta.messageAttributes), state: JSON.parse(row.state) as MessageState };
    });
  }

  async deduplications(queue: string): Promise<DeduplicationEntry[]> {
    return (await this.schema.query<{ doc: string }>(this.sql.deduplications, [queue])).map((r) => JSON.parse(r.doc) as DeduplicationEntry);
  }

  async lastSeq(): Promise<number> {
    const [row] = await this.schema.query<{ seq: string | null }>(this.sql.lastSeq);
    return Number(row?.seq ?? 0);
  }

  /** The pool is the server's: closing a store releases nothing of it. */
  async close(): Promise<void> {}

  /** A run of new messages in one statement. */
  private async putMessages(tx: PgQueryable, messages: StoredMessage[]): Promise<void> {
    const rows = messages.map(({ queue, seq, body, state, messageAttributes, ...rest }) => {
      const meta: MessageMeta = { ...rest, messageAttributes: encodeAttributes(messageAttributes) };
      return [seq, queue, body, JSON.stringify(meta), JSON.stringify(state)] as const;
    });
    await tx.execute(this.sql.putMessages, [0, 1, 2, 3, 4].map((column) => rows.map((row) => row[column])));
  }

  /** A run of state changes in one statement; the last change of a message is the one that counts. */
  private async setStates(tx: PgQueryable, ops: Extract<QueueStoreWrite, { kind: 'setMessageState' }>[]): Promise<void> {
    const last = lastByKey(ops, (op) => op.seq);
    await tx.execute(this.sql.setMessageStates, [last.map((op) => op.seq), last.map((op) => JSON.stringify(op.state))]);
  }

  /** The statements of one operation, inside the write's transaction. */
  private async apply(tx: PgQueryable, op: QueueStoreWrite): Promise<void> {
    const s = this.sql;
    switch (op.kind) {
      case 'putQueue':
        await tx.execute(s.putQueue, [op.queue.name, JSON.stringify(op.queue)]);
        return;
      case 'deleteQueue':
        await tx.execute(s.deleteQueueMessages, [op.name]);
        await tx.execute(s.deleteQueueDeduplications, [op.name]);
        await tx.execute(s.deleteQueue, [op.name]);
        return;
      case 'putMessage':
        await this.putMessages(tx, [op.message]);
        return;
      case 'setMessageState':
        await this.setStates(tx, [op]);
        return;
      case 'deleteMessage':
        await tx.execute(s.deleteMessages, [[op.seq]]);
        return;
      case 'purgeQueue':
        await tx.execute(s.purgeQueue, [op.name, op.throughSeq]);
        return;
      case 'putDeduplication':
        await tx.execute(s.putDeduplication, [op.entry.queue, op.entry.deduplicationId, op.entry.expiresAt, JSON.stringify(op.entry)]);
        return;
      case 'expireDeduplications':
        await tx.execute(s.expireDeduplications, [op.before]);
        return;
      default:
        throw new Error(`Unknown queue store write: ${JSON.stringify(op satisfies never)}`);
    }
  }
}
