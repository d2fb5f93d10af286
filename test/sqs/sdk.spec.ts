/**
 * The SQS API driven by the real `@aws-sdk/client-sqs` (JSON protocol), every operation
 * against a real server: the SDK checks every MD5OfBody it gets (a wrong one throws), and
 * attribute digests are compared with digests SQS itself returned for the same attributes.
 * Errors are checked as the SDK reports them: name, status, message and the query code
 * it reads from `x-amzn-query-error`.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AddPermissionCommand,
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListDeadLetterSourceQueuesCommand,
  ListQueueTagsCommand,
  ListQueuesCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  TagQueueCommand,
  UntagQueueCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { startTestGust, type TestGust } from '../helpers/gust.js';
import { ACCOUNT, QUEUE_ARN_PREFIX, queueUrl, sqsClient } from './support.js';

interface SqsSdkError {
  name: string;
  message: string;
  Code?: string;
  $metadata: { httpStatusCode?: number };
}

async function sqsError(promise: Promise<unknown>): Promise<{ name: string; status: number | undefined; code: string | undefined; message: string }> {
  try {
    await promise;
  } catch (err) {
    const e = err as SqsSdkError;
    return { name: e.name, status: e.$metadata?.httpStatusCode, code: e.Code, message: e.message };
  }
  throw new Error('expected the SDK to throw');
}

describe('SQS API with @aws-sdk/client-sqs (JSON protocol)', () => {
  let t: TestGust;
  let sqs: SQSClient;

  beforeAll(async () => {
    t = await startTestGust();
    sqs = sqsClient(t);
  });
  afterAll(async () => {
    sqs?.destroy();
    await t?.stop();
  });

  it('creates queues (idempotently with the same attributes), finds, lists with prefix and pages, and deletes them', async () => {
    const created = await sqs.send(new CreateQueueCommand({ QueueName: 'orders', Attributes: { VisibilityTimeout: '45', DelaySeconds: '0' }, tags: { team: 'shop' } }));
    expect(created.QueueUrl).toBe(queueUrl(t, 'orders'));
    expect((await sqs.send(new CreateQueueCommand({ QueueName: 'orders', Attributes: { VisibilityTimeout: '45' } }))).QueueUrl).toBe(created.QueueUrl);
    expect(await sqsError(sqs.send(new CreateQueueCommand({ QueueName: 'orders', Attributes: { VisibilityTimeout: '46' } })))).toEqual({
      name: 'QueueNameExists',
      status: 400,
      code: 'QueueAlreadyExists',
      message: 'A queue already exists with the same name and a different value for attribute VisibilityTimeout',
    });
    for (const name of ['orders-2', 'orders-3', 'other']) await sqs.send(new CreateQueueCommand({ QueueName: name }));
    expect((await sqs.send(new GetQueueUrlCommand({ QueueName: 'orders-2' }))).QueueUrl).toBe(queueUrl(t, 'orders-2'));
    expect((await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'orders' }))).QueueUrls).toEqual(['orders', 'orders-2', 'orders-3'].map((n) => queueUrl(t, n)));
    const page1 = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'orders', MaxResults: 2 }));
    expect(page1.QueueUrls).toHaveLength(2);
    const page2 = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'orders', MaxResults: 2, NextToken: page1.NextToken }));
    expect(page2.QueueUrls).toEqual([queueUrl(t, 'orders-3')]);
    expect(page2.NextToken).toBeUndefined();

    await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl(t, 'orders-3') }));
    expect(await sqsError(sqs.send(new GetQueueUrlCommand({ QueueName: 'orders-3' })))).toEqual({
      name: 'QueueDoesNotExist',
      status: 400,
      code: 'AWS.SimpleQueueService.NonExistentQueue',
      message: 'The specified queue does not exist.',
    });
    expect((await sqsError(sqs.send(new GetQueueUrlCommand({ QueueName: 'orders', QueueOwnerAWSAccountId: '123456789012' })))).name).toBe('QueueDoesNotExist');
  });

  it('refuses bad names and attributes with SQS errors', async () => {
    expect(await sqsError(sqs.send(new CreateQueueCommand({ QueueName: 'bad name' })))).toMatchObject({ name: 'InvalidParameterValue', status: 400, code: 'InvalidParameterValue' });
    expect((await sqsError(sqs.send(new CreateQueueCommand({ QueueName: 'no-suffix', Attributes: { FifoQueue: 'true' } })))).message).toMatch(/must end with \.fifo suffix/);
    expect(await sqsError(sqs.send(new CreateQueueCommand({ QueueName: 'q-bad', Attributes: { Colour: 'blue' } as Record<string, string> })))).toEqual({ name: 'InvalidAttributeName', status: 400, code: 'InvalidAttributeName', message: 'Unknown Attribute Colour.' });
    expect(await sqsError(sqs.send(new CreateQueueCommand({ QueueName: 'q-bad', Attributes: { VisibilityTimeout: '43201' } })))).toEqual({
      name: 'InvalidAttributeValue',
      status: 400,
      code: 'InvalidAttributeValue',
      message: 'Invalid value for the parameter VisibilityTimeout.',
    });
    expect((await sqsError(sqs.send(new CreateQueueCommand({ QueueName: 'q-bad', Attributes: { ContentBasedDeduplication: 'true' } })))).name).toBe('InvalidAttributeName');
    expect(await sqsError(sqs.send(new GetQueueAttributesCommand({ QueueUrl: 'not a url', AttributeNames: ['All'] })))).toMatchObject({ name: 'InvalidAddress', status: 404 });
    expect(await sqsError(sqs.send(new AddPermissionCommand({ QueueUrl: queueUrl(t, 'orders'), Label: 'l', AWSAccountIds: ['1'], Actions: ['*'] })))).toMatchObject({
      name: 'UnsupportedOperation',
      code: 'AWS.SimpleQueueService.UnsupportedOperation',
    });
  });

  it('sends with attributes and digests SQS computes the same way, and receives with the attributes asked for', async () => {
    const QueueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'attrs' }))).QueueUrl!;
    const sent = await sqs.send(
      new SendMessageCommand({
        QueueUrl,
        MessageBody: 'héllo wörld \u{1F600}',
        MessageAttributes: {
          test_attribute_name_2: { DataType: 'String', StringValue: 'test_attribute_value_2' },
          test_attribute_name_1: { DataType: 'String', StringValue: 'test_attribute_value_1' },
        },
        MessageSystemAttributes: { AWSTraceHeader: { DataType: 'String', StringValue: 'Root=1-5759e988-bd862e3fe1be46a994272793' } },
      }),
    );
    // The digest SQS itself returns for these two attributes.
    expect(sent.MD5OfMessageAttributes).toBe('d53f3b558fe951154770f25cb63dbba9');
    expect(sent.MD5OfMessageSystemAttributes).toMatch(/^[0-9a-f]{32}$/);
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'binary', MessageAttributes: { test_attribute_name: { DataType: 'Binary', BinaryValue: Buffer.from('test_attribute_value') } } }));

    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['All'], MessageAttributeNames: ['All'] }));
    expect(got.Messages).toHaveLength(2);
    const [text, binary] = got.Messages!.sort((a, b) => (a.Body! < b.Body! ? -1 : 1)).reverse();
    expect(text!.Body).toBe('héllo wörld \u{1F600}');
    expect(text!.MD5OfMessageAttributes).toBe('d53f3b558fe951154770f25cb63dbba9');
    expect(text!.Attributes).toMatchObject({ SenderId: ACCOUNT, ApproximateReceiveCount: '1', AWSTraceHeader: 'Root=1-5759e988-bd862e3fe1be46a994272793' });
    expect(Number(text!.Attributes!.SentTimestamp)).toBeGreaterThan(Date.now() - 60_000);
    expect(binary!.MD5OfMessageAttributes).toBe('23f6bd27ea87aab7dfeadcc9aebee495');
    expect(Buffer.from(binary!.MessageAttributes!.test_attribute_name!.BinaryValue!).toString()).toBe('test_attribute_value');

    // Asked for one attribute by name: only it, with the digest of what came back.
    await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: text!.ReceiptHandle, VisibilityTimeout: 0 }));
    const one = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MessageAttributeNames: ['test_attribute_name_1'] }));
    expect(Object.keys(one.Messages![0]!.MessageAttributes!)).toEqual(['test_attribute_name_1']);
    expect(one.Messages![0]!.Attributes).toBeUndefined();
  });

  it('refuses messages SQS refuses', async () => {
    const QueueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'strict', Attributes: { MaximumMessageSize: '1024' } }))).QueueUrl!;
    expect(await sqsError(sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: '' })))).toEqual({ name: 'MissingParameter', status: 400, code: 'MissingParameter', message: 'The request must contain the parameter MessageBody.' });
    expect((await sqsError(sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'bad \u0001' })))).name).toBe('InvalidMessageContents');
    expect(await sqsError(sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x'.repeat(1025) })))).toMatchObject({
      name: 'InvalidParameterValue',
      message: 'One or more parameters are invalid. Reason: Message must be shorter than 1024 bytes.',
    });
    const eleven = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`a${i}`, { DataType: 'String', StringValue: 'v' }]));
    expect((await sqsError(sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x', MessageAttributes: eleven })))).message).toBe('Number of message attributes [11] exceeds the allowed maximum [10].');
    expect((await sqsError(sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x', DelaySeconds: 901 })))).name).toBe('InvalidParameterValue');
    expect((await sqsError(sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x', MessageDeduplicationId: 'd' })))).message).toMatch(/not valid for this queue type/);
  });

  it('sends and deletes in batches, with per-entry failures and SQS batch errors', async () => {
    const QueueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'batches' }))).QueueUrl!;
    const sent = await sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: [{ Id: 'a', MessageBody: 'one' }, { Id: 'b', MessageBody: 'two', DelaySeconds: 0 }, { Id: 'c', MessageBody: '' }] }));
    expect(sent.Successful?.map((s) => s.Id)).toEqual(['a', 'b']);
    expect(sent.Failed).toEqual([{ Id: 'c', SenderFault: true, Code: 'MissingParameter', Message: 'The request must contain the parameter MessageBody.' }]);
    expect(await sqsError(sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: [] })))).toMatchObject({ name: 'EmptyBatchRequest', code: 'AWS.SimpleQueueService.EmptyBatchRequest' });
    expect(await sqsError(sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: Array.from({ length: 11 }, (_, i) => ({ Id: `e${i}`, MessageBody: 'x' })) })))).toMatchObject({
      name: 'TooManyEntriesInBatchRequest',
      message: 'Maximum number of entries per request are 10. You have sent 11.',
    });
    expect(await sqsError(sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: [{ Id: 'x', MessageBody: '1' }, { Id: 'x', MessageBody: '2' }] })))).toMatchObject({ name: 'BatchEntryIdsNotDistinct', message: 'Id x repeated.' });
    expect((await sqsError(sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: [{ Id: 'not ok!', MessageBody: '1' }] })))).name).toBe('InvalidBatchEntryId');
    expect((await sqsError(sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: [1, 2].map((i) => ({ Id: `l${i}`, MessageBody: 'x'.repeat(140_000) })) })))).message).toBe(
      'Batch requests cannot be longer than 262144 bytes. You have sent 280000 bytes.',
    );

    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 60 }));
    expect(got.Messages?.map((m) => m.Body).sort()).toEqual(['one', 'two']);
    const deleted = await sqs.send(
      new DeleteMessageBatchCommand({ QueueUrl, Entries: [...got.Messages!.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle })), { Id: 'bad', ReceiptHandle: 'garbage' }] }),
    );
    expect(deleted.Successful?.map((s) => s.Id)).toEqual(['d0', 'd1']);
    expect(deleted.Failed).toEqual([{ Id: 'bad', SenderFault: true, Code: 'ReceiptHandleIsInvalid', Message: 'The input receipt handle "garbage" is not a valid receipt handle.' }]);
    const attributes = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }))).Attributes;
    expect(attributes).toEqual({ ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0' });
  });

  it('hides received messages for the visibility timeout, changes it singly and in batches, and refuses bad handles', async () => {
    const QueueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'visibility', Attributes: { VisibilityTimeout: '600' } }))).QueueUrl!;
    await sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: ['a', 'b'].map((b) => ({ Id: b, MessageBody: b })) }));
    const got = (await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }))).Messages!;
    expect(got).toHaveLength(2);
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl }))).Messages).toBeUndefined();
    const changed = await sqs.send(
      new ChangeMessageVisibilityBatchCommand({ QueueUrl, Entries: [...got.map((m, i) => ({ Id: `c${i}`, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0 })), { Id: 'x', ReceiptHandle: 'bad', VisibilityTimeout: 0 }] }),
    );
    expect(changed.Successful?.map((s) => s.Id)).toEqual(['c0', 'c1']);
    expect(changed.Failed?.[0]).toMatchObject({ Id: 'x', Code: 'ReceiptHandleIsInvalid' });
    const again = (await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }))).Messages!;
    expect(again.map((m) => m.Attributes?.ApproximateReceiveCount)).toEqual(['2', '2']);
    // The first receive's handle is stale now.
    expect((await sqsError(sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: got[0]!.ReceiptHandle, VisibilityTimeout: 5 })))).name).toBe('InvalidParameterValue');
    expect(await sqsError(sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: 'nope' })))).toEqual({
      name: 'ReceiptHandleIsInvalid',
      status: 404,
      code: 'ReceiptHandleIsInvalid',
      message: 'The input receipt handle "nope" is not a valid receipt handle.',
    });
    expect((await sqsError(sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 11 })))).message).toBe('Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.');
    expect((await sqsError(sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 21 })))).name).toBe('InvalidParameterValue');
  });

  it('answers a long poll the moment a message arrives', async () => {
    const QueueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'long-poll' }))).QueueUrl!;
    const started = Date.now();
    const waiting = sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 20 }));
    await new Promise((r) => setTimeout(r, 300));
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'wake up' }));
    const got = await waiting;
    expect(got.Messages?.[0]?.Body).toBe('wake up');
    // Well before the 20 s the poll would have waited for nothing.
    expect(Date.now() - started).toBeLessThan(15_000);
    // The queue's ReceiveMessageWaitTimeSeconds applies when the request gives none.
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { ReceiveMessageWaitTimeSeconds: '1' } }));
    const before = Date.now();
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl }))).Messages).toBeUndefined();
    expect(Date.now() - before).toBeGreaterThanOrEqual(900);
  });

  it('sets and reports attributes, redrives to a dead-letter queue after maxReceiveCount, and lists its sources', async () => {
    const dlqUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'redrive-dlq', Attributes: { RedriveAllowPolicy: JSON.stringify({ redrivePermission: 'byQueue', sourceQueueArns: [`${QUEUE_ARN_PREFIX}redrive-src`] }) } }))).QueueUrl!;
    const srcUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'redrive-src' }))).QueueUrl!;
    const other = (await sqs.send(new CreateQueueCommand({ QueueName: 'redrive-other' }))).QueueUrl!;
    const policy = JSON.stringify({ deadLetterTargetArn: `${QUEUE_ARN_PREFIX}redrive-dlq`, maxReceiveCount: '2' });
    expect((await sqsError(sqs.send(new SetQueueAttributesCommand({ QueueUrl: other, Attributes: { RedrivePolicy: policy } })))).message).toMatch(/does not allow .* to use it as a dead-letter queue/);
    expect((await sqsError(sqs.send(new SetQueueAttributesCommand({ QueueUrl: srcUrl, Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: `${QUEUE_ARN_PREFIX}nope`, maxReceiveCount: 2 }) } })))).message).toMatch(
      /Reason: Dead letter target does not exist\.$/,
    );
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: srcUrl, Attributes: { RedrivePolicy: policy, VisibilityTimeout: '0' } }));
    const all = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: srcUrl, AttributeNames: ['All'] }))).Attributes!;
    expect(all).toMatchObject({
      QueueArn: `${QUEUE_ARN_PREFIX}redrive-src`,
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: `${QUEUE_ARN_PREFIX}redrive-dlq`, maxReceiveCount: 2 }),
      VisibilityTimeout: '0',
      MessageRetentionPeriod: '345600',
      MaximumMessageSize: '262144',
      SqsManagedSseEnabled: 'true',
    });
    expect(Number(all.LastModifiedTimestamp)).toBeGreaterThanOrEqual(Number(all.CreatedTimestamp));

    const { MessageId } = await sqs.send(new SendMessageCommand({ QueueUrl: srcUrl, MessageBody: 'poison' }));
    for (let i = 0; i < 2; i++) expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: srcUrl }))).Messages).toHaveLength(1);
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: srcUrl }))).Messages).toBeUndefined();
    const dead = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, MessageSystemAttributeNames: ['All'] }))).Messages!;
    expect(dead[0]).toMatchObject({ MessageId, Body: 'poison' });
    expect(dead[0]!.Attributes?.DeadLetterQueueSourceArn).toBe(`${QUEUE_ARN_PREFIX}redrive-src`);
    expect((await sqs.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlqUrl }))).queueUrls).toEqual([srcUrl]);
  });

  it('purges once a minute, and tags queues', async () => {
    const QueueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'purge-tags', tags: { a: '1' } }))).QueueUrl!;
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x' }));
    await sqs.send(new PurgeQueueCommand({ QueueUrl }));
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl }))).Messages).toBeUndefined();
    expect(await sqsError(sqs.send(new PurgeQueueCommand({ QueueUrl })))).toEqual({
      name: 'PurgeQueueInProgress',
      status: 403,
      code: 'AWS.SimpleQueueService.PurgeQueueInProgress',
      message: 'Only one PurgeQueue operation on purge-tags is allowed every 60 seconds.',
    });
    await sqs.send(new TagQueueCommand({ QueueUrl, Tags: { b: '2', c: '3' } }));
    await sqs.send(new UntagQueueCommand({ QueueUrl, TagKeys: ['c'] }));
    expect((await sqs.send(new ListQueueTagsCommand({ QueueUrl }))).Tags).toEqual({ a: '1', b: '2' });
  });

  it('keeps FIFO groups in order, locks a group in flight, deduplicates for five minutes and answers retried receive attempts alike', async () => {
    const QueueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'jobs.fifo', Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'true', VisibilityTimeout: '60' } }))).QueueUrl!;
    const sent = [];
    for (const [group, body] of [['a', 'a1'], ['b', 'b1'], ['a', 'a2'], ['a', 'a3'], ['b', 'b2']]) sent.push(await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: body, MessageGroupId: group })));
    expect(new Set(sent.map((s) => s.SequenceNumber)).size).toBe(5);
    const dup = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'a1', MessageGroupId: 'a' }));
    expect(dup.MessageId).toBe(sent[0]!.MessageId);
    const explicit = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'other body', MessageGroupId: 'c', MessageDeduplicationId: 'id-1' }));
    expect((await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'yet another', MessageGroupId: 'c', MessageDeduplicationId: 'id-1' }))).MessageId).toBe(explicit.MessageId);

    const first = (await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 2, ReceiveRequestAttemptId: 'attempt-1', MessageSystemAttributeNames: ['All'] }))).Messages!;
    expect(first.map((m) => m.Body)).toEqual(['a1', 'a2']);
    expect(first[0]!.Attributes).toMatchObject({ MessageGroupId: 'a', SequenceNumber: sent[0]!.SequenceNumber });
    const retried = (await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 2, ReceiveRequestAttemptId: 'attempt-1' }))).Messages!;
    expect(retried.map((m) => m.ReceiptHandle)).toEqual(first.map((m) => m.ReceiptHandle));
    // Group a is in flight: the next receive takes the other groups only.
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }))).Messages!.map((m) => m.Body)).toEqual(['b1', 'b2', 'other body']);
    await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: first[0]!.ReceiptHandle }));
    await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: first[1]!.ReceiptHandle, VisibilityTimeout: 0 }));
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }))).Messages!.map((m) => m.Body)).toEqual(['a2', 'a3']);

    expect(await sqsError(sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x' })))).toEqual({
      name: 'MissingParameter',
      status: 400,
      code: 'MissingParameter',
      message: 'The request must contain the parameter MessageGroupId.',
    });
    expect((await sqsError(sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x', MessageGroupId: 'g', DelaySeconds: 5 })))).message).toMatch(/not valid for this queue type/);
    const noDedupUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'nodedup.fifo', Attributes: { FifoQueue: 'true' } }))).QueueUrl!;
    expect((await sqsError(sqs.send(new SendMessageCommand({ QueueUrl: noDedupUrl, MessageBody: 'x', MessageGroupId: 'g' })))).message).toBe(
      'The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly',
    );
  });

  it('answers on the sqs.<region>.localhost host form with queue URLs on that host', async () => {
    const port = new URL(t.url).port;
    const host = `sqs.us-east-1.localhost:${port}`;
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/', method: 'POST', headers: { host, 'content-type': 'application/x-www-form-urlencoded' } }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end('Action=GetQueueUrl&QueueName=orders&Version=2012-11-05');
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toContain(`<QueueUrl>http://${host}/${ACCOUNT}/orders</QueueUrl>`);
  });

  it('takes query requests sent to the queue URL itself, without a QueueUrl parameter', async () => {
    const res = await fetch(queueUrl(t, 'orders'), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=SendMessage&MessageBody=by+path' });
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/<SendMessageResponse xmlns="http:\/\/queue.amazonaws.com\/doc\/2012-11-05\/"><SendMessageResult><MD5OfMessageBody>[0-9a-f]{32}<\/MD5OfMessageBody><MessageId>/);
    const wrongAccount = await fetch(`${t.url}/123456789012/orders`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=SendMessage&MessageBody=x' });
    expect(wrongAccount.status).toBe(400);
    expect(await wrongAccount.text()).toContain('<Code>AWS.SimpleQueueService.NonExistentQueue</Code>');
  });
});
