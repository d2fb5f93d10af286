/**
 * The EventQueueStore on PostgreSQL, in the account's schema: the tables of queue.db, a
 * `write` being one transaction (committed, with `synchronous_commit` on, before the Invoke
 * API answers 202). Payloads are `bytea`, so they come back byte for byte.
 *
 * Beyond the contract, it hands events to several nodes (EventLeases: `nextSeqs`, `lease`,
 * `renew`, `release`), which the async queue uses in cluster mode: `seq` comes from a database sequence
 * instead of one process's counter, and a node leases the due events it delivers with
 * `FOR UPDATE SKIP LOCKED` (nodes leasing at once take disjoint events without waiting for
 * each other). A put carrying a lease (the accepting node's, or a retry's new state written
 * by the node delivering it) holds the event for that node; one without ends the lease. A
 * lease ends when its event is deleted, when its node releases it (leaving on SIGTERM), or when it expires: then another node
 * takes the event over, which is how a dead node's events are delivered again (at least
 * once, as on AWS). Lease times are the database's clock, one clock for every node, so a
 * node whose clock runs ahead cannot take over a lease early.
 */
import type { EventInvokeConfig } from '../../core/model/event-invoke-config.js';
import { EventNumberTakenError, type EventLeases, type EventLease, type EventQueueStore, type FailedEvent, type QueueWrite, type StoredEvent } from '../event-queue.js';
import { migrate, type PgComponent } from './pg-migrations.js';
import type { PgQueryable, PgSchema } from './pg-schema.js';
import { isRunOf, lastByKey, runsOfOneKind } from './write-runs.js';
import { eventFromColumns, eventMetaJson } from '../event-meta.js';

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
          meta          text NOT NULL,
          -- meta's notBefore, where a lease's query can see it.
          not_before    bigint NOT NULL,
          -- The node delivering the event, until when (ms of the database's clock); 0 when none.
          lease_owner   text,
          lease_until   bigint NOT NULL DEFAULT 0
        );
        CREATE INDEX events_by_function ON ${s.table('events')} (function_name);
        CREATE SEQUENCE ${s.table('event_seqs')};
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
    {
      version: 2,
      description: 'the due events of a lease poll found by index',
      // An event is due when both times passed. Without the index every poll reads past every
      // event the nodes hold (45 ms a poll with 100,000 held, against 0.4 ms with it).
      up: (s) => `CREATE INDEX events_due ON ${s.table('events')} ((greatest(not_before, lease_until)));`,
    },
  ],
};

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
    // Each put sets the lease it carries (none: NULL, 0), counted from the database's clock.
    putEvents: `INSERT INTO ${events} (seq, request_id, function_name, qualifier, payload, meta, not_before, lease_owner, lease_until)
      SELECT u.seq, u.request_id, u.function_name, u.qualifier, u.payload, u.meta, u.not_before, u.owner,
        CASE WHEN u.owner IS NULL THEN 0 ELSE (extract(epoch FROM clock_timestamp()) * 1000)::bigint + u.lease_ms END
      FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::bytea[], $6::text[], $7::bigint[], $8::text[], $9::bigint[])
        AS u(seq, request_id, function_name, qualifier, payload, meta, not_before, owner, lease_ms)
      ON CONFLICT (seq) DO UPDATE SET request_id = excluded.request_id, function_name = excluded.function_name, qualifier = excluded.qualifier,
        payload = excluded.payload, meta = excluded.meta, not_before = excluded.not_before, lease_owner = excluded.lease_owner, lease_until = excluded.lease_until
      WHERE ${events}.request_id = excluded.request_id
      RETURNING seq`,
    deleteEvents: `DELETE FROM ${events} WHERE seq = ANY ($1::bigint[])`,
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
    nextSeqs: `SELECT nextval('${s.table('event_seqs')}') AS seq FROM generate_series(1, $1)`,
    lease: `WITH now AS (SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS ms),
      due AS (
        -- statement_timestamp, not the CTE's clock: a stable value the index can be searched with.
        SELECT ev.seq FROM ${events} AS ev WHERE greatest(ev.not_before, ev.lease_until) <= (extract(epoch FROM statement_timestamp()) * 1000)::bigint
        ORDER BY ev.seq LIMIT $2 FOR UPDATE OF ev SKIP LOCKED
      )
      UPDATE ${events} AS e SET lease_owner = $1, lease_until = now.ms + $3 FROM due, now WHERE e.seq = due.seq
      RETURNING e.seq, e.request_id, e.function_name, e.qualifier, e.payload, e.meta`,
    renew: `UPDATE ${events} SET lease_until = (extract(epoch FROM clock_timestamp()) * 1000)::bigint + $3
      WHERE seq = ANY ($2::bigint[]) AND lease_owner = $1 AND lease_until > (extract(epoch FROM clock_timestamp()) * 1000)::bigint RETURNING seq`,
    release: `UPDATE ${events} SET lease_owner = NULL, lease_until = 0 WHERE seq = ANY ($2::bigint[]) AND lease_owner = $1`,
  };
}

function toEvent(row: EventRow): StoredEvent {
  // bigint comes back as a string; seqs count events, far below 2^53.
  return eventFromColumns({ seq: Number(row.seq), requestId: row.request_id, functionName: row.function_name, qualifier: row.qualifier, payload: row.payload }, row.meta);
}

/** The PostgreSQL EventQueueStore. Open it with `PgEventQueue.open`. */
export class PgEventQueue implements EventQueueStore, EventLeases {
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
      for (const run of runsOfOneKind(ops)) {
        if (isRunOf(run, 'putEvent')) await this.putEvents(tx, run);
        else if (isRunOf(run, 'deleteEvent')) await tx.execute(this.sql.deleteEvents, [run.map((op) => op.seq)]);
        else for (const op of run) await this.apply(tx, op);
      }
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

  /** `count` new seqs, unique across every node sharing the schema. */
  async nextSeqs(count: number): Promise<number[]> {
    return (await this.schema.query<{ seq: string }>(this.sql.nextSeqs, [count])).map((r) => Number(r.seq));
  }

  /**
   * Leases to `owner` for `leaseMs` up to `limit` due events that no live lease holds, in
   * `seq` order; events another node is leasing at this moment are skipped, not waited for.
   */
  async lease(owner: string, limit: number, leaseMs: number): Promise<StoredEvent[]> {
    const rows = await this.schema.query<EventRow>(this.sql.lease, [owner, limit, leaseMs]);
    return rows.map(toEvent).sort((a, b) => a.seq - b.seq);
  }

  /** Extends `owner`'s live leases of `seqs` by `leaseMs` from now; returns the seqs it still held (an expired lease may have been taken over). */
  async renew(owner: string, seqs: number[], leaseMs: number): Promise<number[]> {
    return (await this.schema.query<{ seq: string }>(this.sql.renew, [owner, seqs, leaseMs])).map((r) => Number(r.seq)).sort((a, b) => a - b);
  }

  /** Gives `owner`'s leases of `seqs` back, so that other nodes take the events at once. */
  async release(owner: string, seqs: number[]): Promise<void> {
    await this.schema.execute(this.sql.release, [owner, seqs]);
  }

  /** The pool is the server's: closing a store releases nothing of it. */
  async close(): Promise<void> {}

  /** A run of events in one statement; a later put of a seq replaces an earlier one. */
  private async putEvents(tx: PgQueryable, all: Array<{ event: StoredEvent; lease?: EventLease }>): Promise<void> {
    const puts = lastByKey(all, (p) => p.event.seq);
    const events = puts.map((p) => p.event);
    // A seq held by another event is not overwritten (its row is not returned): another
    // node numbered it first, and the whole write fails rather than lose that event.
    const written = await tx.query<{ seq: string }>(this.sql.putEvents, [
      events.map((e) => e.seq),
      events.map((e) => e.requestId),
      events.map((e) => e.functionName),
      events.map((e) => e.qualifier ?? ''),
      events.map((e) => e.payload),
      events.map(eventMetaJson),
      events.map((e) => e.notBefore),
      puts.map((p) => p.lease?.owner ?? null),
      puts.map((p) => p.lease?.ms ?? 0),
    ]);
    if (written.length < events.length) {
      const stored = new Set(written.map((r) => Number(r.seq)));
      throw new EventNumberTakenError(events.map((e) => e.seq).filter((seq) => !stored.has(seq)));
    }
  }

  /** The statements of one operation, inside the write's transaction. */
  private async apply(tx: PgQueryable, op: QueueWrite): Promise<void> {
    const s = this.sql;
    switch (op.kind) {
      case 'putEvent':
        await this.putEvents(tx, [op]);
        return;
      case 'deleteEvent':
        await tx.execute(s.deleteEvents, [[op.seq]]);
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
