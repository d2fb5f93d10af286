/**
 * EventLeasing: the async queue's share of a cluster's events. Each event is delivered by
 * one node at a time under a lease in the shared store: the node that accepts an event
 * leases it in the insert, renews every lease it holds a third of the way through, and
 * polls for due events whose lease expired or was released (a dead or leaving node's).
 * A node killed with SIGKILL leaves its events to the others within one lease and one poll
 * (`takeoverBoundMs`).
 */
import type { Clock } from '../../core/clock.js';
import type { EventLease, EventLeases, StoredEvent } from '../../store/event-queue.js';

/** Events one poll leases at most: enough to keep a node busy until the next poll. */
const POLL_LIMIT = 200;
/** Numbers taken from the store at once: one round trip per this many accepted events, not one per event. */
const SEQ_BLOCK = 64;

export interface EventLeasingOptions {
  store: EventLeases;
  /** This node's id, the owner of its leases. */
  owner: string;
  /** How long a lease lasts without a renewal (default 12 s). */
  leaseMs?: number;
  /** How often the node looks for events nobody holds (default 1 s). */
  pollMs?: number;
  clock: Clock;
  /** The seqs of the events the queue holds (queued, in flight, retrying, finishing). */
  held(): number[];
  /** Events leased by a poll, for the queue to deliver. */
  adopt(events: StoredEvent[]): void;
  /** Held events whose lease another node took over after it expired: this node lets them go. */
  lost(seqs: number[]): void;
  report(err: unknown, context: string): void;
}

export class EventLeasing {
  readonly lease: EventLease;
  private readonly pollMs: number;
  private cancelPoll: (() => void) | undefined;
  private cancelRenew: (() => void) | undefined;
  private stopped = false;
  private pollingStopped = false;
  private readonly seqs: number[] = [];
  private refill: Promise<void> | undefined;

  constructor(private readonly options: EventLeasingOptions) {
    this.lease = { owner: options.owner, ms: options.leaseMs ?? 12_000 };
    this.pollMs = options.pollMs ?? 1_000;
  }

  /** The longest an expired or released event waits for another node: a lease, then a poll. */
  get takeoverBoundMs(): number {
    return this.lease.ms + this.pollMs;
  }

  /**
   * A new seq for an accepted event, unique across the cluster, from a block this node took
   * ahead (several nodes' numbers interleave, as their arrivals do; a block left at a stop
   * is a gap, which nothing counts on).
   */
  async nextSeq(): Promise<number> {
    while (this.seqs.length === 0) {
      this.refill ??= this.options.store
        .nextSeqs(SEQ_BLOCK)
        .then((seqs) => void this.seqs.push(...seqs.sort((a, b) => a - b)))
        .finally(() => (this.refill = undefined));
      await this.refill;
    }
    return this.seqs.shift()!;
  }

  /** Leases what is due now, then polls and renews on the clock. */
  async start(): Promise<void> {
    await this.poll();
    this.schedulePoll();
    this.scheduleRenew();
  }

  /** Takes no more events (a drain); what it holds stays renewed. */
  stopPolling(): void {
    this.pollingStopped = true;
    this.cancelPoll?.();
  }

  /** Gives back the leases of `seqs` now, for others to take at their next poll. */
  async release(seqs: number[]): Promise<void> {
    if (seqs.length > 0) await this.options.store.release(this.lease.owner, seqs);
  }

  /** Stops polling and renewing, and gives back the leases of `seqs` so others take them at once. */
  async stop(seqs: number[]): Promise<void> {
    this.stopped = true;
    this.cancelPoll?.();
    this.cancelRenew?.();
    if (seqs.length > 0) await this.options.store.release(this.lease.owner, seqs);
  }

  private async poll(): Promise<void> {
    if (this.pollingStopped) return;
    const events = await this.options.store.lease(this.lease.owner, POLL_LIMIT, this.lease.ms);
    if (events.length === 0) return;
    // Leased while a drain began: back at once, not when the lease runs out.
    if (this.stopped || this.pollingStopped) await this.release(events.map((e) => e.seq));
    else this.options.adopt(events);
  }

  private async renew(): Promise<void> {
    const seqs = this.options.held();
    if (seqs.length === 0) return;
    const kept = new Set(await this.options.store.renew(this.lease.owner, seqs, this.lease.ms));
    const lost = seqs.filter((seq) => !kept.has(seq));
    if (lost.length > 0 && !this.stopped) this.options.lost(lost);
  }

  private schedulePoll(): void {
    this.cancelPoll = this.after(this.pollMs, () => this.poll(), 'leasing due events', () => this.schedulePoll());
  }

  /** Renewals a third of the way through a lease: two may fail before it runs out. */
  private scheduleRenew(): void {
    this.cancelRenew = this.after(this.lease.ms / 3, () => this.renew(), 'renewing leases', () => this.scheduleRenew());
  }

  /** Runs `work` after `ms`, then `again` unless stopped; a failure is reported, not thrown (a timer has nobody to catch it). */
  private after(ms: number, work: () => Promise<void>, what: string, again: () => void): () => void {
    return this.options.clock.setTimer(() => {
      work()
        .catch((err: unknown) => this.options.report(err, `async queue: ${what}`))
        .finally(() => {
          if (!this.stopped) again();
        });
    }, ms);
  }
}
