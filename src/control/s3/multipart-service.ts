/**
 * Multipart uploads: parts are staged and committed like objects (content-addressed, with
 * their digests checked), and CompleteMultipartUpload streams them, in order, into one new
 * blob whose ETag is S3's: the MD5 of the parts' binary MD5s, then `-N`.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html
 */
import { createHash } from 'node:crypto';
import type { MultipartUpload, ObjectRecord, PartRecord } from '../../core/model/buckets.js';
import { randomHex } from '../../core/ids.js';
import { EntityTooSmall, InvalidArgument, InvalidPart, InvalidPartOrder, MalformedXML, NoSuchUpload } from '../../core/s3-errors.js';
import type { BodyChecks, RequestInfo, BucketObjects } from './bucket-objects.js';
import type { ObjectAttributes } from './s3-service.js';

/** Every part but the last must be at least 5 MiB. */
const MIN_PART_BYTES = 5 * 1024 * 1024;
const MAX_PARTS = 10_000;

const unquote = (etag: string) => etag.replace(/"/g, '');

export class MultipartService {
  constructor(private readonly objects: BucketObjects) {}

  private get store() {
    return this.objects.deps.store;
  }

  async create(account: string, bucketName: string, key: string, attributes: ObjectAttributes): Promise<MultipartUpload> {
    await this.objects.bucket(account, bucketName);
    const upload: MultipartUpload = {
      uploadId: randomHex(24),
      bucket: bucketName,
      key,
      initiatedAt: this.objects.deps.clock.now(),
      contentType: attributes.contentType || 'binary/octet-stream',
      headers: attributes.headers,
      metadata: attributes.metadata,
      tags: attributes.tags,
    };
    await this.store.putUpload(upload);
    return upload;
  }

  async upload(account: string, bucketName: string, key: string, uploadId: string): Promise<MultipartUpload> {
    await this.objects.bucket(account, bucketName);
    const upload = await this.store.upload(uploadId);
    if (!upload || upload.bucket !== bucketName || upload.key !== key) throw new NoSuchUpload(uploadId);
    return upload;
  }

  /** UploadPart (a body) or UploadPartCopy (a source object's bytes, or a range of them). */
  async uploadPart(account: string, bucketName: string, key: string, uploadId: string, partNumber: number, body: AsyncIterable<Uint8Array>, checks: BodyChecks, wantsCrc32c: boolean): Promise<PartRecord> {
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PARTS) {
      throw new InvalidArgument('Part number must be an integer between 1 and 10000, inclusive', 'partNumber', String(partNumber));
    }
    await this.upload(account, bucketName, key, uploadId);
    const { staged } = await this.objects.stage(body, checks, wantsCrc32c);
    const part: PartRecord = { uploadId, partNumber, hash: staged.sha256.toString('hex'), size: staged.size, etag: `"${staged.md5.toString('hex')}"`, lastModified: this.objects.deps.clock.now() };
    await this.objects.commit(part.hash, staged, () => this.store.putPart(part));
    return part;
  }

  parts(account: string, bucketName: string, key: string, uploadId: string): Promise<PartRecord[]> {
    return this.upload(account, bucketName, key, uploadId).then(() => this.store.parts(uploadId));
  }

  async uploads(account: string, bucketName: string): Promise<MultipartUpload[]> {
    await this.objects.bucket(account, bucketName);
    return this.store.uploads(bucketName);
  }

  async abort(account: string, bucketName: string, key: string, uploadId: string): Promise<void> {
    await this.upload(account, bucketName, key, uploadId);
    for (const part of await this.store.deleteUpload(uploadId)) await this.objects.collect(part.hash);
  }

  async complete(account: string, bucketName: string, key: string, uploadId: string, chosen: { partNumber: number; etag: string }[], request: RequestInfo): Promise<ObjectRecord> {
    const upload = await this.upload(account, bucketName, key, uploadId);
    const bucket = await this.objects.bucket(account, bucketName);
    if (chosen.length === 0) throw new MalformedXML();
    const stored = new Map((await this.store.parts(uploadId)).map((p) => [p.partNumber, p]));
    const parts: PartRecord[] = [];
    if (chosen.some((c, i) => i > 0 && c.partNumber <= chosen[i - 1]!.partNumber)) throw new InvalidPartOrder();
    for (const c of chosen) {
      const part = stored.get(c.partNumber);
      if (!part || unquote(part.etag) !== unquote(c.etag)) throw new InvalidPart();
      parts.push(part);
    }
    if (parts.slice(0, -1).some((p) => p.size < MIN_PART_BYTES)) throw new EntityTooSmall();
    const blobs = this.objects.deps.blobs;
    const staged = await blobs.stage(
      (async function* () {
        for (const part of parts) yield* blobs.read(part.hash);
      })(),
    );
    const md5s = Buffer.concat(parts.map((p) => Buffer.from(unquote(p.etag), 'hex')));
    const object: ObjectRecord = {
      bucket: bucketName,
      key,
      hash: staged.sha256.toString('hex'),
      size: staged.size,
      etag: `"${createHash('md5').update(md5s).digest('hex')}-${parts.length}"`,
      lastModified: this.objects.deps.clock.now(),
      contentType: upload.contentType,
      headers: upload.headers,
      metadata: upload.metadata,
      tags: upload.tags,
      checksums: {},
      parts: parts.length,
    };
    const notes = this.objects.notifications(bucket, 'ObjectCreated:CompleteMultipartUpload', object, request);
    await this.objects.commit(object.hash, staged, () => this.store.completeUpload(uploadId, object, notes));
    if (notes.length > 0) this.objects.deps.notified();
    for (const part of stored.values()) await this.objects.collect(part.hash);
    return object;
  }
}
