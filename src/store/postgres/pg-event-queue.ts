/**
 * The EventQueueStore on PostgreSQL, in the account's schema: the tables of queue.db, a
 * `write` being one transaction (committed, with `synchronous_commit` on, before the Invoke
 * API answers 202). Payloads are `bytea`, so they come back byte for byte.
 *
 * This keeps today's contract, in which the caller assigns `seq` (AsyncQueue counts on from
 * `lastSeq()`) and one process delivers every stored event. Several nodes sharing a schema
 * need more, and the interface will have to grow for it: `seq` from a database sequence,
 * and a lease on due events (`SELECT … FOR UPDATE SKIP LOCKED` setting a lease-until column)
 * so that each is delivered by one node at a time and taken over when its node dies.
 */
import type { EventInvokeConfig } from '../../core/model/event-invoke-config.js';
import type { EventQueueStore, FailedEvent, QueueWrite, StoredEvent } from '../event-queue.js';
import { migrate, type PgComponent } from './pg-migrations.js';
import type { PgQueryable, PgSchema } from './pg-schema.js';

export interface PgEventQueueOptions {
  /** Failed events kept per function (default 1000); the oldest go first. */
  failedRetention?: number;
}

/** The queue's tables, oldest first. Append only. */
export const EVENT_QUEUE_COMPONENT: PgComponent = {
  name: 'events',
  migrations: [
    {
      version: 1,
      description: 'asynchronous events, failed events and event invoke configurations',
      up: (s) => `
        CREATE TABLE ${s.table('events')} (
          seq           bigint PRIMARY KEY,
          request_id    text NOT NULL,
          function_name text COLLATE "C" NOT NULL,
          -- '' when the caller gave no qualifier.
          qualifier     text COLLATE "C" NOT NULL,
          payload       bytea NOT NULL,
          -- Everything else (attempts, times, client context): small, read only at start-up.
          meta          text NOT NULL
        );
        CREATE INDEX events_by_function ON ${s.table('events')} (function_name);
        CREATE TABLE ${s.table('failed_events')} (
          seq           bigint PRIMARY KEY,
          function_name text COLLATE "C" NOT NULL,
          doc           text NOT NULL
        );
        CREATE INDEX failed_events_by_function ON ${s.table('failed_events')} (function_name, seq);
        CREATE TABLE ${s.table('event_invoke_configs')} (
          function_name text COLLATE "C" NOT NULL,
          qualifier     text COLLATE "C" NOT NULL,
          doc           text NOT NULL,
          PRIMARY KEY (function_name, qualifier)
        );
      `,
    },
  ],
};

/** The columns of `meta`. */
interface EventMeta {
  clientContext?: string;
  traceHeader?: string;
  enqueuedAt: number;
  attempts: number;
  notBefore: number;
  depth: number;
  lastError?: string;
}

interface EventRow {
  seq: string;
  request_id: string;
  function_name: string;
  qualifier: string;
  payload: Buffer;
  meta: string;
}

function sql(s: PgSchema) {
  const events = s.table('events');
  const failed = s.table('failed_events');
  const configs = s.table('event_invoke_configs');
  return {
    putEvent: `INSERT INTO ${events} (seq, request_id, function_name, qualifier, payload, meta) VALUES ($1, $2, $3, $4, $5, $6)
      ON CONFLICT (seq) DO UPDATE SET request_id = excluded.request_id, function_name = excluded.function_name, qualifier = excluded.qualifier, payload = excluded.payload, meta = excluded.meta`,
    deleteEvent: `DELETE FROM ${events} WHERE seq = $1`,
    putFailed: `INSERT INTO ${failed} (seq, function_name, doc) VALUES ($1, $2, $3) ON CONFLICT (seq) DO UPDATE SET function_name = excluded.function_name, doc = excluded.doc`,
    trimFailed: `DELETE FROM ${failed} WHERE function_name = $1 AND seq < (SELECT seq FROM ${failed} WHERE function_name = $1 ORDER BY seq DESC LIMIT 1 OFFSET $2)`,
    putConfig: `INSERT INTO ${configs} (function_name, qualifier, doc) VALUES ($1, $2, $3) ON CONFLICT (function_name, qualifier) DO UPDATE SET doc = excluded.doc`,
    deleteConfig: `DELETE FROM ${configs} WHERE function_name = $1 AND qualifier = $2`,
    deleteFunctionEvents: `DELETE FROM ${events} WHERE function_name = $1`,
    deleteFunctionFailed: `DELETE FROM ${failed} WHERE function_name = $1`,
    deleteFunctionConfigs: `DELETE FROM ${configs} WHERE function_name = $1`,
    pending: `SELECT seq, request_id, function_name, qualifier, payload, meta FROM ${events} ORDER BY seq`,
    lastSeq: `SELECT greatest((SELECT max(seq) FROM ${events}), (SELECT max(seq) FROM ${failed})) AS seq`,
    failed: `SELECT doc FROM ${failed} WHERE function_name = $1 ORDER BY seq DESC LIMIT $2`,
    configs: `SELECT doc FROM ${configs} ORDER BY function_name, qualifier`,
  };
}

function toEvent(row: EventRow): StoredEvent {
  const meta = JSON.parse(row.meta) as EventMeta;
  return {
    // bigint comes back as a string; seqs count events, far below 2^53.
    seq: Number(row.seq),
    requestId: row.request_id,
    functionName: row.function_name,
    ...(row.qualifier === '' ? {} : { qualifier: row.qualifier }),
    payload: row.payload,
    ...(meta.clientContext === undefined ? {} : { clientContext: meta.clientContext }),
    ...(meta.traceHeader === undefined ? {} : { traceHeader: meta.traceHeader }),
    enqueuedAt: meta.enqueuedAt,
    attempts: meta.attempts,
    notBefore: meta.notBefore,
    depth: meta.depth,
    ...(meta.lastError === undefined ? {} : { lastError: meta.lastError }),
  };
}

/** The PostgreSQL EventQueueStore. Open it with `PgEventQueue.open`. */
export class PgEventQueue implements EventQueueStore {
  private readonly sql: ReturnType<typeof sql>;
  private readonly retention: number;

  private constructor(
    private readonly schema: PgSchema,
    options: PgEventQueueOptions,
  ) {
    this.sql = sql(schema);
    this.retention = options.failedRetention ?? 1000;
  }

  /** Brings the queue tables of `schema` (created if needed) up to date and opens the store on them. */
  static async open(schema: PgSchema, options: PgEventQueueOptions = {}): Promise<PgEventQueue> {
    await migrate(schema, EVENT_QUEUE_COMPONENT);
    return new PgEventQueue(schema, options);
  }

  async write(ops: QueueWrite[]): Promise<void> {
    if (ops.length === 0) return;
    await this.schema.transaction(async (tx) => {
      for (const op of ops) await this.apply(tx, op);
    });
  }

  async pendingEvents(): Promise<StoredEvent[]> {
    return (await this.schema.query<EventRow>(this.sql.pending)).map(toEvent);
  }

  async lastSeq(): Promise<number> {
    const [row] = await this.schema.query<{ seq: string | null }>(this.sql.lastSeq);
    return Number(row?.seq ?? 0);
  }

  async failedEvents(functionName: string, limit: number): Promise<FailedEvent[]> {
    return (await this.schema.query<{ doc: string }>(this.sql.failed, [functionName, limit])).map((r) => JSON.parse(r.doc) as FailedEvent);
  }

  async listConfigs(): Promise<EventInvokeConfig[]> {
    return (await this.schema.query<{ doc: string }>(this.sql.configs)).map((r) => JSON.parse(r.doc) as EventInvokeConfig);
  }

  /** The pool is the server's: closing a store releases nothing of it. */
  async close(): Promise<void> {}

  /** The statements of one operation, inside the write's transaction. */
  private async apply(tx: PgQueryable, op: QueueWrite): Promise<void> {
    const s = this.sql;
    switch (op.kind) {
      case 'putEvent': {
        const e = op.event;
        const meta: EventMeta = {
          ...(e.clientContext === undefined ? {} : { clientContext: e.clientContext }),
          ...(e.traceHeader === undefined ? {} : { traceHeader: e.traceHeader }),
          enqueuedAt: e.enqueuedAt,
          attempts: e.attempts,
          notBefore: e.notBefore,
          depth: e.depth,
          ...(e.lastError === undefined ? {} : { lastError: e.lastError }),
        };
        await tx.execute(s.putEvent, [e.seq, e.requestId, e.functionName, e.qualifier ?? '', e.payload, JSON.stringify(meta)]);
        return;
      }
      case 'deleteEvent':
        await tx.execute(s.deleteEvent, [op.seq]);
        return;
      case 'putFailed':
        await tx.execute(s.putFailed, [op.failed.seq, op.failed.functionName, JSON.stringify(op.failed)]);
        await tx.execute(s.trimFailed, [op.failed.functionName, this.retention - 1]);
        return;
      case 'putConfig':
        await tx.execute(s.putConfig, [op.config.functionName, op.config.qualifier, JSON.stringify(op.config)]);
        return;
      case 'deleteConfig':
        await tx.execute(s.deleteConfig, [op.functionName, op.qualifier]);
        return;
      case 'deleteFunction':
        await tx.execute(s.deleteFunctionEvents, [op.functionName]);
        await tx.execute(s.deleteFunctionFailed, [op.functionName]);
        await tx.execute(s.deleteFunctionConfigs, [op.functionName]);
        return;
      default:
        throw new Error(`Unknown queue write: ${JSON.stringify(op satisfies never)}`);
    }
  }
}
