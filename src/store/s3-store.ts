/**
 * The S3Store keeps the object service's metadata: buckets, objects, multipart uploads
 * and their parts, and the notification outbox. Object bytes live in the ObjectBlobStore
 * (object-blob-store.ts), named by their SHA-256. Every implementation must pass
 * `runS3StoreContract` in s3-store.contract.ts.
 *
 * Rules every implementation keeps:
 * - Each write method is atomic and durable once it resolves: an object and the
 *   notifications announcing it commit together (the outbox), so that an acknowledged
 *   upload is announced at least once, even after a crash.
 * - Reads return copies.
 */
import type { BucketRecord, MultipartUpload, ObjectRecord, OutboxEntry, PartRecord } from '../core/model/buckets.js';

/** A notification to enqueue with a write: the outbox gives it its `seq`. */
export type NewNotification = Omit<OutboxEntry, 'seq'>;

export interface ListObjectsQuery {
  prefix: string;
  /** Keys strictly after this one. */
  after: string;
  limit: number;
}

export interface S3Store {
  /** Creates or replaces a bucket (its owner too), with notifications to enqueue (S3's test events) in the same transaction. */
  putBucket(bucket: BucketRecord, notifications?: NewNotification[]): Promise<void>;
  /** Removes a bucket; false when it holds objects or uploads (nothing is removed). */
  deleteBucket(name: string): Promise<boolean>;
  bucket(name: string): Promise<BucketRecord | undefined>;
  /** The buckets `owner` owns, or every bucket without it; by name. */
  buckets(owner?: string): Promise<BucketRecord[]>;
  /** Objects and bytes in a bucket. */
  usage(bucket: string): Promise<{ objects: number; bytes: number }>;

  object(bucket: string, key: string): Promise<ObjectRecord | undefined>;
  /** Objects in key order (byte order of the UTF-8 keys, as S3 lists them). */
  listObjects(bucket: string, query: ListObjectsQuery): Promise<ObjectRecord[]>;
  /** Creates or replaces an object, with its notifications; returns the object it replaced. */
  putObject(object: ObjectRecord, notifications: NewNotification[]): Promise<ObjectRecord | undefined>;
  /** Removes an object, with its notifications; returns it, or undefined when there was none (then nothing is enqueued). */
  deleteObject(bucket: string, key: string, notifications: (removed: ObjectRecord) => NewNotification[]): Promise<ObjectRecord | undefined>;
  /** Whether any object or part still references these bytes. */
  referenced(hash: string): Promise<boolean>;

  putUpload(upload: MultipartUpload): Promise<void>;
  upload(uploadId: string): Promise<MultipartUpload | undefined>;
  /** A bucket's uploads in progress, by key then initiation. */
  uploads(bucket: string): Promise<MultipartUpload[]>;
  /** Creates or replaces a part; returns the part it replaced. */
  putPart(part: PartRecord): Promise<PartRecord | undefined>;
  /** An upload's parts by number. */
  parts(uploadId: string): Promise<PartRecord[]>;
  /** Removes an upload and its parts; returns the parts. */
  deleteUpload(uploadId: string): Promise<PartRecord[]>;
  /** Stores the assembled object, removes its upload and parts, and enqueues its notifications, in one transaction; returns the object it replaced. */
  completeUpload(uploadId: string, object: ObjectRecord, notifications: NewNotification[]): Promise<ObjectRecord | undefined>;

  /** Enqueues notifications of changes made elsewhere (an external store's), in one transaction. */
  enqueueNotifications(notifications: NewNotification[]): Promise<void>;
  /** The oldest notifications not yet handed over, in `seq` order. */
  pendingNotifications(limit: number): Promise<OutboxEntry[]>;
  /** Forgets a notification the async queue has committed. */
  deleteNotification(seq: number): Promise<void>;
  close(): Promise<void>;
}
