/**
 * Where the async queue sends what happened to an event. Two kinds of target:
 * - a Destination (OnSuccess / OnFailure of an event invoke config) gets the invocation
 *   record (invocation-record.ts);
 * - a dead-letter target (the function version's DeadLetterConfig) gets the event itself,
 *   as an SQS dead-letter queue's message body would hold it.
 * Gust delivers both to Lambda functions, by an asynchronous invoke through the queue's own
 * durable `enqueue` (the delivery is done once the target's event is committed), and to
 * SQS queues (sqs-target.ts). Each kind is registered by ARN service in a
 * DestinationRouter; the control plane refuses ARNs of any service the router does not
 * list, so nothing is accepted and then dropped.
 */
import { parseFunctionArn } from '../../control/event-invoke-config-validation.js';
import type { InvocationRecord } from './invocation-record.js';
import { recordBytes } from './invocation-record.js';

/** What an async event handed to a target carries besides its bytes. */
export interface DeliveryContext {
  /** How many destination hops led here; each delivery adds one. */
  depth: number;
  /** The request id of the event the record or dead letter is about. */
  sourceRequestId: string;
  /** The event's last failure (`ErrorType: message`), when it failed. */
  error?: string;
}

/** A target for invocation records (OnSuccess / OnFailure). */
export interface Destination {
  readonly arn: string;
  deliver(record: InvocationRecord, context: DeliveryContext): Promise<void>;
}

/** A target for discarded events (DeadLetterConfig). */
export interface DeadLetterTarget {
  readonly arn: string;
  sendEvent(payload: Buffer, context: DeliveryContext): Promise<void>;
}

/** How a Lambda target hands its event to the queue: the queue's own durable enqueue. */
export type AsyncEnqueue = (request: { functionName: string; qualifier?: string; payload: Buffer; depth: number }) => Promise<void>;

/** A Lambda function (optionally qualified) as destination and dead-letter target. */
export class LambdaTarget implements Destination, DeadLetterTarget {
  private readonly functionName: string;
  private readonly qualifier: string | undefined;

  constructor(
    readonly arn: string,
    private readonly enqueue: AsyncEnqueue,
  ) {
    const parts = parseFunctionArn(arn);
    if (!parts) throw new Error(`Not a Lambda function ARN: ${arn}`);
    this.functionName = parts.name;
    this.qualifier = parts.qualifier;
  }

  deliver(record: InvocationRecord, context: DeliveryContext): Promise<void> {
    return this.sendEvent(recordBytes(record), context);
  }

  sendEvent(payload: Buffer, context: DeliveryContext): Promise<void> {
    return this.enqueue({
      functionName: this.functionName,
      ...(this.qualifier === undefined ? {} : { qualifier: this.qualifier }),
      payload,
      depth: context.depth,
    });
  }
}

/** Finds the target for an ARN, by its service. */
export class DestinationRouter {
  private readonly factories = new Map<string, (arn: string) => Destination & DeadLetterTarget>();

  /** Registers the targets of one ARN service (`lambda`, `sqs`, …). */
  register(service: string, factory: (arn: string) => Destination & DeadLetterTarget): this {
    this.factories.set(service, factory);
    return this;
  }

  /** The ARN services this router delivers to; the control plane accepts only these. */
  services(): ReadonlySet<string> {
    return new Set(this.factories.keys());
  }

  /** The target for `arn`, or undefined when no registered service can deliver to it. */
  target(arn: string): (Destination & DeadLetterTarget) | undefined {
    const factory = this.factories.get(arn.split(':')[2] ?? '');
    if (!factory) return undefined;
    try {
      return factory(arn);
    } catch {
      return undefined;
    }
  }
}
