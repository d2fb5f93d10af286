/**
 * An SQS queue as async-invocation destination and dead-letter target, as Lambda sends to
 * one: an invocation record (OnSuccess / OnFailure) becomes a message whose body is the
 * record; a discarded event becomes a message whose body is the event, with Lambda's
 * dead-letter attributes RequestID, ErrorCode and ErrorMessage (the first kilobyte). The
 * delivery is done once SendMessage has committed the message.
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html
 */
import type { MessageAttributeValue } from '../../core/model/queues.js';
import type { QueueSender } from '../../control/sqs/queue-service.js';
import type { DeadLetterTarget, DeliveryContext, Destination } from './destinations.js';
import type { InvocationRecord } from './invocation-record.js';
import { recordBytes } from './invocation-record.js';

const SQS_ARN_RE = /^arn:aws[a-zA-Z-]*:sqs:[a-z0-9-]+:\d{12}:[a-zA-Z0-9_.-]{1,80}$/;

export class SqsTarget implements Destination, DeadLetterTarget {
  constructor(
    readonly arn: string,
    private readonly queues: QueueSender,
  ) {
    if (!SQS_ARN_RE.test(arn)) throw new Error(`Not an SQS queue ARN: ${arn}`);
  }

  deliver(record: InvocationRecord): Promise<void> {
    return this.send(recordBytes(record).toString('utf8'), {});
  }

  sendEvent(payload: Buffer, context: DeliveryContext): Promise<void> {
    const attributes: Record<string, MessageAttributeValue> = { RequestID: { dataType: 'String', stringValue: context.sourceRequestId } };
    if (context.error !== undefined) {
      // A function error is an invoke that answered 200 with an error object.
      attributes.ErrorCode = { dataType: 'Number', stringValue: '200' };
      attributes.ErrorMessage = { dataType: 'String', stringValue: Buffer.from(context.error, 'utf8').subarray(0, 1024).toString('utf8') };
    }
    return this.send(payload.toString('utf8'), attributes);
  }

  private async send(body: string, messageAttributes: Record<string, MessageAttributeValue>): Promise<void> {
    const name = this.queues.queueNameOfArn(this.arn);
    if (name === undefined) throw new Error(`The queue ${this.arn} does not exist.`);
    await this.queues.send(name, { body, messageAttributes });
  }
}
