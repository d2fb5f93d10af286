/**
 * The SQS route table: one handler per operation, reading its members (Members) and
 * answering in the JSON protocol's shape, which xml-output.ts writes as XML for the query
 * protocol. Each handler reads, calls the QueueService, renders.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_Operations.html
 */
import type { Partition } from '../../core/arn.js';
import { QueueDoesNotExist, UnsupportedOperation } from '../../core/sqs-errors.js';
import { selectMessageAttributes, selectSystemAttributes } from '../../control/sqs/message-view.js';
import type { QueueService, SendMessageInput } from '../../control/sqs/queue-service.js';
import { Members, wireAttributes } from './members.js';

/** The queue operations the SQS API calls. */
export type SqsQueues = Pick<
  QueueService,
  | 'createQueue'
  | 'deleteQueue'
  | 'getQueue'
  | 'listQueues'
  | 'getAttributes'
  | 'setAttributes'
  | 'purgeQueue'
  | 'tagQueue'
  | 'untagQueue'
  | 'listTags'
  | 'deadLetterSources'
  | 'send'
  | 'sendBatch'
  | 'receiveMessage'
  | 'deleteMessage'
  | 'deleteMessageBatch'
  | 'changeVisibility'
  | 'changeVisibilityBatch'
>;

export interface SqsOperationContext {
  queues: SqsQueues;
  partition: Partition;
  /** A queue's URL, on the host the request came to. */
  queueUrl(name: string): string;
  /** The queue a request names by QueueUrl (or by its own path, in the path form). */
  queueName(input: Members): string;
  /** Aborted when the client goes away (ends a long poll). */
  signal: AbortSignal;
}

export type SqsOperation = (ctx: SqsOperationContext, input: Members) => Promise<Record<string, unknown> | undefined>;

function sendInput(m: Members): SendMessageInput {
  const delaySeconds = m.integer('DelaySeconds');
  const messageAttributes = m.messageAttributes('MessageAttributes');
  const systemAttributes = m.messageAttributes('MessageSystemAttributes');
  const groupId = m.string('MessageGroupId');
  const deduplicationId = m.string('MessageDeduplicationId');
  const body = m.string('MessageBody');
  return {
    ...(body === undefined ? {} : { body }),
    ...(delaySeconds === undefined ? {} : { delaySeconds }),
    ...(messageAttributes === undefined ? {} : { messageAttributes }),
    ...(systemAttributes === undefined ? {} : { systemAttributes }),
    ...(groupId === undefined ? {} : { groupId }),
    ...(deduplicationId === undefined ? {} : { deduplicationId }),
  };
}

function sendResult(r: { messageId: string; md5OfBody: string; md5OfMessageAttributes?: string; md5OfMessageSystemAttributes?: string; sequenceNumber?: string }): Record<string, unknown> {
  return {
    MD5OfMessageBody: r.md5OfBody,
    ...(r.md5OfMessageAttributes === undefined ? {} : { MD5OfMessageAttributes: r.md5OfMessageAttributes }),
    ...(r.md5OfMessageSystemAttributes === undefined ? {} : { MD5OfMessageSystemAttributes: r.md5OfMessageSystemAttributes }),
    MessageId: r.messageId,
    ...(r.sequenceNumber === undefined ? {} : { SequenceNumber: r.sequenceNumber }),
  };
}

function failures(failed: { id: string; senderFault: boolean; code: string; message: string }[]): Record<string, unknown>[] {
  return failed.map((f) => ({ Id: f.id, SenderFault: f.senderFault, Code: f.code, Message: f.message }));
}

const unsupported = (name: string): SqsOperation => async () => {
  throw new UnsupportedOperation(`Gust does not implement ${name}.`);
};

export const SQS_OPERATIONS: Readonly<Record<string, SqsOperation>> = {
  async CreateQueue(ctx, m) {
    const record = await ctx.queues.createQueue(m.string('QueueName'), m.stringMap('Attributes') ?? {}, m.stringMap('tags') ?? m.stringMap('Tags') ?? {});
    return { QueueUrl: ctx.queueUrl(record.name) };
  },

  async GetQueueUrl(ctx, m) {
    const name = m.requiredString('QueueName');
    const owner = m.string('QueueOwnerAWSAccountId');
    // Another account's queue is never the caller's (Gust keeps no queue policies), and its existence is not told.
    if (owner !== undefined && owner !== ctx.partition.accountId) throw new QueueDoesNotExist();
    return { QueueUrl: ctx.queueUrl(ctx.queues.getQueue(name)) };
  },

  async ListQueues(ctx, m) {
    const page = ctx.queues.listQueues(m.string('QueueNamePrefix'), m.integer('MaxResults'), m.string('NextToken'));
    return { QueueUrls: page.names.map((n) => ctx.queueUrl(n)), ...(page.nextToken === undefined ? {} : { NextToken: page.nextToken }) };
  },

  async DeleteQueue(ctx, m) {
    await ctx.queues.deleteQueue(ctx.queueName(m));
    return undefined;
  },

  async GetQueueAttributes(ctx, m) {
    const attributes = ctx.queues.getAttributes(ctx.queueName(m), m.stringList('AttributeNames') ?? []);
    return Object.keys(attributes).length === 0 ? {} : { Attributes: attributes };
  },

  async SetQueueAttributes(ctx, m) {
    await ctx.queues.setAttributes(ctx.queueName(m), m.stringMap('Attributes') ?? {});
    return undefined;
  },

  async PurgeQueue(ctx, m) {
    await ctx.queues.purgeQueue(ctx.queueName(m));
    return undefined;
  },

  async TagQueue(ctx, m) {
    await ctx.queues.tagQueue(ctx.queueName(m), m.stringMap('Tags') ?? {});
    return undefined;
  },

  async UntagQueue(ctx, m) {
    await ctx.queues.untagQueue(ctx.queueName(m), m.stringList('TagKeys') ?? []);
    return undefined;
  },

  async ListQueueTags(ctx, m) {
    const tags = ctx.queues.listTags(ctx.queueName(m));
    return Object.keys(tags).length === 0 ? {} : { Tags: tags };
  },

  async ListDeadLetterSourceQueues(ctx, m) {
    const page = ctx.queues.deadLetterSources(ctx.queueName(m), m.integer('MaxResults'), m.string('NextToken'));
    return { queueUrls: page.names.map((n) => ctx.queueUrl(n)), ...(page.nextToken === undefined ? {} : { NextToken: page.nextToken }) };
  },

  async SendMessage(ctx, m) {
    return sendResult(await ctx.queues.send(ctx.queueName(m), sendInput(m)));
  },

  async SendMessageBatch(ctx, m) {
    const entries = (m.objectList('Entries') ?? []).map((e) => ({ ...sendInput(e), id: e.string('Id') }));
    const result = await ctx.queues.sendBatch(ctx.queueName(m), entries);
    return { Successful: result.successful.map((s) => ({ Id: s.id, ...sendResult(s) })), Failed: failures(result.failed) };
  },

  async ReceiveMessage(ctx, m) {
    const waitSeconds = m.integer('WaitTimeSeconds');
    const visibilityTimeoutSeconds = m.integer('VisibilityTimeout');
    const attemptId = m.string('ReceiveRequestAttemptId');
    const received = await ctx.queues.receiveMessage(
      ctx.queueName(m),
      {
        max: m.integer('MaxNumberOfMessages') ?? 1,
        ...(waitSeconds === undefined ? {} : { waitSeconds }),
        ...(visibilityTimeoutSeconds === undefined ? {} : { visibilityTimeoutSeconds }),
        ...(attemptId === undefined ? {} : { attemptId }),
      },
      ctx.signal,
    );
    const systemNames = [...(m.stringList('AttributeNames') ?? []), ...(m.stringList('MessageSystemAttributeNames') ?? [])];
    const attributeNames = m.stringList('MessageAttributeNames') ?? [];
    const messages = received.map(({ message, receiptHandle }) => {
      const attributes = selectSystemAttributes(message, systemNames);
      const selected = selectMessageAttributes(message, attributeNames);
      return {
        MessageId: message.id,
        ReceiptHandle: receiptHandle,
        MD5OfBody: message.md5OfBody,
        Body: message.body,
        ...(Object.keys(attributes).length === 0 ? {} : { Attributes: attributes }),
        ...(selected.md5 === undefined ? {} : { MD5OfMessageAttributes: selected.md5 }),
        ...(Object.keys(selected.attributes).length === 0 ? {} : { MessageAttributes: wireAttributes(selected.attributes) }),
      };
    });
    return messages.length === 0 ? {} : { Messages: messages };
  },

  async DeleteMessage(ctx, m) {
    await ctx.queues.deleteMessage(ctx.queueName(m), m.requiredString('ReceiptHandle'));
    return undefined;
  },

  async DeleteMessageBatch(ctx, m) {
    const entries = (m.objectList('Entries') ?? []).map((e) => ({ id: e.string('Id'), receiptHandle: e.string('ReceiptHandle') }));
    const result = await ctx.queues.deleteMessageBatch(ctx.queueName(m), entries);
    return { Successful: result.successful.map((s) => ({ Id: s.id })), Failed: failures(result.failed) };
  },

  async ChangeMessageVisibility(ctx, m) {
    await ctx.queues.changeVisibility(ctx.queueName(m), m.requiredString('ReceiptHandle'), m.integer('VisibilityTimeout'));
    return undefined;
  },

  async ChangeMessageVisibilityBatch(ctx, m) {
    const entries = (m.objectList('Entries') ?? []).map((e) => ({ id: e.string('Id'), receiptHandle: e.string('ReceiptHandle'), visibilityTimeout: e.integer('VisibilityTimeout') }));
    const result = await ctx.queues.changeVisibilityBatch(ctx.queueName(m), entries);
    return { Successful: result.successful.map((s) => ({ Id: s.id })), Failed: failures(result.failed) };
  },

  AddPermission: unsupported('AddPermission'),
  RemovePermission: unsupported('RemovePermission'),
  StartMessageMoveTask: unsupported('StartMessageMoveTask'),
  CancelMessageMoveTask: unsupported('CancelMessageMoveTask'),
  ListMessageMoveTasks: unsupported('ListMessageMoveTasks'),
};
