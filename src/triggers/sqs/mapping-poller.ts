/**
 * The pollers of one event source mapping, as Lambda runs them for SQS: each poller
 * long-polls the queue (in process: it waits until a message arrives, with no timer and no
 * CPU), gathers up to BatchSize within MaximumBatchingWindowInSeconds, drops (and deletes)
 * the records the filters refuse, invokes the function synchronously with AWS's SQS event,
 * and then:
 * - success: deletes the batch; with ReportBatchItemFailures, all but the reported items
 *   (batch-response.ts says what an answer means);
 * - function error, throttle or any failure to invoke: leaves the messages to reappear
 *   after the visibility timeout, so the queue's redrive policy applies;
 * - FIFO: once an item of a group fails, the later items of that group in the batch are
 *   kept too, so the group is retried in order; other groups go on.
 * Failed items are also reported to the mapping's OnFailure queue (a Gust extension).
 * Pollers scale with scaling.ts; the queue's group locks keep FIFO order across them.
 */
import type { Clock } from '../../core/clock.js';
import { TooManyRequestsException } from '../../core/errors.js';
import type { EventSourceMapping } from '../../core/model/event-source-mappings.js';
import { QueueDoesNotExist } from '../../core/sqs-errors.js';
import type { QueueService, ReceivedMessage } from '../../control/sqs/queue-service.js';
import type { InvokeRequest, InvokeResult } from '../../invoke/invoke-types.js';
import { batchOutcome } from './batch-response.js';
import { recordFilter, type RecordFilter } from './record-filter.js';
import { Scaling } from './scaling.js';
import { sqsRecord } from './sqs-event.js';

/** Message bytes a batch gathers at most: the event (with its JSON escaping) stays under Invoke's 6 MB. */
const BATCH_BODY_BYTES = 3 * 1024 * 1024;
const BACKOFF_MS = [1_000, 2_000, 5_000, 10_000, 30_000];

export interface MappingPollerDeps {
  mapping: EventSourceMapping;
  queueName: string;
  queueArn: string;
  functionArn: string;
  region: string;
  queues: Pick<QueueService, 'receive' | 'hasAvailable' | 'deleteReceipts' | 'send' | 'queueNameOfArn' | 'describe'>;
  invoke: (request: InvokeRequest) => Promise<InvokeResult>;
  /** The most pollers the mapping may run now (MaximumConcurrency, reserved concurrency). */
  cap: number;
  clock: Clock;
  /** LastProcessingResult, reported when it changes. */
  recordResult: (result: string) => void;
  report: (err: unknown, context: string) => void;
}

/** What `gust info` and the suites see of a mapping's pollers. */
export interface PollerReport {
  pollers: number;
  batchesInFlight: number;
  /** Poller counts over time (the last 200 changes). */
  history: number[];
}

export class MappingPoller {
  private readonly scaling: Scaling;
  private readonly filter: RecordFilter;
  private readonly abort = new AbortController();
  private readonly loops = new Set<Promise<void>>();
  private active = 0;
  private busy = 0;
  private failuresInARow = 0;
  private lastResult: string;
  /** Pollers waiting for their queue to be created again. */
  private readonly queueWaits = new Set<() => void>();

  constructor(private readonly deps: MappingPollerDeps) {
    this.scaling = new Scaling(deps.cap, deps.clock);
    this.filter = recordFilter(deps.mapping.filters);
    this.lastResult = deps.mapping.lastProcessingResult;
  }

  start(): void {
    this.spawn(this.scaling.base());
  }

  /** The function's reserved concurrency changed: pollers over the new cap retire after their batch. */
  setCap(cap: number): void {
    this.scaling.setCap(cap);
    if (this.active < this.scaling.base()) this.spawn(this.scaling.base() - this.active);
  }

  /** The queue was created again: pollers waiting for it go on. */
  queueCreated(): void {
    for (const wake of [...this.queueWaits]) wake();
  }

  /** Stops polling: waits end at once, batches in flight finish (their messages are deleted or left). */
  async stop(): Promise<void> {
    this.abort.abort();
    this.queueCreated();
    while (this.loops.size > 0) await Promise.allSettled([...this.loops]);
  }

  report(): PollerReport {
    return { pollers: this.active, batchesInFlight: this.busy, history: [...this.scaling.history] };
  }

  private spawn(n: number): void {
    for (let i = 0; i < n; i++) {
      this.active++;
      const loop: Promise<void> = this.loop()
        .catch((err: unknown) => this.deps.report(err, `poller of event source mapping ${this.deps.mapping.uuid}`))
        .finally(() => this.loops.delete(loop));
      this.loops.add(loop);
    }
    this.scaling.record(this.active);
  }

  private get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  private async loop(): Promise<void> {
    let retired = false;
    try {
      retired = await this.poll();
    } finally {
      if (!retired) this.leave();
    }
  }

  private leave(): void {
    this.active--;
    this.scaling.record(this.active);
  }

  /** Polls until stopped, or until this poller retires (true). */
  private async poll(): Promise<boolean> {
    while (!this.stopped) {
      if (this.scaling.shouldRetire(this.active, !this.deps.queues.hasAvailable(this.deps.queueName))) {
        // Counted down with the decision, in the same synchronous step: pollers deciding
        // in the microtasks that follow see it leave, so the mapping keeps its base.
        this.leave();
        return true;
      }
      let batch: ReceivedMessage[];
      try {
        batch = await this.gather();
      } catch (err) {
        if (!(err instanceof QueueDoesNotExist)) throw err;
        this.result('PROBLEM: Queue does not exist');
        await this.untilQueueExists();
        continue;
      }
      if (batch.length === 0) continue;
      const more = this.deps.queues.hasAvailable(this.deps.queueName);
      if (batch.length >= this.deps.mapping.batchSize || more) this.spawn(this.scaling.grow(this.active));
      this.busy++;
      try {
        await this.process(batch);
      } finally {
        this.busy--;
      }
      if (this.failuresInARow > 0) await this.backOff();
    }
    return false;
  }

  /** Waits for a first message, then gathers up to BatchSize until the window closes. */
  private async gather(): Promise<ReceivedMessage[]> {
    const { mapping, queueName, queues, clock } = this.deps;
    const options = { maxBytes: BATCH_BODY_BYTES, durable: false };
    const batch = await queues.receive(queueName, { ...options, max: mapping.batchSize, waitForever: true }, this.abort.signal);
    const deadline = clock.now() + mapping.maximumBatchingWindowInSeconds * 1000;
    while (batch.length > 0 && batch.length < mapping.batchSize && !this.stopped) {
      const left = deadline - clock.now();
      if (left <= 0) break;
      // Ahead of idle pollers: messages arriving inside the window join this batch.
      const more = await queues.receive(queueName, { ...options, max: mapping.batchSize - batch.length, waitSeconds: left / 1000, priority: true }, this.abort.signal);
      if (more.length === 0) break;
      batch.push(...more);
    }
    return batch;
  }

  private async process(batch: ReceivedMessage[]): Promise<void> {
    const { mapping, queueArn, region, queueName, queues } = this.deps;
    const records = batch.map((r) => sqsRecord(r.message, r.receiptHandle, queueArn, region));
    const kept = records.filter(this.filter);
    const keptIds = new Set(kept.map((r) => r.messageId));
    const dropped = records.filter((r) => !keptIds.has(r.messageId));
    if (dropped.length > 0) await queues.deleteReceipts(queueName, dropped.map((r) => r.receiptHandle));
    if (kept.length === 0) return;

    // As Lambda does: the batch continues the trace of its first record's sender.
    const traceHeader = kept[0]!.attributes.AWSTraceHeader;
    let failed: Set<string>;
    let condition: string;
    let invocation: InvokeResult | undefined;
    try {
      invocation = await this.deps.invoke({
        functionName: mapping.functionName,
        ...(mapping.qualifier === undefined ? {} : { qualifier: mapping.qualifier }),
        payload: Buffer.from(JSON.stringify({ Records: kept })),
        invocationType: 'RequestResponse',
        trigger: 'sqs',
        ...(traceHeader === undefined ? {} : { traceHeader }),
      });
      const outcome = invocation.functionError
        ? ({ kind: 'batch-failed', reason: invocation.errorType ?? 'Unhandled' } as const)
        : mapping.reportBatchItemFailures
          ? batchOutcome(invocation.payload, keptIds)
          : ({ kind: 'succeeded' } as const);
      failed = outcome.kind === 'succeeded' ? new Set() : outcome.kind === 'items-failed' ? outcome.failed : new Set(keptIds);
      condition = outcome.kind === 'batch-failed' ? 'FunctionError' : 'BatchItemFailures';
      this.result(outcome.kind === 'batch-failed' ? 'PROBLEM: Function call failed' : 'OK');
      this.failuresInARow = 0;
    } catch (err) {
      // Nothing ran (or it could not be told apart): the whole batch stays for a later try.
      failed = new Set(keptIds);
      condition = err instanceof TooManyRequestsException ? 'Throttled' : 'InvokeFailed';
      this.result(err instanceof TooManyRequestsException ? 'PROBLEM: Function call throttled' : `PROBLEM: ${(err as Error).message}`);
      this.failuresInARow++;
    }
    if (batch[0]?.message.groupId !== undefined && this.deps.queues.describe(queueName)?.fifo) holdRestOfFailedGroups(kept, batch, failed);
    const succeeded = kept.filter((r) => !failed.has(r.messageId)).map((r) => r.receiptHandle);
    if (succeeded.length > 0) await queues.deleteReceipts(queueName, succeeded);
    if (failed.size > 0 && mapping.onFailure) await this.reportFailure(kept.filter((r) => failed.has(r.messageId)), condition, invocation);
  }

  /** Sends a record of failed items to the mapping's OnFailure queue, shaped like Lambda's stream failure records. */
  private async reportFailure(records: { messageId: string; attributes: Record<string, string> }[], condition: string, invocation: InvokeResult | undefined): Promise<void> {
    const { mapping, queues, functionArn, queueArn } = this.deps;
    const target = queues.queueNameOfArn(mapping.onFailure!);
    if (target === undefined) return;
    const record = {
      requestContext: {
        requestId: invocation?.requestId ?? null,
        functionArn,
        condition,
        approximateInvokeCount: Math.max(...records.map((r) => Number(r.attributes.ApproximateReceiveCount))),
      },
      responseContext: { statusCode: invocation ? 200 : null, executedVersion: invocation?.executedVersion ?? null, functionError: invocation?.functionError ?? null },
      version: '1.0',
      timestamp: new Date(this.deps.clock.now()).toISOString(),
      SQSBatchInfo: { queueArn, batchSize: records.length, messageIds: records.map((r) => r.messageId) },
    };
    try {
      await queues.send(target, { body: JSON.stringify(record) });
    } catch (err) {
      this.deps.report(err, `sending failed items of mapping ${mapping.uuid} to ${mapping.onFailure}`);
    }
  }

  private result(result: string): void {
    if (result === this.lastResult) return;
    this.lastResult = result;
    this.deps.recordResult(result);
  }

  /** After invocations that could not run, waits a little longer each time before taking more. */
  private backOff(): Promise<void> {
    const ms = BACKOFF_MS[Math.min(this.failuresInARow, BACKOFF_MS.length) - 1]!;
    return this.sleep(ms);
  }

  private untilQueueExists(): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        this.queueWaits.delete(wake);
        resolve();
      };
      this.queueWaits.add(wake);
      if (this.stopped || this.deps.queues.describe(this.deps.queueName)) wake();
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const cancel = this.deps.clock.setTimer(done, ms);
      const signal = this.abort.signal;
      function done() {
        cancel();
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }
}

/** FIFO: items after a failed one in the same message group are kept in the queue too, so the group keeps its order. */
function holdRestOfFailedGroups(records: { messageId: string }[], batch: ReceivedMessage[], failed: Set<string>): void {
  const groupOf = new Map(batch.map((r) => [r.message.id, r.message.groupId]));
  const failedGroups = new Set<string | undefined>();
  for (const record of records) {
    const group = groupOf.get(record.messageId);
    if (failed.has(record.messageId)) failedGroups.add(group);
    else if (failedGroups.has(group)) failed.add(record.messageId);
  }
}
