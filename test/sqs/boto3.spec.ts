/**
 * The SQS API driven by boto3 1.26 (Debian's python3-boto3 under /usr/bin/python3), which
 * speaks SQS's query protocol with its own, older model: every operation, FIFO order and
 * deduplication, redrive, the exact errors, and every MD5 digest Gust answers with,
 * checked by boto3_sqs.py against digests it computes itself. Skipped, saying why, where
 * boto3 is missing.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGust, type TestGust } from '../helpers/gust.js';
import { QUEUE_ARN_PREFIX, queueUrl } from './support.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'boto3_sqs.py');

function boto3Missing(): string | undefined {
  if (!existsSync(PYTHON)) return `${PYTHON} is not installed`;
  const probe = spawnSync(PYTHON, ['-c', 'import boto3'], { encoding: 'utf8' });
  return probe.status === 0 ? undefined : 'boto3 is not importable by /usr/bin/python3 (apt-get install python3-boto3)';
}

const missing = boto3Missing();
if (missing) console.log(`SQS boto3 suite skipped: ${missing}`);

type Result = Record<string, unknown> & { Error?: { Code: string; Message: string; Type: string } };
type Message = { Body: string; MessageId: string; Attributes?: Record<string, string>; MessageAttributes?: Record<string, { DataType: string; StringValue?: string }> };

describe.skipIf(missing !== undefined)('SQS with boto3 1.26 (query protocol)', () => {
  let t: TestGust;
  let work: string;
  let r: Record<string, Result>;

  beforeAll(async () => {
    t = await startTestGust();
    work = mkdtempSync(join(tmpdir(), 'gust-sqs-boto3-'));
    const stdout = await new Promise<string>((done, fail) => {
      execFile(PYTHON, [SCRIPT, t.url], { env: { PATH: '/usr/bin:/bin', HOME: work, AWS_CONFIG_FILE: join(work, 'none'), AWS_SHARED_CREDENTIALS_FILE: join(work, 'none') } }, (err, out, stderr) =>
        err ? fail(new Error(`boto3_sqs.py failed: ${stderr || err.message}`)) : done(out),
      );
    });
    r = JSON.parse(stdout) as Record<string, Result>;
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('every digest Gust answers with is the one boto3 computes', () => {
    const checks = r.md5_checks as unknown as { what: string; ok: boolean }[];
    expect(checks.length).toBeGreaterThanOrEqual(7);
    expect(checks.filter((c) => !c.ok)).toEqual([]);
  });

  it('manages queues, attributes and tags', () => {
    expect(r.create_queue).toEqual({ QueueUrl: queueUrl(t, 'py-q') });
    expect(r.get_queue_url).toEqual({ QueueUrl: queueUrl(t, 'py-q') });
    expect(r.list_queues).toEqual({ QueueUrls: [queueUrl(t, 'py-dlq'), queueUrl(t, 'py-q')] });
    expect((r.get_queue_attributes!.Attributes as Record<string, string>)).toMatchObject({ QueueArn: `${QUEUE_ARN_PREFIX}py-q`, MessageRetentionPeriod: '3600', VisibilityTimeout: '30' });
    expect(r.list_queue_tags).toEqual({ Tags: { stage: 'test' } });
    expect(r.delete_queue).toEqual({});
    expect(r.deleted_send!.Error).toMatchObject({ Code: 'AWS.SimpleQueueService.NonExistentQueue', Type: 'Sender' });
  });

  it('sends and receives with every kind of attribute, changes visibility, deletes, purges', () => {
    expect(r.send_message_batch!.Failed).toEqual([
      { Id: 'bad', SenderFault: true, Code: 'InvalidMessageContents', Message: "Invalid binary character '#x1' was found in the message body, the set of allowed characters is #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF" },
    ]);
    const messages = r.receive_message!.Messages as Message[];
    expect(messages.map((m) => m.Body).sort()).toEqual(['héllo from boto3 \u{1F600}', 'one', 'two'].sort());
    const hello = messages.find((m) => m.Body.startsWith('héllo'))!;
    expect(hello.MessageAttributes).toMatchObject({ colour: { DataType: 'String', StringValue: 'grün' }, count: { DataType: 'Number', StringValue: '42' }, kind: { DataType: 'String.custom', StringValue: 'order' } });
    expect(r.change_message_visibility).toEqual({});
    expect(r.change_message_visibility_batch!.Successful).toEqual([{ Id: 'a' }]);
    expect(r.change_message_visibility_batch!.Failed).toEqual([{ Id: 'b', SenderFault: true, Code: 'ReceiptHandleIsInvalid', Message: 'The input receipt handle "not-a-handle" is not a valid receipt handle.' }]);
    expect((r.receive_again!.Messages as Message[]).length).toBe(2);
    expect(r.delete_message_batch!.Successful).toEqual([{ Id: 'd0' }, { Id: 'd1' }]);
    expect(r.receive_empty).toEqual({});
    expect(r.purge_queue).toEqual({});
    expect(r.purge_again!.Error).toEqual({ Code: 'AWS.SimpleQueueService.PurgeQueueInProgress', Message: 'Only one PurgeQueue operation on py-q is allowed every 60 seconds.', Type: 'Sender' });
  });

  it('keeps FIFO groups in order, deduplicates, and redrives after maxReceiveCount', () => {
    expect(r.error_missing_dlq!.Error?.Message).toMatch(/Reason: Dead letter target does not exist\.$/);
    expect((r.fifo_duplicate as { MessageId: string }).MessageId).toBe((r.fifo_send_0 as { MessageId: string }).MessageId);
    const first = r.fifo_receive!.Messages as Message[];
    expect(first.map((m) => m.Body)).toEqual(['a0', 'a2', 'a3', 'b1']);
    expect(first[0]!.Attributes!.MessageGroupId).toBe('a');
    expect((r.fifo_receive_2!.Messages as Message[]).map((m) => m.Body)).toEqual(['a0', 'a2', 'a3', 'b1']);
    expect(r.fifo_receive_3).toEqual({});
    const dead = r.dlq_receive!.Messages as Message[];
    expect(dead.map((m) => m.Body)).toEqual(['a0', 'a2', 'a3', 'b1']);
    expect(dead[0]!.Attributes!.DeadLetterQueueSourceArn).toBe(`${QUEUE_ARN_PREFIX}py.fifo`);
    expect(r.dlq_sources).toEqual({ queueUrls: [queueUrl(t, 'py.fifo')] });
  });

  it('reports SQS errors with their codes and messages', () => {
    expect(r.error_no_queue!.Error).toEqual({ Code: 'AWS.SimpleQueueService.NonExistentQueue', Message: 'The specified queue does not exist for this wsdl version.', Type: 'Sender' });
    expect(r.error_attribute!.Error).toEqual({ Code: 'InvalidAttributeName', Message: 'Unknown Attribute Bogus.', Type: 'Sender' });
    expect(r.error_receipt!.Error).toEqual({ Code: 'ReceiptHandleIsInvalid', Message: 'The input receipt handle "garbage" is not a valid receipt handle.', Type: 'Sender' });
    expect(r.error_group!.Error).toEqual({ Code: 'MissingParameter', Message: 'The request must contain the parameter MessageGroupId.', Type: 'Sender' });
    expect(r.error_empty_batch!.Error).toEqual({ Code: 'AWS.SimpleQueueService.EmptyBatchRequest', Message: 'There should be at least one SendMessageBatchRequestEntry in the request.', Type: 'Sender' });
    expect(r.error_too_many!.Error).toEqual({ Code: 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest', Message: 'Maximum number of entries per request are 10. You have sent 11.', Type: 'Sender' });
    expect(r.error_exists!.Error).toEqual({ Code: 'QueueAlreadyExists', Message: 'A queue already exists with the same name and a different value for attribute VisibilityTimeout', Type: 'Sender' });
  });
});
