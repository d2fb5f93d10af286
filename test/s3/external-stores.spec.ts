/**
 * Bucket events from external S3-compatible stores: a bucket linked with `gust buckets link`
 * (the real CLI), its notification configuration set with S3's API, and records as MinIO
 * and Ceph send them, by webhook (curl) and through the machine's RabbitMQ (published as
 * MinIO's AMQP target publishes them), rewritten into the exact `aws:s3` record a function
 * receives. No MinIO or Ceph binary is packaged for this machine; their payloads are
 * copied from the stores' documentation.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { connect as connectTcp } from 'node:net';
import { promisify } from 'node:util';
import type { ChannelModel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateBucketCommand, GetObjectCommand, PutBucketNotificationConfigurationCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { startTestGust, type TestGust } from '../helpers/gust.js';
import { ARN_PREFIX, createFunction } from '../helpers/lambda.js';
import { waitFor } from '../helpers/wait.js';
import { buildCli, runGust, succeeded } from '../cli/support.js';
import { allowS3, s3Client } from './support.js';
import { canonicalUserId } from '../../src/core/arn.js';

const run = promisify(execFile);

/** Writes each record it receives to Gust's own `results` bucket, under its event name and decoded key. */
const RECORDER = `import { S3Client, PutObjectCommand } from '@aws-sdk/client-s3';
const s3 = new S3Client({ forcePathStyle: true });
export const handler = async (event) => {
  for (const record of event.Records) {
    const key = decodeURIComponent(record.s3.object.key.replace(/\\+/g, ' '));
    await s3.send(new PutObjectCommand({ Bucket: 'results', Key: record.eventName + '/' + key, Body: JSON.stringify(record) }));
  }
};
`;

/** A record as MinIO sends it (webhook body and AMQP message alike). */
function minioEvent(bucket: string, key: string, eventName = 's3:ObjectCreated:Put'): Record<string, unknown> {
  const escaped = encodeURIComponent(key).replace(/%20/g, '+');
  return {
    EventName: eventName,
    Key: `${bucket}/${key}`,
    Records: [{
      eventVersion: '2.0',
      eventSource: 'minio:s3',
      awsRegion: '',
      eventTime: '2026-12-04T06:00:00.123Z',
      eventName,
      userIdentity: { principalId: 'minioadmin' },
      requestParameters: { principalId: 'minioadmin', region: '', sourceIPAddress: '192.0.2.7:53175' },
      responseElements: { 'x-amz-id-2': 'dd9025bab4ad464b049177c95eb6ebf374d3b3fd1af9251148b658df7ac2e3e8', 'x-amz-request-id': '17C8A1E9F0C2D3B4', 'x-minio-deployment-id': 'b1c1', 'x-minio-origin-endpoint': 'http://192.0.2.7:9000' },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'Config',
        bucket: { name: bucket, ownerIdentity: { principalId: 'minioadmin' }, arn: `arn:aws:s3:::${bucket}` },
        object: { key: escaped, size: 488, eTag: 'f22d66a7d0dbbc4a7cf1122eeeb1a106', contentType: 'image/jpeg', userDefined: { 'content-type': 'image/jpeg' }, sequencer: '17C8A1E9F1D2E3F4' },
      },
      source: { host: '192.0.2.7', port: '', userAgent: 'MinIO (linux; amd64) minio-go/v7.0.70' },
    }],
  };
}

/** A removal as Ceph's object gateway sends it: `ceph:s3`, the key as it is, the size a string. */
function cephRemoval(bucket: string, key: string): Record<string, unknown> {
  return {
    Records: [{
      eventVersion: '2.2',
      eventSource: 'ceph:s3',
      awsRegion: 'default',
      eventTime: '2026-12-04T06:01:00.000000Z',
      eventName: 'ObjectRemoved:Delete',
      userIdentity: { principalId: 'tester' },
      requestParameters: { sourceIPAddress: '' },
      responseElements: { 'x-amz-request-id': '503a4c37-85eb-47cd-8681-2817e80b4281.5330.903595', 'x-amz-id-2': '14d2-zone1-zonegroup1' },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'gust',
        bucket: { name: bucket, ownerIdentity: { principalId: 'tester' }, arn: `arn:aws:s3:default::${bucket}`, id: '503a4c37.5332.38' },
        object: { key, size: '0', eTag: '', versionId: '', sequencer: 'F7E6D5C4B3A29180', metadata: [], tags: [] },
      },
      eventId: '1575221657.102001.80dad3aad8584778352c68ab06250327',
      opaqueData: '',
    }],
  };
}

/** Whether the machine's RabbitMQ answers (CI's .ci/run starts it). */
function rabbitUp(): Promise<boolean> {
  return new Promise((done) => {
    const socket = connectTcp(5672, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), done(true)));
    socket.once('error', () => done(false));
  });
}

const rabbit = await rabbitUp();
if (!rabbit) console.warn('test/s3/external-stores.spec.ts: the AMQP case skipped: no RabbitMQ on 127.0.0.1:5672');
const suffix = randomUUID().slice(0, 8);
const EXCHANGE = `gust-test-minio-${suffix}`;
const QUEUE = `gust-test-s3-events-${suffix}`;
const AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672/';

let t: TestGust;
let s3: S3Client;
let broker: ChannelModel | undefined;
let token: string;

beforeAll(async () => {
  buildCli();
  if (rabbit) {
    const amqp = await import('amqplib');
    broker = await amqp.connect(AMQP_URL);
    // The store declares its exchange (MinIO's notify_amqp: exchange_type=fanout).
    await (await broker.createChannel()).assertExchange(EXCHANGE, 'fanout', { durable: false });
  }
  t = await startTestGust({ flags: { sandbox: 'process', s3EventsAmqp: broker ? `${AMQP_URL}?exchange=${EXCHANGE}&routing_key=bucketlogs&queue=${QUEUE}` : '' } });
  s3 = s3Client(t);
  await s3.send(new CreateBucketCommand({ Bucket: 'results' }));
  await createFunction(t.lambda, 'recorder', { Handler: 'index.handler', Timeout: 30, files: { 'index.mjs': RECORDER } });
  const linked = JSON.parse(succeeded(await runGust(['buckets', 'link', 'photos', '--json'], { cwd: t.dataDir, endpoint: t.url }), ['buckets', 'link'])) as { Bucket: string; Webhook: string; Token: string };
  expect(linked).toMatchObject({ Bucket: 'photos', Webhook: `${t.url}/gust/s3-events`, Token: expect.stringMatching(/^[0-9a-f]{64}$/) });
  token = linked.Token;
  await allowS3(t.lambda, 'recorder', 'photos');
  await s3.send(new PutBucketNotificationConfigurationCommand({
    Bucket: 'photos',
    NotificationConfiguration: {
      LambdaFunctionConfigurations: [
        { Id: 'jpegs', LambdaFunctionArn: `${ARN_PREFIX}recorder`, Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'suffix', Value: '.jpg' }] } } },
        { Id: 'removals', LambdaFunctionArn: `${ARN_PREFIX}recorder`, Events: ['s3:ObjectRemoved:*'] },
      ],
    },
  }));
}, 120_000);

afterAll(async () => {
  s3?.destroy();
  await t?.stop();
  if (broker) {
    const channel = await broker.createChannel();
    await channel.deleteQueue(QUEUE);
    await channel.deleteExchange(EXCHANGE);
    await broker.close();
  }
});

async function recorded(key: string): Promise<Record<string, unknown> | undefined> {
  try {
    return JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: 'results', Key: key }))).Body!.transformToString()) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof S3ServiceException && err.name === 'NoSuchKey') return undefined;
    throw err;
  }
}

async function curlEvents(body: unknown, auth: string[], query = ''): Promise<{ status: number; body: Record<string, unknown> }> {
  const { stdout } = await run('curl', ['-sS', '-X', 'POST', ...auth, '-H', 'content-type: application/json', '--data-binary', JSON.stringify(body), '-w', '\n%{http_code}', `${t.url}/gust/s3-events${query}`]);
  const lines = stdout.trimEnd().split('\n');
  const status = Number(lines.pop());
  return { status, body: JSON.parse(lines.join('\n')) as Record<string, unknown> };
}

describe('external S3-compatible stores', () => {
  it('rewrites a MinIO webhook record into the exact aws:s3 record, by the linked bucket\'s configuration', async () => {
    const sent = await curlEvents(minioEvent('photos', 'holiday (1).jpg'), ['-H', `Authorization: Bearer ${token}`]);
    expect(sent).toEqual({ status: 200, body: { Announced: 1, Ignored: 0 } });
    const record = await waitFor('the recorded event', () => recorded('ObjectCreated:Put/holiday (1).jpg'), 60_000, 100);
    expect(record).toEqual({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'us-east-1',
      eventTime: '2026-12-04T06:00:00.123Z',
      eventName: 'ObjectCreated:Put',
      userIdentity: { principalId: 'AWS:000000000000' },
      requestParameters: { sourceIPAddress: '192.0.2.7' },
      responseElements: { 'x-amz-request-id': '17C8A1E9F0C2D3B4', 'x-amz-id-2': '17C8A1E9F0C2D3B4' },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'jpegs',
        bucket: { name: 'photos', ownerIdentity: { principalId: canonicalUserId('000000000000') }, arn: 'arn:aws:s3:::photos' },
        object: { key: 'holiday+%281%29.jpg', size: 488, eTag: 'f22d66a7d0dbbc4a7cf1122eeeb1a106', sequencer: '17C8A1E9F1D2E3F4' },
      },
    });
  }, 90_000);

  it('announces a Ceph removal record (raw key, size as a string) as S3 announces a removal', async () => {
    expect(await curlEvents(cephRemoval('photos', 'old/a b.png'), [], `?token=${token}`)).toEqual({ status: 200, body: { Announced: 1, Ignored: 0 } });
    const record = await waitFor('the removal', () => recorded('ObjectRemoved:Delete/old/a b.png'), 60_000, 100);
    expect(record).toMatchObject({ eventSource: 'aws:s3', eventName: 'ObjectRemoved:Delete', s3: { configurationId: 'removals', object: { key: 'old/a+b.png', sequencer: 'F7E6D5C4B3A29180' } } });
    expect(Object.keys((record as { s3: { object: object } }).s3.object).sort()).toEqual(['key', 'sequencer']);
  }, 90_000);

  it('refuses a wrong or missing token, malformed deliveries, and objects requests to a linked bucket; leaves out buckets not linked', async () => {
    expect(await curlEvents(minioEvent('photos', 'x.jpg'), ['-H', 'Authorization: Bearer nope'])).toMatchObject({ status: 403, body: { Type: 'User', Message: expect.stringContaining('gust buckets link') } });
    expect((await curlEvents(minioEvent('photos', 'x.jpg'), [])).status).toBe(403);
    const bad = await curlEvents({ records: 'none' }, ['-H', `Authorization: ${token}`]);
    expect(bad.status).toBe(400);
    expect(await curlEvents({ Records: [{ eventName: 's3:ObjectCreated:Put' }] }, ['-H', `Authorization: ${token}`])).toMatchObject({ status: 400 });
    // Gust's own bucket `results`: an external store cannot speak for it.
    expect(await curlEvents(minioEvent('results', 'x.jpg'), ['-H', `Authorization: ${token}`])).toEqual({ status: 200, body: { Announced: 0, Ignored: 1 } });
    expect(await curlEvents(minioEvent('photos', 'seen.jpg', 's3:ObjectAccessed:Get'), ['-H', `Authorization: ${token}`])).toEqual({ status: 200, body: { Announced: 0, Ignored: 0 } });
    await expect(s3.send(new PutObjectCommand({ Bucket: 'photos', Key: 'k', Body: 'x' }))).rejects.toMatchObject({ name: 'InvalidRequest', $metadata: { httpStatusCode: 400 } });
    const listed = succeeded(await runGust(['buckets'], { cwd: t.dataDir, endpoint: t.url }), ['buckets']);
    expect(listed).toMatch(/photos \(external\)\s+-\s+-\s+recorder, recorder/);
  }, 90_000);

  it.skipIf(!rabbit)('consumes MinIO records from RabbitMQ, dropping a message that holds none', async () => {
    const channel = await broker!.createChannel();
    channel.publish(EXCHANGE, 'bucketlogs', Buffer.from('not json'));
    channel.publish(EXCHANGE, 'bucketlogs', Buffer.from(JSON.stringify(minioEvent('photos', 'from amqp/cat.jpg', 's3:ObjectCreated:CompleteMultipartUpload'))), { contentType: 'application/json' });
    const record = await waitFor('the AMQP event', () => recorded('ObjectCreated:CompleteMultipartUpload/from amqp/cat.jpg'), 60_000, 100);
    expect(record).toMatchObject({ eventSource: 'aws:s3', s3: { configurationId: 'jpegs', object: { key: 'from+amqp/cat.jpg', size: 488 } } });
    await waitFor('the queue to drain', async () => ((await channel.checkQueue(QUEUE)).messageCount === 0 ? true : undefined), 10_000, 100);
    await channel.close();
  }, 90_000);
});
