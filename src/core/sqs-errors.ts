/**
 * The SQS part of the error catalog. SQS names each error twice: a shape name (the JSON
 * protocol's `__type`, `com.amazonaws.sqs#QueueDoesNotExist`, and the name the SDKs give
 * the exception) and a query code (the query protocol's `<Code>` and the JSON protocol's
 * `x-amzn-query-error: <code>;Sender` header, which the SDKs read first). Each class
 * carries both and its HTTP status, as `@aws-sdk/client-sqs`'s model lists them; errors the
 * model leaves out (InvalidParameterValue, MissingParameter, InvalidAction) are AWS's
 * common errors, whose shape and code are the same word. http/sqs-api renders them in
 * either protocol. See docs/errors.md.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/CommonErrors.html
 */
import { LambdaError, type FaultType } from './errors.js';

/** Base of every SQS error: a catalog error that also knows its query-protocol code. */
export class SqsError extends LambdaError {
  /** The query protocol's `<Code>` and the JSON protocol's `x-amzn-query-error` code. */
  readonly queryCode: string;
  /** The query protocol's message when SQS words it differently there. */
  readonly queryMessage: string;

  constructor(shape: string, queryCode: string, status: number, message: string, options: { faultType?: FaultType; queryMessage?: string } = {}) {
    super(shape, status, message, options.faultType ?? 'User');
    this.queryCode = queryCode;
    this.queryMessage = options.queryMessage ?? message;
  }
}

export class QueueDoesNotExist extends SqsError {
  constructor() {
    // The query protocol kept SQS's older wording; the JSON protocol's is AWS's documented one.
    super('QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue', 400, 'The specified queue does not exist.', {
      queryMessage: 'The specified queue does not exist for this wsdl version.',
    });
  }
}

export class QueueNameExists extends SqsError {
  constructor(message: string) { super('QueueNameExists', 'QueueAlreadyExists', 400, message); }
}

export class InvalidAttributeName extends SqsError {
  constructor(message: string) { super('InvalidAttributeName', 'InvalidAttributeName', 400, message); }
}

export class InvalidAttributeValue extends SqsError {
  constructor(message: string) { super('InvalidAttributeValue', 'InvalidAttributeValue', 400, message); }
}

export class InvalidParameterValue extends SqsError {
  constructor(message: string) { super('InvalidParameterValue', 'InvalidParameterValue', 400, message); }
}

export class MissingParameter extends SqsError {
  constructor(parameter: string) { super('MissingParameter', 'MissingParameter', 400, `The request must contain the parameter ${parameter}.`); }
}

export class InvalidAddress extends SqsError {
  constructor(address: string) { super('InvalidAddress', 'InvalidAddress', 404, `The address ${address} is not valid for this endpoint.`); }
}

export class ReceiptHandleIsInvalid extends SqsError {
  constructor(handle: string) { super('ReceiptHandleIsInvalid', 'ReceiptHandleIsInvalid', 404, `The input receipt handle "${handle}" is not a valid receipt handle.`); }
}

export class MessageNotInflight extends SqsError {
  constructor() { super('MessageNotInflight', 'AWS.SimpleQueueService.MessageNotInflight', 400, 'The message referred to is not in flight.'); }
}

export class InvalidMessageContents extends SqsError {
  constructor(message: string) { super('InvalidMessageContents', 'InvalidMessageContents', 400, message); }
}

export class TooManyEntriesInBatchRequest extends SqsError {
  constructor(sent: number) { super('TooManyEntriesInBatchRequest', 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest', 400, `Maximum number of entries per request are 10. You have sent ${sent}.`); }
}

export class EmptyBatchRequest extends SqsError {
  constructor(entryName: string) { super('EmptyBatchRequest', 'AWS.SimpleQueueService.EmptyBatchRequest', 400, `There should be at least one ${entryName} in the request.`); }
}

export class BatchEntryIdsNotDistinct extends SqsError {
  constructor(id: string) { super('BatchEntryIdsNotDistinct', 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct', 400, `Id ${id} repeated.`); }
}

export class InvalidBatchEntryId extends SqsError {
  constructor() {
    super('InvalidBatchEntryId', 'AWS.SimpleQueueService.InvalidBatchEntryId', 400, 'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.');
  }
}

export class BatchRequestTooLong extends SqsError {
  constructor(limit: number, sent: number) { super('BatchRequestTooLong', 'AWS.SimpleQueueService.BatchRequestTooLong', 400, `Batch requests cannot be longer than ${limit} bytes. You have sent ${sent} bytes.`); }
}

export class PurgeQueueInProgress extends SqsError {
  constructor(queueName: string) { super('PurgeQueueInProgress', 'AWS.SimpleQueueService.PurgeQueueInProgress', 403, `Only one PurgeQueue operation on ${queueName} is allowed every 60 seconds.`); }
}

export class OverLimit extends SqsError {
  constructor(message: string) { super('OverLimit', 'OverLimit', 403, message); }
}

export class UnsupportedOperation extends SqsError {
  constructor(message: string) { super('UnsupportedOperation', 'AWS.SimpleQueueService.UnsupportedOperation', 400, message); }
}

/** An operation SQS does not have (or the request names none): the query protocol's InvalidAction. */
export class SqsUnknownOperation extends SqsError {
  constructor(message: string) { super('UnknownOperationException', 'InvalidAction', 400, message); }
}

/** A request body over what the queue API reads. */
export class RequestEntityTooLarge extends SqsError {
  constructor(limit: number) { super('RequestEntityTooLarge', 'RequestEntityTooLarge', 413, `Request body must be smaller than ${limit} bytes.`); }
}

/** A fault inside Gust; the renderer never exposes its cause. */
export class SqsInternalFailure extends SqsError {
  constructor(message: string) { super('InternalFailure', 'InternalFailure', 500, message, { faultType: 'Service' }); }
}
