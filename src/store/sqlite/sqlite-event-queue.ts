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
 * Callers batch many operations into one `write` (see invoke/async/group-commit.ts): one
 * transaction, one fsync, however many events it carries.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { Deferred } from '../../core/primitives.js';
import type { EventInvokeConfig } from '../../core/model/event-invoke-config.js';
import type { EventQueueStore, FailedEvent, QueueWrite, StoredEvent } from '../event-queue.js';
import type { Migration } from './migrations.js';
import { DURABLE_PRAGMAS, openDurableDatabase } from './open-database.js';

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

/** The columns of `meta`. */
interface EventMeta {
  clientContext?: string;
  enqueuedAt: number;
  attempts: number;
  notBefore: number;
  depth: number;
  lastError?: string;
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
/** One statement of a write, with its parameters. */
type Step = [StepName, unknown[]];

/** The statements that store one operation. */
function steps(op: QueueWrite, retention: number): Step[] {
  switch (op.kind) {
    case 'putEvent': {
      const e = op.event;
      const meta: EventMeta = {
        ...(e.clientContext === undefined ? {} : { clientContext: e.clientContext }),
        enqueuedAt: e.enqueuedAt,
        attempts: e.attempts,
        notBefore: e.notBefore,
        depth: e.depth,
        ...(e.lastError === undefined ? {} : { lastError: e.lastError }),
      };
      return [['putEvent', [e.seq, e.requestId, e.functionName, e.qualifier ?? '', e.payload, JSON.stringify(meta)]]];
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

/** Runs a write's statements in one transaction, on some connection. */
interface Committer {
  commit(batch: Step[]): Promise<void>;
  close(): Promise<void>;
}

/** Commits on the calling thread's connection. */
function inlineCommitter(db: Database.Database): Committer {
  const prepared = Object.fromEntries(Object.entries(WRITE_SQL).map(([name, sql]) => [name, db.prepare(sql)])) as Record<StepName, Database.Statement>;
  // better-sqlite3's transaction wrapper rolls back when a statement throws.
  const run = db.transaction((batch: Step[]) => {
    for (const [name, args] of batch) prepared[name].run(...args);
  });
  return {
    async commit(batch) {
      run.immediate(batch);
    },
    async close() {},
  };
}

/**
 * The writer thread: its own connection, the same statements, one transaction per
 * message. Plain JavaScript evaluated in the worker, so that it runs the same from src/
 * (under vitest) and from dist/; Buffers arrive as Uint8Arrays and are rewrapped.
 */
const WRITER_THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
for (const pragma of workerData.pragmas) db.pragma(pragma);
const prepared = {};
for (const [name, sql] of Object.entries(workerData.sql)) prepared[name] = db.prepare(sql);
const bytes = (a) => (a instanceof Uint8Array && !Buffer.isBuffer(a) ? Buffer.from(a.buffer, a.byteOffset, a.byteLength) : a);
const run = db.transaction((batch) => {
  for (const [name, args] of batch) prepared[name].run(...args.map(bytes));
});
parentPort.on('message', (m) => {
  if (m.close) {
    db.close();
    parentPort.postMessage({ closed: true });
    return;
  }
  try {
    run.immediate(m.batch);
    parentPort.postMessage({ id: m.id });
  } catch (err) {
    parentPort.postMessage({ id: m.id, error: String((err && err.message) || err) });
  }
});
`;

function threadCommitter(path: string): Committer {
  const worker = new Worker(WRITER_THREAD, { eval: true, workerData: { path, driver: createRequire(import.meta.url).resolve('better-sqlite3'), sql: WRITE_SQL, pragmas: DURABLE_PRAGMAS } });
  const waiting = new Map<number, Deferred<void>>();
  const closed = new Deferred<void>();
  let next = 0;
  let failure: Error | undefined;
  worker.on('message', (m: { id?: number; error?: string; closed?: boolean }) => {
    if (m.closed) {
      void worker.terminate().then(() => closed.resolve());
      return;
    }
    const d = waiting.get(m.id!);
    waiting.delete(m.id!);
    if (m.error === undefined) d?.resolve();
    else d?.reject(new Error(m.error));
  });
  // The thread died (it could not open the database, say): every write fails from now on.
  worker.on('error', (err) => {
    failure = err;
    for (const d of waiting.values()) d.reject(err);
    waiting.clear();
    closed.resolve();
  });
  worker.on('exit', () => closed.resolve());
  return {
    commit(batch) {
      if (failure) return Promise.reject(failure);
      const id = next++;
      const d = new Deferred<void>();
      waiting.set(id, d);
      worker.postMessage({ id, batch });
      return d.promise;
    },
    async close() {
      if (!failure) worker.postMessage({ close: true });
      await closed.promise;
    },
  };
}

/** The SQLite EventQueueStore. Open it with `SqliteEventQueue.open`. */
export class SqliteEventQueue implements EventQueueStore {
  private readonly retention: number;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly db: Database.Database,
    private readonly committer: Committer,
    options: SqliteEventQueueOptions,
  ) {
    this.retention = options.failedRetention ?? 1000;
  }

  /** Opens (creating it if needed) the database at `path`; `:memory:` for tests (no writer thread). */
  static open(path: string, options: SqliteEventQueueOptions = {}): SqliteEventQueue {
    // A 202 promises the event survives a power loss: openDurableDatabase fsyncs every commit.
    const db = openDurableDatabase(path, QUEUE_MIGRATIONS);
    try {
      const committer = options.writerThread && path !== ':memory:' ? threadCommitter(path) : inlineCommitter(db);
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
    return rows.map((row) => {
      const meta = JSON.parse(row.meta) as EventMeta;
      return {
        seq: row.seq,
        requestId: row.request_id,
        functionName: row.function_name,
        ...(row.qualifier === '' ? {} : { qualifier: row.qualifier }),
        payload: Buffer.from(row.payload),
        ...(meta.clientContext === undefined ? {} : { clientContext: meta.clientContext }),
        enqueuedAt: meta.enqueuedAt,
        attempts: meta.attempts,
        notBefore: meta.notBefore,
        depth: meta.depth,
        ...(meta.lastError === undefined ? {} : { lastError: meta.lastError }),
      };
    });
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
