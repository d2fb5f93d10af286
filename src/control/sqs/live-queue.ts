/**
 * One queue in memory: its messages and where each is (delayed, visible, in flight), the
 * order receives take them in, and who is waiting for them. Every mutation is one
 * synchronous method that changes memory and returns the store writes that record it;
 * the queue service commits those before it answers. No I/O and no timers of its own
 * besides the one that wakes long polls when a delayed or in-flight message becomes
 * visible (armed only while someone waits).
 *
 * Standard queues hand out visible messages in arrival order, best effort: a message that
 * becomes visible again goes to the back. FIFO queues keep each message group in arrival
 * order and lock a group while any of its messages is in flight; receives take whole runs
 * of a group's messages, group after group, as SQS does.
 * Messages become visible lazily (`promote`) on every read, so an idle queue costs nothing.
 */
import type { Clock } from '../../core/clock.js';
import { MinHeap } from '../../core/min-heap.js';
import type { DeduplicationEntry, QueueRecord, StoredMessage } from '../../core/model/queues.js';
import type { QueueStoreWrite } from '../../store/queue-store.js';
import { FifoGroups } from './fifo-groups.js';
import { settingsOf, type QueueSettings } from './queue-attributes.js';

type Status = 'visible' | 'delayed' | 'inflight';

/** A message of a live queue. */
export interface LiveMessage {
  message: StoredMessage;
  status: Status;
  /** When it was last received; unknown for messages loaded after a restart. */
  receivedAt?: number;
}

/** Someone waiting for messages (a long poll, a poller). */
export interface Waiter {
  /** Messages may be available: take them. True when the waiter got what it waited for and leaves. */
  wake(): boolean;
}

export interface TakeOptions {
  max: number;
  visibilityTimeoutSeconds: number;
  /** Stop before a message that would bring the bodies taken over this many bytes (one is always taken). */
  maxBytes?: number;
  /** Whether messages over the redrive policy's maxReceiveCount go to its dead-letter queue (it exists). */
  redrive: boolean;
}

export interface TakeResult {
  taken: LiveMessage[];
  /** Messages to move to the dead-letter queue (already removed here). */
  redriven: StoredMessage[];
  writes: QueueStoreWrite[];
}

export interface QueueCounts {
  visible: number;
  inFlight: number;
  delayed: number;
}

export class LiveQueue {
  record: QueueRecord;
  settings: QueueSettings;
  /** FIFO deduplication ids by key (`<group>\n<id>` when deduplication is per group). */
  readonly deduplication = new Map<string, DeduplicationEntry>();
  /** FIFO ReceiveRequestAttemptIds: what a retried receive answers again. */
  readonly attempts = new Map<string, { expiresAt: number; seqs: number[] }>();
  lastPurgeAt = -Infinity;

  private readonly messages = new Map<number, LiveMessage>();
  /** Standard queues: visible messages, in the order they became visible. */
  private readonly ready = new Set<number>();
  /** FIFO queues: the message groups, in order, and which may be taken from. */
  private readonly groups = new FifoGroups((seq) => this.messages.get(seq)?.status === 'visible');
  /** Delayed and in-flight messages by the time they become visible (stale entries are skipped). */
  private readonly pending = new MinHeap<number>();
  private readonly counts: QueueCounts = { visible: 0, inFlight: 0, delayed: 0 };
  private readonly waiters: Waiter[] = [];
  private wakeAt: number | undefined;
  private cancelWake: (() => void) | undefined;
  private notifying = false;
  /** Set during `take`: waiters are not woken from inside it (they would take re-entrantly). */
  private taking = false;

  constructor(
    record: QueueRecord,
    private readonly clock: Clock,
  ) {
    this.record = record;
    this.settings = settingsOf(record.attributes);
  }

  get name(): string {
    return this.record.name;
  }

  get fifo(): boolean {
    return this.record.fifo;
  }

  /** Takes new attributes (SetQueueAttributes). */
  update(record: QueueRecord): void {
    this.record = record;
    this.settings = settingsOf(record.attributes);
  }

  /** Adds a message (sent, moved here from another queue, or loaded at start-up). */
  add(message: StoredMessage, receivedAt?: number): void {
    const now = this.clock.now();
    const visible = message.state.visibleAt <= now;
    const live: LiveMessage = { message, status: visible ? 'visible' : message.state.receiveCount > 0 ? 'inflight' : 'delayed', ...(receivedAt === undefined ? {} : { receivedAt }) };
    this.messages.set(message.seq, live);
    this.counts[live.status === 'inflight' ? 'inFlight' : live.status]++;
    if (this.fifo) this.groups.add(message.groupId ?? '', message.seq, live.status === 'inflight');
    else if (visible) this.ready.add(message.seq);
    if (!visible) this.pending.push(message.state.visibleAt, message.seq);
    this.changed();
  }

  get(seq: number): LiveMessage | undefined {
    return this.messages.get(seq);
  }

  /** Removes a message; false when it was not here. */
  remove(seq: number): boolean {
    const live = this.messages.get(seq);
    if (!live) return false;
    this.messages.delete(seq);
    this.counts[live.status === 'inflight' ? 'inFlight' : live.status]--;
    if (this.fifo) this.groups.remove(live.message.groupId ?? '', seq, live.status === 'inflight');
    else this.ready.delete(seq);
    this.changed();
    return true;
  }

  /** Takes up to `max` visible messages: received, in flight for the visibility timeout. */
  take(options: TakeOptions): TakeResult {
    this.taking = true;
    try {
      return this.takeNow(options);
    } finally {
      this.taking = false;
    }
  }

  private takeNow(options: TakeOptions): TakeResult {
    const now = this.clock.now();
    this.promote(now);
    const result: TakeResult = { taken: [], redriven: [], writes: [] };
    let bytes = 0;
    // Each candidate: expired messages are dropped, over-received ones redriven, the rest taken.
    const consider = (seq: number): 'taken' | 'skipped' | 'full' => {
      const live = this.messages.get(seq)!;
      const m = live.message;
      if (m.sentAt + this.settings.retentionSeconds * 1000 <= now) {
        this.remove(seq);
        result.writes.push({ kind: 'deleteMessage', seq });
        return 'skipped';
      }
      const redrive = this.settings.redrive;
      if (options.redrive && redrive && m.state.receiveCount >= redrive.maxReceiveCount) {
        this.remove(seq);
        result.redriven.push(m);
        return 'skipped';
      }
      const size = Buffer.byteLength(m.body, 'utf8');
      if (options.maxBytes !== undefined && result.taken.length > 0 && bytes + size > options.maxBytes) return 'full';
      bytes += size;
      this.receive(live, now, options.visibilityTimeoutSeconds);
      result.taken.push(live);
      result.writes.push({ kind: 'setMessageState', seq, state: { ...m.state } });
      return result.taken.length >= options.max ? 'full' : 'taken';
    };
    if (this.fifo) {
      for (const group of this.groups.ready) {
        this.groups.ready.delete(group);
        let outcome: 'taken' | 'skipped' | 'full' = 'skipped';
        for (const seq of this.groups.messages(group)) {
          if (this.messages.get(seq)!.status !== 'visible') break;
          outcome = consider(seq);
          if (outcome === 'full') break;
        }
        if (this.groups.has(group)) this.groups.refresh(group);
        if (outcome === 'full') break;
      }
    } else {
      for (const seq of this.ready) if (consider(seq) === 'full') break;
    }
    return result;
  }

  /** Makes an in-flight message visible after `seconds` (0: at once). */
  changeVisibility(seq: number, seconds: number): QueueStoreWrite {
    const live = this.messages.get(seq)!;
    const at = this.clock.now() + seconds * 1000;
    live.message.state.visibleAt = at;
    if (seconds === 0) this.makeVisible(live);
    else this.pending.push(at, seq);
    this.changed();
    return { kind: 'setMessageState', seq, state: { ...live.message.state } };
  }

  /** Removes every message up to `throughSeq` (PurgeQueue). */
  purge(throughSeq: number): void {
    for (const seq of [...this.messages.keys()]) if (seq <= throughSeq) this.remove(seq);
  }

  /** Messages that left by retention since the last sweep, removed; the writes that record it. */
  expire(): QueueStoreWrite[] {
    const cutoff = this.clock.now() - this.settings.retentionSeconds * 1000;
    const writes: QueueStoreWrite[] = [];
    for (const [seq, live] of this.messages) {
      if (live.message.sentAt > cutoff) continue;
      this.remove(seq);
      writes.push({ kind: 'deleteMessage', seq });
    }
    return writes;
  }

  countsNow(): QueueCounts {
    this.promote(this.clock.now());
    return { ...this.counts };
  }

  get size(): number {
    return this.messages.size;
  }

  /** Whether a receive now would find something (FIFO: in a group that is not locked). */
  hasAvailable(): boolean {
    this.promote(this.clock.now());
    return this.fifo ? this.groups.ready.size > 0 : this.ready.size > 0;
  }

  /** Adds a waiter behind the others, or ahead of them (`first`: a poller filling a batch it has begun). */
  addWaiter(waiter: Waiter, first = false): void {
    if (first) this.waiters.unshift(waiter);
    else this.waiters.push(waiter);
    this.armWake();
  }

  removeWaiter(waiter: Waiter): void {
    const i = this.waiters.indexOf(waiter);
    if (i >= 0) this.waiters.splice(i, 1);
    if (this.waiters.length === 0) this.disarmWake();
  }

  /** Lets every waiter go (the queue is being deleted), each waking to find nothing. */
  releaseWaiters(): void {
    for (const waiter of this.waiters.splice(0)) waiter.wake();
    this.disarmWake();
  }

  /** Wakes waiters, oldest first, while messages are available. */
  notify(): void {
    if (this.notifying) return;
    this.notifying = true;
    try {
      while (this.waiters.length > 0 && this.hasAvailable()) {
        const first = this.waiters[0]!;
        if (!first.wake() && this.waiters[0] === first) break;
      }
    } finally {
      this.notifying = false;
    }
    this.armWake();
  }

  private receive(live: LiveMessage, now: number, visibilitySeconds: number): void {
    const state = live.message.state;
    state.receiveCount++;
    state.firstReceiveAt ??= now;
    state.visibleAt = now + visibilitySeconds * 1000;
    live.receivedAt = now;
    this.setStatus(live, 'inflight');
    if (this.fifo) this.groups.received(live.message.groupId ?? '');
    else this.ready.delete(live.message.seq);
    // Even a zero timeout goes through `pending`: made visible here, the message would be
    // met again by the receive iterating over the visible ones.
    this.pending.push(state.visibleAt, live.message.seq);
  }

  private makeVisible(live: LiveMessage): void {
    if (live.status === 'visible') return;
    const wasInFlight = live.status === 'inflight';
    this.setStatus(live, 'visible');
    if (this.fifo) {
      const group = live.message.groupId ?? '';
      if (wasInFlight) this.groups.returned(group);
      this.groups.refresh(group);
    } else this.ready.add(live.message.seq);
  }

  private setStatus(live: LiveMessage, status: Status): void {
    this.counts[live.status === 'inflight' ? 'inFlight' : live.status]--;
    live.status = status;
    this.counts[status === 'inflight' ? 'inFlight' : status]++;
  }

  private isStale(at: number, seq: number): boolean {
    const live = this.messages.get(seq);
    return !live || live.status === 'visible' || live.message.state.visibleAt !== at;
  }

  /** Makes visible every delayed or in-flight message whose time has come. */
  private promote(now: number): void {
    for (let at = this.pending.peekKey(); at !== undefined && at <= now; at = this.pending.peekKey()) {
      const { value: seq } = this.pending.pop()!;
      if (!this.isStale(at, seq)) this.makeVisible(this.messages.get(seq)!);
    }
  }

  private changed(): void {
    if (this.waiters.length > 0 && !this.taking) this.notify();
  }

  /** While someone waits, one timer at the next time a message becomes visible. */
  private armWake(): void {
    if (this.waiters.length === 0) return this.disarmWake();
    for (let at = this.pending.peekKey(); at !== undefined && this.isStale(at, this.pending.peekValue()!); at = this.pending.peekKey()) this.pending.pop();
    const at = this.pending.peekKey();
    if (at === undefined) return this.disarmWake();
    if (this.wakeAt !== undefined && this.wakeAt <= at) return;
    this.disarmWake();
    this.wakeAt = at;
    this.cancelWake = this.clock.setTimer(() => {
      this.wakeAt = undefined;
      this.cancelWake = undefined;
      this.notify();
    }, at - this.clock.now());
  }

  private disarmWake(): void {
    this.cancelWake?.();
    this.cancelWake = undefined;
    this.wakeAt = undefined;
  }
}
