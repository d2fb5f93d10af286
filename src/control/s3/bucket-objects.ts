/**
 * The object service's shared core: buckets looked up or refused, object bytes committed
 * under their hash together with the metadata and the notifications that announce them,
 * and bytes that nothing references any more removed. Put, copy, tagging and multipart all
 * write through `commit`, so that every object change is announced the same way.
 *
 * A hash's bytes are committed and referenced under a lock on that hash, and collected
 * under the same lock after checking that no object or part references them: two objects
 * with the same bytes never lose them to each other's delete.
 */
import { asXrayHeader } from '../../core/trace-context.js';
import type { Clock } from '../../core/clock.js';
import type { BucketRecord, ObjectRecord } from '../../core/model/buckets.js';
import { KeyedMutex } from '../../core/primitives.js';
import { AccessDenied, BadDigest, EntityTooLarge, IncompleteBody, InvalidDigest, InvalidRequest, NoSuchBucket } from '../../core/s3-errors.js';
import type { ObjectBlobStore, StagedObject } from '../../store/object-blob-store.js';
import type { NewNotification, S3Store } from '../../store/s3-store.js';
import { eventRecord, type EventContext } from './event-records.js';
import { defaultBusArn, eventBridgeEvent } from './eventbridge-events.js';
import { matchingNotifications } from './notification-rules.js';

/** Who asked: carried into the event records. */
export interface RequestInfo {
  requestId: string;
  sourceIp: string;
  /** The request's trace (`traceparent` or `X-Amzn-Trace-Id`), which its notifications carry on. */
  traceHeader?: string | undefined;
}

/** What the object service is built from. */
export interface S3Deps {
  store: S3Store;
  blobs: ObjectBlobStore;
  clock: Clock;
  region: string;
  /** The server's own account: it owns the buckets linked from external stores. */
  accountId: string;
  /** Told after a write enqueued notifications: the dispatcher hands them over. */
  notified(): void;
}

/** A checksum the client sent, in a header or a trailer, base64 as S3 spells it. */
export interface ClaimedChecksum {
  algorithm: string;
  value: string;
}

/** The checks a body must pass once it has arrived. */
export interface BodyChecks {
  contentMd5?: string | undefined;
  /** Read after the body: a trailer only exists then. */
  checksum?: (() => ClaimedChecksum | undefined) | undefined;
  /** The payload's length an aws-chunked body declared (`x-amz-decoded-content-length`). */
  size?: number | undefined;
}

/** S3's limit on one PUT: 5 GiB. */
export const MAX_PUT_BYTES = 5 * 1024 ** 3;

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b.toString('base64');
};

/**
 * A function reference that names its account: the dispatcher chooses the account that
 * answers by the destination's account, and a function named without one (a bare name,
 * which Gust accepts where S3 wants an ARN) is the bucket owner's. The partial ARN
 * `<account>:function:<name>` is a form the Lambda API takes.
 */
function withAccount(functionRef: string, owner: string): string {
  if (/^arn:/.test(functionRef) || /^\d{12}:/.test(functionRef)) return functionRef;
  return functionRef.startsWith('function:') ? `${owner}:${functionRef}` : `${owner}:function:${functionRef}`;
}

export class BucketObjects {
  private readonly locks = new KeyedMutex();
  private sequence = 0;

  constructor(readonly deps: S3Deps) {}

  /** A bucket of `account` whose objects Gust keeps: an external bucket's live in its own store. */
  async bucket(account: string, name: string): Promise<BucketRecord> {
    const bucket = await this.anyBucket(account, name);
    if (bucket.external) throw new InvalidRequest(`The bucket ${name} lives in an external S3-compatible store: Gust keeps only its notification configuration. Read and write its objects in that store.`);
    return bucket;
  }

  /**
   * A bucket `account` may use: its own. Another account's bucket is AccessDenied, as S3
   * answers when no bucket policy grants access (Gust has no bucket policies), which tells
   * the caller the name is taken but nothing more.
   */
  async anyBucket(account: string, name: string): Promise<BucketRecord> {
    const bucket = await this.deps.store.bucket(name);
    if (!bucket) throw new NoSuchBucket(name);
    if (bucket.owner !== account) throw new AccessDenied();
    return bucket;
  }

  /** Streams a body to the blob store, refusing it (and keeping nothing) when a digest does not match. */
  async stage(body: AsyncIterable<Uint8Array>, checks: BodyChecks, wantsCrc32c: boolean): Promise<{ staged: StagedObject; checksums: ObjectRecord['checksums'] }> {
    if (checks.contentMd5 !== undefined && Buffer.from(checks.contentMd5, 'base64').length !== 16) throw new InvalidDigest();
    const staged = await this.deps.blobs.stage(body, { crc32c: wantsCrc32c, maxBytes: MAX_PUT_BYTES, tooLarge: () => new EntityTooLarge() });
    try {
      if (checks.size !== undefined && staged.size !== checks.size) throw new IncompleteBody(`The decoded body has ${staged.size} bytes; x-amz-decoded-content-length said ${checks.size}.`);
      if (checks.contentMd5 !== undefined && staged.md5.toString('base64') !== checks.contentMd5) throw new BadDigest();
      const claimed = checks.checksum?.();
      const checksums: ObjectRecord['checksums'] = {};
      if (claimed) {
        const algorithm = claimed.algorithm.toUpperCase();
        const actual = algorithm === 'CRC32' ? u32(staged.crc32) : algorithm === 'CRC32C' && staged.crc32c !== undefined ? u32(staged.crc32c) : algorithm === 'SHA256' ? staged.sha256.toString('base64') : undefined;
        if (actual !== undefined && actual !== claimed.value) throw new BadDigest(`The ${algorithm} you specified did not match the calculated checksum.`);
        if (actual !== undefined) checksums[algorithm.toLowerCase() as keyof ObjectRecord['checksums']] = actual;
      }
      return { staged, checksums };
    } catch (err) {
      await this.deps.blobs.discard(staged);
      throw err;
    }
  }

  /** A sequencer that grows with every event of this process and across restarts (it starts from the clock). */
  private sequencer(now: number): string {
    return (BigInt(now) * 4096n + BigInt(this.sequence++ % 4096)).toString(16).toUpperCase().padStart(18, '0');
  }

  /** The notifications `eventName` on `object` raises in `bucket` now. */
  notifications(bucket: BucketRecord, eventName: string, object: Pick<ObjectRecord, 'key' | 'size' | 'etag'>, request: RequestInfo, removed = false): NewNotification[] {
    const now = this.deps.clock.now();
    const notes = this.notificationsOf(bucket, { eventName, eventTime: now, region: bucket.region, requestId: request.requestId, sourceIp: request.sourceIp, sequencer: this.sequencer(now) }, object, removed);
    const traceHeader = request.traceHeader === undefined ? undefined : asXrayHeader(request.traceHeader);
    return traceHeader === undefined ? notes : notes.map((n) => ({ ...n, traceHeader }));
  }

  /**
   * The notifications of one event: one per matching configuration, and the EventBridge
   * event when the bucket sends them. `sequencer` defaults to Gust's own.
   */
  notificationsOf(bucket: BucketRecord, event: Omit<EventContext, 'sequencer'> & { sequencer?: string | undefined }, object: Pick<ObjectRecord, 'key' | 'size' | 'etag'>, removed: boolean): NewNotification[] {
    const configs = matchingNotifications(bucket.notifications, event.eventName, object.key);
    if (configs.length === 0 && !bucket.eventBridge) return [];
    const ctx: EventContext = { ...event, sequencer: event.sequencer ?? this.sequencer(this.deps.clock.now()) };
    const notes = configs.map((c) => ({ destination: c.functionArn === undefined ? c.queueArn! : withAccount(c.functionArn, bucket.owner), payload: JSON.stringify({ Records: [eventRecord(c, bucket, object, ctx, removed)] }) }));
    // Only the owner acts on a bucket, so the owner is the requester too; the owner's bus gets the event.
    const bridged = bucket.eventBridge ? eventBridgeEvent(bucket.name, object, { ...ctx, accountId: bucket.owner }) : undefined;
    if (bridged) notes.push({ destination: defaultBusArn(bucket.region, bucket.owner), payload: JSON.stringify(bridged) });
    return notes;
  }

  /**
   * Commits `staged` (when given) and runs `write` under the lock of `hash`, then collects
   * the bytes of whatever `write` replaced.
   */
  async commit<T extends { hash: string } | undefined>(hash: string, staged: StagedObject | undefined, write: () => Promise<T>): Promise<T> {
    const replaced = await this.locks.run(hash, async () => {
      if (staged) await this.deps.blobs.commit(staged);
      return write();
    });
    if (replaced && replaced.hash !== hash) await this.collect(replaced.hash);
    return replaced;
  }

  /** Writes an object with the notifications `eventName` raises. */
  async putObject(bucket: BucketRecord, object: ObjectRecord, staged: StagedObject | undefined, eventName: string, request: RequestInfo): Promise<void> {
    const notes = this.notifications(bucket, eventName, object, request);
    await this.commit(object.hash, staged, () => this.deps.store.putObject(object, notes));
    if (notes.length > 0) this.deps.notified();
  }

  /** Removes bytes when no object or part references them any more. */
  async collect(hash: string): Promise<void> {
    await this.locks.run(hash, async () => {
      if (!(await this.deps.store.referenced(hash))) await this.deps.blobs.delete(hash);
    });
  }
}
