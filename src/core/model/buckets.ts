/**
 * The S3-compatible object service's records: buckets (with their tags and notification
 * configuration), objects (metadata here, bytes in the object blob store by SHA-256),
 * multipart uploads and their parts, and the notification outbox, whose entries are
 * written in the same transaction as the object change they announce.
 */

/**
 * One configuration of a bucket's notification configuration: a LambdaFunctionConfiguration
 * (`functionArn`) or a QueueConfiguration (`queueArn`), exactly one of the two.
 */
export interface BucketNotification {
  id: string;
  functionArn?: string;
  queueArn?: string;
  /** `s3:ObjectCreated:*`, `s3:ObjectRemoved:Delete`, … as given. */
  events: string[];
  /** The key filter: at most one prefix and one suffix rule. */
  prefix?: string;
  suffix?: string;
}

export interface BucketRecord {
  name: string;
  /** The 12-digit account that owns the bucket: only it may use the bucket (names are global, as on S3). */
  owner: string;
  /** ms since the epoch. */
  createdAt: number;
  region: string;
  tags: Record<string, string>;
  notifications: BucketNotification[];
  /** `EventBridgeConfiguration` is set: every object event also goes to the default event bus. */
  eventBridge?: boolean;
  /**
   * The bucket lives in another S3-compatible store (MinIO, Ceph, …) that sends its events
   * to Gust: Gust keeps only its notification configuration, and refuses object requests.
   */
  external?: boolean;
}

/** The checksums an object was uploaded with, base64 as S3 reports them. */
export interface ObjectChecksums {
  crc32?: string;
  crc32c?: string;
  sha256?: string;
}

export interface ObjectRecord {
  bucket: string;
  key: string;
  /** Hex SHA-256 of the bytes: their name in the object blob store. */
  hash: string;
  size: number;
  /** Quoted, as S3 sends it: `"<md5>"`, or `"<md5 of the part md5s>-N"` after a multipart upload. */
  etag: string;
  /** ms since the epoch. */
  lastModified: number;
  contentType: string;
  /** Content-Encoding, Content-Disposition, Cache-Control, Content-Language, Expires as given. */
  headers: Record<string, string>;
  /** x-amz-meta-* without the prefix, lower-case names. */
  metadata: Record<string, string>;
  tags: Record<string, string>;
  checksums: ObjectChecksums;
  /** Part count of a multipart object. */
  parts?: number;
}

export interface MultipartUpload {
  uploadId: string;
  bucket: string;
  key: string;
  initiatedAt: number;
  contentType: string;
  headers: Record<string, string>;
  metadata: Record<string, string>;
  tags: Record<string, string>;
}

export interface PartRecord {
  uploadId: string;
  partNumber: number;
  hash: string;
  size: number;
  /** Quoted hex MD5. */
  etag: string;
  lastModified: number;
}

/** A notification waiting to be handed over: to the async queue for a function, to the queue for an SQS ARN. */
export interface OutboxEntry {
  /** Set by the store, in commit order. */
  seq: number;
  /** A function name or ARN, an SQS queue ARN, or the default event bus's ARN. */
  destination: string;
  /** The `{"Records":[…]}` payload (for the event bus, the event's envelope), serialised. */
  payload: string;
  /** The trace of the request that raised it (X-Ray form), which its delivery continues. */
  traceHeader?: string;
}
