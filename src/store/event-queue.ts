/**
 * The EventQueueStore keeps everything asynchronous invocation must not lose: the queued
 * events themselves (committed before the Invoke API answers 202, deleted only once their
 * outcome is recorded), the failed events kept for `gust events`, and the per-qualifier
 * asynchronous invocation configurations (PutFunctionEventInvokeConfig). Every
 * implementation must pass `runEventQueueContract` in event-queue.contract.ts.
 *
 * Rules every implementation keeps:
 * - `write` is atomic: all of its operations are stored, in order, or none are (the
 *   promise rejects). The async queue leans on this to delete an event in the same
 *   transaction that records its failure, and on the order of successive `write`s to
 *   commit a destination's event before the event it came from is deleted.
 * - A `write` that resolved is durable: it survives a crash of the process and of the
 *   machine (the SQLite store runs with `synchronous = FULL`).
 * - Reads return copies.
 * - Putting an event or a configuration that exists replaces it; deleting something that
 *   is not stored is a no-op.
 * - Failed events are kept up to a retention per function; the oldest go first.
 */
import type { EventInvokeConfig } from '../core/model/event-invoke-config.js';

/** One asynchronous invocation waiting for (or in the middle of) delivery. */
export interface StoredEvent {
  /** Arrival order, unique across the store; assigned by the queue, never reused while stored. */
  seq: number;
  /** The request id the 202 answered with; every delivery of the event carries it. */
  requestId: string;
  functionName: string;
  /** `$LATEST`, a version or an alias; undefined when the caller gave none. */
  qualifier?: string;
  payload: Buffer;
  /** The caller's trace header, which every delivery continues. */
  traceHeader?: string;
  /** When the event was accepted (ms since the epoch): its age counts from here. */
  enqueuedAt: number;
  /** Invocations of the function so far (AWS's approximateInvokeCount). */
  attempts: number;
  /** Not to be delivered before this time (ms since the epoch); 0 when due at once. */
  notBefore: number;
  /** How many destination hops led to this event (0 for a client's invoke); stops loops. */
  depth: number;
  /** The last failure, for `gust events`: `ErrorType: message`. */
  lastError?: string;
}

/**
 * A put of an event under a seq that another event (another request id) holds: the server
 * of another node numbered it first (cluster mode, one database). Nothing of the write is
 * stored; the queue numbers the event again, after what the store holds.
 */
export class EventNumberTakenError extends Error {
  constructor(readonly seqs: readonly number[]) {
    super(`Async event numbers ${seqs.join(', ')} are taken by other events.`);
    this.name = 'EventNumberTakenError';
  }
}

/** Why an event left the queue without success. AWS's `requestContext.condition` values. */
export type FailureCondition = 'RetriesExhausted' | 'EventAgeExceeded';

/** An event that failed for good, as `gust events` shows it. */
export interface FailedEvent {
  seq: number;
  requestId: string;
  functionName: string;
  qualifier?: string;
  condition: FailureCondition | 'Dropped';
  attempts: number;
  enqueuedAt: number;
  failedAt: number;
  /** The last function error or the reason for dropping it. */
  error?: string;
  /** Where the failure went: OnFailure destination and dead-letter target ARNs. */
  sentTo: string[];
  /** The first bytes of the event, as text. */
  payloadPreview: string;
}

/** One operation of an atomic `write`. */
export type QueueWrite =
  /** `lease`: the event stays leased to that node (cluster mode, EventLeases); stores without leases ignore it. */
  | { kind: 'putEvent'; event: StoredEvent; lease?: EventLease }
  | { kind: 'deleteEvent'; seq: number }
  | { kind: 'putFailed'; failed: FailedEvent }
  | { kind: 'putConfig'; config: EventInvokeConfig }
  | { kind: 'deleteConfig'; functionName: string; qualifier: string }
  /** Removes a deleted function's events, failed events and configurations. */
  | { kind: 'deleteFunction'; functionName: string };

/** A node's hold on an event it delivers: nobody else leases it for `ms` from the write. */
export interface EventLease {
  owner: string;
  ms: number;
}

/**
 * What a store shared by several nodes adds so that each event is delivered by one node at
 * a time (cluster mode): numbers unique across nodes and leases that expire. Lease times
 * are the store's clock, one for every node. A lease ends when its event is deleted, when
 * its owner releases it, or when it expires; a rewrite carrying a `lease` keeps it.
 */
export interface EventLeases {
  /** `count` new seqs, unique across every node sharing the store. */
  nextSeqs(count: number): Promise<number[]>;
  /** Leases to `owner` for `ms` up to `limit` due events no live lease holds, in `seq` order. */
  lease(owner: string, limit: number, ms: number): Promise<StoredEvent[]>;
  /** Extends `owner`'s live leases of `seqs` by `ms` from now; returns the seqs it still held. */
  renew(owner: string, seqs: number[], ms: number): Promise<number[]>;
  /** Gives `owner`'s leases of `seqs` back, so that other nodes take the events at once. */
  release(owner: string, seqs: number[]): Promise<void>;
}

export interface EventQueueStore {
  /** Stores the operations in order, all or none; durable once the promise resolves. */
  write(ops: QueueWrite[]): Promise<void>;
  /** Every stored event, in `seq` order (arrival order). */
  pendingEvents(): Promise<StoredEvent[]>;
  /** The highest `seq` of any stored event or failed event; 0 when there is none. */
  lastSeq(): Promise<number>;
  /** A function's failed events, newest first, at most `limit`. */
  failedEvents(functionName: string, limit: number): Promise<FailedEvent[]>;
  /** Every configuration, ordered by function name, then qualifier. */
  listConfigs(): Promise<EventInvokeConfig[]>;
  close(): Promise<void>;
}
