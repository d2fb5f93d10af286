/**
 * How a durable SQLite store commits a batch of writes: a list of named statements with
 * their parameters, run in ONE transaction (one fsync) either on the calling thread's
 * connection or on a writer thread with a connection of its own. On a thread, the event
 * loop keeps serving requests while the commit waits for its fsync (and those requests
 * join the next batch, see core/group-commit.ts) instead of standing still. Each store
 * names its statements once (`sql`); the batch refers to them by name, so that the same
 * batch runs on either connection. Reads stay on the calling thread.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { Deferred } from '../../core/primitives.js';
import { DURABLE_PRAGMAS } from './open-database.js';

/** One statement of a batch: its name in the store's `sql` table, and its parameters. */
export type Step<Name extends string = string> = [Name, unknown[]];

/** Runs a batch's statements in one transaction, on some connection. */
export interface Committer<Name extends string = string> {
  commit(batch: Step<Name>[]): Promise<void>;
  close(): Promise<void>;
}

/** Commits on the calling thread's connection. */
function inlineCommitter<Name extends string>(db: Database.Database, sql: Record<Name, string>): Committer<Name> {
  const prepared = Object.fromEntries(Object.entries(sql).map(([name, text]) => [name, db.prepare(text as string)])) as Record<Name, Database.Statement>;
  // better-sqlite3's transaction wrapper rolls back when a statement throws.
  const run = db.transaction((batch: Step<Name>[]) => {
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
 * A writer thread: a connection of its own per store it serves, the same statements, one
 * transaction per message. Plain JavaScript evaluated in the worker, so that it runs the
 * same from src/ (under vitest) and from dist/; Buffers arrive as Uint8Arrays and are
 * rewrapped.
 */
const WRITER_THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const stores = new Map();
const bytes = (a) => (a instanceof Uint8Array && !Buffer.isBuffer(a) ? Buffer.from(a.buffer, a.byteOffset, a.byteLength) : a);
const failure = (err) => ({ error: String((err && err.message) || err), code: err && err.code });
function open({ path, pragmas, sql }) {
  const db = new Database(path);
  for (const pragma of pragmas) db.pragma(pragma);
  const prepared = {};
  for (const [name, text] of Object.entries(sql)) prepared[name] = db.prepare(text);
  const run = db.transaction((batch) => {
    for (const [name, args] of batch) prepared[name].run(...args.map(bytes));
  });
  return { db, run };
}
parentPort.on('message', (m) => {
  if (m.open) {
    try {
      stores.set(m.store, open(m.open));
    } catch (err) {
      stores.set(m.store, { failed: failure(err) });
    }
    return;
  }
  const store = stores.get(m.store);
  if (m.close) {
    if (store && store.db) store.db.close();
    stores.delete(m.store);
    parentPort.postMessage({ store: m.store, closed: true });
    return;
  }
  if (store.failed) {
    parentPort.postMessage({ store: m.store, id: m.id, ...store.failed });
    return;
  }
  try {
    store.run.immediate(m.batch);
    parentPort.postMessage({ store: m.store, id: m.id });
  } catch (err) {
    parentPort.postMessage({ store: m.store, id: m.id, ...failure(err) });
  }
});
`;

interface WriterMessage {
  store: number;
  id?: number;
  error?: string;
  code?: string;
  closed?: boolean;
}

/**
 * The process's writer threads, shared by every store that asks for one: each account
 * space has two such stores (queue.db, sqs.db), and a thread per store cost about 9 MB and
 * a thread each. Stores are dealt round-robin, so a server with one account keeps a thread
 * per store as before; a thread ends when its last store closes.
 */
const THREADS = 2;
const threads: ({ worker: Worker; stores: Map<number, (m: WriterMessage) => void> } | undefined)[] = new Array(THREADS).fill(undefined);
let dealt = 0;
let nextStore = 0;

function writerThread(): { worker: Worker; stores: Map<number, (m: WriterMessage) => void> } {
  const slot = dealt++ % THREADS;
  let thread = threads[slot];
  if (!thread) {
    const worker = new Worker(WRITER_THREAD, { eval: true, workerData: { driver: createRequire(import.meta.url).resolve('better-sqlite3') } });
    const stores = new Map<number, (m: WriterMessage) => void>();
    const created = { worker, stores };
    worker.on('message', (m: WriterMessage) => stores.get(m.store)?.(m));
    // The thread died: every write of its stores fails from now on.
    worker.on('error', (err) => {
      if (threads[slot] === created) threads[slot] = undefined;
      for (const handle of stores.values()) handle({ store: -1, error: err.message });
    });
    threads[slot] = thread = created;
  }
  return thread;
}

function threadCommitter<Name extends string>(path: string, sql: Record<Name, string>): Committer<Name> {
  const thread = writerThread();
  const store = nextStore++;
  const waiting = new Map<number, Deferred<void>>();
  const closed = new Deferred<void>();
  let next = 0;
  let failure: Error | undefined;
  thread.stores.set(store, (m) => {
    if (m.closed) {
      thread.stores.delete(store);
      if (thread.stores.size === 0 && threads.includes(thread)) {
        threads[threads.indexOf(thread)] = undefined;
        void thread.worker.terminate().then(() => closed.resolve());
      } else closed.resolve();
      return;
    }
    if (m.id === undefined) {
      failure = new Error(m.error);
      for (const d of waiting.values()) d.reject(failure);
      waiting.clear();
      closed.resolve();
      return;
    }
    const d = waiting.get(m.id);
    waiting.delete(m.id);
    if (m.error === undefined) d?.resolve();
    // The code (SQLITE_FULL, …) says what happened: a full disk is answered as such.
    else d?.reject(Object.assign(new Error(m.error), m.code === undefined ? {} : { code: m.code }));
  });
  thread.worker.postMessage({ store, open: { path, sql, pragmas: DURABLE_PRAGMAS } });
  return {
    commit(batch) {
      if (failure) return Promise.reject(failure);
      const id = next++;
      const d = new Deferred<void>();
      waiting.set(id, d);
      thread.worker.postMessage({ store, id, batch });
      return d.promise;
    },
    async close() {
      if (!failure) thread.worker.postMessage({ store, close: true });
      await closed.promise;
    },
  };
}

/**
 * The committer of the store whose connection is `db` (opened on `path`): a writer thread
 * when asked for and the database is a file, else the connection itself (`:memory:` has no
 * second connection to give a thread).
 */
export function openCommitter<Name extends string>(db: Database.Database, path: string, sql: Record<Name, string>, writerThread: boolean): Committer<Name> {
  return writerThread && path !== ':memory:' ? threadCommitter(path, sql) : inlineCommitter(db, sql);
}
