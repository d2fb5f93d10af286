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
    parentPort.postMessage({ id: m.id, error: String((err && err.message) || err), code: err && err.code });
  }
});
`;

function threadCommitter<Name extends string>(path: string, sql: Record<Name, string>): Committer<Name> {
  const worker = new Worker(WRITER_THREAD, { eval: true, workerData: { path, driver: createRequire(import.meta.url).resolve('better-sqlite3'), sql, pragmas: DURABLE_PRAGMAS } });
  const waiting = new Map<number, Deferred<void>>();
  const closed = new Deferred<void>();
  let next = 0;
  let failure: Error | undefined;
  worker.on('message', (m: { id?: number; error?: string; code?: string; closed?: boolean }) => {
    if (m.closed) {
      void worker.terminate().then(() => closed.resolve());
      return;
    }
    const d = waiting.get(m.id!);
    waiting.delete(m.id!);
    if (m.error === undefined) d?.resolve();
    // The code (SQLITE_FULL, …) says what happened: a full disk is answered as such.
    else d?.reject(Object.assign(new Error(m.error), m.code === undefined ? {} : { code: m.code }));
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

/**
 * The committer of the store whose connection is `db` (opened on `path`): a writer thread
 * when asked for and the database is a file, else the connection itself (`:memory:` has no
 * second connection to give a thread).
 */
export function openCommitter<Name extends string>(db: Database.Database, path: string, sql: Record<Name, string>, writerThread: boolean): Committer<Name> {
  return writerThread && path !== ':memory:' ? threadCommitter(path, sql) : inlineCommitter(db, sql);
}
