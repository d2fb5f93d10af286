/**
 * Queue attributes as SQS checks them at CreateQueue and SetQueueAttributes: which names
 * exist (and for which queue type), each value's range, the redrive policies, and the
 * defaults. Attributes stay the string map SQS defines; `settingsOf` reads the typed
 * values the queue engine works with.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html
 */
import type { Partition } from '../../core/arn.js';
import type { QueueRecord } from '../../core/model/queues.js';
import { InvalidAttributeName, InvalidAttributeValue, InvalidParameterValue } from '../../core/sqs-errors.js';
import { SQS_LIMITS } from './sqs-limits.js';

/** What the queue engine reads from a queue's attributes. */
export interface QueueSettings {
  visibilityTimeoutSeconds: number;
  delaySeconds: number;
  retentionSeconds: number;
  waitSeconds: number;
  maxMessageBytes: number;
  redrive?: { deadLetterTargetArn: string; maxReceiveCount: number };
  contentBasedDeduplication: boolean;
  /** FIFO: deduplication ids are unique per queue, or per message group. */
  deduplicationPerGroup: boolean;
}

const COMMON_DEFAULTS: Record<string, string> = {
  DelaySeconds: '0',
  MaximumMessageSize: String(SQS_LIMITS.messageBytes),
  MessageRetentionPeriod: '345600',
  ReceiveMessageWaitTimeSeconds: '0',
  VisibilityTimeout: '30',
  // New queues are encrypted with SQS-owned keys by default (since 2022).
  SqsManagedSseEnabled: 'true',
};

const FIFO_DEFAULTS: Record<string, string> = {
  FifoQueue: 'true',
  ContentBasedDeduplication: 'false',
  DeduplicationScope: 'queue',
  FifoThroughputLimit: 'perQueue',
};

/** Attributes any queue takes, with their checks. */
const COMMON_NAMES = new Set([...Object.keys(COMMON_DEFAULTS), 'Policy', 'RedrivePolicy', 'RedriveAllowPolicy', 'KmsMasterKeyId', 'KmsDataKeyReusePeriodSeconds']);
const FIFO_NAMES = new Set(Object.keys(FIFO_DEFAULTS));

/** Attributes GetQueueAttributes computes; they can be asked for but never set. */
export const COMPUTED_ATTRIBUTES = [
  'QueueArn',
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
  'CreatedTimestamp',
  'LastModifiedTimestamp',
] as const;

/** The names GetQueueAttributes knows for a queue of this type. */
export function knownAttributeNames(fifo: boolean): Set<string> {
  return new Set([...COMMON_NAMES, ...(fifo ? FIFO_NAMES : []), ...COMPUTED_ATTRIBUTES]);
}

export function defaultAttributes(fifo: boolean): Record<string, string> {
  return { ...COMMON_DEFAULTS, ...(fifo ? FIFO_DEFAULTS : {}) };
}

export function queueArn(partition: Partition, name: string): string {
  return `arn:aws:sqs:${partition.region}:${partition.accountId}:${name}`;
}

/** The queue name of an SQS ARN in Gust's region and account; undefined for anything else. */
export function queueNameOfArn(partition: Partition, arn: string): string | undefined {
  const m = /^arn:aws[a-zA-Z-]*:sqs:([a-z0-9-]+):(\d{12}):([a-zA-Z0-9_-]{1,75}(?:\.fifo)?|[a-zA-Z0-9_-]{1,80})$/.exec(arn);
  if (!m || m[1] !== partition.region || m[2] !== partition.accountId) return undefined;
  return m[3];
}

const invalidValue = (name: string) => new InvalidAttributeValue(`Invalid value for the parameter ${name}.`);

function checkInteger(name: string, value: string, min: number, max: number): string {
  if (!/^-?[0-9]+$/.test(value.trim())) throw invalidValue(name);
  const n = Number(value.trim());
  if (n < min || n > max) throw invalidValue(name);
  return String(n);
}

function checkBoolean(name: string, value: string): string {
  const v = value.toLowerCase();
  if (v !== 'true' && v !== 'false') throw invalidValue(name);
  return v;
}

function parseJsonObject(value: string): Record<string, unknown> | undefined {
  try {
    const parsed = JSON.parse(value) as unknown;
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** What checking a queue's redrive policy needs to know about the other queues. */
export interface RedriveContext {
  partition: Partition;
  /** The queue being created or changed. */
  name: string;
  fifo: boolean;
  /** Another queue of the account, by name. */
  queue(name: string): QueueRecord | undefined;
}

function checkRedrivePolicy(value: string, ctx: RedriveContext): string {
  if (value === '') return '';
  const invalid = (reason: string) => new InvalidParameterValue(`Value ${value} for parameter RedrivePolicy is invalid. Reason: ${reason}`);
  const policy = parseJsonObject(value);
  if (!policy) throw invalid('Redrive policy is not a valid JSON map.');
  const target = policy.deadLetterTargetArn;
  const count = policy.maxReceiveCount;
  if (typeof target !== 'string') throw invalid('Redrive policy does not contain mandatory attribute: deadLetterTargetArn.');
  if (count === undefined) throw invalid('Redrive policy does not contain mandatory attribute: maxReceiveCount.');
  const n = typeof count === 'number' ? count : typeof count === 'string' && /^[0-9]+$/.test(count) ? Number(count) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > SQS_LIMITS.maxReceiveCountMax) {
    throw invalid(`Invalid value for maxReceiveCount: ${String(count)}, valid values are from 1 to ${SQS_LIMITS.maxReceiveCountMax} both inclusive.`);
  }
  const dlqName = queueNameOfArn(ctx.partition, target);
  const dlq = dlqName === undefined ? undefined : ctx.queue(dlqName);
  if (!dlq) throw invalid('Dead letter target does not exist.');
  if (dlq.fifo !== ctx.fifo) throw invalid('Dead-letter queue must be same type of queue as the source.');
  const allow = dlq.attributes.RedriveAllowPolicy ? parseJsonObject(dlq.attributes.RedriveAllowPolicy) : undefined;
  const source = queueArn(ctx.partition, ctx.name);
  if (allow?.redrivePermission === 'denyAll' || (allow?.redrivePermission === 'byQueue' && !(allow.sourceQueueArns as string[]).includes(source))) {
    throw invalid(`Queue ${target} does not allow ${source} to use it as a dead-letter queue.`);
  }
  return JSON.stringify({ deadLetterTargetArn: target, maxReceiveCount: n });
}

function checkRedriveAllowPolicy(value: string): string {
  if (value === '') return '';
  const invalid = (reason: string) => new InvalidParameterValue(`Value ${value} for parameter RedriveAllowPolicy is invalid. Reason: ${reason}`);
  const policy = parseJsonObject(value);
  if (!policy) throw invalid('Amazon SQS can\'t create the redrive allow policy, as it\'s in an unsupported format.');
  const permission = policy.redrivePermission;
  if (permission !== 'allowAll' && permission !== 'denyAll' && permission !== 'byQueue') throw invalid('Invalid value for redrivePermission: allowed values are allowAll, denyAll and byQueue.');
  const sources = policy.sourceQueueArns;
  if (permission === 'byQueue') {
    if (!Array.isArray(sources) || sources.length === 0 || sources.length > 10 || !sources.every((s) => typeof s === 'string')) {
      throw invalid('sourceQueueArns must list 1 to 10 queue ARNs when redrivePermission is byQueue.');
    }
    return JSON.stringify({ redrivePermission: permission, sourceQueueArns: sources });
  }
  if (sources !== undefined) throw invalid(`sourceQueueArns can only be given when redrivePermission is byQueue.`);
  return JSON.stringify({ redrivePermission: permission });
}

/**
 * Checks attributes given to CreateQueue (`creating`) or SetQueueAttributes and returns
 * them normalized as GetQueueAttributes will answer them. An empty RedrivePolicy or
 * RedriveAllowPolicy (or Policy) removes it: its normalized value is ''.
 */
export function checkAttributes(input: Record<string, string>, ctx: RedriveContext & { creating: boolean }): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(input)) {
    if (!COMMON_NAMES.has(name) && !(ctx.fifo && FIFO_NAMES.has(name))) {
      if (name === 'FifoQueue' && ctx.creating && raw.toLowerCase() === 'false') continue;
      throw new InvalidAttributeName(`Unknown Attribute ${name}.`);
    }
    out[name] = checkValue(name, raw, ctx);
  }
  if (!ctx.creating && out.FifoQueue !== undefined) throw new InvalidAttributeValue('Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not supported.');
  return out;
}

function checkValue(name: string, value: string, ctx: RedriveContext & { creating: boolean }): string {
  switch (name) {
    case 'DelaySeconds':
      return checkInteger(name, value, 0, SQS_LIMITS.delaySecondsMax);
    case 'MaximumMessageSize':
      return checkInteger(name, value, SQS_LIMITS.messageBytesMin, SQS_LIMITS.messageBytes);
    case 'MessageRetentionPeriod':
      return checkInteger(name, value, SQS_LIMITS.retentionSecondsMin, SQS_LIMITS.retentionSecondsMax);
    case 'ReceiveMessageWaitTimeSeconds':
      return checkInteger(name, value, 0, SQS_LIMITS.waitSecondsMax);
    case 'VisibilityTimeout':
      return checkInteger(name, value, 0, SQS_LIMITS.visibilitySecondsMax);
    case 'KmsDataKeyReusePeriodSeconds':
      return checkInteger(name, value, 60, 86_400);
    case 'SqsManagedSseEnabled':
    case 'ContentBasedDeduplication':
      return checkBoolean(name, value);
    case 'FifoQueue':
      if (checkBoolean(name, value) !== 'true') throw invalidValue(name);
      return 'true';
    case 'DeduplicationScope':
      if (value !== 'queue' && value !== 'messageGroup') throw invalidValue(name);
      return value;
    case 'FifoThroughputLimit':
      if (value !== 'perQueue' && value !== 'perMessageGroupId') throw invalidValue(name);
      return value;
    case 'Policy':
      if (value !== '' && !parseJsonObject(value)) throw invalidValue(name);
      return value;
    case 'RedrivePolicy':
      return checkRedrivePolicy(value, ctx);
    case 'RedriveAllowPolicy':
      return checkRedriveAllowPolicy(value);
    default:
      return value;
  }
}

/** Merges checked attributes into a queue's current ones; '' removes an optional policy. */
export function mergeAttributes(current: Record<string, string>, changes: Record<string, string>): Record<string, string> {
  const next = { ...current, ...changes };
  for (const [name, value] of Object.entries(changes)) if (value === '') delete next[name];
  // A queue encrypted with a KMS key is not also encrypted with SQS-owned keys.
  if (changes.KmsMasterKeyId && changes.SqsManagedSseEnabled === undefined) next.SqsManagedSseEnabled = 'false';
  if (next.KmsMasterKeyId && next.KmsDataKeyReusePeriodSeconds === undefined) next.KmsDataKeyReusePeriodSeconds = '300';
  return next;
}

export function settingsOf(attributes: Record<string, string>): QueueSettings {
  const redrive = attributes.RedrivePolicy ? (JSON.parse(attributes.RedrivePolicy) as { deadLetterTargetArn: string; maxReceiveCount: number }) : undefined;
  return {
    visibilityTimeoutSeconds: Number(attributes.VisibilityTimeout ?? COMMON_DEFAULTS.VisibilityTimeout),
    delaySeconds: Number(attributes.DelaySeconds ?? 0),
    retentionSeconds: Number(attributes.MessageRetentionPeriod ?? COMMON_DEFAULTS.MessageRetentionPeriod),
    waitSeconds: Number(attributes.ReceiveMessageWaitTimeSeconds ?? 0),
    maxMessageBytes: Number(attributes.MaximumMessageSize ?? SQS_LIMITS.messageBytes),
    ...(redrive ? { redrive } : {}),
    contentBasedDeduplication: attributes.ContentBasedDeduplication === 'true',
    deduplicationPerGroup: attributes.DeduplicationScope === 'messageGroup',
  };
}
