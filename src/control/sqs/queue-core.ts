/**
 * What the queue service's operations share: the live queues by name, the group commit in
 * front of the store, the message sequence, the redrive move, change listeners and the
 * retention sweep. queue-admin.ts and queue-messaging.ts hold the operations; QueueService
 * is the one door to them.
 */
import type { Partition } from '../../core/arn.js';
import type { Clock } from '../../core/clock.js';
import { GroupCommit, type GroupCommitOptions } from '../../core/group-commit.js';
import type { StoredMessage } from '../../core/model/queues.js';
import { QueueDoesNotExist, SqsServiceUnavailable } from '../../core/sqs-errors.js';
import type { QueueStore, QueueStoreWrite } from '../../store/queue-store.js';
import { LiveQueue } from './live-queue.js';
import type { SendMessageInput } from './message-input.js';
import type { SendResult } from './queue-messaging.js';
import { queueArn, queueNameOfArn } from './queue-attributes.js';

export interface QueueServiceDeps {
  store: QueueStore;
  partition: Partition;
  clock: Clock;
  groupCommit?: GroupCommitOptions;
  /** Where failures nobody waits for are reported (a receive's commit on the poller path). */
  report?: (err: unknown, context: string) => void;
  /**
   * A cluster node that does not keep the queues (another node holds the keeper lease)
   * sends through this to the node that does: destinations, rule targets and bucket
   * notifications send from every node.
   */
  elsewhere?: { send(queue: string, input: SendMessageInput): Promise<SendResult> };
}

export type QueueChange = 'created' | 'updated' | 'deleted';
export type QueueChangeListener = (queueName: string, change: QueueChange) => void;

/** How often retention and the deduplication window are swept while anything is stored. */
const SWEEP_INTERVAL_MS = 60_000;

export class QueueCore {
  readonly queues = new Map<string, LiveQueue>();
  readonly writer: GroupCommit<QueueStoreWrite>;
  readonly report: (err: unknown, context: string) => void;
  private seq = 0;
  private readonly listeners = new Set<QueueChangeListener>();
  private cancelSweep: (() => void) | undefined;
  private closed = false;
  /**
   * Whether this process keeps the queues: their messages, receipts and visibility live in
   * its memory and only it writes them. Always, but on a cluster node that does not hold
   * the keeper lease: that one knows the queues (names, attributes) and nothing else.
   */
  hosting = true;

  constructor(readonly deps: QueueServiceDeps) {
    this.writer = new GroupCommit((ops) => deps.store.write(ops), deps.groupCommit);
    this.report = deps.report ?? ((err, context) => process.emitWarning(`${context}: ${String(err)}`));
  }

  get clock(): Clock {
    return this.deps.clock;
  }

  /** Reads every queue, message and deduplication id back from the store: this process keeps the queues from now on. */
  async load(): Promise<void> {
    // Not serving while it reads: a request now gets ServiceUnavailable, not the queues half-read.
    await this.forget();
    this.hosting = false;
    const seq = await this.deps.store.lastSeq();
    const queues = new Map<string, LiveQueue>();
    for (const record of await this.deps.store.queues()) {
      const queue = new LiveQueue(record, this.deps.clock);
      for (const message of await this.deps.store.messages(record.name)) queue.add(message);
      for (const entry of await this.deps.store.deduplications(record.name)) queue.deduplication.set(entry.deduplicationId, entry);
      queues.set(record.name, queue);
    }
    this.seq = seq;
    this.replace(queues);
    this.hosting = true;
    this.ensureSweep();
  }

  /** Reads the queues alone (no message): another node keeps them, this one only knows them. Again after that node changed one. */
  async loadRecords(): Promise<void> {
    if (this.hosting) await this.forget();
    this.hosting = false;
    const queues = new Map<string, LiveQueue>();
    for (const record of await this.deps.store.queues()) queues.set(record.name, new LiveQueue(record, this.deps.clock));
    // Unless the node took the queues while this read (load() finished first).
    if (!this.hosting) this.replace(queues);
  }

  /** Ends what the queues in memory hold: long polls, the sweep, commits under way. */
  private async forget(): Promise<void> {
    this.cancelSweep?.();
    this.cancelSweep = undefined;
    for (const queue of this.queues.values()) queue.releaseWaiters();
    await this.writer.flush();
  }

  private replace(queues: Map<string, LiveQueue>): void {
    this.queues.clear();
    for (const [name, queue] of queues) this.queues.set(name, queue);
  }

  nextSeq(): number {
    return ++this.seq;
  }

  /** The live queue of that name; QueueDoesNotExist when there is none. */
  queue(name: string): LiveQueue {
    const queue = this.queues.get(name);
    if (!queue) throw new QueueDoesNotExist();
    return queue;
  }

  /** The live queue an ARN names, if it is one of Gust's. */
  queueOfArn(arn: string): LiveQueue | undefined {
    const name = queueNameOfArn(this.deps.partition, arn);
    return name === undefined ? undefined : this.queues.get(name);
  }

  arn(name: string): string {
    return queueArn(this.deps.partition, name);
  }

  /** Commits writes (in submission order, with everything else submitted in this turn). */
  submit(ops: QueueStoreWrite[]): Promise<void> {
    if (ops.length === 0) return Promise.resolve();
    if (!this.hosting) return Promise.reject(new SqsServiceUnavailable());
    this.ensureSweep();
    return this.writer.submit(ops);
  }

  /**
   * Moves messages that were received too often to `target`, the source's dead-letter
   * queue: same id, body, attributes and sent time (retention counts from the first send,
   * as on SQS), visible there at once, with the source's ARN in DeadLetterQueueSourceArn.
   */
  moveToDeadLetter(sourceName: string, target: LiveQueue, messages: StoredMessage[]): QueueStoreWrite[] {
    const writes: QueueStoreWrite[] = [];
    for (const m of messages) {
      const moved: StoredMessage = { ...m, queue: target.name, seq: this.nextSeq(), deadLetterSourceArn: this.arn(sourceName), state: { ...m.state, visibleAt: 0 } };
      writes.push({ kind: 'deleteMessage', seq: m.seq }, { kind: 'putMessage', message: { ...moved, state: { ...moved.state } } });
      target.add(moved);
    }
    return writes;
  }

  /** The dead-letter queue a queue's redrive policy names, when it exists. */
  deadLetterQueueOf(queue: LiveQueue): LiveQueue | undefined {
    const target = queue.settings.redrive?.deadLetterTargetArn;
    return target === undefined ? undefined : this.queueOfArn(target);
  }

  onChange(listener: QueueChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(name: string, change: QueueChange): void {
    for (const listener of this.listeners) {
      try {
        listener(name, change);
      } catch (err) {
        this.report(err, `queue change listener (${name} ${change})`);
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.cancelSweep?.();
    this.cancelSweep = undefined;
    for (const queue of this.queues.values()) queue.releaseWaiters();
    await this.writer.flush();
  }

  /** Sweeps retention and the deduplication window every minute, while anything is stored. */
  private ensureSweep(): void {
    if (this.cancelSweep || this.closed || !this.hosting) return;
    const busy = [...this.queues.values()].some((q) => q.size > 0 || q.deduplication.size > 0 || q.attempts.size > 0);
    if (!busy) return;
    this.cancelSweep = this.deps.clock.setTimer(() => {
      this.cancelSweep = undefined;
      this.sweep();
      this.ensureSweep();
    }, SWEEP_INTERVAL_MS);
  }

  private sweep(): void {
    const now = this.deps.clock.now();
    const writes: QueueStoreWrite[] = [];
    let forgot = false;
    for (const queue of this.queues.values()) {
      writes.push(...queue.expire());
      for (const [key, entry] of queue.deduplication) {
        if (entry.expiresAt > now) continue;
        queue.deduplication.delete(key);
        forgot = true;
      }
      for (const [id, attempt] of queue.attempts) if (attempt.expiresAt <= now) queue.attempts.delete(id);
    }
    if (forgot) writes.push({ kind: 'expireDeduplications', before: now });
    if (writes.length > 0) this.submit(writes).catch((err: unknown) => this.report(err, 'sweeping expired messages'));
  }
}
