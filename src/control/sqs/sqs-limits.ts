/**
 * Amazon SQS's quotas that Gust enforces, in one place.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html
 */
export const SQS_LIMITS = {
  queueNameLength: 80,
  /** MaximumMessageSize's ceiling and default: 256 KiB of body and message attributes. */
  messageBytes: 262_144,
  messageBytesMin: 1_024,
  /** A batch's bodies and attributes together. */
  batchBytes: 262_144,
  batchEntries: 10,
  batchEntryIdLength: 80,
  receiveMax: 10,
  waitSecondsMax: 20,
  visibilitySecondsMax: 43_200,
  delaySecondsMax: 900,
  retentionSecondsMin: 60,
  retentionSecondsMax: 1_209_600,
  messageAttributes: 10,
  attributeNameLength: 256,
  /** Messages received and not yet deleted or visible again, per queue. */
  inFlightMessages: 120_000,
  maxReceiveCountMax: 1_000,
  /** FIFO deduplication and ReceiveRequestAttemptId windows. */
  deduplicationWindowMs: 5 * 60_000,
  purgeIntervalMs: 60_000,
  tagsPerQueue: 50,
  listQueuesMax: 1_000,
  deduplicationIdLength: 128,
  groupIdLength: 128,
} as const;
