/**
 * The S3 API driven by Debian's aws CLI v2 (`aws s3 cp/ls/sync/rm` and `aws s3api`) and by
 * boto3 1.26 (Debian's python3-boto3), unchanged, with --endpoint-url / endpoint_url: their
 * uploads (multipart above the CLI's 8 MiB threshold), listings, ETags and errors.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCliMissing, runAwsCli } from '../helpers/aws-cli.js';
import { startTestGust, type TestGust } from '../helpers/gust.js';

const PYTHON = '/usr/bin/python3';
const missing = awsCliMissing('S3 aws CLI suite');

let t: TestGust;
let work: string;

beforeAll(async () => {
  t = await startTestGust();
  work = mkdtempSync(join(tmpdir(), 'gust-s3-cli-'));
});

afterAll(async () => {
  await t?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const aws = (...args: string[]) => runAwsCli(args[0]!, args.slice(1), { endpoint: t.url, cwd: work });
async function ok(...args: string[]): Promise<string> {
  const r = await aws(...args);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

describe.skipIf(missing !== undefined)('aws s3 and aws s3api', () => {
  it('makes a bucket, copies files up (one of 20 MiB, in parts) and down, lists, syncs and removes', async () => {
    await ok('s3', 'mb', 's3://cli');
    const dir = join(work, 'up');
    mkdirSync(join(dir, 'sub'), { recursive: true });
    writeFileSync(join(dir, 'a.txt'), 'alpha');
    writeFileSync(join(dir, 'sub', 'b.txt'), 'beta');
    const big = Buffer.alloc(20 * 1024 * 1024, 7);
    writeFileSync(join(work, 'big.bin'), big);
    await ok('s3', 'cp', join(work, 'big.bin'), 's3://cli/big.bin');
    await ok('s3', 'sync', dir, 's3://cli/tree');
    const ls = await ok('s3', 'ls', '--recursive', 's3://cli');
    expect(ls).toMatch(/20971520 big\.bin/);
    expect(ls).toMatch(/5 tree\/a\.txt/);
    expect(ls).toMatch(/4 tree\/sub\/b\.txt/);
    const top = await ok('s3', 'ls', 's3://cli/tree/');
    expect(top).toMatch(/PRE sub\//);
    await ok('s3', 'cp', 's3://cli/big.bin', join(work, 'big.down'));
    expect(createHash('sha256').update(readFileSync(join(work, 'big.down'))).digest('hex')).toBe(createHash('sha256').update(big).digest('hex'));
    const head = JSON.parse(await ok('s3api', 'head-object', '--bucket', 'cli', '--key', 'big.bin')) as { ETag: string; ContentLength: number };
    expect(head.ContentLength).toBe(big.length);
    expect(head.ETag).toMatch(/^"[0-9a-f]{32}-3"$/);
    await ok('s3', 'rm', '--recursive', 's3://cli/tree');
    expect(await ok('s3', 'ls', '--recursive', 's3://cli')).not.toContain('tree/');
    await ok('s3', 'rm', 's3://cli/big.bin');
    await ok('s3', 'rb', 's3://cli');
  }, 120_000);

  it('answers s3api calls and their errors as S3 does', async () => {
    await ok('s3api', 'create-bucket', '--bucket', 'api');
    writeFileSync(join(work, 'body.txt'), 'body');
    const put = JSON.parse(await ok('s3api', 'put-object', '--bucket', 'api', '--key', 'k', '--body', join(work, 'body.txt'), '--content-type', 'text/plain', '--metadata', 'a=b')) as { ETag: string };
    expect(put.ETag).toBe(`"${createHash('md5').update('body').digest('hex')}"`);
    const got = JSON.parse(await ok('s3api', 'get-object', '--bucket', 'api', '--key', 'k', '--range', 'bytes=1-2', join(work, 'part.txt'))) as { ContentRange: string; Metadata: Record<string, string> };
    expect(got.ContentRange).toBe('bytes 1-2/4');
    expect(got.Metadata).toEqual({ a: 'b' });
    expect(readFileSync(join(work, 'part.txt'), 'utf8')).toBe('od');
    const list = JSON.parse(await ok('s3api', 'list-objects-v2', '--bucket', 'api')) as { Contents: { Key: string }[] };
    expect(list.Contents.map((c) => c.Key)).toEqual(['k']);
    const noKey = await aws('s3api', 'get-object', '--bucket', 'api', '--key', 'nope', join(work, 'x'));
    expect(noKey.code).not.toBe(0);
    expect(noKey.stderr).toContain('NoSuchKey');
    const notEmpty = await aws('s3api', 'delete-bucket', '--bucket', 'api');
    expect(notEmpty.stderr).toContain('BucketNotEmpty');
    const noBucket = await aws('s3api', 'list-objects-v2', '--bucket', 'nobody');
    expect(noBucket.stderr).toContain('NoSuchBucket');
  }, 60_000);
});

const BOTO3 = `
import json, sys, boto3, botocore
s3 = boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
out = {}
s3.create_bucket(Bucket="pyb")
out["put"] = s3.put_object(Bucket="pyb", Key="dir/a b.txt", Body=b"hello boto3", Metadata={"x": "1"})["ETag"]
out["get"] = s3.get_object(Bucket="pyb", Key="dir/a b.txt")["Body"].read().decode()
s3.upload_fileobj(__import__("io").BytesIO(b"z" * (9 * 1024 * 1024)), "pyb", "big", Config=boto3.s3.transfer.TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024))
out["big"] = s3.head_object(Bucket="pyb", Key="big")["ETag"]
pages = s3.get_paginator("list_objects_v2").paginate(Bucket="pyb", PaginationConfig={"PageSize": 1})
out["keys"] = [o["Key"] for p in pages for o in p.get("Contents", [])]
out["v1"] = [o["Key"] for o in s3.list_objects(Bucket="pyb", Prefix="dir/")["Contents"]]
url = s3.generate_presigned_url("get_object", Params={"Bucket": "pyb", "Key": "dir/a b.txt"})
out["presigned"] = __import__("urllib.request").request.urlopen(url).read().decode()
try:
    s3.get_object(Bucket="pyb", Key="missing")
except botocore.exceptions.ClientError as e:
    out["error"] = [e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]]
print(json.dumps(out))
`;

describe('boto3 1.26', () => {
  it('puts, gets, uploads in parts, paginates, presigns and reads errors', async () => {
    const stdout = await new Promise<string>((done, fail) => {
      execFile(PYTHON, ['-c', BOTO3, t.url], { env: { PATH: '/usr/bin:/bin', HOME: work, AWS_CONFIG_FILE: join(work, 'none'), AWS_SHARED_CREDENTIALS_FILE: join(work, 'none') } }, (err, out, stderr) =>
        err ? fail(new Error(`boto3 failed: ${stderr || err.message}`)) : done(out),
      );
    });
    const r = JSON.parse(stdout) as Record<string, unknown>;
    expect(r).toMatchObject({
      put: `"${createHash('md5').update('hello boto3').digest('hex')}"`,
      get: 'hello boto3',
      keys: ['big', 'dir/a b.txt'],
      v1: ['dir/a b.txt'],
      presigned: 'hello boto3',
      error: ['NoSuchKey', 404],
    });
    expect(r['big']).toMatch(/^"[0-9a-f]{32}-2"$/);
  }, 60_000);
});
