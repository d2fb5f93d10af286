/**
 * AWS's SQS event, as Lambda hands a batch to a function: `{"Records": [...]}`, one record
 * per message with its id, receipt handle, body, system attributes, message attributes
 * (camelCased, with the empty list members AWS always sends), digests, and where it came
 * from.
 * https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html#example-standard-queue-message-event
 */
import type { StoredMessage } from '../../core/model/queues.js';
import { systemAttributesOf } from '../../control/sqs/message-view.js';

export interface SqsRecord {
  messageId: string;
  receiptHandle: string;
  body: string;
  attributes: Record<string, string>;
  messageAttributes: Record<string, { stringValue?: string; binaryValue?: string; stringListValues: string[]; binaryListValues: string[]; dataType: string }>;
  md5OfMessageAttributes?: string;
  md5OfBody: string;
  eventSource: 'aws:sqs';
  eventSourceARN: string;
  awsRegion: string;
}

export function sqsRecord(message: StoredMessage, receiptHandle: string, queueArn: string, region: string): SqsRecord {
  const messageAttributes: SqsRecord['messageAttributes'] = {};
  for (const [name, v] of Object.entries(message.messageAttributes)) {
    messageAttributes[name] = {
      ...(v.binaryValue === undefined ? { stringValue: v.stringValue ?? '' } : { binaryValue: v.binaryValue.toString('base64') }),
      stringListValues: [],
      binaryListValues: [],
      dataType: v.dataType,
    };
  }
  return {
    messageId: message.id,
    receiptHandle,
    body: message.body,
    attributes: systemAttributesOf(message),
    messageAttributes,
    ...(message.md5OfMessageAttributes === undefined ? {} : { md5OfMessageAttributes: message.md5OfMessageAttributes }),
    md5OfBody: message.md5OfBody,
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}
