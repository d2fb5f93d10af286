/**
 * The embedded EventQueueStore: its own SQLite file (`<dataDir>/queue.db`) in WAL mode
 * with `synchronous = FULL`, so that a `write` that returned is on disk before the Invoke
 * API answers 202. It has its own migration list (applied by the shared `migrate`): the
 * queue is the busiest writer in Gust, and in a file of its own its commits never wait
 * for, or make wait, the metadata database's. The asynchronous invocation configurations
 * live here too, next to the events they govern; with no foreign key to the functions
 * table, EventInvokeConfigService removes the configurations of deleted functions,
 * versions and aliases itself (on change events, and again when it loads).
 *
 * Callers batch many operations into one `write` (see core/group-commit.ts): one
 * transaction, one fsync, however many events it carries.
 */
import type Database from 'better-sqlite3';
import type { EventInvokeConfig } from '../../core/model/event-invoke-config.js';
import type { EventQueueStore, FailedEvent, QueueWrite, StoredEvent } from '../event-queue.js';
import { openCommitter, type Committer, type Step as CommitStep } from './committer.js';
import type { Migration } from './migrations.js';
import { openDurableDatabase } from './open-database.js';
import { eventFromColumns, eventMetaJson } from '../event-meta.js';

/** The queue's schema, oldest first. Append only. */
export const QUEUE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'asynchronous events, failed events and event invoke configurations',
    up: (db) =>
      db.exec(`
        CREATE TABLE events (
          seq           INTEGER PRIMARY KEY,
          request_id    TEXT NOT NULL,
          function_name TEXT NOT NULL,
          -- '' when the caller gave no qualifier.
          qualifier     TEXT NOT NULL,
          payload       BLOB NOT NULL,
          -- Everything else (attempts, times, client context): small, read only at start-up.
          meta          TEXT NOT NULL
        ) STRICT;
        CREATE INDEX events_by_function ON events (function_name);

        CREATE TABLE failed_events (
          seq           INTEGER PRIMARY KEY,
          function_name TEXT NOT NULL,
          doc           TEXT NOT NULL
        ) STRICT;
        CREATE INDEX failed_events_by_function ON failed_events (function_name, seq);

        CREATE TABLE event_invoke_configs (
          function_name TEXT NOT NULL,
          qualifier     TEXT NOT NULL,
          doc           TEXT NOT NULL,
          PRIMARY KEY (function_name, qualifier)
        ) STRICT;
      `),
  },
];

export interface SqliteEventQueueOptions {
  /** Failed events kept per function (default 1000); the oldest go first. */
  failedRetention?: number;
  /**
   * Commit writes on a worker thread with its own connection (default false). A commit
   * waits for an fsync; on a thread, the event loop keeps serving requests meanwhile (and
   * they join the next batch) instead of standing still. Reads stay on the calling thread.
   */
  writerThread?: boolean;
}

interface EventRow {
  seq: number;
  request_id: string;
  function_name: string;
  qualifier: string;
  payload: Buffer;
  meta: string;
}

/** Every statement a write runs, by name: prepared by whichever connection writes. */
const WRITE_SQL = {
  putEvent:
    'INSERT INTO events (seq, request_id, function_name, qualifier, payload, meta) VALUES (?, ?, ?, ?, ?, ?) ' +
    'ON CONFLICT (seq) DO UPDATE SET request_id = excluded.request_id, function_name = excluded.function_name, qualifier = excluded.qualifier, payload = excluded.payload, meta = excluded.meta',
  deleteEvent: 'DELETE FROM events WHERE seq = ?',
  putFailed: 'INSERT INTO failed_events (seq, function_name, doc) VALUES (?, ?, ?) ON CONFLICT (seq) DO UPDATE SET function_name = excluded.function_name, doc = excluded.doc',
  // Keeps the newest `retention` rows of a function: deletes those below the retention-th newest.
  trimFailed: 'DELETE FROM failed_events WHERE function_name = ? AND seq < (SELECT seq FROM failed_events WHERE function_name = ? ORDER BY seq DESC LIMIT 1 OFFSET ?)',
  putConfig: 'INSERT INTO event_invoke_configs (function_name, qualifier, doc) VALUES (?, ?, ?) ON CONFLICT (function_name, qualifier) DO UPDATE SET doc = excluded.doc',
  deleteConfig: 'DELETE FROM event_invoke_configs WHERE function_name = ? AND qualifier = ?',
  deleteFunctionEvents: 'DELETE FROM events WHERE function_name = ?',
  deleteFunctionFailed: 'DELETE FROM failed_events WHERE function_name = ?',
  deleteFunctionConfigs: 'DELETE FROM event_invoke_configs WHERE function_name = ?',
} as const;

type StepName = keyof typeof WRITE_SQL;
type Step = CommitStep<StepName>;

/** The statements that store one operation. */
function steps(op: QueueWrite, retention: number): Step[] {
  switch (op.kind) {
    case 'putEvent': {
      const e = op.event;
      return [['putEvent', [e.seq, e.requestId, e.functionName, e.qualifier ?? '', e.payload, eventMetaJson(e)]]];
    }
    case 'deleteEvent':
      return [['deleteEvent', [op.seq]]];
    case 'putFailed':
      return [
        ['putFailed', [op.failed.seq, op.failed.functionName, JSON.stringify(op.failed)]],
        ['trimFailed', [op.failed.functionName, op.failed.functionName, retention - 1]],
      ];
    case 'putConfig':
      return [['putConfig', [op.config.functionName, op.config.qualifier, JSON.stringify(op.config)]]];
    case 'deleteConfig':
      return [['deleteConfig', [op.functionName, op.qualifier]]];
    case 'deleteFunction':
      return [
        ['deleteFunctionEvents', [op.functionName]],
        ['deleteFunctionFailed', [op.functionName]],
        ['deleteFunctionConfigs', [op.functionName]],
      ];
  }
}

/** The SQLite EventQueueStore. Open it with `SqliteEventQueue.open`. */
export class SqliteEventQueue implements EventQueueStore {
  private readonly retention: number;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly db: Database.Database,
    private readonly committer: Committer<StepName>,
    options: SqliteEventQueueOptions,
  ) {
    this.retention = options.failedRetention ?? 1000;
  }

  /** Opens (creating it if needed) the database at `path`; `:memory:` for tests (no writer thread). */
  static open(path: string, options: SqliteEventQueueOptions = {}): SqliteEventQueue {
    // A 202 promises the event survives a power loss: openDurableDatabase fsyncs every commit.
    const db = openDurableDatabase(path, QUEUE_MIGRATIONS);
    try {
      const committer = openCommitter(db, path, WRITE_SQL, options.writerThread ?? false);
      return new SqliteEventQueue(db, committer, options);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  async write(ops: QueueWrite[]): Promise<void> {
    if (ops.length === 0) return;
    await this.committer.commit(ops.flatMap((op) => steps(op, this.retention)));
  }

  async pendingEvents(): Promise<StoredEvent[]> {
    const rows = this.db.prepare<[], EventRow>('SELECT seq, request_id, function_name, qualifier, payload, meta FROM events ORDER BY seq').all();
    return rows.map((row) => eventFromColumns({ seq: row.seq, requestId: row.request_id, functionName: row.function_name, qualifier: row.qualifier, payload: Buffer.from(row.payload) }, row.meta));
  }

  async lastSeq(): Promise<number> {
    const row = this.db.prepare<[], number | null>('SELECT max(m) FROM (SELECT max(seq) AS m FROM events UNION ALL SELECT max(seq) FROM failed_events)').pluck().get();
    return row ?? 0;
  }

  async failedEvents(functionName: string, limit: number): Promise<FailedEvent[]> {
    return this.db
      .prepare<[string, number], string>('SELECT doc FROM failed_events WHERE function_name = ? ORDER BY seq DESC LIMIT ?')
      .pluck()
      .all(functionName, limit)
      .map((doc) => JSON.parse(doc) as FailedEvent);
  }

  async listConfigs(): Promise<EventInvokeConfig[]> {
    return this.db
      .prepare<[], string>('SELECT doc FROM event_invoke_configs ORDER BY function_name, qualifier')
      .pluck()
      .all()
      .map((doc) => JSON.parse(doc) as EventInvokeConfig);
  }

  async close(): Promise<void> {
    this.closing ??= (async () => {
      await this.committer.close();
      if (this.db.open) this.db.close();
    })();
    return this.closing;
  }
}
