/**
 * The S3Store on PostgreSQL. Bucket names are global, so its tables live in the schema
 * every account shares (`gust`), each bucket naming its owner, as s3.db does. An object's
 * metadata and the notifications announcing it commit in one transaction (the outbox).
 *
 * Object keys are stored as `bytea` (their UTF-8 bytes) beside the JSON record: bytea
 * compares byte by byte, which is exactly S3's listing order, holds any key (text cannot
 * hold NUL), and a prefix is the byte range [prefix, successor(prefix)), which the primary
 * key's index serves directly.
 *
 * A bucket is deleted only while it holds nothing. Object writes share-lock the bucket's
 * row (when it has one) and a delete locks it for update, so a PutObject on another node
 * cannot slip in between a delete's check and its delete.
 */
import type { BucketRecord, MultipartUpload, ObjectRecord, OutboxEntry, PartRecord } from '../../core/model/buckets.js';
import type { ListObjectsQuery, NewNotification, S3Store } from '../s3-store.js';
import { migrate, type PgComponent } from './pg-migrations.js';
import type { PgQueryable, PgSchema } from './pg-schema.js';

/** The S3 store's tables, oldest first. Append only. */
export const S3_COMPONENT: PgComponent = {
  name: 's3',
  migrations: [
    {
      version: 1,
      description: 'buckets with their owners, objects, multipart uploads and parts, the notification outbox',
      up: (s) => `
        CREATE TABLE ${s.table('buckets')} (
          name  text COLLATE "C" PRIMARY KEY,
          owner text COLLATE "C" NOT NULL,
          doc   text NOT NULL
        );
        CREATE INDEX buckets_by_owner ON ${s.table('buckets')} (owner, name);
        CREATE TABLE ${s.table('objects')} (
          bucket text COLLATE "C" NOT NULL,
          key    bytea NOT NULL,
          hash   text NOT NULL,
          size   bigint NOT NULL,
          doc    text NOT NULL,
          PRIMARY KEY (bucket, key)
        );
        CREATE INDEX objects_by_hash ON ${s.table('objects')} (hash);
        CREATE TABLE ${s.table('uploads')} (
          upload_id text COLLATE "C" PRIMARY KEY,
          bucket    text COLLATE "C" NOT NULL,
          doc       text NOT NULL
        );
        CREATE INDEX uploads_by_bucket ON ${s.table('uploads')} (bucket);
        CREATE TABLE ${s.table('parts')} (
          upload_id   text COLLATE "C" NOT NULL REFERENCES ${s.table('uploads')} (upload_id) ON DELETE CASCADE,
          part_number integer NOT NULL,
          hash        text NOT NULL,
          doc         text NOT NULL,
          PRIMARY KEY (upload_id, part_number)
        );
        CREATE INDEX parts_by_hash ON ${s.table('parts')} (hash);
        -- An identity is never reused, so a delivered notification's seq never names a new one.
        CREATE TABLE ${s.table('outbox')} (
          seq          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          destination  text NOT NULL,
          payload      text NOT NULL,
          trace_header text
        );
      `,
    },
  ],
};

function sql(s: PgSchema) {
  const buckets = s.table('buckets');
  const objects = s.table('objects');
  const uploads = s.table('uploads');
  const parts = s.table('parts');
  const outbox = s.table('outbox');
  return {
    putBucket: `INSERT INTO ${buckets} (name, owner, doc) VALUES ($1, $2, $3) ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, doc = excluded.doc`,
    bucket: `SELECT doc FROM ${buckets} WHERE name = $1`,
    buckets: `SELECT doc FROM ${buckets} ORDER BY name`,
    bucketsOf: `SELECT doc FROM ${buckets} WHERE owner = $1 ORDER BY name`,
    lockBucket: `SELECT 1 FROM ${buckets} WHERE name = $1 FOR UPDATE`,
    shareBucket: `SELECT 1 FROM ${buckets} WHERE name = $1 FOR SHARE`,
    deleteEmptyBucket: `DELETE FROM ${buckets} WHERE name = $1
      AND NOT EXISTS (SELECT 1 FROM ${objects} WHERE bucket = $1) AND NOT EXISTS (SELECT 1 FROM ${uploads} WHERE bucket = $1)`,
    usage: `SELECT count(*) AS objects, coalesce(sum(size), 0) AS bytes FROM ${objects} WHERE bucket = $1`,
    object: `SELECT doc FROM ${objects} WHERE bucket = $1 AND key = $2`,
    lockObject: `SELECT doc FROM ${objects} WHERE bucket = $1 AND key = $2 FOR UPDATE`,
    list: `SELECT doc FROM ${objects} WHERE bucket = $1 AND key >= $2 AND ($3::bytea IS NULL OR key < $3) AND key > $4 ORDER BY key LIMIT $5`,
    insertObject: `INSERT INTO ${objects} (bucket, key, hash, size, doc) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (bucket, key) DO NOTHING`,
    updateObject: `UPDATE ${objects} SET hash = $3, size = $4, doc = $5 WHERE bucket = $1 AND key = $2`,
    deleteObject: `DELETE FROM ${objects} WHERE bucket = $1 AND key = $2 RETURNING doc`,
    referenced: `SELECT EXISTS (SELECT 1 FROM ${objects} WHERE hash = $1) OR EXISTS (SELECT 1 FROM ${parts} WHERE hash = $1) AS referenced`,
    putUpload: `INSERT INTO ${uploads} (upload_id, bucket, doc) VALUES ($1, $2, $3) ON CONFLICT (upload_id) DO UPDATE SET doc = excluded.doc`,
    upload: `SELECT doc FROM ${uploads} WHERE upload_id = $1`,
    uploads: `SELECT doc FROM ${uploads} WHERE bucket = $1`,
    lockPart: `SELECT doc FROM ${parts} WHERE upload_id = $1 AND part_number = $2 FOR UPDATE`,
    insertPart: `INSERT INTO ${parts} (upload_id, part_number, hash, doc) VALUES ($1, $2, $3, $4) ON CONFLICT (upload_id, part_number) DO NOTHING`,
    updatePart: `UPDATE ${parts} SET hash = $3, doc = $4 WHERE upload_id = $1 AND part_number = $2`,
    parts: `SELECT doc FROM ${parts} WHERE upload_id = $1 ORDER BY part_number`,
    // An upload's parts, deleted with it and read in the same statement.
    deleteUpload: `WITH gone AS (DELETE FROM ${parts} WHERE upload_id = $1 RETURNING part_number, doc), upload AS (DELETE FROM ${uploads} WHERE upload_id = $1)
      SELECT doc FROM gone ORDER BY part_number`,
    // One statement for a write's notifications; identities follow the given order.
    enqueue: `INSERT INTO ${outbox} (destination, payload, trace_header)
      SELECT d, p, t FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS n (d, p, t, i) ORDER BY i`,
    pending: `SELECT seq, destination, payload, trace_header FROM ${outbox} ORDER BY seq LIMIT $1`,
    dequeue: `DELETE FROM ${outbox} WHERE seq = $1`,
  };
}

/** An object key's bytes: the column S3's order and lookups use. */
const keyBytes = (key: string): Buffer => Buffer.from(key, 'utf8');

/** The smallest byte string greater than every string starting with `prefix`; undefined when there is none (all 0xff). */
function prefixEnd(prefix: Buffer): Buffer | undefined {
  let end = prefix.length;
  while (end > 0 && prefix[end - 1] === 0xff) end--;
  if (end === 0) return undefined;
  const next = Buffer.from(prefix.subarray(0, end));
  next[end - 1]! += 1;
  return next;
}

type DocRow = { doc: string };
const docs = <T>(rows: DocRow[]): T[] => rows.map((r) => JSON.parse(r.doc) as T);
const first = <T>(rows: DocRow[]): T | undefined => docs<T>(rows)[0];

/** The PostgreSQL S3Store. Open it with `PgS3Store.open`. */
export class PgS3Store implements S3Store {
  private readonly sql: ReturnType<typeof sql>;

  private constructor(private readonly schema: PgSchema) {
    this.sql = sql(schema);
  }

  /** Brings the S3 tables of `schema` (normally the shared `gust`) up to date and opens the store on them. */
  static async open(schema: PgSchema): Promise<PgS3Store> {
    await migrate(schema, S3_COMPONENT);
    return new PgS3Store(schema);
  }

  async putBucket(bucket: BucketRecord, notifications: NewNotification[] = []): Promise<void> {
    await this.schema.transaction(async (tx) => {
      await tx.execute(this.sql.putBucket, [bucket.name, bucket.owner, JSON.stringify(bucket)]);
      await this.enqueue(tx, notifications);
    });
  }

  async deleteBucket(name: string): Promise<boolean> {
    return this.schema.transaction(async (tx) => {
      await tx.query(this.sql.lockBucket, [name]);
      return (await tx.execute(this.sql.deleteEmptyBucket, [name])) > 0;
    });
  }

  async bucket(name: string): Promise<BucketRecord | undefined> {
    return first(await this.schema.query<DocRow>(this.sql.bucket, [name]));
  }

  async buckets(owner?: string): Promise<BucketRecord[]> {
    return docs(owner === undefined ? await this.schema.query<DocRow>(this.sql.buckets) : await this.schema.query<DocRow>(this.sql.bucketsOf, [owner]));
  }

  async usage(bucket: string): Promise<{ objects: number; bytes: number }> {
    const [row] = await this.schema.query<{ objects: string; bytes: string }>(this.sql.usage, [bucket]);
    return { objects: Number(row?.objects ?? 0), bytes: Number(row?.bytes ?? 0) };
  }

  async object(bucket: string, key: string): Promise<ObjectRecord | undefined> {
    return first(await this.schema.query<DocRow>(this.sql.object, [bucket, keyBytes(key)]));
  }

  async listObjects(bucket: string, query: ListObjectsQuery): Promise<ObjectRecord[]> {
    if (query.limit <= 0) return [];
    const prefix = keyBytes(query.prefix);
    return docs(await this.schema.query<DocRow>(this.sql.list, [bucket, prefix, prefixEnd(prefix) ?? null, keyBytes(query.after), query.limit]));
  }

  async putObject(object: ObjectRecord, notifications: NewNotification[]): Promise<ObjectRecord | undefined> {
    return this.schema.transaction(async (tx) => {
      await tx.query(this.sql.shareBucket, [object.bucket]);
      const previous = await this.put(tx, object);
      await this.enqueue(tx, notifications);
      return previous;
    });
  }

  async deleteObject(bucket: string, key: string, notifications: (removed: ObjectRecord) => NewNotification[]): Promise<ObjectRecord | undefined> {
    return this.schema.transaction(async (tx) => {
      const removed = first<ObjectRecord>(await tx.query<DocRow>(this.sql.deleteObject, [bucket, keyBytes(key)]));
      if (removed !== undefined) await this.enqueue(tx, notifications(removed));
      return removed;
    });
  }

  async referenced(hash: string): Promise<boolean> {
    const [row] = await this.schema.query<{ referenced: boolean }>(this.sql.referenced, [hash]);
    return row?.referenced === true;
  }

  async putUpload(upload: MultipartUpload): Promise<void> {
    await this.schema.transaction(async (tx) => {
      await tx.query(this.sql.shareBucket, [upload.bucket]);
      await tx.execute(this.sql.putUpload, [upload.uploadId, upload.bucket, JSON.stringify(upload)]);
    });
  }

  async upload(uploadId: string): Promise<MultipartUpload | undefined> {
    return first(await this.schema.query<DocRow>(this.sql.upload, [uploadId]));
  }

  async uploads(bucket: string): Promise<MultipartUpload[]> {
    // Sorted as SqliteS3Store sorts them: by key in code-unit order, then by initiation.
    const all = docs<MultipartUpload>(await this.schema.query<DocRow>(this.sql.uploads, [bucket]));
    return all.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.initiatedAt - b.initiatedAt));
  }

  async putPart(part: PartRecord): Promise<PartRecord | undefined> {
    return this.schema.transaction(async (tx) => {
      const doc = JSON.stringify(part);
      // Insert first: a part another node is inserting makes this wait, then find it.
      if ((await tx.execute(this.sql.insertPart, [part.uploadId, part.partNumber, part.hash, doc])) > 0) return undefined;
      const previous = first<PartRecord>(await tx.query<DocRow>(this.sql.lockPart, [part.uploadId, part.partNumber]));
      await tx.execute(this.sql.updatePart, [part.uploadId, part.partNumber, part.hash, doc]);
      return previous;
    });
  }

  async parts(uploadId: string): Promise<PartRecord[]> {
    return docs(await this.schema.query<DocRow>(this.sql.parts, [uploadId]));
  }

  async deleteUpload(uploadId: string): Promise<PartRecord[]> {
    return docs(await this.schema.query<DocRow>(this.sql.deleteUpload, [uploadId]));
  }

  async completeUpload(uploadId: string, object: ObjectRecord, notifications: NewNotification[]): Promise<ObjectRecord | undefined> {
    return this.schema.transaction(async (tx) => {
      await tx.query(this.sql.shareBucket, [object.bucket]);
      await tx.query(this.sql.deleteUpload, [uploadId]);
      const previous = await this.put(tx, object);
      await this.enqueue(tx, notifications);
      return previous;
    });
  }

  async enqueueNotifications(notifications: NewNotification[]): Promise<void> {
    await this.enqueue(this.schema, notifications);
  }

  async pendingNotifications(limit: number): Promise<OutboxEntry[]> {
    const rows = await this.schema.query<{ seq: string; destination: string; payload: string; trace_header: string | null }>(this.sql.pending, [limit]);
    return rows.map((r) => ({ seq: Number(r.seq), destination: r.destination, payload: r.payload, ...(r.trace_header === null ? {} : { traceHeader: r.trace_header }) }));
  }

  async deleteNotification(seq: number): Promise<void> {
    await this.schema.execute(this.sql.dequeue, [seq]);
  }

  /** The pool is the server's: closing a store releases nothing of it. */
  async close(): Promise<void> {}

  /**
   * Creates or replaces an object, returning the one it replaced. Insert first: a put of the
   * same new key on another node makes this one wait for it, then replace it and return it.
   */
  private async put(tx: PgQueryable, object: ObjectRecord): Promise<ObjectRecord | undefined> {
    const values = [object.bucket, keyBytes(object.key), object.hash, object.size, JSON.stringify(object)];
    if ((await tx.execute(this.sql.insertObject, values)) > 0) return undefined;
    const previous = first<ObjectRecord>(await tx.query<DocRow>(this.sql.lockObject, values.slice(0, 2)));
    await tx.execute(this.sql.updateObject, values);
    return previous;
  }

  private async enqueue(q: PgQueryable, notifications: NewNotification[]): Promise<void> {
    if (notifications.length === 0) return;
    await q.execute(this.sql.enqueue, [notifications.map((n) => n.destination), notifications.map((n) => n.payload), notifications.map((n) => n.traceHeader ?? null)]);
  }
}
