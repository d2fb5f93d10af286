/**
 * The S3-compatible object service: buckets (with tags and notification configurations)
 * and objects (put, read, copy, delete, list, tags). It never sees the wire protocol:
 * http/s3-api parses requests into these calls and renders what they return. Multipart
 * uploads are in multipart-service.ts; both write through BucketObjects.
 *
 * Every operation takes the account acting (the caller's): a bucket belongs to the account
 * that created it, bucket names are global across accounts as on S3, and an account uses
 * only its own buckets (BucketObjects.anyBucket).
 */
import type { Readable } from 'node:stream';
import type { BucketNotification, BucketRecord, ObjectRecord } from '../../core/model/buckets.js';
import { BucketAlreadyExists, BucketAlreadyOwnedByYou, BucketNotEmpty, InvalidArgument, InvalidBucketName, NoSuchKey, NoSuchTagSet } from '../../core/s3-errors.js';
import { randomHex } from '../../core/ids.js';
import { BucketObjects, type BodyChecks, type RequestInfo, type S3Deps } from './bucket-objects.js';
import { validateNotifications, type DestinationCheck, type NotificationInput } from './notification-rules.js';
import type { ExternalEvent } from './external-events.js';
import type { NewNotification } from '../../store/s3-store.js';

/** What a PutObject (or CreateMultipartUpload) says about the object besides its bytes. */
export interface ObjectAttributes {
  contentType?: string | undefined;
  headers: Record<string, string>;
  metadata: Record<string, string>;
  tags: Record<string, string>;
}

export interface ListQuery {
  prefix: string;
  delimiter?: string | undefined;
  maxKeys: number;
  startAfter?: string | undefined;
  continuationToken?: string | undefined;
}

export interface ListResult {
  contents: ObjectRecord[];
  commonPrefixes: string[];
  isTruncated: boolean;
  nextContinuationToken?: string;
}

/** S3's rules for new bucket names: 3–63 characters of a-z, 0-9, `.` and `-`, a letter or digit at each end, not an IP address. */
const BUCKET_RE = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** A key S3 accepts: 1–1024 bytes of UTF-8. */
function checkKey(key: string): void {
  const bytes = Buffer.byteLength(key);
  if (bytes === 0 || bytes > 1024) throw new InvalidArgument('Object key must be between 1 and 1024 bytes long.', 'key', key.slice(0, 64));
}

const DEFAULT_CONTENT_TYPE = 'binary/octet-stream';
/** After every key under a common prefix, in byte order. */
const PAST_PREFIX = '\u{10FFFF}';

/** The region where S3 answers 200 to a CreateBucket of a bucket one owns already. */
const LEGACY_REGION = 'us-east-1';

export class S3Service {
  readonly objects: BucketObjects;

  constructor(private readonly deps: S3Deps & DestinationCheck) {
    this.objects = new BucketObjects(deps);
  }

  /**
   * Creates a bucket of `account`; a name another account owns is taken (names are global).
   * One's own bucket again is BucketAlreadyOwnedByYou, except in us-east-1, where S3 answers
   * 200 for legacy compatibility (so `aws s3 mb` twice succeeds there).
   */
  createBucket(account: string, name: string): Promise<BucketRecord> {
    return this.create(account, name, false);
  }

  /**
   * Makes a bucket that stands for a bucket of another S3-compatible store whose events that
   * store sends to Gust (`announceExternal`). It is the server account's: the store's
   * webhook and AMQP queue are the server's, not an account's.
   */
  linkExternal(name: string): Promise<BucketRecord> {
    return this.create(this.deps.accountId, name, true);
  }

  private async create(account: string, name: string, external: boolean): Promise<BucketRecord> {
    if (!BUCKET_RE.test(name) || /^\d+\.\d+\.\d+\.\d+$/.test(name) || name.includes('..')) throw new InvalidBucketName(name);
    const existing = await this.deps.store.bucket(name);
    if (existing) {
      if (existing.owner !== account) throw new BucketAlreadyExists(name);
      if (!external && !existing.external && existing.region === LEGACY_REGION) return existing;
      throw new BucketAlreadyOwnedByYou(name);
    }
    const bucket: BucketRecord = { name, owner: account, createdAt: this.deps.clock.now(), region: this.deps.region, tags: {}, notifications: [], ...(external ? { external } : {}) };
    await this.deps.store.putBucket(bucket);
    return bucket;
  }

  /** A bucket of `account`, external ones included (HeadBucket, tags, notification configuration, delete). */
  bucket(account: string, name: string): Promise<BucketRecord> {
    return this.objects.anyBucket(account, name);
  }

  /** ListBuckets: the buckets `account` owns. */
  buckets(account: string): Promise<BucketRecord[]> {
    return this.deps.store.buckets(account);
  }

  async deleteBucket(account: string, name: string): Promise<void> {
    await this.bucket(account, name);
    if (!(await this.deps.store.deleteBucket(name))) throw new BucketNotEmpty(name);
  }

  /** Every bucket of every account with its owner, object count, bytes and notification targets, for `gust buckets` (the operator's view). */
  async report(): Promise<{ name: string; owner: string; createdAt: number; external: boolean; objects: number; bytes: number; notifications: string[] }[]> {
    const out = [];
    for (const b of await this.deps.store.buckets()) {
      const targets = [...b.notifications.map((n) => (n.functionArn ?? n.queueArn)!), ...(b.eventBridge ? ['EventBridge'] : [])];
      out.push({ name: b.name, owner: b.owner, createdAt: b.createdAt, external: b.external === true, ...(await this.deps.store.usage(b.name)), notifications: targets });
    }
    return out;
  }

  /**
   * Announces object changes an external store reports, as S3 would announce them, by the
   * notification configuration of the Gust bucket that stands for each bucket (events for
   * buckets not linked, and for Gust's own buckets, are left out: they are not the store's
   * to report). The notifications are committed before this resolves.
   */
  async announceExternal(events: ExternalEvent[]): Promise<{ announced: number; ignored: number }> {
    const buckets = new Map<string, BucketRecord | undefined>();
    const notes: NewNotification[] = [];
    let ignored = 0;
    for (const e of events) {
      if (!buckets.has(e.bucket)) buckets.set(e.bucket, await this.deps.store.bucket(e.bucket));
      const bucket = buckets.get(e.bucket);
      if (!bucket?.external) {
        ignored++;
        continue;
      }
      const event = { eventName: e.eventName, eventTime: e.eventTime, region: bucket.region, requestId: e.requestId || randomHex(8).toUpperCase(), sourceIp: e.sourceIp, sequencer: e.sequencer };
      notes.push(...this.objects.notificationsOf(bucket, event, { key: e.key, size: e.size, etag: e.etag }, e.eventName.startsWith('ObjectRemoved:')));
    }
    if (notes.length > 0) {
      await this.deps.store.enqueueNotifications(notes);
      this.deps.notified();
    }
    return { announced: events.length - ignored, ignored };
  }

  async bucketTags(account: string, name: string): Promise<Record<string, string>> {
    const bucket = await this.bucket(account, name);
    if (Object.keys(bucket.tags).length === 0) throw new NoSuchTagSet();
    return bucket.tags;
  }

  async setBucketTags(account: string, name: string, tags: Record<string, string>): Promise<void> {
    const bucket = await this.bucket(account, name);
    await this.deps.store.putBucket({ ...bucket, tags });
  }

  async notificationConfiguration(account: string, name: string): Promise<{ configurations: BucketNotification[]; eventBridge: boolean }> {
    const bucket = await this.bucket(account, name);
    return { configurations: bucket.notifications, eventBridge: bucket.eventBridge === true };
  }

  /**
   * Saves a notification configuration. Each queue it names gets S3's `s3:TestEvent`
   * message, committed with the configuration (S3 sends none to functions). `eventBridge`
   * is whether the configuration holds an `EventBridgeConfiguration`.
   */
  async setNotificationConfiguration(account: string, name: string, inputs: NotificationInput[], eventBridge: boolean, request: RequestInfo): Promise<void> {
    const bucket = await this.bucket(account, name);
    const notifications = validateNotifications(bucket, inputs, this.deps, () => randomHex(16));
    const time = new Date(this.deps.clock.now()).toISOString();
    const queues = [...new Set(notifications.flatMap((n) => (n.queueArn ? [n.queueArn] : [])))];
    const testEvents = queues.map((destination) => ({ destination, payload: JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Time: time, Bucket: name, RequestId: request.requestId, HostId: request.requestId }) }));
    const updated: BucketRecord = { ...bucket, notifications };
    if (eventBridge) updated.eventBridge = true;
    else delete updated.eventBridge;
    await this.deps.store.putBucket(updated, testEvents);
    if (testEvents.length > 0) this.deps.notified();
  }

  /** PutObject: streams the body in, checks its digests, stores and announces it. */
  async putObject(account: string, bucketName: string, key: string, body: AsyncIterable<Uint8Array>, attributes: ObjectAttributes, checks: BodyChecks, request: RequestInfo & { wantsCrc32c: boolean }): Promise<ObjectRecord> {
    const bucket = await this.objects.bucket(account, bucketName);
    checkKey(key);
    const { staged, checksums } = await this.objects.stage(body, checks, request.wantsCrc32c);
    const object: ObjectRecord = {
      bucket: bucketName,
      key,
      hash: staged.sha256.toString('hex'),
      size: staged.size,
      etag: `"${staged.md5.toString('hex')}"`,
      lastModified: this.deps.clock.now(),
      contentType: attributes.contentType || DEFAULT_CONTENT_TYPE,
      headers: attributes.headers,
      metadata: attributes.metadata,
      tags: attributes.tags,
      checksums,
    };
    await this.objects.putObject(bucket, object, staged, 'ObjectCreated:Put', request);
    return object;
  }

  async object(account: string, bucketName: string, key: string): Promise<ObjectRecord> {
    await this.objects.bucket(account, bucketName);
    const object = await this.deps.store.object(bucketName, key);
    if (!object) throw new NoSuchKey(key);
    return object;
  }

  /** The bytes of an object, or of an inclusive range of it. */
  read(object: ObjectRecord, range?: { start: number; end: number }): Readable {
    return this.deps.blobs.read(object.hash, range);
  }

  /** CopyObject: the bytes are shared (content-addressed), only the metadata is written. */
  async copyObject(account: string, source: { bucket: string; key: string }, bucketName: string, key: string, replace: ObjectAttributes | undefined, request: RequestInfo): Promise<ObjectRecord> {
    const from = await this.object(account, source.bucket, source.key);
    const bucket = await this.objects.bucket(account, bucketName);
    checkKey(key);
    if (!replace && source.bucket === bucketName && source.key === key) {
      throw new InvalidArgument('This copy request is illegal because it is trying to copy an object to itself without changing the object\'s metadata, storage class, website redirect location or encryption attributes.');
    }
    const object: ObjectRecord = {
      ...from,
      bucket: bucketName,
      key,
      lastModified: this.deps.clock.now(),
      ...(replace ? { contentType: replace.contentType || DEFAULT_CONTENT_TYPE, headers: replace.headers, metadata: replace.metadata } : {}),
    };
    await this.objects.putObject(bucket, object, undefined, 'ObjectCreated:Copy', request);
    return object;
  }

  /** DeleteObject: succeeds whether or not the key exists, as S3's does. */
  async deleteObject(account: string, bucketName: string, key: string, request: RequestInfo): Promise<void> {
    const bucket = await this.objects.bucket(account, bucketName);
    let enqueued = false;
    const removed = await this.deps.store.deleteObject(bucketName, key, (object) => {
      const notes = this.objects.notifications(bucket, 'ObjectRemoved:Delete', object, request, true);
      enqueued = notes.length > 0;
      return notes;
    });
    if (enqueued) this.deps.notified();
    if (removed) await this.objects.collect(removed.hash);
  }

  async setObjectTags(account: string, bucketName: string, key: string, tags: Record<string, string> | undefined, request: RequestInfo): Promise<void> {
    const bucket = await this.objects.bucket(account, bucketName);
    const object = await this.object(account, bucketName, key);
    const updated = { ...object, tags: tags ?? {} };
    const notes = this.objects.notifications(bucket, tags ? 'ObjectTagging:Put' : 'ObjectTagging:Delete', updated, request);
    await this.objects.commit(object.hash, undefined, () => this.deps.store.putObject(updated, notes));
    if (notes.length > 0) this.deps.notified();
  }

  /** ListObjectsV2: keys in byte order, rolled up into common prefixes by the delimiter. */
  async list(account: string, bucketName: string, q: ListQuery): Promise<ListResult> {
    await this.objects.bucket(account, bucketName);
    let after = q.startAfter ?? '';
    if (q.continuationToken !== undefined) {
      const decoded = Buffer.from(q.continuationToken, 'base64url').toString('utf8');
      if (q.continuationToken === '' || !decoded.startsWith('k:')) throw new InvalidArgument('The continuation token provided is incorrect', 'continuation-token', q.continuationToken);
      after = decoded.slice(2);
    }
    const result: ListResult = { contents: [], commonPrefixes: [], isTruncated: false };
    const full = () => result.contents.length + result.commonPrefixes.length >= q.maxKeys;
    const page = 1000;
    for (;;) {
      const batch = await this.deps.store.listObjects(bucketName, { prefix: q.prefix, after, limit: page });
      let skipped = false;
      for (const object of batch) {
        const rest = object.key.slice(q.prefix.length);
        const cut = q.delimiter ? rest.indexOf(q.delimiter) : -1;
        if (full()) {
          result.isTruncated = true;
          break;
        }
        if (cut >= 0) {
          const prefix = q.prefix + rest.slice(0, cut + q.delimiter!.length);
          result.commonPrefixes.push(prefix);
          after = prefix + PAST_PREFIX;
          // The keys under this prefix are skipped by asking again from past it.
          skipped = true;
          break;
        }
        result.contents.push(object);
        after = object.key;
      }
      if (result.isTruncated || (!skipped && batch.length < page)) break;
    }
    if (result.isTruncated) result.nextContinuationToken = Buffer.from(`k:${after}`).toString('base64url');
    return result;
  }
}
