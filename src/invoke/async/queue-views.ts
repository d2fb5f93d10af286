/**
 * What `gust events` and `GET /gust/events` show of the async queue: each event's state,
 * and gauges (depth, in flight, retrying, oldest event age) beside the counters.
 */
import type { FailedEvent } from '../../store/event-queue.js';
import type { AsyncCounters } from './async-metrics.js';
import type { EventState } from './event-state.js';
import type { AsyncEvent, FunctionLane } from './function-lane.js';
import type { GroupCommitStats } from '../../core/group-commit.js';

/** A queued event as `gust events` shows it. */
export interface AsyncEventView {
  requestId: string;
  qualifier?: string;
  state: Exclude<EventState, 'done'>;
  attempts: number;
  enqueuedAt: number;
  /** When a retrying event is tried again. */
  nextAttemptAt?: number;
  lastError?: string;
}

/** Gauges and counters of one function's part of the queue (or of all of them). */
export interface AsyncStats {
  queued: number;
  inFlight: number;
  retrying: number;
  /** Done, their outcome still being delivered and committed: still in the store. */
  finishing: number;
  /** Age of the oldest event still in the queue, in ms; 0 when empty. */
  oldestEventAgeMs: number;
  counters: AsyncCounters;
}

export interface AsyncFunctionReport extends AsyncStats {
  functionName: string;
  events: AsyncEventView[];
  failed: FailedEvent[];
}

/** The totals over every function. */
export interface AsyncTotals extends AsyncStats {
  /** Functions with events or counters since the server started. */
  functions: string[];
  /** Batch sizes of the queue's commits. */
  groupCommit: GroupCommitStats;
}

export function viewOf(e: AsyncEvent): AsyncEventView {
  return {
    requestId: e.requestId,
    ...(e.qualifier === undefined ? {} : { qualifier: e.qualifier }),
    state: e.lifecycle.state as AsyncEventView['state'],
    attempts: e.attempts,
    enqueuedAt: e.enqueuedAt,
    ...(e.lifecycle.state === 'retrying' ? { nextAttemptAt: e.notBefore } : {}),
    ...(e.lastError === undefined ? {} : { lastError: e.lastError }),
  };
}

/** Gauges over some lanes, with the given counters. */
export function statsOf(lanes: FunctionLane[], counters: AsyncCounters, now: number): AsyncStats {
  let queued = 0;
  let inFlight = 0;
  let retrying = 0;
  let finishing = 0;
  let oldest: number | undefined;
  for (const lane of lanes) {
    queued += lane.ready.length;
    inFlight += lane.inFlight.size;
    retrying += lane.retrying.size;
    finishing += lane.finishing.size;
    const o = lane.oldestEnqueuedAt();
    if (o !== undefined && (oldest === undefined || o < oldest)) oldest = o;
  }
  return { queued, inFlight, retrying, finishing, oldestEventAgeMs: oldest === undefined ? 0 : Math.max(0, now - oldest), counters };
}
