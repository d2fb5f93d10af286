/**
 * Queue management: CreateQueue, DeleteQueue, ListQueues, Get/SetQueueAttributes,
 * PurgeQueue, the tag operations and ListDeadLetterSourceQueues, with SQS's rules and
 * errors. Every change is committed before it returns.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html
 */
import type { QueueRecord } from '../../core/model/queues.js';
import { InvalidAttributeName, InvalidParameterValue, MissingParameter, PurgeQueueInProgress, QueueNameExists } from '../../core/sqs-errors.js';
import { LiveQueue } from './live-queue.js';
import { COMPUTED_ATTRIBUTES, checkAttributes, defaultAttributes, knownAttributeNames, mergeAttributes } from './queue-attributes.js';
import type { QueueCore } from './queue-core.js';
import { SQS_LIMITS } from './sqs-limits.js';

const STANDARD_NAME = /^[a-zA-Z0-9_-]{1,80}$/;
const FIFO_NAME = /^[a-zA-Z0-9_-]{1,75}\.fifo$/;

/** A page of names and the token of the next one. */
export interface NamePage {
  names: string[];
  nextToken?: string;
}

function checkTags(tags: Record<string, string>): void {
  if (Object.keys(tags).length > SQS_LIMITS.tagsPerQueue) throw new InvalidParameterValue(`Too many tags. A queue can have at most ${SQS_LIMITS.tagsPerQueue} tags.`);
  for (const [key, value] of Object.entries(tags)) {
    if (key.length === 0 || key.length > 128) throw new InvalidParameterValue(`Tag key ${key} is invalid. Reason: A tag key must be 1 to 128 characters long.`);
    if (value.length > 256) throw new InvalidParameterValue(`Tag value for key ${key} is invalid. Reason: A tag value must be at most 256 characters long.`);
  }
}

export async function createQueue(core: QueueCore, name: string | undefined, attributes: Record<string, string>, tags: Record<string, string>): Promise<QueueRecord> {
  if (name === undefined || name === '') throw new MissingParameter('QueueName');
  const fifo = attributes.FifoQueue?.toLowerCase() === 'true';
  if (fifo && !FIFO_NAME.test(name)) {
    throw new InvalidParameterValue('The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.');
  }
  if (!fifo && !STANDARD_NAME.test(name)) throw new InvalidParameterValue('Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length');
  const checked = checkAttributes(attributes, { partition: core.deps.partition, name, fifo, creating: true, queue: (n) => core.queues.get(n)?.record });
  checkTags(tags);
  const existing = core.queues.get(name);
  if (existing) {
    for (const [attribute, value] of Object.entries(checked)) {
      if ((existing.record.attributes[attribute] ?? '') !== value) {
        throw new QueueNameExists(`A queue already exists with the same name and a different value for attribute ${attribute}`);
      }
    }
    return existing.record;
  }
  const now = core.clock.now();
  const record: QueueRecord = { name, fifo, attributes: mergeAttributes(defaultAttributes(fifo), checked), tags: { ...tags }, createdAt: now, lastModifiedAt: now };
  core.queues.set(name, new LiveQueue(record, core.clock));
  await core.submit([{ kind: 'putQueue', queue: record }]);
  core.emit(name, 'created');
  return record;
}

export async function deleteQueue(core: QueueCore, name: string): Promise<void> {
  const queue = core.queue(name);
  core.queues.delete(name);
  // Long polls on the queue end now, empty, as on SQS.
  queue.releaseWaiters();
  await core.submit([{ kind: 'deleteQueue', name }]);
  core.emit(name, 'deleted');
}

/** Pages through sorted names with an opaque token (the last name of the previous page). */
function pageNames(all: string[], maxResults: number | undefined, nextToken: string | undefined): NamePage {
  if (maxResults !== undefined && (maxResults < 1 || maxResults > SQS_LIMITS.listQueuesMax)) {
    throw new InvalidParameterValue(`Value ${maxResults} for parameter MaxResults is invalid. Reason: MaxResults must be an integer between 1 and ${SQS_LIMITS.listQueuesMax}.`);
  }
  let start = 0;
  if (nextToken !== undefined) {
    const after = Buffer.from(nextToken, 'base64').toString('utf8');
    if (!nextToken || !after.startsWith('q:')) throw new InvalidParameterValue('Invalid NextToken value.');
    start = all.findIndex((n) => n > after.slice(2));
    if (start < 0) start = all.length;
  }
  const size = maxResults ?? SQS_LIMITS.listQueuesMax;
  const names = all.slice(start, start + size);
  // Without MaxResults SQS answers up to 1,000 queues and no token.
  const more = maxResults !== undefined && start + size < all.length;
  return more ? { names, nextToken: Buffer.from(`q:${names.at(-1)!}`, 'utf8').toString('base64') } : { names };
}

export function listQueues(core: QueueCore, prefix: string | undefined, maxResults: number | undefined, nextToken: string | undefined): NamePage {
  const names = [...core.queues.keys()].filter((n) => prefix === undefined || n.startsWith(prefix)).sort();
  return pageNames(names, maxResults, nextToken);
}

export function getAttributes(core: QueueCore, name: string, requested: string[]): Record<string, string> {
  const queue = core.queue(name);
  const known = knownAttributeNames(queue.fifo);
  for (const attribute of requested) {
    if (attribute !== 'All' && !known.has(attribute)) throw new InvalidAttributeName(`Unknown Attribute ${attribute}.`);
  }
  const counts = queue.countsNow();
  const computed: Record<(typeof COMPUTED_ATTRIBUTES)[number], string> = {
    QueueArn: core.arn(name),
    ApproximateNumberOfMessages: String(counts.visible),
    ApproximateNumberOfMessagesNotVisible: String(counts.inFlight),
    ApproximateNumberOfMessagesDelayed: String(counts.delayed),
    CreatedTimestamp: String(Math.floor(queue.record.createdAt / 1000)),
    LastModifiedTimestamp: String(Math.floor(queue.record.lastModifiedAt / 1000)),
  };
  const all: Record<string, string> = { ...computed, ...queue.record.attributes };
  const out: Record<string, string> = {};
  const wanted = requested.includes('All') ? Object.keys(all) : requested;
  for (const attribute of wanted) if (all[attribute] !== undefined) out[attribute] = all[attribute];
  return out;
}

export async function setAttributes(core: QueueCore, name: string, attributes: Record<string, string>): Promise<void> {
  const queue = core.queue(name);
  const checked = checkAttributes(attributes, { partition: core.deps.partition, name, fifo: queue.fifo, creating: false, queue: (n) => core.queues.get(n)?.record });
  if (Object.keys(checked).length === 0) return;
  const record: QueueRecord = { ...queue.record, attributes: mergeAttributes(queue.record.attributes, checked), lastModifiedAt: core.clock.now() };
  queue.update(record);
  await core.submit([{ kind: 'putQueue', queue: record }]);
  core.emit(name, 'updated');
}

export async function purgeQueue(core: QueueCore, name: string): Promise<void> {
  const queue = core.queue(name);
  const now = core.clock.now();
  if (now - queue.lastPurgeAt < SQS_LIMITS.purgeIntervalMs) throw new PurgeQueueInProgress(name);
  queue.lastPurgeAt = now;
  const throughSeq = core.nextSeq();
  queue.purge(throughSeq);
  await core.submit([{ kind: 'purgeQueue', name, throughSeq }]);
}

export async function tagQueue(core: QueueCore, name: string, tags: Record<string, string>): Promise<void> {
  const queue = core.queue(name);
  const next = { ...queue.record.tags, ...tags };
  checkTags(next);
  const record: QueueRecord = { ...queue.record, tags: next };
  queue.update(record);
  await core.submit([{ kind: 'putQueue', queue: record }]);
}

export async function untagQueue(core: QueueCore, name: string, keys: string[]): Promise<void> {
  const queue = core.queue(name);
  const next = { ...queue.record.tags };
  for (const key of keys) delete next[key];
  const record: QueueRecord = { ...queue.record, tags: next };
  queue.update(record);
  await core.submit([{ kind: 'putQueue', queue: record }]);
}

/** The queues whose redrive policy names this one as their dead-letter queue. */
export function deadLetterSources(core: QueueCore, name: string, maxResults: number | undefined, nextToken: string | undefined): NamePage {
  const arn = core.arn(core.queue(name).name);
  const sources = [...core.queues.values()].filter((q) => q.settings.redrive?.deadLetterTargetArn === arn).map((q) => q.name).sort();
  return pageNames(sources, maxResults, nextToken);
}
