/**
 * The embedded S3Store: its own SQLite file (`<dataDir>/s3.db`) in WAL mode with
 * `synchronous = FULL`, so that an object's metadata and the notifications announcing it
 * are on disk, in one transaction, before PutObject answers. A file of its own for the
 * same reason sqs.db has one: uploads are a busy writer whose fsyncs should not queue
 * behind the function store's. Records are JSON documents beside the columns lookups need.
 *
 * Object writes (put, delete, parts, completions) and outbox deletions that arrive together
 * share one transaction, and so one fsync (core/group-commit.ts): each runs in a savepoint
 * of its own, so one that fails is rolled back and rejected alone, and each resolves once
 * the batch is on disk.
 */
import type Database from 'better-sqlite3';
import type { BucketRecord, MultipartUpload, ObjectRecord, OutboxEntry, PartRecord } from '../../core/model/buckets.js';
import type { ListObjectsQuery, NewNotification, S3Store } from '../s3-store.js';
import { GroupCommit } from '../../core/group-commit.js';
import type { Migration } from './migrations.js';
import { openDurableDatabase } from './open-database.js';

/**
 * The S3 store's schema, oldest first. Append only. `serverAccount` owns the buckets that
 * were created before buckets had owners: they were the server's, and writing its id into
 * them (rather than reading a NULL owner as "the server's account") keeps a bucket with
 * its owner if the server's account id is changed later, instead of handing every old
 * bucket to whichever account the configuration names next.
 */
export const s3Migrations = (serverAccount: string): readonly Migration[] => [
  {
    version: 1,
    description: 'buckets, objects, multipart uploads and parts, the notification outbox',
    up: (db) =>
      db.exec(`
        CREATE TABLE buckets (
          name TEXT PRIMARY KEY,
          doc  TEXT NOT NULL
        ) STRICT;

        -- BINARY collation orders keys by their UTF-8 bytes, which is S3's listing order.
        CREATE TABLE objects (
          bucket TEXT NOT NULL,
          key    TEXT NOT NULL,
          hash   TEXT NOT NULL,
          size   INTEGER NOT NULL,
          doc    TEXT NOT NULL,
          PRIMARY KEY (bucket, key)
        ) STRICT;
        CREATE INDEX objects_by_hash ON objects (hash);

        CREATE TABLE uploads (
          upload_id TEXT PRIMARY KEY,
          bucket    TEXT NOT NULL,
          doc       TEXT NOT NULL
        ) STRICT;
        CREATE INDEX uploads_by_bucket ON uploads (bucket);

        CREATE TABLE parts (
          upload_id   TEXT NOT NULL REFERENCES uploads (upload_id) ON DELETE CASCADE,
          part_number INTEGER NOT NULL,
          hash        TEXT NOT NULL,
          doc         TEXT NOT NULL,
          PRIMARY KEY (upload_id, part_number)
        ) STRICT;
        CREATE INDEX parts_by_hash ON parts (hash);

        -- AUTOINCREMENT: a seq is never reused, so a delivered notification's seq never names a new one.
        CREATE TABLE outbox (
          seq           INTEGER PRIMARY KEY AUTOINCREMENT,
          function_arn  TEXT NOT NULL,
          payload       TEXT NOT NULL
        ) STRICT;
      `),
  },
  {
    version: 2,
    description: 'outbox rows name a destination: a function or an SQS queue',
    up: (db) => db.exec('ALTER TABLE outbox RENAME COLUMN function_arn TO destination'),
  },
  {
    version: 3,
    description: 'buckets belong to an account; waiting notifications name their function\'s account',
    up: (db) => {
      db.exec("ALTER TABLE buckets ADD COLUMN owner TEXT NOT NULL DEFAULT ''");
      db.prepare("UPDATE buckets SET owner = ?, doc = json_set(doc, '$.owner', ?)").run(serverAccount, serverAccount);
      db.exec('CREATE INDEX buckets_by_owner ON buckets (owner, name)');
      // The dispatcher delivers by the destination's account: a function named bare was the server's.
      const bare = "destination NOT LIKE 'arn:%' AND destination NOT GLOB '[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]:*'";
      db.prepare(`UPDATE outbox SET destination = ? || ':' || destination WHERE ${bare} AND destination LIKE 'function:%'`).run(serverAccount);
      db.prepare(`UPDATE outbox SET destination = ? || ':function:' || destination WHERE ${bare}`).run(serverAccount);
    },
  },
  {
    version: 4,
    description: 'outbox rows carry the trace of the request that raised them',
    up: (db) => db.exec('ALTER TABLE outbox ADD COLUMN trace_header TEXT'),
  },
];

const parse = <T>(doc: string): T => JSON.parse(doc) as T;

type OutboxRow = Omit<OutboxEntry, 'traceHeader'> & { trace_header: string | null };

/** The SQLite S3Store. Open it with `SqliteS3Store.open`. */
/** One write of a batch: it runs inside the batch's transaction and keeps its own outcome. */
interface BatchedWrite {
  run(): void;
}

export class SqliteS3Store implements S3Store {
  private readonly stmt;
  private readonly writes: GroupCommit<BatchedWrite>;

  private constructor(private readonly db: Database.Database) {
    this.writes = new GroupCommit((batch) => {
      db.transaction(() => {
        for (const write of batch) write.run();
      }).immediate();
      return Promise.resolve();
    });
    this.stmt = {
      putBucket: db.prepare('INSERT INTO buckets (name, owner, doc) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, doc = excluded.doc'),
      bucket: db.prepare<[string], string>('SELECT doc FROM buckets WHERE name = ?').pluck(),
      buckets: db.prepare<[], string>('SELECT doc FROM buckets ORDER BY name').pluck(),
      bucketsOf: db.prepare<[string], string>('SELECT doc FROM buckets WHERE owner = ? ORDER BY name').pluck(),
      deleteBucket: db.prepare('DELETE FROM buckets WHERE name = ?'),
      anyObject: db.prepare<[string], number>('SELECT 1 FROM objects WHERE bucket = ? LIMIT 1').pluck(),
      anyUpload: db.prepare<[string], number>('SELECT 1 FROM uploads WHERE bucket = ? LIMIT 1').pluck(),
      usage: db.prepare<[string], { objects: number; bytes: number | null }>('SELECT count(*) AS objects, sum(size) AS bytes FROM objects WHERE bucket = ?'),
      object: db.prepare<[string, string], string>('SELECT doc FROM objects WHERE bucket = ? AND key = ?').pluck(),
      list: db.prepare<[string, string, string], { key: string; doc: string }>('SELECT key, doc FROM objects WHERE bucket = ? AND key >= ? AND key > ? ORDER BY key'),
      putObject: db.prepare('INSERT INTO objects (bucket, key, hash, size, doc) VALUES (?, ?, ?, ?, ?) ON CONFLICT (bucket, key) DO UPDATE SET hash = excluded.hash, size = excluded.size, doc = excluded.doc'),
      deleteObject: db.prepare('DELETE FROM objects WHERE bucket = ? AND key = ?'),
      objectRef: db.prepare<[string], number>('SELECT 1 FROM objects WHERE hash = ? LIMIT 1').pluck(),
      partRef: db.prepare<[string], number>('SELECT 1 FROM parts WHERE hash = ? LIMIT 1').pluck(),
      putUpload: db.prepare('INSERT INTO uploads (upload_id, bucket, doc) VALUES (?, ?, ?) ON CONFLICT (upload_id) DO UPDATE SET doc = excluded.doc'),
      upload: db.prepare<[string], string>('SELECT doc FROM uploads WHERE upload_id = ?').pluck(),
      uploads: db.prepare<[string], string>('SELECT doc FROM uploads WHERE bucket = ?').pluck(),
      deleteUpload: db.prepare('DELETE FROM uploads WHERE upload_id = ?'),
      putPart: db.prepare('INSERT INTO parts (upload_id, part_number, hash, doc) VALUES (?, ?, ?, ?) ON CONFLICT (upload_id, part_number) DO UPDATE SET hash = excluded.hash, doc = excluded.doc'),
      part: db.prepare<[string, number], string>('SELECT doc FROM parts WHERE upload_id = ? AND part_number = ?').pluck(),
      parts: db.prepare<[string], string>('SELECT doc FROM parts WHERE upload_id = ? ORDER BY part_number').pluck(),
      enqueue: db.prepare('INSERT INTO outbox (destination, payload, trace_header) VALUES (?, ?, ?)'),
      pending: db.prepare<[number], OutboxRow>('SELECT seq, destination, payload, trace_header FROM outbox ORDER BY seq LIMIT ?'),
      dequeue: db.prepare('DELETE FROM outbox WHERE seq = ?'),
    };
  }

  /**
   * Opens (creating it if needed) the database at `path`; `:memory:` for tests.
   * `serverAccount` is the server's account id, the owner of buckets older than owners.
   */
  static open(path: string, serverAccount: string): SqliteS3Store {
    return new SqliteS3Store(openDurableDatabase(path, s3Migrations(serverAccount)));
  }

  async putBucket(bucket: BucketRecord, notifications: NewNotification[] = []): Promise<void> {
    this.db.transaction(() => {
      this.stmt.putBucket.run(bucket.name, bucket.owner, JSON.stringify(bucket));
      this.enqueue(notifications);
    }).immediate();
  }

  async deleteBucket(name: string): Promise<boolean> {
    return this.db.transaction(() => {
      if (this.stmt.anyObject.get(name) !== undefined || this.stmt.anyUpload.get(name) !== undefined) return false;
      this.stmt.deleteBucket.run(name);
      return true;
    }).immediate();
  }

  async bucket(name: string): Promise<BucketRecord | undefined> {
    const doc = this.stmt.bucket.get(name);
    return doc === undefined ? undefined : parse<BucketRecord>(doc);
  }

  async buckets(owner?: string): Promise<BucketRecord[]> {
    const docs = owner === undefined ? this.stmt.buckets.all() : this.stmt.bucketsOf.all(owner);
    return docs.map((doc) => parse<BucketRecord>(doc));
  }

  async usage(bucket: string): Promise<{ objects: number; bytes: number }> {
    const row = this.stmt.usage.get(bucket)!;
    return { objects: row.objects, bytes: row.bytes ?? 0 };
  }

  async object(bucket: string, key: string): Promise<ObjectRecord | undefined> {
    const doc = this.stmt.object.get(bucket, key);
    return doc === undefined ? undefined : parse<ObjectRecord>(doc);
  }

  async listObjects(bucket: string, query: ListObjectsQuery): Promise<ObjectRecord[]> {
    const out: ObjectRecord[] = [];
    if (query.limit <= 0) return out;
    // Keys are in byte order, so those with the prefix are one run starting at the prefix.
    for (const row of this.stmt.list.iterate(bucket, query.prefix, query.after)) {
      if (!row.key.startsWith(query.prefix)) break;
      out.push(parse<ObjectRecord>(row.doc));
      if (out.length >= query.limit) break;
    }
    return out;
  }

  async enqueueNotifications(notifications: NewNotification[]): Promise<void> {
    this.db.transaction(() => this.enqueue(notifications)).immediate();
  }

  private enqueue(notifications: NewNotification[]): void {
    for (const n of notifications) this.stmt.enqueue.run(n.destination, n.payload, n.traceHeader ?? null);
  }

  private put(object: ObjectRecord): ObjectRecord | undefined {
    const previous = this.stmt.object.get(object.bucket, object.key);
    this.stmt.putObject.run(object.bucket, object.key, object.hash, object.size, JSON.stringify(object));
    return previous === undefined ? undefined : parse<ObjectRecord>(previous);
  }

  /** Runs `write` in the next batch, in a savepoint of its own; resolves with its result once the batch is durable. */
  private async batched<T>(write: () => T): Promise<T> {
    let outcome: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
    const savepoint = this.db.transaction(write);
    await this.writes.submit([
      {
        run: () => {
          try {
            outcome = { ok: true, value: savepoint() };
          } catch (error) {
            outcome = { ok: false, error };
          }
        },
      },
    ]);
    if (!outcome!.ok) throw outcome!.error;
    return outcome!.value;
  }

  putObject(object: ObjectRecord, notifications: NewNotification[]): Promise<ObjectRecord | undefined> {
    return this.batched(() => {
      const previous = this.put(object);
      this.enqueue(notifications);
      return previous;
    });
  }

  deleteObject(bucket: string, key: string, notifications: (removed: ObjectRecord) => NewNotification[]): Promise<ObjectRecord | undefined> {
    return this.batched(() => {
      const doc = this.stmt.object.get(bucket, key);
      if (doc === undefined) return undefined;
      const removed = parse<ObjectRecord>(doc);
      this.stmt.deleteObject.run(bucket, key);
      this.enqueue(notifications(removed));
      return removed;
    });
  }

  async referenced(hash: string): Promise<boolean> {
    return this.stmt.objectRef.get(hash) !== undefined || this.stmt.partRef.get(hash) !== undefined;
  }

  async putUpload(upload: MultipartUpload): Promise<void> {
    this.stmt.putUpload.run(upload.uploadId, upload.bucket, JSON.stringify(upload));
  }

  async upload(uploadId: string): Promise<MultipartUpload | undefined> {
    const doc = this.stmt.upload.get(uploadId);
    return doc === undefined ? undefined : parse<MultipartUpload>(doc);
  }

  async uploads(bucket: string): Promise<MultipartUpload[]> {
    const all = this.stmt.uploads.all(bucket).map((doc) => parse<MultipartUpload>(doc));
    return all.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.initiatedAt - b.initiatedAt));
  }

  putPart(part: PartRecord): Promise<PartRecord | undefined> {
    return this.batched(() => {
      const previous = this.stmt.part.get(part.uploadId, part.partNumber);
      this.stmt.putPart.run(part.uploadId, part.partNumber, part.hash, JSON.stringify(part));
      return previous === undefined ? undefined : parse<PartRecord>(previous);
    });
  }

  async parts(uploadId: string): Promise<PartRecord[]> {
    return this.stmt.parts.all(uploadId).map((doc) => parse<PartRecord>(doc));
  }

  async deleteUpload(uploadId: string): Promise<PartRecord[]> {
    return this.db.transaction(() => {
      const parts = this.stmt.parts.all(uploadId).map((doc) => parse<PartRecord>(doc));
      this.stmt.deleteUpload.run(uploadId);
      return parts;
    }).immediate();
  }

  completeUpload(uploadId: string, object: ObjectRecord, notifications: NewNotification[]): Promise<ObjectRecord | undefined> {
    return this.batched(() => {
      this.stmt.deleteUpload.run(uploadId);
      const previous = this.put(object);
      this.enqueue(notifications);
      return previous;
    });
  }

  async pendingNotifications(limit: number): Promise<OutboxEntry[]> {
    return this.stmt.pending.all(limit).map(({ trace_header, ...entry }) => (trace_header === null ? entry : { ...entry, traceHeader: trace_header }));
  }

  deleteNotification(seq: number): Promise<void> {
    return this.batched(() => {
      this.stmt.dequeue.run(seq);
    });
  }

  async close(): Promise<void> {
    await this.writes.flush();
    if (this.db.open) this.db.close();
  }
}
