/**
 * Group commit: writes submitted while a commit is being prepared or is in progress join
 * one batch, and the batch is stored in ONE atomic `write` (one transaction, one fsync)
 * however many operations it carries. Generic over the operation type: the async queue
 * and the SQS queue service each commit their own store's operations through one. A batch starts committing at the next turn of the event
 * loop (`setImmediate`: every request whose bytes are already here joins it) or at once
 * when it holds `maxBatch` operations; while a commit is in progress (on the store's writer
 * thread) the next batch keeps growing and starts the moment the commit ends. Every
 * submitter's promise settles when its batch is durable, so the Invoke API answers 202
 * only after the commit, and durability costs one fsync per batch rather than one per write.
 *
 * One batch commits at a time, in submission order: a write submitted after another is
 * never durable before it. The async queue relies on that to commit a destination's event
 * before deleting the event it came from.
 */
import { Deferred } from './primitives.js';

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

interface Batch<Op> {
  ops: Op[];
  done: Deferred<void>;
}

export class GroupCommit<Op> {
  private readonly maxBatch: number;
  private readonly nextTurn: (fn: () => void) => void;
  private pending: Batch<Op> | undefined;
  private scheduled = false;
  /** The commit in progress, if any. */
  private committing: Promise<void> | undefined;
  private readonly counters: GroupCommitStats = { batches: 0, operations: 0, largestBatch: 0 };

  constructor(
    private readonly write: (ops: Op[]) => Promise<void>,
    options: GroupCommitOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 1000;
    this.nextTurn = options.nextTurn ?? ((fn) => setImmediate(fn));
  }

  /** Adds `ops` to the current batch; resolves once they are durable, rejects if the batch failed. */
  submit(ops: Op[]): Promise<void> {
    const batch = (this.pending ??= { ops: [], done: new Deferred<void>() });
    batch.ops.push(...ops);
    if (batch.ops.length >= this.maxBatch) this.kick();
    else if (!this.scheduled) {
      this.scheduled = true;
      this.nextTurn(() => {
        this.scheduled = false;
        this.kick();
      });
    }
    return batch.done.promise;
  }

  /** Commits what is pending now and resolves when everything submitted so far is settled. */
  async flush(): Promise<void> {
    this.kick();
    while (this.committing) await this.committing;
  }

  stats(): GroupCommitStats {
    return { ...this.counters };
  }

  /** Starts committing the pending batch, unless a commit is in progress (it takes the batch when it ends). */
  private kick(): void {
    if (this.committing || !this.pending) return;
    const batch = this.pending;
    this.pending = undefined;
    this.committing = this.commit(batch).finally(() => {
      this.committing = undefined;
      this.kick();
    });
  }

  private async commit(batch: Batch<Op>): Promise<void> {
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
