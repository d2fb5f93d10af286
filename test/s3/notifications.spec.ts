/**
 * Bucket notifications end to end, the classic example: a Python `lambda_handler` using
 * boto3 from the runtime is told of a `.csv` landing under `incoming/`, reads it and writes
 * a summary to another bucket; the same in Node with the runtime's SDK v3. Nothing in the
 * functions' code or configuration says where Gust is or which keys to use: the runtime's
 * SDKs find both in the environment Gust gives every function, inside the namespace sandbox
 * with its own network (the process sandbox where namespaces are missing). Also: S3's exact
 * record, filters, overlapping configurations refused, removals announced, EventBridge.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetBucketNotificationConfigurationCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { CreateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { allowEvents, eventBridgeClient } from '../events/support.js';
import { CreateQueueCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { namespaceHostGap } from '../../src/sandbox/namespace/namespace-setup.js';
import { sqsClient } from '../sqs/support.js';
import { startTestGust, type TestGust } from '../helpers/gust.js';
import { ARN_PREFIX, createFunction } from '../helpers/lambda.js';
import { waitFor } from '../helpers/wait.js';
import { allowS3, s3Client } from './support.js';

const PYTHON_HANDLER = `import json, os, urllib.parse
import boto3

s3 = boto3.client("s3")

def lambda_handler(event, context):
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
        text = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")
        rows = [line.split(",") for line in text.splitlines()[1:] if line]
        summary = {"rows": len(rows), "total": sum(int(r[1]) for r in rows), "record": record}
        s3.put_object(Bucket="results", Key="summary/" + key.split("/")[-1] + ".json", Body=json.dumps(summary))
    return "ok"
`;

const NODE_HANDLER = `import { S3Client, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
const s3 = new S3Client({ forcePathStyle: true });
export const handler = async (event) => {
  for (const record of event.Records) {
    const key = decodeURIComponent(record.s3.object.key.replace(/\\+/g, ' '));
    if (record.eventName.startsWith('ObjectRemoved:')) {
      await s3.send(new PutObjectCommand({ Bucket: 'results', Key: 'node/removed-' + key.split('/').pop(), Body: JSON.stringify(record) }));
      continue;
    }
    const got = await s3.send(new GetObjectCommand({ Bucket: record.s3.bucket.name, Key: key }));
    const text = await got.Body.transformToString();
    await s3.send(new PutObjectCommand({ Bucket: 'results', Key: 'node/' + key.split('/').pop() + '.json', Body: JSON.stringify({ length: text.length, record }) }));
  }
};
`;

const EVENT_HANDLER = `import { S3Client, PutObjectCommand } from '@aws-sdk/client-s3';
const s3 = new S3Client({ forcePathStyle: true });
export const handler = async (event) => {
  await s3.send(new PutObjectCommand({ Bucket: 'results', Key: 'eventbridge/' + event['detail-type'] + '/' + event.detail.object.key, Body: JSON.stringify(event) }));
};
`;

const RELAY_HANDLER = `import { S3Client, PutObjectCommand } from '@aws-sdk/client-s3';
const s3 = new S3Client({ forcePathStyle: true });
export const handler = async (event) => {
  for (const message of event.Records) {
    const body = JSON.parse(message.body);
    for (const record of body.Records ?? []) {
      await s3.send(new PutObjectCommand({ Bucket: 'results', Key: 'via-sqs/' + record.s3.object.key, Body: JSON.stringify({ eventSource: message.eventSource, record }) }));
    }
  }
};
`;

let t: TestGust;
let s3: S3Client;

beforeAll(async () => {
  const gap = namespaceHostGap();
  if (gap) console.warn(`test/s3/notifications.spec.ts runs on the process sandbox: ${gap}`);
  t = await startTestGust({ flags: { sandbox: gap ? 'process' : 'namespace' } });
  s3 = s3Client(t);
  for (const Bucket of ['uploads', 'results', 'node-uploads']) await s3.send(new CreateBucketCommand({ Bucket }));
  await createFunction(t.lambda, 'summarise', { Runtime: 'python3.11', Handler: 'app.lambda_handler', Timeout: 30, files: { 'app.py': PYTHON_HANDLER } });
  await createFunction(t.lambda, 'measure', { Handler: 'index.handler', Timeout: 30, files: { 'index.mjs': NODE_HANDLER } });
  await createFunction(t.lambda, 'on-event', { Handler: 'index.handler', Timeout: 30, files: { 'index.mjs': EVENT_HANDLER } });
  for (const [fn, bucket] of [['summarise', 'uploads'], ['measure', 'node-uploads']] as const) await allowS3(t.lambda, fn, bucket);
  await createFunction(t.lambda, 'relay', { Handler: 'index.handler', Timeout: 30, files: { 'index.mjs': RELAY_HANDLER } });
}, 120_000);

afterAll(async () => {
  s3?.destroy();
  await t?.stop();
});

async function text(Bucket: string, Key: string): Promise<string | undefined> {
  try {
    return await (await s3.send(new GetObjectCommand({ Bucket, Key }))).Body!.transformToString();
  } catch (err) {
    if (err instanceof S3ServiceException && err.name === 'NoSuchKey') return undefined;
    throw err;
  }
}

describe('bucket notifications', () => {
  it('refuses overlapping filters and functions that do not exist, and gives back what it saved', async () => {
    const config = (prefix: string, fn = 'summarise') => ({ LambdaFunctionArn: `${ARN_PREFIX}${fn}`, Events: ['s3:ObjectCreated:*' as const], Filter: { Key: { FilterRules: [{ Name: 'prefix' as const, Value: prefix }] } } });
    const put = (configs: ReturnType<typeof config>[]) => s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: 'uploads', NotificationConfiguration: { LambdaFunctionConfigurations: configs } }));
    await expect(put([config('a/'), config('a/b/')])).rejects.toMatchObject({ name: 'InvalidArgument', message: expect.stringContaining('overlap') });
    await expect(put([config('a/', 'missing')])).rejects.toMatchObject({ name: 'InvalidArgument' });
    // A function whose policy does not let S3 invoke it for this bucket, as on AWS.
    await expect(put([config('a/', 'measure')])).rejects.toMatchObject({ name: 'InvalidArgument', message: expect.stringContaining('add-permission --principal s3.amazonaws.com') });
    await put([config('a/'), config('b/')]);
    const got = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'uploads' }));
    expect(got.LambdaFunctionConfigurations?.map((c) => [c.LambdaFunctionArn, c.Events, c.Filter?.Key?.FilterRules?.[0]?.Value])).toEqual([
      [`${ARN_PREFIX}summarise`, ['s3:ObjectCreated:*'], 'a/'],
      [`${ARN_PREFIX}summarise`, ['s3:ObjectCreated:*'], 'b/'],
    ]);
  });

  it('runs the Python lambda_handler on an upload to incoming/*.csv, which writes its summary with boto3', async () => {
    await s3.send(new PutBucketNotificationConfigurationCommand({
      Bucket: 'uploads',
      NotificationConfiguration: {
        LambdaFunctionConfigurations: [{ Id: 'csv-in', LambdaFunctionArn: `${ARN_PREFIX}summarise`, Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'incoming/' }, { Name: 'suffix', Value: '.csv' }] } } }],
      },
    }));
    const csv = 'item,amount\napples,3\npears,4\n';
    await s3.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'incoming/not a match.txt', Body: 'x' }));
    await s3.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'elsewhere/skip.csv', Body: csv }));
    const put = await s3.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'incoming/sales (May).csv', Body: csv }));
    const summary = JSON.parse(await waitFor('the summary object', () => text('results', 'summary/sales (May).csv.json'), 60_000, 100)) as { rows: number; total: number; record: Record<string, unknown> };
    expect(summary).toMatchObject({ rows: 2, total: 7 });
    expect(summary.record).toMatchObject({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'us-east-1',
      eventName: 'ObjectCreated:Put',
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'csv-in',
        bucket: { name: 'uploads', arn: 'arn:aws:s3:::uploads' },
        object: { key: 'incoming/sales+%28May%29.csv', size: csv.length, eTag: put.ETag!.replace(/"/g, ''), sequencer: expect.stringMatching(/^[0-9A-F]{16,}$/) },
      },
    });
    expect(Date.parse((summary.record as { eventTime: string }).eventTime)).not.toBeNaN();
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'results', Prefix: 'summary/' }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual(['summary/sales (May).csv.json']);
  }, 90_000);

  it('runs a Node handler with the SDK v3 from the runtime (endpoint from AWS_ENDPOINT_URL), and announces removals', async () => {
    await s3.send(new PutBucketNotificationConfigurationCommand({
      Bucket: 'node-uploads',
      NotificationConfiguration: { LambdaFunctionConfigurations: [{ LambdaFunctionArn: `${ARN_PREFIX}measure`, Events: ['s3:ObjectCreated:Put', 's3:ObjectRemoved:*'] }] },
    }));
    await s3.send(new PutObjectCommand({ Bucket: 'node-uploads', Key: 'in/hello.txt', Body: 'hello node' }));
    const result = JSON.parse(await waitFor('the node summary', () => text('results', 'node/hello.txt.json'), 60_000, 100)) as { length: number; record: { eventName: string } };
    expect(result).toMatchObject({ length: 10, record: { eventName: 'ObjectCreated:Put' } });
    await s3.send(new DeleteObjectCommand({ Bucket: 'node-uploads', Key: 'in/hello.txt' }));
    const removal = JSON.parse(await waitFor('the removal record', () => text('results', 'node/removed-hello.txt'), 60_000, 100)) as { eventName: string; s3: { object: Record<string, unknown> } };
    expect(removal.eventName).toBe('ObjectRemoved:Delete');
    expect(Object.keys(removal.s3.object).sort()).toEqual(['key', 'sequencer']);
  }, 90_000);

  it('sends S3 records to an SQS queue (the s3:TestEvent first), which an event source mapping hands to a function', async () => {
    const sqs = sqsClient(t);
    try {
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'uploads-events' }));
      const QueueArn = 'arn:aws:sqs:us-east-1:000000000000:uploads-events';
      await s3.send(new CreateBucketCommand({ Bucket: 'queued' }));
      await expect(s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: 'queued', NotificationConfiguration: { QueueConfigurations: [{ QueueArn: `${QueueArn}-missing`, Events: ['s3:ObjectCreated:*'] }] } }))).rejects.toMatchObject({ name: 'InvalidArgument' });
      await s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: 'queued', NotificationConfiguration: { QueueConfigurations: [{ Id: 'to-sqs', QueueArn, Events: ['s3:ObjectCreated:*'] }] } }));
      const got = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'queued' }));
      expect(got.QueueConfigurations?.map((c) => [c.Id, c.QueueArn])).toEqual([['to-sqs', QueueArn]]);
      const test = await waitFor('the test event', async () => (await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }))).Messages?.[0], 10_000, 10);
      expect(JSON.parse(test.Body!)).toMatchObject({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: 'queued' });
      await t.lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'relay', EventSourceArn: QueueArn, BatchSize: 10 }));
      await s3.send(new PutObjectCommand({ Bucket: 'queued', Key: 'q/one.txt', Body: 'one' }));
      const relayed = JSON.parse(await waitFor('the relayed record', () => text('results', 'via-sqs/q/one.txt'), 60_000, 100)) as { eventSource: string; record: Record<string, unknown> };
      expect(relayed).toMatchObject({ eventSource: 'aws:sqs', record: { eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { configurationId: 'to-sqs', object: { key: 'q/one.txt', size: 3 } } } });
    } finally {
      sqs.destroy();
    }
  }, 90_000);

  it('sends every object change to the default event bus once EventBridge is enabled, as S3 does', async () => {
    const events = eventBridgeClient(t);
    try {
      await s3.send(new CreateBucketCommand({ Bucket: 'bridged' }));
      // EventBridge configurations name no function: S3 asks for no permission.
      await events.send(new PutRuleCommand({ Name: 's3-bridged', EventPattern: JSON.stringify({ source: ['aws.s3'], 'detail-type': ['Object Created', 'Object Deleted'], detail: { bucket: { name: ['bridged'] } } }) }));
      await events.send(new PutTargetsCommand({ Rule: 's3-bridged', Targets: [{ Id: 'fn', Arn: `${ARN_PREFIX}on-event` }] }));
      await allowEvents(t.lambda, 'on-event', 's3-bridged');
      await s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: 'bridged', NotificationConfiguration: { EventBridgeConfiguration: {} } }));
      const got = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'bridged' }));
      expect(got.EventBridgeConfiguration).toEqual({});
      const put = await s3.send(new PutObjectCommand({ Bucket: 'bridged', Key: 'a b.txt', Body: 'bridged!' }));
      const created = JSON.parse(await waitFor('the Object Created event', () => text('results', 'eventbridge/Object Created/a b.txt'), 60_000, 100)) as Record<string, unknown>;
      expect(created).toMatchObject({
        version: '0',
        'detail-type': 'Object Created',
        source: 'aws.s3',
        account: '000000000000',
        region: 'us-east-1',
        resources: ['arn:aws:s3:::bridged'],
        detail: { version: '0', bucket: { name: 'bridged' }, object: { key: 'a b.txt', size: 8, etag: put.ETag!.replace(/"/g, ''), sequencer: expect.stringMatching(/^[0-9A-F]+$/) }, reason: 'PutObject', requester: '000000000000' },
      });
      expect(created['time']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      await s3.send(new DeleteObjectCommand({ Bucket: 'bridged', Key: 'a b.txt' }));
      const deleted = JSON.parse(await waitFor('the Object Deleted event', () => text('results', 'eventbridge/Object Deleted/a b.txt'), 60_000, 100)) as { detail: Record<string, unknown> };
      expect(deleted.detail).toMatchObject({ reason: 'DeleteObject', 'deletion-type': 'Permanently Deleted', object: { key: 'a b.txt' } });
      await s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: 'bridged', NotificationConfiguration: {} }));
      expect((await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'bridged' }))).EventBridgeConfiguration).toBeUndefined();
      await s3.send(new PutObjectCommand({ Bucket: 'bridged', Key: 'after.txt', Body: 'x' }));
      await s3.send(new PutObjectCommand({ Bucket: 'bridged', Key: 'a b.txt', Body: 'again' }));
      await new Promise((r) => setTimeout(r, 1_000));
      expect(await text('results', 'eventbridge/Object Created/after.txt')).toBeUndefined();
    } finally {
      events.destroy();
    }
  }, 90_000);
});
