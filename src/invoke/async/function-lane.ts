/**
 * One function's part of the async queue, in memory: its ready events in arrival order
 * (`seq`), the ones in flight (leased to an invocation) and the ones waiting out a retry
 * delay. The queue dispatches from the head of `ready`, so a function's events start in
 * the order they arrived, while up to its concurrency run side by side. The store holds
 * the same events durably; the lane is the index that lets dispatch touch no disk.
 */
import type { StoredEvent } from '../../store/event-queue.js';
import type { StateMachine } from '../../core/state-machine.js';
import type { EventState } from './event-state.js';
import type { LastResponse } from './invocation-record.js';

/** An event as the queue tracks it: the stored fields plus what only matters while it lives. */
export interface AsyncEvent extends StoredEvent {
  readonly lifecycle: StateMachine<EventState>;
  /** Consecutive throttles or platform errors, for the exponential backoff. */
  failuresInARow: number;
  /** Cancels the timer of a `retrying` event. */
  cancelTimer?: () => void;
  /** The last invocation's answer, for the invocation record. */
  lastResponse?: LastResponse;
}

/** The fields the store keeps of an event. */
export function toStored(e: AsyncEvent): StoredEvent {
  return {
    seq: e.seq,
    requestId: e.requestId,
    functionName: e.functionName,
    ...(e.qualifier === undefined ? {} : { qualifier: e.qualifier }),
    payload: e.payload,
    ...(e.traceHeader === undefined ? {} : { traceHeader: e.traceHeader }),
    enqueuedAt: e.enqueuedAt,
    attempts: e.attempts,
    notBefore: e.notBefore,
    depth: e.depth,
    ...(e.lastError === undefined ? {} : { lastError: e.lastError }),
  };
}

export class FunctionLane {
  /** Ready events, ascending `seq`. */
  readonly ready: AsyncEvent[] = [];
  readonly inFlight = new Set<AsyncEvent>();
  readonly retrying = new Set<AsyncEvent>();
  /** Done events whose outcome (record, dead letter, removal from the store) is not yet committed. */
  readonly finishing = new Set<AsyncEvent>();
  /** Set while the lane waits out a throttle backoff; cancels its timer. */
  cancelBlock: (() => void) | undefined;
  /** When the lane's backoff ends (ms since the epoch), while blocked. */
  blockedUntil = 0;
  /** Consecutive backoffs, for the exponential wait. */
  blocks = 0;

  constructor(readonly functionName: string) {}

  /** Inserts by `seq`: a retried event goes back in front of later arrivals. */
  insertReady(event: AsyncEvent): void {
    const r = this.ready;
    if (r.length === 0 || r[r.length - 1]!.seq < event.seq) {
      r.push(event);
      return;
    }
    let lo = 0;
    let hi = r.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (r[mid]!.seq < event.seq) lo = mid + 1;
      else hi = mid;
    }
    r.splice(lo, 0, event);
  }

  /** Every event of the lane, whatever its state. */
  all(): AsyncEvent[] {
    return [...this.ready, ...this.inFlight, ...this.retrying];
  }

  isEmpty(): boolean {
    return this.ready.length === 0 && this.inFlight.size === 0 && this.retrying.size === 0 && this.finishing.size === 0;
  }

  /** The oldest event's enqueue time, or undefined when the lane is empty. */
  oldestEnqueuedAt(): number | undefined {
    let oldest: number | undefined;
    for (const e of this.all()) if (oldest === undefined || e.enqueuedAt < oldest) oldest = e.enqueuedAt;
    return oldest;
  }
}
