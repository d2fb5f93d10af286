/**
 * The QueueStore keeps everything the SQS-compatible queue service must not lose: queues
 * (attributes and tags), their messages with where each is in its life (delayed, in
 * flight, visible again), and the FIFO deduplication ids still inside their five-minute
 * window. The queue service keeps the working set in memory and writes every change here
 * before it answers; at start-up it reads it all back. Every implementation must pass
 * `runQueueStoreContract` in queue-store.contract.ts.
 *
 * Rules every implementation keeps:
 * - `write` is atomic: all of its operations are stored, in order, or none are (the promise
 *   rejects). The queue service leans on this to move a message to its dead-letter queue
 *   (delete here, put there) in one step.
 * - A `write` that resolved is durable: it survives a crash of the process and of the
 *   machine (the SQLite store runs with `synchronous = FULL`).
 * - Reads return copies.
 * - Putting a queue that exists replaces it. A message is put once: putting a `seq` that is
 *   stored fails the write. Changing the state of, or deleting, a message that is not
 *   stored is a no-op, as is deleting a queue that is not stored.
 * - Deleting a queue deletes its messages and deduplication ids.
 */
import type { DeduplicationEntry, MessageState, QueueRecord, StoredMessage } from '../core/model/queues.js';

/** One operation of an atomic `write`. */
export type QueueStoreWrite =
  | { kind: 'putQueue'; queue: QueueRecord }
  | { kind: 'deleteQueue'; name: string }
  | { kind: 'putMessage'; message: StoredMessage }
  /** A receive, a visibility change or a return to the queue: only the state moves. */
  | { kind: 'setMessageState'; seq: number; state: MessageState }
  | { kind: 'deleteMessage'; seq: number }
  /** PurgeQueue: every message of the queue up to `throughSeq` (those sent before the purge). */
  | { kind: 'purgeQueue'; name: string; throughSeq: number }
  | { kind: 'putDeduplication'; entry: DeduplicationEntry }
  /** Forgets the deduplication ids whose window ended before `before` (ms since the epoch). */
  | { kind: 'expireDeduplications'; before: number };

export interface QueueStore {
  /** Stores the operations in order, all or none; durable once the promise resolves. */
  write(ops: QueueStoreWrite[]): Promise<void>;
  /** Every queue, ordered by name. */
  queues(): Promise<QueueRecord[]>;
  /** A queue's messages in `seq` order (arrival order). */
  messages(queue: string): Promise<StoredMessage[]>;
  /** A queue's deduplication ids, expired or not. */
  deduplications(queue: string): Promise<DeduplicationEntry[]>;
  /** The highest `seq` of any stored message; 0 when there is none. */
  lastSeq(): Promise<number>;
  close(): Promise<void>;
}
