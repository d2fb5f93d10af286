/**
 * SendMessage's checks, as SQS makes them, and the digests it answers with: the body's
 * characters and size (with its attributes), message attributes (names, types, values),
 * the AWSTraceHeader system attribute, per-message delays, and FIFO's group and
 * deduplication ids.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html
 */
import type { MessageAttributeValue } from '../../core/model/queues.js';
import { InvalidMessageContents, InvalidParameterValue, MissingParameter } from '../../core/sqs-errors.js';
import { md5Hex, md5OfAttributes } from '../../core/sqs-digests.js';
import type { QueueSettings } from './queue-attributes.js';
import { SQS_LIMITS } from './sqs-limits.js';

/** One message as a sender gives it (SendMessage, or one entry of SendMessageBatch). */
export interface SendMessageInput {
  body?: string;
  delaySeconds?: number;
  messageAttributes?: Record<string, MessageAttributeValue>;
  systemAttributes?: Record<string, MessageAttributeValue>;
  groupId?: string;
  deduplicationId?: string;
}

/** A message that passed every check, with its digests and the bytes it counts for. */
export interface CheckedMessage {
  body: string;
  md5OfBody: string;
  messageAttributes: Record<string, MessageAttributeValue>;
  md5OfMessageAttributes?: string;
  traceHeader?: string;
  md5OfMessageSystemAttributes?: string;
  /** The delay to apply: the message's own, else the queue's. */
  delaySeconds: number;
  groupId?: string;
  deduplicationId?: string;
  /** Body and attribute bytes, as SQS counts them against MaximumMessageSize. */
  size: number;
}

// XML 1.0's characters, which are all SQS takes in a body or an attribute value.
const DISALLOWED = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const ALLOWED_SET = '#x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF';
const ATTRIBUTE_NAME = /^[a-zA-Z0-9_.-]+$/;
const GROUP_OR_DEDUP_ID = /^[a-zA-Z0-9!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]+$/;
const NUMBER = /^[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$/;

function checkCharacters(text: string, where: string): void {
  const bad = DISALLOWED.exec(text);
  if (bad) {
    const code = bad[0].codePointAt(0)!.toString(16).toUpperCase();
    throw new InvalidMessageContents(`Invalid binary character '#x${code}' was found in the ${where}, the set of allowed characters is ${ALLOWED_SET}`);
  }
}

function invalidParameter(name: string, value: string, reason: string): InvalidParameterValue {
  return new InvalidParameterValue(`Value ${value} for parameter ${name} is invalid. Reason: ${reason}`);
}

/** Checks message attributes and returns their size in bytes. */
function checkMessageAttributes(attributes: Record<string, MessageAttributeValue>): number {
  const names = Object.keys(attributes);
  if (names.length > SQS_LIMITS.messageAttributes) {
    throw new InvalidParameterValue(`Number of message attributes [${names.length}] exceeds the allowed maximum [${SQS_LIMITS.messageAttributes}].`);
  }
  let size = 0;
  for (const name of names) {
    const value = attributes[name]!;
    if (name.length > SQS_LIMITS.attributeNameLength || !ATTRIBUTE_NAME.test(name) || name.startsWith('.') || name.endsWith('.') || name.includes('..')) {
      throw new InvalidParameterValue(`Message (user) attribute name '${name}' is invalid. The attribute name can contain alphanumeric characters, underscores, hyphens and periods, but cannot begin or end with a period or have consecutive periods; it must be 1 to 256 characters.`);
    }
    if (/^(aws\.|amazon\.)/i.test(name)) {
      throw new InvalidParameterValue(`You can't use message attribute names beginning with 'AWS.' or 'Amazon.'. These strings are reserved for internal use. Additionally, they cannot be used as part of a message attribute name '${name}'.`);
    }
    const type = value.dataType ?? '';
    const base = type.split('.')[0];
    if (type === '') throw new InvalidParameterValue(`The message attribute '${name}' must contain non-empty message attribute type.`);
    if ((base !== 'String' && base !== 'Number' && base !== 'Binary') || type.length > SQS_LIMITS.attributeNameLength) {
      throw new InvalidParameterValue(`The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`);
    }
    if (base === 'Binary') {
      if (value.binaryValue === undefined || value.binaryValue.length === 0) {
        throw new InvalidParameterValue(`The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${type}'.`);
      }
      if (value.stringValue !== undefined) throw new InvalidParameterValue(`The message attribute '${name}' with type '${type}' must use field 'Binary'.`);
      size += value.binaryValue.length;
    } else {
      if (value.stringValue === undefined || value.stringValue === '') {
        throw new InvalidParameterValue(`The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${type}'.`);
      }
      if (value.binaryValue !== undefined) throw new InvalidParameterValue(`The message attribute '${name}' with type '${type}' must use field 'String'.`);
      checkCharacters(value.stringValue, `value of message attribute '${name}'`);
      if (base === 'Number' && (!NUMBER.test(value.stringValue.trim()) || value.stringValue.replace(/[^0-9]/g, '').replace(/^0+/, '').length > 38)) {
        throw new InvalidParameterValue(`Can't cast the value of message (user) attribute '${name}' to a number.`);
      }
      size += Buffer.byteLength(value.stringValue, 'utf8');
    }
    size += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(type, 'utf8');
  }
  return size;
}

function checkSystemAttributes(attributes: Record<string, MessageAttributeValue>): string | undefined {
  for (const [name, value] of Object.entries(attributes)) {
    if (name !== 'AWSTraceHeader') throw new InvalidParameterValue(`Message system attribute name '${name}' is invalid.`);
    if (value.dataType !== 'String' || value.stringValue === undefined || value.stringValue === '') {
      throw new InvalidParameterValue(`Message system attribute '${name}' must be of type 'String' with a non-empty value.`);
    }
  }
  return attributes.AWSTraceHeader?.stringValue;
}

function checkId(name: 'MessageGroupId' | 'MessageDeduplicationId', value: string): void {
  const limit = name === 'MessageGroupId' ? SQS_LIMITS.groupIdLength : SQS_LIMITS.deduplicationIdLength;
  if (value.length === 0 || value.length > limit || !GROUP_OR_DEDUP_ID.test(value)) {
    throw invalidParameter(name, value, `${name} can only include alphanumeric and punctuation characters. 1 to ${limit} in length.`);
  }
}

/** Checks one message for a queue of this type and these settings. */
export function checkMessage(input: SendMessageInput, queue: { fifo: boolean; settings: QueueSettings }): CheckedMessage {
  const body = input.body;
  if (body === undefined || body === '') throw new MissingParameter('MessageBody');
  checkCharacters(body, 'message body');
  const messageAttributes = input.messageAttributes ?? {};
  const systemAttributes = input.systemAttributes ?? {};
  const size = Buffer.byteLength(body, 'utf8') + checkMessageAttributes(messageAttributes);
  const traceHeader = checkSystemAttributes(systemAttributes);
  const max = queue.settings.maxMessageBytes;
  if (size > max) throw new InvalidParameterValue(`One or more parameters are invalid. Reason: Message must be shorter than ${max} bytes.`);

  const delay = input.delaySeconds;
  if (delay !== undefined && (delay < 0 || delay > SQS_LIMITS.delaySecondsMax)) {
    throw invalidParameter('DelaySeconds', String(delay), `DelaySeconds must be >= 0 and <= ${SQS_LIMITS.delaySecondsMax}.`);
  }
  const notForThisType = 'The request include parameter that is not valid for this queue type.';
  if (queue.fifo) {
    if (delay !== undefined && delay !== 0) throw invalidParameter('DelaySeconds', String(delay), notForThisType);
    if (input.groupId === undefined) throw new MissingParameter('MessageGroupId');
    checkId('MessageGroupId', input.groupId);
    if (input.deduplicationId !== undefined) checkId('MessageDeduplicationId', input.deduplicationId);
    else if (!queue.settings.contentBasedDeduplication) {
      throw new InvalidParameterValue('The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly');
    }
  } else {
    if (input.deduplicationId !== undefined) throw invalidParameter('MessageDeduplicationId', input.deduplicationId, notForThisType);
    // Standard queues take a group id since SQS's fair queues (2025); it is kept and returned.
    if (input.groupId !== undefined) checkId('MessageGroupId', input.groupId);
  }
  const md5OfMessageAttributes = md5OfAttributes(messageAttributes);
  const md5OfMessageSystemAttributes = md5OfAttributes(systemAttributes);
  return {
    body,
    md5OfBody: md5Hex(body),
    messageAttributes,
    ...(md5OfMessageAttributes === undefined ? {} : { md5OfMessageAttributes }),
    ...(traceHeader === undefined ? {} : { traceHeader }),
    ...(md5OfMessageSystemAttributes === undefined ? {} : { md5OfMessageSystemAttributes }),
    delaySeconds: queue.fifo ? queue.settings.delaySeconds : (delay ?? queue.settings.delaySeconds),
    ...(input.groupId === undefined ? {} : { groupId: input.groupId }),
    ...(input.deduplicationId === undefined ? {} : { deduplicationId: input.deduplicationId }),
    size,
  };
}
