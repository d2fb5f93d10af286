/**
 * Group commit: writes submitted while a commit is being prepared join one batch, and the
 * batch is stored in ONE atomic `write` (one transaction, one fsync) however many events
 * it carries. A batch is cut at the next turn of the event loop (`setImmediate`, after the
 * I/O callbacks that are ready: every request that arrived meanwhile joins) or as soon as
 * it holds `maxBatch` operations. Every submitter's promise settles when its batch is
 * durable, so the Invoke API answers 202 only after the commit, and durability costs one
 * fsync per batch rather than one per event.
 *
 * Batches commit one after another, in submission order: a write submitted after another
 * is never durable before it. The async queue relies on that to commit a destination's
 * event before deleting the event it came from.
 */
import { Deferred } from '../../core/primitives.js';
import type { QueueWrite } from '../../store/event-queue.js';

export interface GroupCommitOptions {
  /** Operations per batch before it is cut without waiting for the next turn (default 1000). */
  maxBatch?: number;
  /** Runs `fn` at the next turn of the event loop (default `setImmediate`); injectable for tests. */
  nextTurn?: (fn: () => void) => void;
}

export interface GroupCommitStats {
  batches: number;
  operations: number;
  largestBatch: number;
}

interface Batch {
  ops: QueueWrite[];
  done: Deferred<void>;
}

export class GroupCommit {
  private readonly maxBatch: number;
  private readonly nextTurn: (fn: () => void) => void;
  private pending: Batch | undefined;
  /** The last batch handed to `write`; the next one waits for it. */
  private chain: Promise<void> = Promise.resolve();
  private readonly counters: GroupCommitStats = { batches: 0, operations: 0, largestBatch: 0 };

  constructor(
    private readonly write: (ops: QueueWrite[]) => Promise<void>,
    options: GroupCommitOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 1000;
    this.nextTurn = options.nextTurn ?? ((fn) => setImmediate(fn));
  }

  /** Adds `ops` to the current batch; resolves once they are durable, rejects if the batch failed. */
  submit(ops: QueueWrite[]): Promise<void> {
    let batch = this.pending;
    if (!batch) {
      const fresh: Batch = { ops: [], done: new Deferred<void>() };
      batch = this.pending = fresh;
      this.nextTurn(() => this.cut(fresh));
    }
    batch.ops.push(...ops);
    const promise = batch.done.promise;
    if (batch.ops.length >= this.maxBatch) this.cut(batch);
    return promise;
  }

  /** Commits what is pending now and resolves when every batch submitted so far is settled. */
  async flush(): Promise<void> {
    if (this.pending) this.cut(this.pending);
    await this.chain;
  }

  stats(): GroupCommitStats {
    return { ...this.counters };
  }

  private cut(batch: Batch): void {
    if (this.pending !== batch) return;
    this.pending = undefined;
    this.chain = this.chain.then(() => this.commit(batch));
  }

  private async commit(batch: Batch): Promise<void> {
    try {
      await this.write(batch.ops);
      this.counters.batches++;
      this.counters.operations += batch.ops.length;
      this.counters.largestBatch = Math.max(this.counters.largestBatch, batch.ops.length);
      batch.done.resolve();
    } catch (err) {
      batch.done.reject(err);
    }
  }
}
