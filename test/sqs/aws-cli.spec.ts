/**
 * The SQS API driven by Debian's aws CLI 2.9, which speaks SQS's query protocol (form
 * posts, XML answers): every operation, FIFO, redrive and the exact errors the CLI prints
 * from `<ErrorResponse>`. Also `aws lambda list-event-source-mappings` on an empty Gust.
 * Skipped, saying why, where the CLI is not installed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCliMissing, runAwsCli, type AwsCliRun } from '../helpers/aws-cli.js';
import { startTestGust, type TestGust } from '../helpers/gust.js';
import { QUEUE_ARN_PREFIX, queueUrl } from './support.js';

const missing = awsCliMissing('SQS aws-cli suite');

let t: TestGust;
let work: string;

const sqs = (...args: string[]): Promise<AwsCliRun> => runAwsCli('sqs', args, { endpoint: t.url, cwd: work });

async function ok(...args: string[]): Promise<Record<string, unknown>> {
  const run = await sqs(...args);
  expect(run.stderr, `aws sqs ${args.join(' ')}`).toBe('');
  expect(run.code).toBe(0);
  return run.json;
}

/** The CLI's error line, without the retry note its single attempt (AWS_MAX_ATTEMPTS=1) adds to every error. */
async function fails(...args: string[]): Promise<string> {
  const run = await sqs(...args);
  expect(run.code, `aws sqs ${args.join(' ')}`).not.toBe(0);
  return run.stderr.trim().replace(' (reached max retries: 0)', '');
}

// Each aws call starts a Python interpreter (about a second), hence the long timeouts.
describe.skipIf(missing !== undefined)('SQS with the aws CLI (query protocol)', () => {
  beforeAll(async () => {
    t = await startTestGust();
    work = mkdtempSync(join(tmpdir(), 'gust-sqs-cli-'));
  });
  afterAll(async () => {
    await t?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('lists no event source mappings on an empty Gust', async () => {
    const run = await runAwsCli('lambda', ['list-event-source-mappings'], { endpoint: t.url, cwd: work });
    expect(run.code).toBe(0);
    expect(run.json).toEqual({ EventSourceMappings: [] });
  });

  it('manages queues: create with attributes and tags, find, list, attributes, tags, delete', { timeout: 120_000 }, async () => {
    expect(await ok('create-queue', '--queue-name', 'cli-q', '--attributes', 'VisibilityTimeout=40,DelaySeconds=0', '--tags', 'team=core')).toEqual({ QueueUrl: queueUrl(t, 'cli-q') });
    await ok('create-queue', '--queue-name', 'cli-other');
    expect(await ok('get-queue-url', '--queue-name', 'cli-q')).toEqual({ QueueUrl: queueUrl(t, 'cli-q') });
    expect(await ok('list-queues', '--queue-name-prefix', 'cli-')).toEqual({ QueueUrls: [queueUrl(t, 'cli-other'), queueUrl(t, 'cli-q')] });
    await ok('set-queue-attributes', '--queue-url', queueUrl(t, 'cli-q'), '--attributes', 'MessageRetentionPeriod=600');
    const attributes = (await ok('get-queue-attributes', '--queue-url', queueUrl(t, 'cli-q'), '--attribute-names', 'All')).Attributes as Record<string, string>;
    expect(attributes).toMatchObject({ QueueArn: `${QUEUE_ARN_PREFIX}cli-q`, VisibilityTimeout: '40', MessageRetentionPeriod: '600', ApproximateNumberOfMessages: '0' });
    await ok('tag-queue', '--queue-url', queueUrl(t, 'cli-q'), '--tags', 'stage=dev');
    await ok('untag-queue', '--queue-url', queueUrl(t, 'cli-q'), '--tag-keys', 'team');
    expect(await ok('list-queue-tags', '--queue-url', queueUrl(t, 'cli-q'))).toEqual({ Tags: { stage: 'dev' } });
    await ok('delete-queue', '--queue-url', queueUrl(t, 'cli-other'));
    expect(await fails('get-queue-url', '--queue-name', 'cli-other')).toBe(
      'An error occurred (AWS.SimpleQueueService.NonExistentQueue) when calling the GetQueueUrl operation: The specified queue does not exist for this wsdl version.',
    );
    expect(await fails('create-queue', '--queue-name', 'cli-q', '--attributes', 'VisibilityTimeout=41')).toBe(
      'An error occurred (QueueAlreadyExists) when calling the CreateQueue operation: A queue already exists with the same name and a different value for attribute VisibilityTimeout',
    );
    expect(await fails('get-queue-attributes', '--queue-url', queueUrl(t, 'cli-q'), '--attribute-names', 'Bogus')).toBe(
      'An error occurred (InvalidAttributeName) when calling the GetQueueAttributes operation: Unknown Attribute Bogus.',
    );
  });

  it('sends, receives, changes visibility and deletes, singly and in batches', { timeout: 120_000 }, async () => {
    const url = queueUrl(t, 'cli-q');
    const sent = await ok('send-message', '--queue-url', url, '--message-body', 'hello', '--message-attributes', JSON.stringify({
      test_attribute_name_1: { DataType: 'String', StringValue: 'test_attribute_value_1' },
      test_attribute_name_2: { DataType: 'String', StringValue: 'test_attribute_value_2' },
    }));
    expect(sent).toMatchObject({ MD5OfMessageBody: '5d41402abc4b2a76b9719d911017c592', MD5OfMessageAttributes: 'd53f3b558fe951154770f25cb63dbba9' });
    const batch = await ok('send-message-batch', '--queue-url', url, '--entries', JSON.stringify([{ Id: 'a', MessageBody: 'one' }, { Id: 'b', MessageBody: 'two' }, { Id: 'c', MessageBody: 'x', DelaySeconds: 901 }]));
    expect((batch.Successful as { Id: string }[]).map((s) => s.Id)).toEqual(['a', 'b']);
    expect(batch.Failed).toEqual([{ Id: 'c', SenderFault: true, Code: 'InvalidParameterValue', Message: 'Value 901 for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.' }]);

    const got = (await ok('receive-message', '--queue-url', url, '--max-number-of-messages', '10', '--attribute-names', 'All', '--message-attribute-names', 'All', '--wait-time-seconds', '1')).Messages as Record<string, unknown>[];
    expect(got.map((m) => m.Body).sort()).toEqual(['hello', 'one', 'two']);
    const hello = got.find((m) => m.Body === 'hello')!;
    expect(hello).toMatchObject({ MD5OfBody: '5d41402abc4b2a76b9719d911017c592', MD5OfMessageAttributes: 'd53f3b558fe951154770f25cb63dbba9', MessageAttributes: { test_attribute_name_1: { StringValue: 'test_attribute_value_1', DataType: 'String' } } });
    expect((hello.Attributes as Record<string, string>).ApproximateReceiveCount).toBe('1');

    const [first, second, third] = got;
    await ok('change-message-visibility', '--queue-url', url, '--receipt-handle', String(first!.ReceiptHandle), '--visibility-timeout', '0');
    const changed = await ok('change-message-visibility-batch', '--queue-url', url, '--entries', JSON.stringify([{ Id: 's', ReceiptHandle: second!.ReceiptHandle, VisibilityTimeout: 0 }]));
    expect(changed).toEqual({ Successful: [{ Id: 's' }] });
    await ok('delete-message', '--queue-url', url, '--receipt-handle', String(third!.ReceiptHandle));
    const again = (await ok('receive-message', '--queue-url', url, '--max-number-of-messages', '10')).Messages as Record<string, unknown>[];
    expect(again).toHaveLength(2);
    const deleted = await ok('delete-message-batch', '--queue-url', url, '--entries', JSON.stringify([...again.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle })), { Id: 'bad', ReceiptHandle: 'garbage' }]));
    expect(deleted.Successful).toEqual([{ Id: 'd0' }, { Id: 'd1' }]);
    expect(deleted.Failed).toEqual([{ Id: 'bad', SenderFault: true, Code: 'ReceiptHandleIsInvalid', Message: 'The input receipt handle "garbage" is not a valid receipt handle.' }]);
    expect(await ok('receive-message', '--queue-url', url)).toEqual({});
    expect(await fails('delete-message', '--queue-url', url, '--receipt-handle', 'garbage')).toBe(
      'An error occurred (ReceiptHandleIsInvalid) when calling the DeleteMessage operation: The input receipt handle "garbage" is not a valid receipt handle.',
    );
    expect(await fails('send-message-batch', '--queue-url', url, '--entries', JSON.stringify([{ Id: 'x', MessageBody: '1' }, { Id: 'x', MessageBody: '2' }]))).toBe(
      'An error occurred (AWS.SimpleQueueService.BatchEntryIdsNotDistinct) when calling the SendMessageBatch operation: Id x repeated.',
    );
    await ok('purge-queue', '--queue-url', url);
    expect(await fails('purge-queue', '--queue-url', url)).toBe('An error occurred (AWS.SimpleQueueService.PurgeQueueInProgress) when calling the PurgeQueue operation: Only one PurgeQueue operation on cli-q is allowed every 60 seconds.');
  });

  it('keeps FIFO order and deduplicates; redrives to a dead-letter queue and lists its sources', { timeout: 120_000 }, async () => {
    const fifo = queueUrl(t, 'cli.fifo');
    await ok('create-queue', '--queue-name', 'cli.fifo', '--attributes', 'FifoQueue=true,ContentBasedDeduplication=true');
    const a = await ok('send-message', '--queue-url', fifo, '--message-body', 'first', '--message-group-id', 'g');
    await ok('send-message', '--queue-url', fifo, '--message-body', 'second', '--message-group-id', 'g');
    expect((await ok('send-message', '--queue-url', fifo, '--message-body', 'first', '--message-group-id', 'g')).MessageId).toBe(a.MessageId);
    const got = (await ok('receive-message', '--queue-url', fifo, '--max-number-of-messages', '10', '--attribute-names', 'MessageGroupId', 'SequenceNumber')).Messages as { Body: string; Attributes: Record<string, string> }[];
    expect(got.map((m) => m.Body)).toEqual(['first', 'second']);
    expect(got[0]!.Attributes.MessageGroupId).toBe('g');
    expect(await fails('send-message', '--queue-url', fifo, '--message-body', 'x')).toBe('An error occurred (MissingParameter) when calling the SendMessage operation: The request must contain the parameter MessageGroupId.');

    await ok('create-queue', '--queue-name', 'cli-dlq');
    const policy = JSON.stringify({ deadLetterTargetArn: `${QUEUE_ARN_PREFIX}cli-dlq`, maxReceiveCount: '1' });
    await ok('create-queue', '--queue-name', 'cli-src', '--attributes', JSON.stringify({ RedrivePolicy: policy, VisibilityTimeout: '0' }));
    await ok('send-message', '--queue-url', queueUrl(t, 'cli-src'), '--message-body', 'poison');
    expect(((await ok('receive-message', '--queue-url', queueUrl(t, 'cli-src'))).Messages as unknown[]).length).toBe(1);
    expect(await ok('receive-message', '--queue-url', queueUrl(t, 'cli-src'))).toEqual({});
    const dead = (await ok('receive-message', '--queue-url', queueUrl(t, 'cli-dlq'), '--attribute-names', 'All')).Messages as { Body: string; Attributes: Record<string, string> }[];
    expect(dead[0]!.Body).toBe('poison');
    expect(dead[0]!.Attributes.DeadLetterQueueSourceArn).toBe(`${QUEUE_ARN_PREFIX}cli-src`);
    expect(await ok('list-dead-letter-source-queues', '--queue-url', queueUrl(t, 'cli-dlq'))).toEqual({ queueUrls: [queueUrl(t, 'cli-src')] });
  });
});
