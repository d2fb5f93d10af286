/**
 * Buckets belong to accounts, driven by @aws-sdk/client-s3 with each account's own key on a
 * verifying server: bucket names are global, each account lists and uses only its own
 * buckets, and another account's bucket answers AccessDenied (403) as S3 does when no
 * bucket policy grants access, while a missing bucket stays NoSuchBucket.
 */
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAuthGust, type AuthGust, type Keys } from '../auth/support.js';

let g: AuthGust;
let owner: S3Client;
let other: S3Client;

const client = (keys: Keys) => new S3Client({ endpoint: g.t.url, region: g.t.config.region, credentials: keys, forcePathStyle: true, maxAttempts: 1 });

beforeAll(async () => {
  g = await startAuthGust();
  owner = client(g.key);
  other = client(g.other);
  await owner.send(new CreateBucketCommand({ Bucket: 'owned-by-server' }));
  await owner.send(new PutObjectCommand({ Bucket: 'owned-by-server', Key: 'secret.txt', Body: 'for the owner' }));
  await other.send(new CreateBucketCommand({ Bucket: 'owned-by-other' }));
}, 60_000);

afterAll(async () => {
  owner?.destroy();
  other?.destroy();
  await g?.stop();
});

async function failure(p: Promise<unknown>): Promise<{ name: string; status: number | undefined; message: string }> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(S3ServiceException);
    const e = err as S3ServiceException;
    return { name: e.name, status: e.$metadata.httpStatusCode, message: e.message };
  }
  throw new Error('expected a failure');
}

describe('buckets of two accounts', () => {
  it('each account lists only its own buckets, under its own owner', async () => {
    const mine = await owner.send(new ListBucketsCommand({}));
    const theirs = await other.send(new ListBucketsCommand({}));
    expect(mine.Buckets?.map((b) => b.Name)).toEqual(['owned-by-server']);
    expect(theirs.Buckets?.map((b) => b.Name)).toEqual(['owned-by-other']);
    expect(mine.Owner?.DisplayName).toBe('000000000000');
    expect(theirs.Owner?.DisplayName).toBe(g.otherAccount);
    expect(theirs.Owner?.ID).toMatch(/^[0-9a-f]{64}$/);
    expect(theirs.Owner?.ID).not.toBe(mine.Owner?.ID);
  });

  it('another account’s bucket answers AccessDenied to every operation, and keeps its objects', async () => {
    const denied = { name: 'AccessDenied', status: 403 };
    expect(await failure(other.send(new GetObjectCommand({ Bucket: 'owned-by-server', Key: 'secret.txt' })))).toMatchObject({ ...denied, message: 'Access Denied' });
    expect(await failure(other.send(new PutObjectCommand({ Bucket: 'owned-by-server', Key: 'planted.txt', Body: 'x' })))).toMatchObject(denied);
    expect(await failure(other.send(new ListObjectsV2Command({ Bucket: 'owned-by-server' })))).toMatchObject(denied);
    expect(await failure(other.send(new DeleteBucketCommand({ Bucket: 'owned-by-server' })))).toMatchObject(denied);
    // HEAD has no body: the SDK names the error by its status.
    expect((await failure(other.send(new HeadBucketCommand({ Bucket: 'owned-by-server' })))).status).toBe(403);
    expect(await failure(owner.send(new ListObjectsV2Command({ Bucket: 'owned-by-other' })))).toMatchObject(denied);

    const listed = await owner.send(new ListObjectsV2Command({ Bucket: 'owned-by-server' }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual(['secret.txt']);
    expect(await (await owner.send(new GetObjectCommand({ Bucket: 'owned-by-server', Key: 'secret.txt' }))).Body?.transformToString()).toBe('for the owner');
  });

  it('the other account writes and reads objects in its own bucket', async () => {
    await other.send(new PutObjectCommand({ Bucket: 'owned-by-other', Key: 'notes.txt', Body: 'team b' }));
    expect(await (await other.send(new GetObjectCommand({ Bucket: 'owned-by-other', Key: 'notes.txt' }))).Body?.transformToString()).toBe('team b');
    expect(await failure(owner.send(new GetObjectCommand({ Bucket: 'owned-by-other', Key: 'notes.txt' })))).toMatchObject({ name: 'AccessDenied', status: 403 });
  });

  it('a bucket that does not exist is NoSuchBucket for any account', async () => {
    expect(await failure(other.send(new ListObjectsV2Command({ Bucket: 'nobody-has-this' })))).toMatchObject({ name: 'NoSuchBucket', status: 404 });
  });

  it('a name another account owns is BucketAlreadyExists; one’s own is created again, as S3 does in us-east-1', async () => {
    expect(await failure(other.send(new CreateBucketCommand({ Bucket: 'owned-by-server' })))).toMatchObject({
      name: 'BucketAlreadyExists',
      status: 409,
      message: 'The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.',
    });
    const again = await owner.send(new CreateBucketCommand({ Bucket: 'owned-by-server' }));
    expect(again.$metadata.httpStatusCode).toBe(200);
    expect(again.Location).toBe('/owned-by-server');
  });

  it('the owner deletes its bucket, after which the name is free for another account', async () => {
    await other.send(new CreateBucketCommand({ Bucket: 'passed-on' }));
    await other.send(new DeleteBucketCommand({ Bucket: 'passed-on' }));
    await owner.send(new CreateBucketCommand({ Bucket: 'passed-on' }));
    await owner.send(new HeadBucketCommand({ Bucket: 'passed-on' }));
    expect((await other.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name)).toEqual(['owned-by-other']);
  });
});
