/**
 * Signed requests on every API, driven by the real SDK v3 clients against a server that
 * holds access keys: right keys succeed, and each wrong one fails with the service's own
 * error in its own wire format (Lambda REST-JSON, EventBridge awsJson1_1, SQS JSON, S3 XML).
 */
import { get } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateFunctionCommand, GetFunctionCommand, LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { ROLE } from '../helpers/lambda.js';
import { makeZip } from '../helpers/zips.js';
import { EventBridgeClient, ListRulesCommand } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { readAuditLog } from '../../src/server/admin.js';
import { signRequest, startAuthGust, type AuthGust, type Keys } from './support.js';

let g: AuthGust;
beforeAll(async () => {
  g = await startAuthGust();
});
afterAll(async () => g?.stop());

const SIXTEEN_MIN = 16 * 60 * 1000;
const MISMATCH = 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

function clients(keys: Keys, options: { systemClockOffset?: number } = {}) {
  const config = { endpoint: g.t.url, region: 'us-east-1', credentials: keys, maxAttempts: 1, ...options };
  return { lambda: new LambdaClient(config), events: new EventBridgeClient(config), sqs: new SQSClient(config), s3: new S3Client({ ...config, forcePathStyle: true }) };
}

async function failure(p: Promise<unknown>): Promise<{ name: string; message: string; status: number | undefined }> {
  try {
    await p;
  } catch (err) {
    const e = err as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode };
  }
  throw new Error('expected a failure');
}

describe('SDK v3 with auth on', () => {
  it('right keys work on every API', async () => {
    const c = clients(g.key);
    await c.lambda.send(new ListFunctionsCommand({}));
    await c.events.send(new ListRulesCommand({}));
    await c.sqs.send(new CreateQueueCommand({ QueueName: 'signed' }));
    await c.s3.send(new CreateBucketCommand({ Bucket: 'signed' }));
    await c.s3.send(new PutObjectCommand({ Bucket: 'signed', Key: 'k', Body: 'hello' }));
    const got = await c.s3.send(new GetObjectCommand({ Bucket: 'signed', Key: 'k' }));
    expect(await got.Body!.transformToString()).toBe('hello');
  });

  it('a wrong secret fails with each service’s error', async () => {
    const c = clients({ ...g.key, secretAccessKey: 'wrong' });
    expect(await failure(c.lambda.send(new ListFunctionsCommand({})))).toEqual({ name: 'InvalidSignatureException', message: MISMATCH, status: 403 });
    expect(await failure(c.events.send(new ListRulesCommand({})))).toMatchObject({ name: 'InvalidSignatureException', message: MISMATCH });
    expect(await failure(c.sqs.send(new ListQueuesCommand({})))).toMatchObject({ name: 'SignatureDoesNotMatch', message: MISMATCH, status: 403 });
    expect(await failure(c.s3.send(new PutObjectCommand({ Bucket: 'signed', Key: 'bad', Body: 'x' })))).toMatchObject({ name: 'SignatureDoesNotMatch', status: 403 });
  });

  it('an unknown key fails with each service’s error', async () => {
    const c = clients({ accessKeyId: 'AKIAUNKNOWNUNKNOWN00', secretAccessKey: 'x' });
    expect(await failure(c.lambda.send(new ListFunctionsCommand({})))).toEqual({ name: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.', status: 403 });
    expect(await failure(c.events.send(new ListRulesCommand({})))).toMatchObject({ name: 'UnrecognizedClientException' });
    expect(await failure(c.sqs.send(new ListQueuesCommand({})))).toMatchObject({ name: 'InvalidClientTokenId', status: 403 });
    expect(await failure(c.s3.send(new GetObjectCommand({ Bucket: 'signed', Key: 'k' })))).toMatchObject({ name: 'InvalidAccessKeyId', message: 'The AWS Access Key Id you provided does not exist in our records.', status: 403 });
  });

  it('a signature 16 minutes old is refused', async () => {
    const c = clients(g.key, { systemClockOffset: -SIXTEEN_MIN });
    const lambda = await failure(c.lambda.send(new ListFunctionsCommand({})));
    expect(lambda).toMatchObject({ name: 'InvalidSignatureException', status: 403 });
    expect(lambda.message).toMatch(/^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)$/);
    expect((await failure(c.sqs.send(new ListQueuesCommand({})))).message).toMatch(/^Signature expired/);
    expect(await failure(c.s3.send(new GetObjectCommand({ Bucket: 'signed', Key: 'k' })))).toMatchObject({ name: 'RequestTimeTooSkewed', status: 403 });
  });

  it('unsigned requests are refused on every API', async () => {
    const lambda = await fetch(`${g.t.url}/2015-03-31/functions`);
    expect(lambda.status).toBe(403);
    expect(lambda.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
    const sqs = await fetch(`${g.t.url}/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=ListQueues' });
    expect(sqs.status).toBe(403);
    expect(await sqs.text()).toContain('<Code>MissingAuthenticationToken</Code>');
    // fetch cannot set Host: S3 is reached by its host name through node:http.
    const s3 = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      get({ host: '127.0.0.1', port: g.t.gust.port, path: '/signed/k', headers: { host: 's3.us-east-1.localhost' } }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      }).on('error', reject);
    });
    expect(s3.status).toBe(403);
    expect(s3.body).toContain('<Code>AccessDenied</Code>');
    expect((await fetch(`${g.t.url}/health`)).status).toBe(200);
  });

  it('a large code upload with an unknown key is refused before its body is read', async () => {
    const date = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
    const auth = `AWS4-HMAC-SHA256 Credential=AKIAUNKNOWNUNKNOWN00/${date.slice(0, 8)}/us-east-1/lambda/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`;
    const body = Buffer.alloc(3 * 1024 * 1024, 'a');
    const res = await fetch(`${g.t.url}/2015-03-31/functions`, { method: 'POST', headers: { authorization: auth, 'x-amz-date': date, 'content-type': 'application/json' }, body });
    expect(res.status).toBe(403);
    expect(res.headers.get('x-amzn-errortype')).toBe('UnrecognizedClientException');
  });

  it('a tampered body or header is refused', async () => {
    const body = JSON.stringify({ Name: 'r1', ScheduleExpression: 'rate(1 hour)' });
    const signed = await signRequest(g.t.url, g.key, { method: 'POST', path: '/', service: 'events', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSEvents.PutRule' }, body });
    const tamperedBody = await fetch(signed.url, { ...signed.init, body: body.replace('r1', 'r2') });
    expect(tamperedBody.status).toBe(400);
    expect(await tamperedBody.json()).toEqual({ __type: 'InvalidSignatureException', message: MISMATCH });
    const tamperedHeader = await fetch(signed.url, { ...signed.init, headers: { ...signed.init.headers, 'x-amz-target': 'AWSEvents.DeleteRule' } });
    expect(tamperedHeader.headers.get('x-amzn-errortype')).toBe('InvalidSignatureException');
    expect((await fetch(signed.url, signed.init)).status).toBe(200);
  });

  it('S3 presigned URLs work until they expire', async () => {
    const { s3 } = clients(g.key);
    const fresh = await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'signed', Key: 'k' }), { expiresIn: 60 });
    const ok = await fetch(fresh);
    expect(await ok.text()).toBe('hello');
    const old = await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'signed', Key: 'k' }), { expiresIn: 60, signingDate: new Date(Date.now() - 120_000) });
    const expired = await fetch(old);
    expect(expired.status).toBe(403);
    const text = await expired.text();
    expect(text).toContain('<Code>AccessDenied</Code>');
    expect(text).toContain('<Message>Request has expired</Message>');
    expect(text).toContain('<X-Amz-Expires>60</X-Amz-Expires>');
    const wrong = await getSignedUrl(clients({ ...g.key, secretAccessKey: 'wrong' }).s3, new GetObjectCommand({ Bucket: 'signed', Key: 'k' }), { expiresIn: 60 });
    expect(await (await fetch(wrong)).text()).toContain('<Code>SignatureDoesNotMatch</Code>');
  });

  it('GetFunction’s Code.Location is signed and expiring, so any HTTP client can fetch it; the bare path needs a signature', async () => {
    const c = clients(g.key);
    await c.lambda.send(new CreateFunctionCommand({ FunctionName: 'located', Runtime: 'nodejs20.x', Role: ROLE, Handler: 'index.handler', Code: { ZipFile: await makeZip() } }));
    const location = (await c.lambda.send(new GetFunctionCommand({ FunctionName: 'located' }))).Code!.Location!;
    expect(location).toMatch(/\/gust\/code\/[0-9a-f]{64}\.zip\?X-Gust-Expires=\d+&X-Gust-Signature=[0-9a-f]{64}$/);
    const zip = await fetch(location);
    expect(zip.status).toBe(200);
    expect(zip.headers.get('content-type')).toBe('application/zip');
    const bare = await fetch(location.split('?')[0]!);
    expect(bare.status).toBe(403);
    expect(bare.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
    expect((await fetch(location.replace(/Signature=./, 'Signature=x'))).status).toBe(403);
  });

  it('writes an audit line per mutating request', async () => {
    await new Promise((r) => setTimeout(r, 50));
    const entries = await readAuditLog(g.t.dataDir, { account: '000000000000' });
    const ops = entries.map((e) => e.operation);
    expect(ops).toEqual(expect.arrayContaining(['CreateQueue', 'PutRule']));
    expect(entries.find((e) => e.operation === 'CreateQueue')).toMatchObject({ account: '000000000000', accessKeyId: g.key.accessKeyId, status: 200 });
    expect(entries.some((e) => e.operation === 'PutObject' && e.resource === '/signed/k')).toBe(true);
    expect(entries.some((e) => e.operation === 'CreateBucket' && e.resource === '/signed/')).toBe(true);
    expect(entries.some((e) => e.operation.startsWith('GET'))).toBe(false);
  });
});
