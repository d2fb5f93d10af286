/**
 * What happens when an async event is done: its invocation record goes to the OnSuccess or
 * OnFailure destination, the event itself to the version's dead-letter target, and then,
 * in commit order after those deliveries, the event leaves the store (a failure is kept
 * for `gust events`). A delivery's own event is committed before the source event is
 * deleted, so a crash in between delivers the record twice rather than never.
 */
import { functionArn, type Partition } from '../../core/arn.js';
import type { Clock } from '../../core/clock.js';
import type { AsyncSettings } from '../../control/event-invoke-config-service.js';
import type { FunctionService } from '../../control/function-service.js';
import type { FailedEvent, FailureCondition, QueueWrite } from '../../store/event-queue.js';
import type { InvokeResult } from '../invoke-types.js';
import type { AsyncMetrics } from './async-metrics.js';
import type { DeadLetterTarget, DeliveryContext, Destination, DestinationRouter } from './destinations.js';
import type { AsyncEvent } from './function-lane.js';
import type { GroupCommit } from '../../core/group-commit.js';
import { invocationRecord, type RecordCondition } from './invocation-record.js';

/**
 * Destination hops after which a chain of records is cut: AWS's recursive loop detection
 * stops a loop after about 16 invocations.
 */
export const MAX_DESTINATION_DEPTH = 16;

export interface OutcomesDeps {
  functions: FunctionService;
  settings: { settingsFor(functionName: string, qualifier: string | undefined): AsyncSettings };
  destinations: DestinationRouter;
  partition: Partition;
  clock: Clock;
  metrics: AsyncMetrics;
  writer: GroupCommit<QueueWrite>;
  report: (err: unknown, context: string) => void;
  /** Whether the queue is still running; a stopping queue records no outcome. */
  running: () => boolean;
}

/** `errorType: errorMessage` of a function's error document, shortened. */
export function describeFunctionError(result: InvokeResult): string {
  let text = result.errorType ?? 'Error';
  try {
    const doc = JSON.parse(result.payload.toString('utf8')) as { errorType?: unknown; errorMessage?: unknown };
    text = `${typeof doc.errorType === 'string' ? doc.errorType : text}: ${typeof doc.errorMessage === 'string' ? doc.errorMessage : ''}`;
  } catch {
    // not JSON: keep the type alone
  }
  return text.slice(0, 500);
}

export function describeError(err: unknown): string {
  return (err instanceof Error ? `${err.name}: ${err.message}` : String(err)).slice(0, 500);
}

/** The failed event as the store keeps it for `gust events`. */
export function failedRecord(event: AsyncEvent, condition: FailureCondition | 'Dropped', sentTo: string[], problems: string[], now: number): FailedEvent {
  const error = [event.lastError, ...problems].filter((s): s is string => s !== undefined).join('; ');
  return {
    seq: event.seq,
    requestId: event.requestId,
    functionName: event.functionName,
    ...(event.qualifier === undefined ? {} : { qualifier: event.qualifier }),
    condition,
    attempts: event.attempts,
    enqueuedAt: event.enqueuedAt,
    failedAt: now,
    ...(error === '' ? {} : { error }),
    sentTo,
    payloadPreview: event.payload.subarray(0, 256).toString('utf8'),
  };
}

export class Outcomes {
  constructor(private readonly deps: OutcomesDeps) {}

  /** Delivers the event's record and dead letter, then records its outcome. */
  async finalize(event: AsyncEvent, condition: RecordCondition): Promise<void> {
    const { metrics } = this.deps;
    const name = event.functionName;
    const settings = this.deps.settings.settingsFor(name, event.qualifier);
    const context: DeliveryContext = { depth: event.depth + 1, sourceRequestId: event.requestId, ...(event.lastError === undefined ? {} : { error: event.lastError }) };
    const record = () =>
      invocationRecord({
        requestId: event.requestId,
        functionArn: functionArn(this.deps.partition, name, event.qualifier ?? '$LATEST'),
        condition,
        approximateInvokeCount: event.attempts,
        payload: event.payload,
        ...(event.lastResponse === undefined ? {} : { response: event.lastResponse }),
        now: this.deps.clock.now(),
      });
    const sentTo: string[] = [];
    const problems: string[] = [];
    const send = async (arn: string, how: (target: Destination & DeadLetterTarget) => Promise<void>) => {
      const target = this.deps.destinations.target(arn);
      if (!target) {
        problems.push(`Gust cannot deliver to ${arn}`);
        metrics.inc(name, 'destinationFailures');
        return;
      }
      if (context.depth > MAX_DESTINATION_DEPTH) {
        problems.push(`not sent to ${arn}: a loop of ${MAX_DESTINATION_DEPTH} destination hops was cut`);
        metrics.inc(name, 'dropped');
        return;
      }
      try {
        await how(target);
        sentTo.push(arn);
        metrics.inc(name, 'destinationDeliveries');
      } catch (err) {
        problems.push(`not sent to ${arn}: ${describeError(err)}`);
        metrics.inc(name, 'destinationFailures');
        if (this.deps.running()) this.deps.report(err, `delivering the ${condition} record of ${event.requestId} to ${arn}`);
      }
    };

    const deliveries: Promise<void>[] = [];
    const deadLetter = condition === 'Success' ? undefined : this.deadLetterArn(event);
    const destination = condition === 'Success' ? settings.onSuccess : settings.onFailure;
    if (destination) deliveries.push(send(destination, (t) => t.deliver(record(), context)));
    if (deadLetter) deliveries.push(send(deadLetter, (t) => t.sendEvent(event.payload, context)));
    await Promise.all(deliveries);
    // Stopping: a delivery may have been refused for that reason alone. Keep the event;
    // the next start delivers it again.
    if (!this.deps.running()) return;

    const ops: QueueWrite[] = [{ kind: 'deleteEvent', seq: event.seq }];
    if (condition !== 'Success') {
      metrics.inc(name, 'failed');
      if (condition === 'EventAgeExceeded') metrics.inc(name, 'expired');
      if (deadLetter && sentTo.includes(deadLetter)) metrics.inc(name, 'deadLettered');
      if (this.deps.functions.getFunctionSync(name)) ops.push({ kind: 'putFailed', failed: failedRecord(event, condition, sentTo, problems, this.deps.clock.now()) });
    }
    await this.deps.writer.submit(ops);
  }

  /** The dead-letter target of the version that ran the event (or that its qualifier names). */
  private deadLetterArn(event: AsyncEvent): string | undefined {
    const fns = this.deps.functions;
    const version = event.lastResponse ? fns.getVersionSync(event.functionName, event.lastResponse.executedVersion) : fns.resolveSync(event.functionName, event.qualifier)?.version;
    return version?.deadLetterTargetArn;
  }
}
