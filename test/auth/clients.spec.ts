/**
 * The aws CLI (Debian's, botocore 1.29) and boto3 1.26 (Debian's python3-boto3) against a
 * server with auth on: right keys succeed, a wrong secret and an unknown key fail with each
 * service's error; S3 presigned URLs in SigV4 work, and boto3 1.26's default SigV2 ones are
 * refused with S3's InvalidRequest. Skipped, saying why, where a client is missing.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { awsCliMissing, runAwsCli } from '../helpers/aws-cli.js';
import { startAuthGust, type AuthGust } from './support.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'boto3_auth.py');
const boto3Missing = spawnSync(PYTHON, ['-c', 'import boto3'], { encoding: 'utf8' }).status === 0 ? undefined : 'boto3 is not importable by /usr/bin/python3';
const cliMissing = awsCliMissing('auth aws CLI suite');
const MISMATCH = 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

let g: AuthGust;
let work: string;
beforeAll(async () => {
  g = await startAuthGust();
  work = mkdtempSync(join(tmpdir(), 'gust-auth-clients-'));
  const s3 = new S3Client({ endpoint: g.t.url, region: 'us-east-1', credentials: g.key, forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: 'boto' }));
  await s3.send(new CreateBucketCommand({ Bucket: 'cli' }));
  s3.destroy();
});
afterAll(async () => {
  await g?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe.skipIf(cliMissing !== undefined)('aws CLI with auth on', () => {
  const cli = (service: string, args: string[], credentials = g.key) => runAwsCli(service, args, { endpoint: g.t.url, cwd: work, credentials });

  it('right keys work on every API', async () => {
    expect((await cli('lambda', ['list-functions'])).code).toBe(0);
    expect((await cli('events', ['list-rules'])).code).toBe(0);
    expect((await cli('sqs', ['create-queue', '--queue-name', 'cli'])).code).toBe(0);
    writeFileSync(join(work, 'up.txt'), 'uploaded by the aws CLI');
    const put = await cli('s3', ['cp', join(work, 'up.txt'), 's3://cli/up.txt']);
    expect(put.code, put.stderr).toBe(0);
    const get = await cli('s3', ['cp', 's3://cli/up.txt', '-']);
    expect(get.stdout).toBe('uploaded by the aws CLI');
  });

  it('a presigned URL works until it expires', async () => {
    const fresh = await cli('s3', ['presign', 's3://cli/up.txt', '--expires-in', '60']);
    const freshText = await (await fetch(fresh.stdout.trim())).text();
    expect(freshText, fresh.stdout).toBe('uploaded by the aws CLI');
    const short = await cli('s3', ['presign', 's3://cli/up.txt', '--expires-in', '1']);
    await new Promise((r) => setTimeout(r, 2100));
    const expired = await fetch(short.stdout.trim());
    expect(expired.status).toBe(403);
    expect(await expired.text()).toContain('<Code>AccessDenied</Code><Message>Request has expired</Message>');
  });

  it('a wrong secret and an unknown key fail with each service’s error', async () => {
    const wrong = { ...g.key, secretAccessKey: 'wrong' };
    expect((await cli('lambda', ['list-functions'], wrong)).stderr).toContain(`(InvalidSignatureException) when calling the ListFunctions operation (reached max retries: 0): ${MISMATCH}`);
    expect((await cli('sqs', ['list-queues'], wrong)).stderr).toContain('(SignatureDoesNotMatch)');
    expect((await cli('s3api', ['get-object', '--bucket', 'cli', '--key', 'up.txt', join(work, 'out')], wrong)).stderr).toContain('(SignatureDoesNotMatch)');
    const unknown = { accessKeyId: 'AKIAUNKNOWNUNKNOWN00', secretAccessKey: 'x' };
    expect((await cli('lambda', ['list-functions'], unknown)).stderr).toContain('(UnrecognizedClientException) when calling the ListFunctions operation (reached max retries: 0): The security token included in the request is invalid.');
    expect((await cli('events', ['list-rules'], unknown)).stderr).toContain('(UnrecognizedClientException)');
    expect((await cli('s3api', ['get-object', '--bucket', 'cli', '--key', 'up.txt', join(work, 'out')], unknown)).stderr).toContain('(InvalidAccessKeyId)');
  });
});

describe.skipIf(boto3Missing !== undefined)('boto3 1.26 with auth on', () => {
  it('right keys work; a wrong secret, an unknown key and a clock 16 minutes slow fail with each service’s error; SigV4 presigned URLs work until they expire and SigV2 ones are refused', async () => {
    const stdout = await new Promise<string>((done, fail) => {
      execFile(PYTHON, [SCRIPT], { env: { PATH: '/usr/bin:/bin', HOME: work, GUST_URL: g.t.url, GOOD_ID: g.key.accessKeyId, GOOD_SECRET: g.key.secretAccessKey, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' } }, (err, out, stderr) => (err ? fail(new Error(`${err.message}\n${stderr}`)) : done(out)));
    });
    const r = JSON.parse(stdout) as Record<string, Record<string, unknown>>;
    expect(r.good).toEqual({ lambda: 'ok', events: 'ok', sqs: 'ok', s3: 'ok' });
    expect(r.wrong).toMatchObject({ lambda: { Code: 'InvalidSignatureException', Message: MISMATCH }, events: { Code: 'InvalidSignatureException' }, sqs: { Code: 'SignatureDoesNotMatch' }, s3: { Code: 'SignatureDoesNotMatch' } });
    expect(r.unknown).toMatchObject({ lambda: { Code: 'UnrecognizedClientException' }, events: { Code: 'UnrecognizedClientException' }, sqs: { Code: 'InvalidClientTokenId' }, s3: { Code: 'InvalidAccessKeyId' } });
    expect(r.presigned_v4).toEqual({ status: 200, body: 'from boto3' });
    expect(r.presigned_expired!.status).toBe(403);
    expect(r.presigned_expired!.body).toContain('<Code>AccessDenied</Code><Message>Request has expired</Message>');
    expect(r.skewed).toMatchObject({ lambda: { Code: 'InvalidSignatureException', Message: expect.stringMatching(/^Signature expired: /) }, sqs: { Code: 'SignatureDoesNotMatch', Message: expect.stringMatching(/^Signature expired: /) }, s3: { Code: 'RequestTimeTooSkewed' } });
    expect(r.presigned_v2!.status).toBe(400);
    expect(r.presigned_v2!.body).toContain('<Code>InvalidRequest</Code><Message>The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.</Message>');
  }, 60_000);
});
