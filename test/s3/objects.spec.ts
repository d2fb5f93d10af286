/**
 * The S3 API driven by the real @aws-sdk/client-s3 with its current defaults (aws-chunked
 * uploads with CRC32 trailers, response checksum validation), @aws-sdk/lib-storage's
 * multipart uploads and presigned URLs fetched without the SDK: buckets, objects, ETags,
 * ranges, conditions, listing with pagination, tagging, and S3's errors.
 */
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AbortMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  ListObjectsV2Command,
  PutBucketTaggingCommand,
  GetBucketTaggingCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
  CompleteMultipartUploadCommand,
  paginateListObjectsV2,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { startTestGust, type TestGust } from '../helpers/gust.js';
import { S3_HEADERS, s3Client } from './support.js';

let t: TestGust;
let s3: S3Client;

beforeAll(async () => {
  t = await startTestGust();
  s3 = s3Client(t);
  await s3.send(new CreateBucketCommand({ Bucket: 'data' }));
});

afterAll(async () => {
  s3?.destroy();
  await t?.stop();
});

async function failure(p: Promise<unknown>): Promise<{ name: string; status: number | undefined }> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(S3ServiceException);
    const e = err as S3ServiceException;
    return { name: e.name, status: e.$metadata.httpStatusCode };
  }
  throw new Error('expected a failure');
}

function curl(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => execFile('curl', ['-sS', '--fail-with-body', ...args], (err, stdout, stderr) => (err ? reject(new Error(stderr || err.message)) : resolve(stdout))));
}

const md5 = (b: Buffer | string) => createHash('md5').update(b).digest('hex');

describe('buckets', () => {
  it('creates, lists, heads, tags and deletes buckets, refusing what S3 refuses', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'tmp-bucket' }));
    expect((await s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name)).toEqual(['data', 'tmp-bucket']);
    await s3.send(new HeadBucketCommand({ Bucket: 'tmp-bucket' }));
    expect(await failure(s3.send(new HeadBucketCommand({ Bucket: 'nope' })))).toEqual({ name: 'NotFound', status: 404 });
    // One's own bucket again: 200 in us-east-1, as S3 answers there for legacy compatibility.
    await s3.send(new CreateBucketCommand({ Bucket: 'tmp-bucket' }));
    expect(await failure(s3.send(new CreateBucketCommand({ Bucket: 'Bad_Name' })))).toEqual({ name: 'InvalidBucketName', status: 400 });
    await s3.send(new PutBucketTaggingCommand({ Bucket: 'tmp-bucket', Tagging: { TagSet: [{ Key: 'team', Value: 'a' }] } }));
    expect((await s3.send(new GetBucketTaggingCommand({ Bucket: 'tmp-bucket' }))).TagSet).toEqual([{ Key: 'team', Value: 'a' }]);
    await s3.send(new PutObjectCommand({ Bucket: 'tmp-bucket', Key: 'x', Body: 'x' }));
    expect(await failure(s3.send(new DeleteBucketCommand({ Bucket: 'tmp-bucket' })))).toEqual({ name: 'BucketNotEmpty', status: 409 });
    await s3.send(new DeleteObjectCommand({ Bucket: 'tmp-bucket', Key: 'x' }));
    await s3.send(new DeleteBucketCommand({ Bucket: 'tmp-bucket' }));
    expect(await failure(s3.send(new DeleteBucketCommand({ Bucket: 'tmp-bucket' })))).toEqual({ name: 'NoSuchBucket', status: 404 });
  });
});

describe('objects', () => {
  it('puts (aws-chunked with a CRC32 trailer) and gets bytes, metadata, content type and the MD5 ETag', async () => {
    const body = Buffer.from('hello, S3 \u00e9\u00e8');
    const put = await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'dir/hello world.txt', Body: body, ContentType: 'text/plain', Metadata: { owner: 'me' }, CacheControl: 'max-age=5' }));
    expect(put.ETag).toBe(`"${md5(body)}"`);
    expect(put.ChecksumCRC32).toBeDefined();
    const got = await s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'dir/hello world.txt', ChecksumMode: 'ENABLED' }));
    expect(Buffer.from(await got.Body!.transformToByteArray())).toEqual(body);
    expect(got.ContentType).toBe('text/plain');
    expect(got.Metadata).toEqual({ owner: 'me' });
    expect(got.CacheControl).toBe('max-age=5');
    expect(got.ETag).toBe(put.ETag);
    expect(got.ChecksumCRC32).toBe(put.ChecksumCRC32);
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'data', Key: 'dir/hello world.txt' }));
    expect(head.ContentLength).toBe(body.length);
  });

  it('checks CRC32C, SHA-256 and Content-MD5, refusing a body that does not match with BadDigest', async () => {
    for (const algorithm of ['CRC32C', 'SHA256'] as const) {
      const put = await s3.send(new PutObjectCommand({ Bucket: 'data', Key: `sum-${algorithm}`, Body: 'checked', ChecksumAlgorithm: algorithm }));
      expect(put.ETag).toBe(`"${md5('checked')}"`);
    }
    const bad = await fetch(`${t.url}/data/bad-md5`, { method: 'PUT', body: 'abc', headers: { 'content-md5': createHash('md5').update('abd').digest('base64'), ...S3_HEADERS } });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('<Code>BadDigest</Code>');
    const badCrc = await fetch(`${t.url}/data/bad-crc`, { method: 'PUT', body: 'abc', headers: { 'x-amz-checksum-crc32': 'AAAAAA==', ...S3_HEADERS } });
    expect(badCrc.status).toBe(400);
    const lying = await fetch(`${t.url}/data/short`, { method: 'PUT', body: '5\r\nhello\r\n0\r\n\r\n', headers: { 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': '6', ...S3_HEADERS } });
    expect(lying.status).toBe(400);
    expect(await lying.text()).toContain('<Code>IncompleteBody</Code>');
    const chunked = await fetch(`${t.url}/data/chunked`, { method: 'PUT', body: '5\r\nhello\r\n0\r\n\r\n', headers: { 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': '5', ...S3_HEADERS } });
    expect(chunked.status).toBe(200);
    const missing = await fetch(`${t.url}/data/bad-crc`, { headers: S3_HEADERS });
    expect(missing.status).toBe(404);
    const xml = await missing.text();
    expect(xml).toContain('<Code>NoSuchKey</Code>');
    expect(xml).toContain('<Key>bad-crc</Key>');
  });

  it('serves ranges, conditional requests and response-* overrides', async () => {
    const body = Buffer.from('0123456789');
    const { ETag } = await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'digits', Body: body }));
    const range = await s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'digits', Range: 'bytes=2-4' }));
    expect(await range.Body!.transformToString()).toBe('234');
    expect(range.ContentRange).toBe('bytes 2-4/10');
    expect(await (await s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'digits', Range: 'bytes=-3' }))).Body!.transformToString()).toBe('789');
    expect(await failure(s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'digits', Range: 'bytes=20-' })))).toEqual({ name: 'InvalidRange', status: 416 });
    expect(await failure(s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'digits', IfMatch: '"nope"' })))).toEqual({ name: 'PreconditionFailed', status: 412 });
    expect((await failure(s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'digits', IfNoneMatch: ETag })))).status).toBe(304);
    const over = await s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'digits', ResponseContentType: 'text/x-digits', ResponseContentDisposition: 'attachment' }));
    expect(over.ContentType).toBe('text/x-digits');
    expect(over.ContentDisposition).toBe('attachment');
  });

  it('copies, tags, deletes one and many objects', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'src', Body: 'copy me', Metadata: { a: '1' } }));
    await s3.send(new CopyObjectCommand({ Bucket: 'data', Key: 'dst', CopySource: 'data/src' }));
    const copy = await s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'dst' }));
    expect(await copy.Body!.transformToString()).toBe('copy me');
    expect(copy.Metadata).toEqual({ a: '1' });
    await s3.send(new PutObjectTaggingCommand({ Bucket: 'data', Key: 'dst', Tagging: { TagSet: [{ Key: 'k', Value: 'v' }] } }));
    expect((await s3.send(new GetObjectTaggingCommand({ Bucket: 'data', Key: 'dst' }))).TagSet).toEqual([{ Key: 'k', Value: 'v' }]);
    await s3.send(new DeleteObjectCommand({ Bucket: 'data', Key: 'src' }));
    // The copy shares the bytes: deleting the source leaves them.
    expect(await (await s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'dst' }))).Body!.transformToString()).toBe('copy me');
    const many = await s3.send(new DeleteObjectsCommand({ Bucket: 'data', Delete: { Objects: [{ Key: 'dst' }, { Key: 'never-was' }] } }));
    expect(many.Deleted?.map((d) => d.Key).sort()).toEqual(['dst', 'never-was']);
    expect(await failure(s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'dst' })))).toEqual({ name: 'NoSuchKey', status: 404 });
    expect(await failure(s3.send(new GetObjectCommand({ Bucket: 'nobucket', Key: 'x' })))).toEqual({ name: 'NoSuchBucket', status: 404 });
  });
});

describe('listing', () => {
  it('lists with prefix, delimiter, continuation tokens, start-after and encoding-type=url', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'list' }));
    const keys = ['a/1', 'a/2', 'a/b/3', 'b', 'c d', 'e/\u00e9'];
    for (let i = 0; i < 25; i++) keys.push(`many/${String(i).padStart(2, '0')}`);
    for (const Key of keys) await s3.send(new PutObjectCommand({ Bucket: 'list', Key, Body: Key }));
    const top = await s3.send(new ListObjectsV2Command({ Bucket: 'list', Delimiter: '/' }));
    expect(top.Contents?.map((o) => o.Key)).toEqual(['b', 'c d']);
    expect(top.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['a/', 'e/', 'many/']);
    expect(top.KeyCount).toBe(5);
    const sub = await s3.send(new ListObjectsV2Command({ Bucket: 'list', Prefix: 'a/', Delimiter: '/' }));
    expect(sub.Contents?.map((o) => o.Key)).toEqual(['a/1', 'a/2']);
    expect(sub.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['a/b/']);
    const pages: string[][] = [];
    for await (const page of paginateListObjectsV2({ client: s3, pageSize: 10 }, { Bucket: 'list', Prefix: 'many/' })) pages.push((page.Contents ?? []).map((o) => o.Key!));
    expect(pages.map((p) => p.length)).toEqual([10, 10, 5]);
    expect(pages.flat()).toEqual(keys.filter((k) => k.startsWith('many/')));
    const after = await s3.send(new ListObjectsV2Command({ Bucket: 'list', StartAfter: 'many/22', Prefix: 'many/' }));
    expect(after.Contents?.map((o) => o.Key)).toEqual(['many/23', 'many/24']);
    const encoded = await fetch(`${t.url}/list?list-type=2&prefix=c&encoding-type=url`, { headers: S3_HEADERS });
    expect(await encoded.text()).toContain('<Key>c%20d</Key>');
    const bad = await fetch(`${t.url}/list?list-type=2&continuation-token=garbage`, { headers: S3_HEADERS });
    expect(bad.status).toBe(400);
  });
});

describe('multipart', () => {
  it('uploads with lib-storage (parts of 5 MiB) and answers the -N ETag S3 computes', async () => {
    const size = 12 * 1024 * 1024 + 123;
    const body = Buffer.alloc(size);
    for (let i = 0; i < size; i += 4096) body[i] = i % 251;
    const upload = new Upload({ client: s3, params: { Bucket: 'data', Key: 'big.bin', Body: body }, partSize: 5 * 1024 * 1024, queueSize: 2 });
    const done = await upload.done();
    const partMd5s = [0, 1, 2].map((i) => createHash('md5').update(body.subarray(i * 5 * 1024 * 1024, Math.min(size, (i + 1) * 5 * 1024 * 1024))).digest());
    const expected = `"${createHash('md5').update(Buffer.concat(partMd5s)).digest('hex')}-3"`;
    expect(done.ETag).toBe(expected);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'big.bin' }));
    expect(got.ETag).toBe(expected);
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(body)).toBe(true);
  });

  it('refuses parts out of order, unknown parts and small middle parts; aborts and lists uploads', async () => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'data', Key: 'mp' }));
    const p1 = await s3.send(new UploadPartCommand({ Bucket: 'data', Key: 'mp', UploadId, PartNumber: 1, Body: 'small' }));
    const p2 = await s3.send(new UploadPartCommand({ Bucket: 'data', Key: 'mp', UploadId, PartNumber: 2, Body: 'tail' }));
    expect((await s3.send(new ListMultipartUploadsCommand({ Bucket: 'data' }))).Uploads?.map((u) => u.UploadId)).toContain(UploadId);
    const complete = (Parts: { PartNumber: number; ETag: string }[]) => s3.send(new CompleteMultipartUploadCommand({ Bucket: 'data', Key: 'mp', UploadId, MultipartUpload: { Parts } }));
    expect((await failure(complete([{ PartNumber: 2, ETag: p2.ETag! }, { PartNumber: 1, ETag: p1.ETag! }]))).name).toBe('InvalidPartOrder');
    expect((await failure(complete([{ PartNumber: 1, ETag: p1.ETag! }, { PartNumber: 3, ETag: p2.ETag! }]))).name).toBe('InvalidPart');
    expect((await failure(complete([{ PartNumber: 1, ETag: p1.ETag! }, { PartNumber: 2, ETag: p2.ETag! }]))).name).toBe('EntityTooSmall');
    await s3.send(new AbortMultipartUploadCommand({ Bucket: 'data', Key: 'mp', UploadId }));
    expect(await failure(s3.send(new UploadPartCommand({ Bucket: 'data', Key: 'mp', UploadId, PartNumber: 1, Body: 'x' })))).toEqual({ name: 'NoSuchUpload', status: 404 });
    const single = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'data', Key: 'mp1' }));
    const only = await s3.send(new UploadPartCommand({ Bucket: 'data', Key: 'mp1', UploadId: single.UploadId, PartNumber: 1, Body: 'one' }));
    const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket: 'data', Key: 'mp1', UploadId: single.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: only.ETag! }] } }));
    expect(done.ETag).toBe(`"${createHash('md5').update(Buffer.from(md5('one'), 'hex')).digest('hex')}-1"`);
  });
});

describe('listing multipart uploads and parts', () => {
  it('pages parts by max-parts and part-number-marker, and uploads by max-uploads and the key and upload-id markers', async () => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'data', Key: 'paged/a' }));
    for (const PartNumber of [1, 2, 3]) await s3.send(new UploadPartCommand({ Bucket: 'data', Key: 'paged/a', UploadId, PartNumber, Body: `part ${PartNumber}` }));
    const first = await s3.send(new ListPartsCommand({ Bucket: 'data', Key: 'paged/a', UploadId, MaxParts: 2 }));
    expect(first).toMatchObject({ IsTruncated: true, NextPartNumberMarker: '2', MaxParts: 2 });
    expect(first.Parts?.map((p) => [p.PartNumber, p.Size])).toEqual([[1, 6], [2, 6]]);
    const rest = await s3.send(new ListPartsCommand({ Bucket: 'data', Key: 'paged/a', UploadId, PartNumberMarker: first.NextPartNumberMarker }));
    expect(rest.IsTruncated).toBe(false);
    expect(rest.Parts?.map((p) => p.PartNumber)).toEqual([3]);
    const ids = [UploadId!];
    for (const Key of ['paged/a', 'paged/b']) ids.push((await s3.send(new CreateMultipartUploadCommand({ Bucket: 'data', Key }))).UploadId!);
    const seen: string[] = [];
    let markers: { KeyMarker?: string; UploadIdMarker?: string } = {};
    for (let page = 0; page < 5; page++) {
      const got = await s3.send(new ListMultipartUploadsCommand({ Bucket: 'data', Prefix: 'paged/', MaxUploads: 2, ...markers }));
      seen.push(...(got.Uploads ?? []).map((u) => `${u.Key} ${u.UploadId}`));
      if (!got.IsTruncated) break;
      markers = { KeyMarker: got.NextKeyMarker!, UploadIdMarker: got.NextUploadIdMarker! };
    }
    expect(seen).toHaveLength(3);
    expect(new Set(seen).size).toBe(3);
    expect(seen.map((s) => s.split(' ')[0])).toEqual(['paged/a', 'paged/a', 'paged/b']);
    expect(await failure(s3.send(new ListPartsCommand({ Bucket: 'data', Key: 'paged/a', UploadId, MaxParts: -1 })))).toMatchObject({ status: 400 });
    for (const [i, Key] of ['paged/a', 'paged/a', 'paged/b'].entries()) await s3.send(new AbortMultipartUploadCommand({ Bucket: 'data', Key, UploadId: ids[i] }));
  });
});

describe('presigned URLs and virtual-hosted style', () => {
  it('PUTs and GETs through presigned URLs with curl', async () => {
    const putUrl = await getSignedUrl(s3, new PutObjectCommand({ Bucket: 'data', Key: 'presigned.txt' }), { expiresIn: 60 });
    expect(await curl(['-X', 'PUT', '--data-binary', 'via url', '-o', '/dev/null', '-w', '%{http_code}', putUrl])).toBe('200');
    const getUrl = await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'data', Key: 'presigned.txt' }), { expiresIn: 60 });
    expect(await curl([getUrl])).toBe('via url');
  });

  it('serves <bucket>.s3.<region>.localhost', async () => {
    // fetch does not let a caller set Host; node:http does.
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({ port: t.gust.port, host: '127.0.0.1', path: '/presigned.txt', headers: { host: `data.s3.us-east-1.localhost:${t.gust.port}` } }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(200);
    expect(body).toBe('via url');
  });
});
