/**
 * AsyncQueue: asynchronous (`Event`) invocation, durable. `enqueue` commits the event to
 * the EventQueueStore (group commit: one transaction for every event that arrived in the
 * same turn of the event loop) and resolves only then, so the 202 means "on disk". Workers
 * then take each function's events in arrival order and invoke them through the same
 * synchronous path as everyone else (InvokeService, with the event's own request id on
 * every delivery), up to the function's concurrency, and apply AWS's rules:
 * - function errors are retried MaximumRetryAttempts times, after retryBase × attempt;
 * - throttles and platform errors are retried with exponential backoff until the event is
 *   older than MaximumEventAgeInSeconds; waiting for concurrency is not an error;
 * - reserved concurrency 0 sends new events straight to failure, without retries;
 * - at the end, an invocation record goes to the OnSuccess/OnFailure destination, the event
 *   itself to the version's dead-letter target, and a failure is kept for `gust events`.
 * An event leaves the store only after its outcome is recorded (its destination's event
 * committed first), so after a crash every unfinished event is delivered again at start-up
 * (at-least-once, as on AWS). On one node, an in-flight event's lease is the life of this
 * process: the store keeps the event until the outcome, and a new process starts with every
 * stored event available again. In a cluster (`leasing`), the queue holds only the events it
 * leased in the shared store (event-leasing.ts): the ones it accepted and the ones it took
 * over; a retry's new state keeps the lease, so the node that retries delivers its own retry
 * on its armed timer. Capacity and concurrency stay per node. All waits run on the injected Clock.
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html
 */
import { functionArn, parseFunctionName, resolveQualifier, type Partition } from '../../core/arn.js';
import type { Clock } from '../../core/clock.js';
import { ResourceNotFoundException, ServiceException, TooManyRequestsException } from '../../core/errors.js';
import { newRequestId } from '../../core/ids.js';
import type { AsyncSettings } from '../../control/event-invoke-config-service.js';
import type { FunctionService } from '../../control/function-service.js';
import { EventNumberTakenError, type EventQueueStore, type QueueWrite, type StoredEvent } from '../../store/event-queue.js';
import type { LogStore } from '../../store/log-store.js';
import type { InvokeRequest, InvokeResult } from '../invoke-types.js';
import { AsyncMetrics } from './async-metrics.js';
import type { Capacity } from './capacity.js';
import type { DestinationRouter } from './destinations.js';
import { eventLifecycle } from './event-state.js';
import { EventLeasing, type EventLeasingOptions } from './event-leasing.js';
import { FunctionLane, toStored, type AsyncEvent } from './function-lane.js';
import { GroupCommit, type GroupCommitOptions } from '../../core/group-commit.js';
import type { RecordCondition } from './invocation-record.js';
import { Outcomes, describeError, describeFunctionError, failedRecord } from './outcomes.js';
import { statsOf, viewOf, type AsyncFunctionReport, type AsyncStats, type AsyncTotals } from './queue-views.js';
import { expiresAt, functionErrorDelay, isExpired, throttleDelay, type RetryTimings } from './retry-policy.js';

/** Tries to number an accepted event when other servers on the same database take its numbers first. */
const RENUMBER_ATTEMPTS = 5;

export { MAX_DESTINATION_DEPTH } from './outcomes.js';
export type { AsyncEventView, AsyncFunctionReport, AsyncStats, AsyncTotals } from './queue-views.js';

export interface AsyncQueueDeps {
  store: EventQueueStore;
  /** The synchronous invoke path (InvokeService.invoke). */
  invoke: (request: InvokeRequest) => Promise<InvokeResult>;
  functions: FunctionService;
  /** The event invoke configuration that applies to an event's function and qualifier. */
  settings: { settingsFor(functionName: string, qualifier: string | undefined): AsyncSettings };
  capacity: Capacity;
  destinations: DestinationRouter;
  partition: Partition;
  clock: Clock;
  timings: RetryTimings;
  /** Most invocations the queue runs at once for one function (reserved concurrency may lower it). */
  maxConcurrencyPerFunction: number;
  groupCommit?: GroupCommitOptions;
  /**
   * The function logs: every batch that records an attempt (an outcome, a retry's new
   * state, a failure) waits until the log lines written so far are on disk, so an event's
   * logs are never lost while its outcome is kept.
   */
  logs?: Pick<LogStore, 'sync'>;
  /** Where unexpected failures are reported (platform errors, failed deliveries). */
  report?: (err: unknown, context: string) => void;
  /** Cluster mode: deliver only the events this node leases in the shared store. */
  leasing?: Pick<EventLeasingOptions, 'store' | 'owner' | 'leaseMs' | 'pollMs'>;
}

type QueueState = 'created' | 'running' | 'draining' | 'stopping' | 'stopped';

/** Whether a write follows an attempt, whose log lines must be durable first (a new event's does not). */
function recordsAnAttempt(op: QueueWrite): boolean {
  return op.kind === 'deleteEvent' || op.kind === 'putFailed' || (op.kind === 'putEvent' && op.event.attempts > 0);
}

/** What the queue needs to accept an event, whoever sends it. */
interface Arrival {
  requestId: string;
  functionName: string;
  qualifier?: string;
  payload: Buffer;
  traceHeader?: string;
  depth: number;
}

export class AsyncQueue {
  readonly metrics = new AsyncMetrics();
  private state: QueueState = 'created';
  private readonly lanes = new Map<string, FunctionLane>();
  /** Lanes waiting for one of the queue's own invocations to end (then capacity may be free). */
  private readonly starved = new Set<FunctionLane>();
  private readonly writer: GroupCommit<QueueWrite>;
  private readonly outcomes: Outcomes;
  /** Finalisations under way (deliveries, outcome writes); `stop` waits for them. */
  private readonly work = new Set<Promise<void>>();
  /** Invocations in flight, for a drain to wait for. */
  private readonly attempts = new Set<Promise<void>>();
  private readonly report: (err: unknown, context: string) => void;
  private readonly unsubscribe: () => void;
  private readonly leasing: EventLeasing | undefined;
  private seq = 0;
  /** The queue's invocations in flight, over every function. */
  private running = 0;

  constructor(private readonly deps: AsyncQueueDeps) {
    this.writer = new GroupCommit(async (ops) => {
      if (deps.logs && ops.some(recordsAnAttempt)) await deps.logs.sync();
      await deps.store.write(ops);
    }, deps.groupCommit);
    this.report = deps.report ?? ((err, context) => process.emitWarning(`${context}: ${String(err)}`));
    this.outcomes = new Outcomes({ ...deps, metrics: this.metrics, writer: this.writer, report: this.report, running: () => this.state === 'running' || this.state === 'draining' });
    this.leasing = deps.leasing
      ? new EventLeasing({
          ...deps.leasing,
          clock: deps.clock,
          report: this.report,
          held: () => this.heldSeqs(),
          adopt: (events) => void this.adopt(events).catch((err: unknown) => this.report(err, 'async queue: taking over events')),
          lost: (seqs) => this.letGo(new Set(seqs)),
        })
      : undefined;
    this.unsubscribe = deps.functions.onChange((name, change) => {
      if (change.kind === 'deleted') this.purge(name);
      else if (change.kind === 'concurrency' || change.kind === 'code' || change.kind === 'configuration') {
        const lane = this.lanes.get(name);
        if (lane) this.pump(lane);
      }
    });
  }

  /**
   * Loads the stored events (everything a previous process accepted and did not finish)
   * and starts delivering. Call once, after FunctionService.load.
   */
  async start(): Promise<void> {
    if (this.state !== 'created') throw new Error(`The async queue cannot start: it is ${this.state}`);
    if (this.leasing) {
      // Other live nodes hold their events: this node takes only what nobody leases.
      this.state = 'running';
      await this.leasing.start();
      return;
    }
    this.seq = await this.deps.store.lastSeq();
    await this.adopt(await this.deps.store.pendingEvents());
    this.state = 'running';
    for (const lane of this.lanes.values()) this.pump(lane);
  }

  /** Puts stored events in their lanes (those of deleted functions leave the store); a running queue delivers them. */
  private async adopt(events: StoredEvent[]): Promise<void> {
    const orphans: QueueWrite[] = [];
    const now = this.deps.clock.now();
    const known = this.leasing ? new Set(this.heldSeqs()) : undefined;
    const touched = new Set<FunctionLane>();
    // Another node's event may name a function this node has not heard of yet (a note still
    // on its way, or lost): the database says whether it is an orphan.
    if (this.leasing) {
      const unheard = new Set(events.filter((e) => !this.deps.functions.getFunctionSync(e.functionName)).map((e) => e.functionName));
      for (const name of unheard) {
        await this.deps.functions.refresh(name, undefined);
        if (this.deps.functions.getFunctionSync(name)) await this.deps.functions.refresh(name, { kind: 'created' });
      }
    }
    for (const stored of events) {
      if (known?.has(stored.seq)) continue;
      if (!this.deps.functions.getFunctionSync(stored.functionName)) {
        orphans.push({ kind: 'deleteEvent', seq: stored.seq });
        continue;
      }
      const waiting = stored.notBefore > now;
      const event: AsyncEvent = { ...stored, lifecycle: eventLifecycle(waiting ? 'retrying' : 'queued'), failuresInARow: 0 };
      const lane = this.lane(stored.functionName);
      touched.add(lane);
      if (waiting) {
        lane.retrying.add(event);
        this.armRetry(lane, event, stored.notBefore);
      } else lane.insertReady(event);
    }
    if (orphans.length > 0) await this.writer.submit(orphans);
    for (const lane of touched) this.pump(lane);
  }

  /** The seqs of every event this queue holds, finishing ones included (their lease must outlive the outcome's write). */
  private heldSeqs(): number[] {
    const seqs: number[] = [];
    for (const lane of this.lanes.values()) {
      for (const e of lane.all()) seqs.push(e.seq);
      for (const e of lane.finishing) seqs.push(e.seq);
    }
    return seqs;
  }

  /** Another node took these events over (this node's leases expired): stop holding those not in flight. */
  private letGo(seqs: Set<number>): void {
    for (const lane of this.lanes.values()) {
      for (const event of [...lane.ready, ...lane.retrying]) {
        if (!seqs.has(event.seq)) continue;
        event.cancelTimer?.();
        event.lifecycle.transition('done');
        lane.retrying.delete(event);
        const at = lane.ready.indexOf(event);
        if (at >= 0) lane.ready.splice(at, 1);
      }
    }
  }

  /**
   * Accepts an Event invocation that InvokeService has validated. Resolves once the event
   * is durable; the caller answers 202 then. Its ClientContext is not kept: Lambda passes
   * one to the function for synchronous invocations only.
   */
  async enqueue(request: InvokeRequest & { requestId: string }): Promise<void> {
    const ref = parseFunctionName(request.functionName, this.deps.partition);
    const qualifier = resolveQualifier(ref, request.qualifier);
    await this.accept({
      requestId: request.requestId,
      functionName: ref.name,
      ...(qualifier === undefined ? {} : { qualifier }),
      payload: request.payload,
      ...(request.traceHeader === undefined ? {} : { traceHeader: request.traceHeader }),
      depth: 0,
    });
  }

  /** A destination's or dead-letter target's event: a new asynchronous invocation of `functionName`. */
  async handOver(request: { functionName: string; qualifier?: string; payload: Buffer; depth: number }): Promise<void> {
    if (!this.deps.functions.resolveSync(request.functionName, request.qualifier)) {
      throw new ResourceNotFoundException(`Function not found: ${functionArn(this.deps.partition, request.functionName, request.qualifier)}`);
    }
    await this.accept({ requestId: newRequestId(), ...request });
  }

  /**
   * The first step of a stop that lets invocations in flight finish: no new attempt starts;
   * with leasing, the events not in flight go back to the other nodes at once (they would
   * otherwise wait for this node's stop). Resolves once no invocation is in flight and their
   * outcomes are written; `stop` follows, whether or not the caller waited for that.
   */
  async drain(): Promise<void> {
    if (this.state !== 'running') return;
    this.state = 'draining';
    if (this.leasing) {
      this.leasing.stopPolling();
      const waiting = new Set([...this.lanes.values()].flatMap((lane) => [...lane.ready, ...lane.retrying].map((e) => e.seq)));
      this.letGo(waiting);
      await this.leasing.release([...waiting]);
    }
    await Promise.allSettled([...this.attempts]);
    await Promise.allSettled([...this.work]);
  }

  /**
   * Stops delivering: no new attempts, pending timers cancelled, outcomes already decided
   * written. Invocations still running are abandoned (their events stay stored and are
   * delivered again by the next start). Call before the pool stops its environments.
   */
  async stop(): Promise<void> {
    if (this.state === 'stopping' || this.state === 'stopped') return;
    this.state = 'stopping';
    this.unsubscribe();
    for (const lane of this.lanes.values()) {
      lane.cancelBlock?.();
      lane.cancelBlock = undefined;
      for (const e of lane.retrying) e.cancelTimer?.();
    }
    await Promise.allSettled([...this.work]);
    await this.writer.flush();
    // Others take what this node held at once, instead of after its leases expire.
    await this.leasing?.stop(this.heldSeqs());
    this.state = 'stopped';
  }

  /** Gauges and counters of one function. */
  functionStats(functionName: string): AsyncStats {
    const lane = this.lanes.get(functionName);
    return statsOf(lane ? [lane] : [], this.metrics.counters(functionName), this.deps.clock.now());
  }

  /** Gauges and counters over every function, and the group commit's batch sizes. */
  totalStats(): AsyncTotals {
    const names = new Set([...this.lanes.keys(), ...this.metrics.functionNames()]);
    return { ...statsOf([...this.lanes.values()], this.metrics.totals(), this.deps.clock.now()), functions: [...names].sort(), groupCommit: this.writer.stats() };
  }

  /** One function's events (in flight, queued, retrying; at most `limit`) and its latest failures. */
  async describe(functionName: string, limit = 100): Promise<AsyncFunctionReport> {
    const lane = this.lanes.get(functionName);
    const events = lane ? [...lane.inFlight, ...lane.ready, ...lane.retrying] : [];
    return {
      functionName,
      ...this.functionStats(functionName),
      events: events.slice(0, limit).map(viewOf),
      failed: await this.deps.store.failedEvents(functionName, limit),
    };
  }

  // Accepting.

  private async accept(arrival: Arrival): Promise<void> {
    if (this.state === 'stopping' || this.state === 'stopped') throw new ServiceException('The server is shutting down.');
    const seq = this.leasing ? await this.leasing.nextSeq() : ++this.seq;
    const event: AsyncEvent = { seq, ...arrival, enqueuedAt: this.deps.clock.now(), attempts: 0, notBefore: 0, lifecycle: eventLifecycle('queued'), failuresInARow: 0 };
    for (let attempt = 1; ; attempt++) {
      try {
        await this.writer.submit([this.putOf(event)]);
        break;
      } catch (err) {
        if (!(err instanceof EventNumberTakenError) || attempt === RENUMBER_ATTEMPTS) throw err;
        // Another server on the same database numbered an event the same (cluster mode): number after what the store holds.
        this.seq = Math.max(this.seq, await this.deps.store.lastSeq());
        event.seq = ++this.seq;
      }
    }
    this.metrics.inc(event.functionName, 'enqueued');
    // Not running yet: `start` loads it from the store. Stopping: the next start will.
    if (this.state !== 'running') return;
    if (!this.deps.functions.getFunctionSync(event.functionName)) {
      // Deleted while the event was being committed: it goes with its function.
      this.writeLater([{ kind: 'deleteEvent', seq: event.seq }], event.functionName);
      return;
    }
    const lane = this.lane(event.functionName);
    lane.insertReady(event);
    this.pump(lane);
  }

  /** The event's write; in a cluster it keeps this node's lease. */
  private putOf(event: AsyncEvent): QueueWrite {
    return { kind: 'putEvent', event: toStored(event), ...(this.leasing ? { lease: this.leasing.lease } : {}) };
  }

  private lane(functionName: string): FunctionLane {
    let lane = this.lanes.get(functionName);
    if (!lane) this.lanes.set(functionName, (lane = new FunctionLane(functionName)));
    return lane;
  }

  // Dispatching.

  /** Starts as many of the lane's ready events as its concurrency allows, oldest first. */
  private pump(lane: FunctionLane): void {
    if (this.state !== 'running' || lane.cancelBlock) return;
    this.starved.delete(lane);
    const name = lane.functionName;
    while (lane.ready.length > 0) {
      const event = lane.ready[0]!;
      const settings = this.deps.settings.settingsFor(name, event.qualifier);
      if (isExpired(event.enqueuedAt, settings.maximumEventAgeInSeconds, this.deps.clock.now())) {
        lane.ready.shift();
        this.finish(lane, event, 'EventAgeExceeded');
        continue;
      }
      // Reserved concurrency 0: AWS sends new events to the failure destination without retries.
      if (this.deps.capacity.reserved(name) === 0) {
        lane.ready.shift();
        this.finish(lane, event, 'RetriesExhausted');
        continue;
      }
      if (lane.inFlight.size >= this.deps.maxConcurrencyPerFunction) return; // one of them ending pumps again
      if (!this.deps.capacity.hasRoom(name)) {
        // Full. If any of the queue's own invocations is running, its end may free a slot;
        // otherwise others hold the concurrency and the lane backs off on the clock.
        if (this.running > 0) this.starved.add(lane);
        else this.block(lane);
        return;
      }
      lane.ready.shift();
      lane.blocks = 0;
      this.dispatch(lane, event);
    }
  }

  /** Waits out a throttle backoff before the lane tries again. */
  private block(lane: FunctionLane): void {
    lane.blocks++;
    this.metrics.inc(lane.functionName, 'throttles');
    const wait = throttleDelay(lane.blocks, this.deps.timings);
    lane.blockedUntil = this.deps.clock.now() + wait;
    lane.cancelBlock = this.deps.clock.setTimer(() => {
      lane.cancelBlock = undefined;
      this.safely(lane, () => this.pump(lane));
    }, wait);
  }

  /** Wakes the lane and every lane that waited for one of the queue's invocations to end. */
  private wake(lane: FunctionLane): void {
    this.safely(lane, () => this.pump(lane));
    for (const starved of [...this.starved]) this.safely(starved, () => this.pump(starved));
  }

  /**
   * Runs queue work from a timer or a finished invocation, where nobody would catch a throw:
   * a bug must be reported, not take the server down.
   */
  private safely(lane: FunctionLane, work: () => void): void {
    try {
      work();
    } catch (err) {
      this.report(err, `async queue of ${lane.functionName}`);
    }
  }

  private dispatch(lane: FunctionLane, event: AsyncEvent): void {
    event.lifecycle.transition('in-flight');
    lane.inFlight.add(event);
    this.running++;
    const attempt = this.attempt(lane, event);
    this.attempts.add(attempt);
    void attempt.finally(() => this.attempts.delete(attempt));
  }

  /** One invocation of the event through the synchronous path; its outcome decides what follows. */
  private async attempt(lane: FunctionLane, event: AsyncEvent): Promise<void> {
    let result: InvokeResult | undefined;
    let error: unknown;
    try {
      result = await this.deps.invoke({
        functionName: lane.functionName,
        ...(event.qualifier === undefined ? {} : { qualifier: event.qualifier }),
        payload: event.payload,
        invocationType: 'RequestResponse',
        requestId: event.requestId,
        trigger: 'async',
        ...(event.traceHeader === undefined ? {} : { traceHeader: event.traceHeader }),
      });
    } catch (err) {
      error = err;
    }
    this.running--;
    lane.inFlight.delete(event);
    // Stopping: the outcome is not recorded; the next start delivers the event again.
    // Done: the function was deleted meanwhile. Draining: recorded, as running.
    if ((this.state !== 'running' && this.state !== 'draining') || event.lifecycle.state !== 'in-flight') return;
    try {
      if (result) this.afterResult(lane, event, result);
      else this.afterError(lane, event, error);
    } catch (err) {
      this.report(err, `async event ${event.requestId} of ${lane.functionName}`);
    }
    this.wake(lane);
  }

  private afterResult(lane: FunctionLane, event: AsyncEvent, result: InvokeResult): void {
    const name = lane.functionName;
    event.attempts++;
    event.failuresInARow = 0;
    event.lastResponse = {
      statusCode: result.statusCode,
      executedVersion: result.executedVersion,
      ...(result.functionError === undefined ? {} : { functionError: result.functionError }),
      payload: result.payload,
    };
    if (!result.functionError) {
      this.metrics.inc(name, 'succeeded');
      this.finish(lane, event, 'Success');
      return;
    }
    this.metrics.inc(name, 'functionErrors');
    event.lastError = describeFunctionError(result);
    if (event.attempts > this.deps.settings.settingsFor(name, event.qualifier).maximumRetryAttempts) {
      this.finish(lane, event, 'RetriesExhausted');
      return;
    }
    this.metrics.inc(name, 'retries');
    this.retryLater(lane, event, this.deps.clock.now() + functionErrorDelay(event.attempts, this.deps.timings));
  }

  private afterError(lane: FunctionLane, event: AsyncEvent, error: unknown): void {
    if (error instanceof ResourceNotFoundException) {
      // The function (or the alias the event names) is gone: nothing left to invoke.
      this.drop(lane, event, describeError(error));
      return;
    }
    const throttled = error instanceof TooManyRequestsException;
    this.metrics.inc(lane.functionName, throttled ? 'throttles' : 'platformErrors');
    if (!throttled) this.report(error, `async invocation ${event.requestId} of ${lane.functionName}`);
    event.failuresInARow++;
    event.lastError = describeError(error);
    this.retryLater(lane, event, this.deps.clock.now() + throttleDelay(event.failuresInARow, this.deps.timings));
  }

  /** Parks the event until `at` (or its expiry, if sooner), durably. */
  private retryLater(lane: FunctionLane, event: AsyncEvent, at: number): void {
    event.lifecycle.transition('retrying');
    lane.retrying.add(event);
    event.notBefore = at;
    this.writeLater([this.putOf(event)], lane.functionName);
    this.armRetry(lane, event, at);
  }

  private armRetry(lane: FunctionLane, event: AsyncEvent, at: number): void {
    const maxAge = this.deps.settings.settingsFor(lane.functionName, event.qualifier).maximumEventAgeInSeconds;
    // Wake when the wait ends, or just after the event expires if that comes first.
    const due = Math.min(at, expiresAt(event.enqueuedAt, maxAge) + 1);
    event.cancelTimer = this.deps.clock.setTimer(() => this.safely(lane, () => this.retryDue(lane, event)), Math.max(0, due - this.deps.clock.now()));
  }

  private retryDue(lane: FunctionLane, event: AsyncEvent): void {
    if (event.lifecycle.state !== 'retrying' || this.state !== 'running') return;
    delete event.cancelTimer;
    lane.retrying.delete(event);
    const maxAge = this.deps.settings.settingsFor(lane.functionName, event.qualifier).maximumEventAgeInSeconds;
    if (isExpired(event.enqueuedAt, maxAge, this.deps.clock.now())) {
      this.finish(lane, event, 'EventAgeExceeded');
      return;
    }
    event.lifecycle.transition('queued');
    lane.insertReady(event);
    this.pump(lane);
  }

  // Outcomes.

  /** The event is done: deliver its record and dead letter, then record the outcome. */
  private finish(lane: FunctionLane, event: AsyncEvent, condition: RecordCondition): void {
    event.lifecycle.transition('done');
    lane.retrying.delete(event);
    this.untilCommitted(lane, event, this.outcomes.finalize(event, condition));
  }

  /** Removes the event without an outcome to deliver (its function or alias is gone). */
  private drop(lane: FunctionLane, event: AsyncEvent, reason: string): void {
    event.lifecycle.transition('done');
    lane.retrying.delete(event);
    this.metrics.inc(lane.functionName, 'dropped');
    const ops: QueueWrite[] = [{ kind: 'deleteEvent', seq: event.seq }];
    if (this.deps.functions.getFunctionSync(lane.functionName)) {
      event.lastError = reason;
      ops.push({ kind: 'putFailed', failed: failedRecord(event, 'Dropped', [], [], this.deps.clock.now()) });
    }
    this.untilCommitted(lane, event, this.writer.submit(ops));
  }

  /** Counts a done event as finishing until its outcome's write settles. */
  private untilCommitted(lane: FunctionLane, event: AsyncEvent, outcome: Promise<void>): void {
    lane.finishing.add(event);
    this.track(outcome.finally(() => lane.finishing.delete(event)));
  }

  /** DeleteFunction: the function's events go with it, wherever they are. */
  private purge(functionName: string): void {
    const lane = this.lanes.get(functionName);
    if (lane) {
      lane.cancelBlock?.();
      for (const event of lane.all()) {
        event.cancelTimer?.();
        if (event.lifecycle.state !== 'done') event.lifecycle.transition('done');
      }
      this.lanes.delete(functionName);
      this.starved.delete(lane);
    }
    this.metrics.forget(functionName);
    this.writeLater([{ kind: 'deleteFunction', functionName }], functionName);
  }

  /** A write nobody waits for (a retry's new state, a deletion); failures are reported. */
  private writeLater(ops: QueueWrite[], functionName: string): void {
    this.track(this.writer.submit(ops).catch((err: unknown) => this.report(err, `writing the async queue of ${functionName}`)));
  }

  private track(work: Promise<void>): void {
    const tracked = work.catch((err: unknown) => this.report(err, 'async queue'));
    this.work.add(tracked);
    void tracked.finally(() => this.work.delete(tracked));
  }
}
