/**
 * The records of Gust's SQS-compatible queue service, as the queue store keeps them and the
 * control layer works with them. Names inside are camelCase; SQS's own names (`QueueUrl`,
 * `MD5OfBody`, attribute names such as `VisibilityTimeout`) appear only at the HTTP edge,
 * except for queue attributes, which SQS defines as a string map and Gust keeps as one.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_Types.html
 */

/** A queue: its name (unique in the account), type, attributes and tags. */
export interface QueueRecord {
  /** 1–80 characters; a FIFO queue's name ends in `.fifo`. */
  name: string;
  fifo: boolean;
  /**
   * Every settable attribute with its value as SQS answers GetQueueAttributes (strings,
   * defaults filled in). The Approximate* counters and timestamps are computed, not kept.
   */
  attributes: Record<string, string>;
  tags: Record<string, string>;
  /** ms since the epoch. */
  createdAt: number;
  lastModifiedAt: number;
}

/** A message attribute, as SendMessage takes it and ReceiveMessage returns it. */
export interface MessageAttributeValue {
  /** `String`, `Number` or `Binary`, optionally followed by `.<custom type>`. */
  dataType: string;
  stringValue?: string;
  binaryValue?: Buffer;
}

/** Where a message is in its life, as the store keeps it. */
export interface MessageState {
  /** Not to be received before this time (ms since the epoch): a delay, or a visibility timeout. */
  visibleAt: number;
  /** Times received so far (SQS's ApproximateReceiveCount). */
  receiveCount: number;
  /** When it was first received (ms since the epoch); undefined until then. */
  firstReceiveAt?: number;
}

/** One message of one queue. */
export interface StoredMessage {
  queue: string;
  /**
   * Arrival order, unique in the store and never reused while stored: the order a
   * standard queue tries to keep and a FIFO queue keeps exactly.
   */
  seq: number;
  /** The MessageId (a UUID). */
  id: string;
  body: string;
  md5OfBody: string;
  messageAttributes: Record<string, MessageAttributeValue>;
  /** Undefined when the message has no attributes (SQS then sends no digest). */
  md5OfMessageAttributes?: string;
  /** The AWSTraceHeader system attribute, if the sender gave one. */
  traceHeader?: string;
  md5OfMessageSystemAttributes?: string;
  /** ms since the epoch; retention counts from here, also in a dead-letter queue. */
  sentAt: number;
  senderId: string;
  /** FIFO queues (and fair standard queues): the message group. */
  groupId?: string;
  /** FIFO queues: the deduplication id given or derived from the body. */
  deduplicationId?: string;
  /** FIFO queues: SQS's SequenceNumber, a 20-digit decimal string. */
  sequenceNumber?: string;
  /** Set once the message has been moved to a dead-letter queue: the ARN of the queue it came from. */
  deadLetterSourceArn?: string;
  state: MessageState;
}

/** A FIFO queue's memory of a deduplication id, for five minutes after the first send. */
export interface DeduplicationEntry {
  queue: string;
  deduplicationId: string;
  /** What a duplicate's SendMessage answers: the first message's id and sequence number. */
  messageId: string;
  sequenceNumber: string;
  /** ms since the epoch. */
  expiresAt: number;
}
