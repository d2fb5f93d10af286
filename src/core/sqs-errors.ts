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
import { EXPIRED_TOKEN, INVALID_TOKEN, SIGNATURE_MISMATCH, signatureExpiredMessage, type AuthFailure } from './auth-failure.js';
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

/** A queue that does not exist, or another account's (`The specified queue does not exist.`; the query protocol keeps SQS's older `…for this wsdl version.`). */
export class QueueDoesNotExist extends SqsError {
  constructor() {
    // The query protocol kept SQS's older wording; the JSON protocol's is AWS's documented one.
    super('QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue', 400, 'The specified queue does not exist.', {
      queryMessage: 'The specified queue does not exist for this wsdl version.',
    });
  }
}

/** CreateQueue of an existing name with a different attribute value (`A queue already exists with the same name and a different value for attribute VisibilityTimeout`). */
export class QueueNameExists extends SqsError {
  constructor(message: string) { super('QueueNameExists', 'QueueAlreadyExists', 400, message); }
}

/** An attribute the queue type does not have (`Unknown Attribute X.`). */
export class InvalidAttributeName extends SqsError {
  constructor(message: string) { super('InvalidAttributeName', 'InvalidAttributeName', 400, message); }
}

/** An attribute value out of range (`Invalid value for the parameter VisibilityTimeout.`), or a change of FifoQueue. */
export class InvalidAttributeValue extends SqsError {
  constructor(message: string) { super('InvalidAttributeValue', 'InvalidAttributeValue', 400, message); }
}

/** A queue name SQS refuses; a message over MaximumMessageSize (`One or more parameters are invalid. Reason: Message must be shorter than 262144 bytes.`); message attributes (more than 10, bad names or types, empty values, a Number that is not one); DelaySeconds, MaxNumberOfMessages, WaitTimeSeconds or VisibilityTimeout out of range (`Value 11 for parameter MaxNumberOfMessages is invalid. Reason: …`); a FIFO send without deduplication id on a queue without content-based deduplication, or with a per-message delay; a deduplication id on a standard queue; a bad RedrivePolicy or RedriveAllowPolicy (`Value … for parameter RedrivePolicy is invalid. Reason: Dead letter target does not exist.`); a stale receipt handle where SQS refuses one; a member of the wrong type; a body that is not JSON. */
export class InvalidParameterValue extends SqsError {
  constructor(message: string) { super('InvalidParameterValue', 'InvalidParameterValue', 400, message); }
}

/** A required member left out or empty (`The request must contain the parameter MessageBody.`, `…MessageGroupId.`, `…QueueUrl.`). */
export class MissingParameter extends SqsError {
  constructor(parameter: string) { super('MissingParameter', 'MissingParameter', 400, `The request must contain the parameter ${parameter}.`); }
}

/** A QueueUrl that is not a queue URL. */
export class InvalidAddress extends SqsError {
  constructor(address: string) { super('InvalidAddress', 'InvalidAddress', 404, `The address ${address} is not valid for this endpoint.`); }
}

/** A receipt handle Gust did not issue, or one for another queue (`The input receipt handle "…" is not a valid receipt handle.`). */
export class ReceiptHandleIsInvalid extends SqsError {
  constructor(handle: string) { super('ReceiptHandleIsInvalid', 'ReceiptHandleIsInvalid', 404, `The input receipt handle "${handle}" is not a valid receipt handle.`); }
}

/** ChangeMessageVisibility on a message that is visible again. */
export class MessageNotInflight extends SqsError {
  constructor() { super('MessageNotInflight', 'AWS.SimpleQueueService.MessageNotInflight', 400, 'The message referred to is not in flight.'); }
}

/** A character outside XML's (`Invalid binary character '#x1' was found in the message body, the set of allowed characters is …`). */
export class InvalidMessageContents extends SqsError {
  constructor(message: string) { super('InvalidMessageContents', 'InvalidMessageContents', 400, message); }
}

/** A batch of more than 10 entries. */
export class TooManyEntriesInBatchRequest extends SqsError {
  constructor(sent: number) { super('TooManyEntriesInBatchRequest', 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest', 400, `Maximum number of entries per request are 10. You have sent ${sent}.`); }
}

/** A batch with no entries. */
export class EmptyBatchRequest extends SqsError {
  constructor(entryName: string) { super('EmptyBatchRequest', 'AWS.SimpleQueueService.EmptyBatchRequest', 400, `There should be at least one ${entryName} in the request.`); }
}

/** A batch whose entries repeat an id. */
export class BatchEntryIdsNotDistinct extends SqsError {
  constructor(id: string) { super('BatchEntryIdsNotDistinct', 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct', 400, `Id ${id} repeated.`); }
}

/** A batch entry id that is not 1-80 letters, digits, hyphens and underscores. */
export class InvalidBatchEntryId extends SqsError {
  constructor() {
    super('InvalidBatchEntryId', 'AWS.SimpleQueueService.InvalidBatchEntryId', 400, 'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.');
  }
}

/** A batch over 256 KiB (`Batch requests cannot be longer than 262144 bytes. You have sent N bytes.`). */
export class BatchRequestTooLong extends SqsError {
  constructor(limit: number, sent: number) { super('BatchRequestTooLong', 'AWS.SimpleQueueService.BatchRequestTooLong', 400, `Batch requests cannot be longer than ${limit} bytes. You have sent ${sent} bytes.`); }
}

/** A second PurgeQueue of a queue within 60 seconds. */
export class PurgeQueueInProgress extends SqsError {
  constructor(queueName: string) { super('PurgeQueueInProgress', 'AWS.SimpleQueueService.PurgeQueueInProgress', 403, `Only one PurgeQueue operation on ${queueName} is allowed every 60 seconds.`); }
}

/** ReceiveMessage with 120,000 messages in flight. */
export class OverLimit extends SqsError {
  constructor(message: string) { super('OverLimit', 'OverLimit', 403, message); }
}

/** AddPermission, RemovePermission and the message move tasks, which Gust does not implement. */
export class UnsupportedOperation extends SqsError {
  constructor(message: string) { super('UnsupportedOperation', 'AWS.SimpleQueueService.UnsupportedOperation', 400, message); }
}

/** An operation SQS does not have, or a query request without `Action` (the query protocol's `InvalidAction`). */
export class SqsUnknownOperation extends SqsError {
  constructor(message: string) { super('UnknownOperationException', 'InvalidAction', 400, message); }
}

/** A request body over 4 MiB, more than the SQS API reads. */
export class RequestEntityTooLarge extends SqsError {
  constructor(limit: number) { super('RequestEntityTooLarge', 'RequestEntityTooLarge', 413, `Request body must be smaller than ${limit} bytes.`); }
}

/** SQS's common 503, which the SDKs retry: in a cluster, no node keeps the queues at this moment (one is taking them over); or the server began to close. */
export class SqsServiceUnavailable extends SqsError {
  constructor(message = 'The queues are moving to another node of the cluster; retry the request.') { super('ServiceUnavailable', 'ServiceUnavailable', 503, message, { faultType: 'Service' }); }
}

/** A fault inside Gust: the cause is logged with the request id, never sent. */
export class SqsInternalFailure extends SqsError {
  constructor(message: string) { super('InternalFailure', 'InternalFailure', 500, message, { faultType: 'Service' }); }
}

/** A request signed with an access key no account has, or a session token Gust did not mint or that was revoked. */
export class InvalidClientTokenId extends SqsError {
  constructor() { super('InvalidClientTokenId', 'InvalidClientTokenId', 403, INVALID_TOKEN); }
}

/** A signature that does not match, or (`Signature expired: …`) a signing time more than 15 minutes from Gust's clock, as SQS words it for SigV4. */
export class SignatureDoesNotMatch extends SqsError {
  constructor(message = SIGNATURE_MISMATCH) { super('SignatureDoesNotMatch', 'SignatureDoesNotMatch', 403, message); }
}

/** A presigned SQS request past its X-Amz-Expires. */
export class RequestExpired extends SqsError {
  constructor() { super('RequestExpired', 'RequestExpired', 400, 'Request has expired.'); }
}

/** An unsigned request to a server that verifies signatures; also an unusable Authorization header. */
export class MissingAuthenticationToken extends SqsError {
  constructor(message = 'Request is missing Authentication Token') { super('MissingAuthenticationToken', 'MissingAuthenticationToken', 403, message); }
}

/** A function's temporary credentials past their expiry. */
export class ExpiredToken extends SqsError {
  constructor() { super('ExpiredToken', 'ExpiredToken', 403, EXPIRED_TOKEN); }
}

/** SQS's error for a request whose caller could not be established, in both protocols. */
export function sqsAuthError(failure: AuthFailure): SqsError {
  switch (failure.reason) {
    case 'missing':
      return new MissingAuthenticationToken();
    case 'malformed':
    case 'unsupported':
      return new MissingAuthenticationToken('Authorization header or X-Amz-* query parameters are not a well-formed AWS Signature Version 4.');
    case 'unknown-key':
    case 'invalid-token':
      return new InvalidClientTokenId();
    case 'expired-token':
      return new ExpiredToken();
    case 'skew':
      return new SignatureDoesNotMatch(signatureExpiredMessage(failure.details));
    case 'presign-expired':
      return new RequestExpired();
    case 'signature':
    case 'payload-hash':
      return new SignatureDoesNotMatch();
  }
}
