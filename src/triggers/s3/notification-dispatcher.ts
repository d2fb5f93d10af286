/**
 * Hands bucket notifications from the S3 store's outbox to their destinations: a function
 * through the async queue, an SQS queue by sending the record as a message, the event bus
 * by matching the event against its rules and handing it to their targets. An object
 * change and its notifications commit together (s3.db), and a notification leaves the
 * outbox only after its `Event` invoke was committed to queue.db (or its message to
 * sqs.db); a crash in between delivers it again at the next start: at least once, as S3
 * promises. The async queue then brings its retries, maximum event age and destinations,
 * as for any Event invoke.
 *
 * Each destination is answered by the account its ARN names (a function's, a queue's, or
 * the bucket owner's event bus): the dispatcher asks `targetsOf` for that account's bus,
 * invoker and queues.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/EventNotifications.html
 */
import { LambdaError } from '../../core/errors.js';
import type { OutboxEntry } from '../../core/model/buckets.js';
import type { QueueSender } from '../../control/sqs/queue-service.js';
import type { InvokeRequest, InvokeResult } from '../../invoke/invoke-types.js';
import type { EventEnvelope } from '../events/envelope.js';

/** The outbox as the dispatcher reads it (the S3 store). */
export interface NotificationOutbox {
  pendingNotifications(limit: number): Promise<OutboxEntry[]>;
  deleteNotification(seq: number): Promise<void>;
}

/** What one account delivers to. */
export interface NotificationTargets {
  /** The account's default event bus, for buckets with EventBridge enabled. */
  bus: { publish(event: EventEnvelope): Promise<void> };
  invoker: { invoke(request: InvokeRequest): Promise<InvokeResult> };
  queues: QueueSender;
}

export interface NotificationDispatcherOptions {
  outbox: NotificationOutbox;
  /** The targets of an account; undefined when Gust has no such account. */
  targetsOf(accountId: string): NotificationTargets | undefined;
  report(err: unknown, context: string): void;
  /** Wait before trying again after a hand-over failed for a reason that may pass (a full disk). */
  retryMs?: number;
}

const BATCH = 256;
const SQS_ARN = /^arn:aws[a-zA-Z-]*:sqs:/;
const BUS_ARN = /^arn:aws[a-zA-Z-]*:events:/;
/** The account of an ARN (`arn:<partition>:<service>:<region>:<account>:…`) or of a partial function ARN (`<account>:function:…`). */
const ACCOUNT = /^(?:arn:[^:]*:[^:]*:[^:]*:)?(\d{12}):/;

/** The account a destination belongs to; undefined when it names none. */
export function destinationAccount(destination: string): string | undefined {
  return ACCOUNT.exec(destination)?.[1];
}

export class NotificationDispatcher {
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  /** A cluster node that is not the keeper delivers nothing: the keeper alone reads the shared outbox. */
  private paused = false;
  private retry: NodeJS.Timeout | undefined;

  constructor(private readonly options: NotificationDispatcherOptions) {}

  /** Delivers whatever a previous process left in the outbox. */
  start(): void {
    this.paused = false;
    this.wake();
  }

  /** Stops delivering (another node delivers from now on); resolves once nothing is being handed over. */
  async pause(): Promise<void> {
    this.paused = true;
    clearTimeout(this.retry);
    await this.running;
  }

  /** Called after a write enqueued notifications. */
  wake(): void {
    if (this.stopped || this.paused) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.wake();
      }
    });
  }

  /** Resolves once nothing is being handed over (what is left stays in the outbox). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    await this.running;
  }

  private async drain(): Promise<void> {
    while (!this.stopped && !this.paused) {
      const batch = await this.options.outbox.pendingNotifications(BATCH);
      if (batch.length === 0) return;
      const results = await Promise.allSettled(batch.map((entry) => this.handOver(entry)));
      if (results.some((r) => r.status === 'rejected')) {
        this.retry = setTimeout(() => this.wake(), this.options.retryMs ?? 1_000);
        return;
      }
    }
  }

  private async handOver(entry: OutboxEntry): Promise<void> {
    const account = destinationAccount(entry.destination);
    const targets = account === undefined ? undefined : this.options.targetsOf(account);
    // An account Gust does not have has no destination left to deliver to: dropped, as a deleted target's are.
    if (!targets) {
      this.options.report(new Error(`no account ${account ?? '(none named)'} answers for ${entry.destination}`), 'dropping a bucket notification');
      await this.options.outbox.deleteNotification(entry.seq);
      return;
    }
    try {
      if (BUS_ARN.test(entry.destination)) {
        await targets.bus.publish(JSON.parse(entry.payload) as EventEnvelope);
      } else if (SQS_ARN.test(entry.destination)) {
        const queue = targets.queues.queueNameOfArn(entry.destination);
        // A queue deleted since the configuration was saved: S3 drops such events too.
        // The request's trace goes where SQS keeps a sender's: its AWSTraceHeader, which a mapping's batch continues.
        const systemAttributes = entry.traceHeader === undefined ? {} : { AWSTraceHeader: { dataType: 'String', stringValue: entry.traceHeader } };
        if (queue !== undefined) await targets.queues.send(queue, { body: entry.payload, messageAttributes: {}, systemAttributes });
      } else {
        await targets.invoker.invoke({ functionName: entry.destination, invocationType: 'Event', payload: Buffer.from(entry.payload), ...(entry.traceHeader === undefined ? {} : { traceHeader: entry.traceHeader }) });
      }
    } catch (err) {
      // Likewise a function deleted since.
      if (!(err instanceof LambdaError && err.status === 404)) {
        this.options.report(err, `handing a bucket notification to ${entry.destination}`);
        throw err;
      }
    }
    await this.options.outbox.deleteNotification(entry.seq);
  }
}
