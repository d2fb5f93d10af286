/**
 * The LogStore on PostgreSQL, in the account's schema. `append` only buffers, as SQLite's
 * does; a batch is written in one transaction `flushIntervalMs` after its first event or
 * at `maxBufferedEvents`, and before every read. Batches of one store are written one after
 * another, so the ids of one node's events follow their append order.
 *
 * Cursors are event ids, and several nodes write at once: an id taken by a transaction that
 * has not committed yet may be lower than one already visible, and a follower whose cursor
 * passed it would never see that event. So every batch first locks the rows of the groups
 * it writes (in id order: two nodes never deadlock), and takes its ids only then; a reader's
 * high-water mark is the highest id of its group in the same statement's snapshot. Within a
 * group, ids therefore become visible in order, and a cursor never skips one.
 *
 * Messages are `bytea` (their UTF-8 bytes): PostgreSQL's text cannot hold NUL, which a
 * function may print. A batch that cannot be written (the database gone) is dropped and
 * counted in `stats().droppedEvents`, never thrown from the timer.
 */
import { systemClock, type Clock } from '../../core/clock.js';
import { InvalidParameterValueException } from '../../core/errors.js';
import type { LogEvent } from '../../core/model/logs.js';
import { logEventSize, type LogGroupInfo, type LogPage, type LogQuery, type LogRetention, type LogStore, type LogStoreStats, type LogStreamInfo } from '../log-store.js';
import { migrate, type PgComponent } from './pg-migrations.js';
import type { PgQueryable, PgSchema } from './pg-schema.js';

export interface PgLogStoreOptions {
  retention?: LogRetention;
  /** Longest time an appended event waits in memory (default 200 ms). */
  flushIntervalMs?: number;
  /** Buffer size that triggers a write at once (default 1000 events). */
  maxBufferedEvents?: number;
  clock?: Clock;
  /** Told when a batch could not be written and was dropped: once, then not again until a write succeeded. */
  onWriteFailure?: (err: unknown, dropped: number) => void;
}

/** The log tables, oldest first. Append only. */
export const LOG_COMPONENT: PgComponent = {
  name: 'logs',
  migrations: [
    {
      version: 1,
      description: 'log groups and their events',
      up: (s) => `
        CREATE TABLE ${s.table('log_groups')} (
          id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          name   text COLLATE "C" NOT NULL UNIQUE,
          bytes  bigint NOT NULL DEFAULT 0,
          events bigint NOT NULL DEFAULT 0
        );
        CREATE TABLE ${s.table('log_events')} (
          id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          group_id bigint NOT NULL REFERENCES ${s.table('log_groups')} (id) ON DELETE CASCADE,
          stream   text COLLATE "C" NOT NULL,
          ts       bigint NOT NULL,
          ingested bigint NOT NULL,
          bytes    integer NOT NULL,
          message  bytea NOT NULL
        );
        CREATE INDEX log_events_group ON ${s.table('log_events')} (group_id, id);
      `,
    },
  ],
};

/** After a group passes a bound it is trimmed to this fraction of it, so trimming is not per flush. */
const TRIM_TO = 0.9;
const DEFAULT_LIMIT = 1000;
const MAX_LIMIT = 10_000;

function sql(s: PgSchema) {
  const groups = s.table('log_groups');
  const events = s.table('log_events');
  return {
    createGroups: `INSERT INTO ${groups} (name) SELECT unnest($1::text[]) ON CONFLICT (name) DO NOTHING`,
    lockGroups: `SELECT id, name, bytes, events FROM ${groups} WHERE name = ANY ($1::text[]) ORDER BY id FOR UPDATE`,
    insertEvents: `INSERT INTO ${events} (group_id, stream, ts, ingested, bytes, message)
      SELECT g, s, t, $5, b, m FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::integer[], $6::bytea[]) AS e (g, s, t, b, m)`,
    addTotals: `UPDATE ${groups} AS g SET bytes = g.bytes + a.bytes, events = g.events + a.events FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS a (id, bytes, events) WHERE g.id = a.id`,
    // The oldest events to free, up to the first at which both amounts are reached.
    trim: `WITH running AS (
        SELECT id, sum(bytes) OVER (ORDER BY id) AS freed_bytes, row_number() OVER (ORDER BY id) AS freed_events FROM ${events} WHERE group_id = $1
      ), cutoff AS (
        SELECT id FROM running WHERE freed_bytes >= $2 AND freed_events >= $3 ORDER BY id LIMIT 1
      )
      DELETE FROM ${events} WHERE group_id = $1 AND id <= (SELECT id FROM cutoff) RETURNING bytes`,
    // The group's high-water mark and the page, in one statement: one snapshot.
    page: (filters: string) => `WITH g AS (SELECT id FROM ${groups} WHERE name = $1),
      hw AS (SELECT coalesce(max(id), 0) AS high FROM ${events} WHERE group_id = (SELECT id FROM g))
      SELECT hw.high, p.id, p.stream, p.ts, p.ingested, p.message FROM hw LEFT JOIN LATERAL (
        SELECT id, stream, ts, ingested, message FROM ${events}
        WHERE group_id = (SELECT id FROM g) AND id > $2 AND id <= hw.high ${filters} ORDER BY id LIMIT $3
      ) AS p ON true ORDER BY p.id`,
    listStreams: `SELECT stream, min(ts) AS first, max(ts) AS last, count(*) AS events, sum(bytes) AS bytes FROM ${events}
      WHERE group_id = (SELECT id FROM ${groups} WHERE name = $1) GROUP BY stream ORDER BY last DESC, stream`,
    listGroups: `SELECT name, events, bytes FROM ${groups} WHERE events > 0 ORDER BY name`,
    deleteGroup: `DELETE FROM ${groups} WHERE name = $1`,
  };
}

interface GroupRow { id: string; name: string; bytes: string; events: string }
interface PageRow { high: string; id: string | null; stream: string; ts: string; ingested: string; message: Buffer }

/** The PostgreSQL LogStore. Open it with `PgLogStore.open`. */
export class PgLogStore implements LogStore {
  private readonly sql: ReturnType<typeof sql>;
  private readonly clock: Clock;
  private readonly retention: LogRetention;
  private readonly flushIntervalMs: number;
  private readonly maxBuffered: number;
  private readonly onWriteFailure: (err: unknown, dropped: number) => void;
  private buffer: LogEvent[] = [];
  private cancelTimer: (() => void) | undefined;
  /** The last batch written or being written: the next waits for it. */
  private writing: Promise<void> = Promise.resolve();
  private closed = false;
  private failing = false;
  private droppedEvents = 0;

  private constructor(
    private readonly schema: PgSchema,
    options: PgLogStoreOptions,
  ) {
    this.sql = sql(schema);
    this.clock = options.clock ?? systemClock;
    this.retention = options.retention ?? {};
    this.flushIntervalMs = options.flushIntervalMs ?? 200;
    this.maxBuffered = options.maxBufferedEvents ?? 1000;
    this.onWriteFailure = options.onWriteFailure ?? (() => undefined);
  }

  /** Brings the log tables of `schema` (created if needed) up to date and opens the store on them. */
  static async open(schema: PgSchema, options: PgLogStoreOptions = {}): Promise<PgLogStore> {
    await migrate(schema, LOG_COMPONENT);
    return new PgLogStore(schema, options);
  }

  append(events: readonly LogEvent[]): void {
    if (this.closed || events.length === 0) return;
    for (const e of events) this.buffer.push(e);
    if (this.buffer.length >= this.maxBuffered) {
      void this.writeBuffer();
    } else {
      this.cancelTimer ??= this.clock.setTimer(() => {
        this.cancelTimer = undefined;
        void this.writeBuffer();
      }, this.flushIntervalMs);
    }
  }

  async query(query: LogQuery): Promise<LogPage> {
    const limit = Math.min(Math.max(1, query.limit ?? DEFAULT_LIMIT), MAX_LIMIT);
    const after = parseCursor(query.after);
    await this.writeBuffer();
    const params: unknown[] = [query.logGroup, after, limit];
    const filters: string[] = [];
    const filter = (clause: string, value: unknown) => {
      params.push(value);
      filters.push(`AND ${clause} $${params.length}`);
    };
    if (query.logStream !== undefined) filter('stream =', query.logStream);
    if (query.since !== undefined) filter('ts >=', query.since);
    if (query.until !== undefined) filter('ts <', query.until);
    const rows = await this.schema.query<PageRow>(this.sql.page(filters.join(' ')), params);
    const high = Number(rows[0]?.high ?? 0);
    const found = rows.filter((r) => r.id !== null);
    const events = found.map((r) => ({ logGroup: query.logGroup, logStream: r.stream, timestamp: Number(r.ts), message: r.message.toString('utf8'), ingestionTime: Number(r.ingested) }));
    // A full page continues after its last event; a short one up to the high-water mark.
    const cursor = found.length === limit ? Number(found.at(-1)!.id) : Math.max(after, high);
    return { events, cursor: String(cursor) };
  }

  async listStreams(logGroup: string): Promise<LogStreamInfo[]> {
    await this.writeBuffer();
    const rows = await this.schema.query<{ stream: string; first: string; last: string; events: string; bytes: string }>(this.sql.listStreams, [logGroup]);
    return rows.map((r) => ({ logStream: r.stream, firstEventTimestamp: Number(r.first), lastEventTimestamp: Number(r.last), events: Number(r.events), storedBytes: Number(r.bytes) }));
  }

  async listGroups(): Promise<LogGroupInfo[]> {
    await this.writeBuffer();
    const rows = await this.schema.query<{ name: string; events: string; bytes: string }>(this.sql.listGroups);
    return rows.map((r) => ({ logGroup: r.name, events: Number(r.events), storedBytes: Number(r.bytes) }));
  }

  async deleteGroup(logGroup: string): Promise<void> {
    await this.writeBuffer();
    // Its events go with it (ON DELETE CASCADE).
    await this.schema.execute(this.sql.deleteGroup, [logGroup]);
  }

  async flush(): Promise<void> {
    await this.writeBuffer();
  }

  /** A committed batch is durable (PostgreSQL's synchronous_commit), so syncing is flushing. */
  async sync(): Promise<void> {
    await this.writeBuffer();
  }

  stats(): LogStoreStats {
    return { droppedEvents: this.droppedEvents, bufferedEvents: this.buffer.length };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.writeBuffer();
    this.closed = true;
  }

  /** Writes what is buffered after the batches before it; resolves when it is written or dropped. */
  private writeBuffer(): Promise<void> {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    if (this.buffer.length === 0 || this.closed) return this.writing;
    const batch = this.buffer;
    this.buffer = [];
    this.writing = this.writing.then(async () => {
      try {
        await this.schema.transaction((tx) => this.insert(tx, batch));
        this.failing = false;
      } catch (err) {
        this.droppedEvents += batch.length;
        if (!this.failing) this.onWriteFailure(err, batch.length);
        this.failing = true;
      }
    });
    return this.writing;
  }

  /** Inserts a batch, adds it to its groups' totals and trims them, with the groups locked. */
  private async insert(tx: PgQueryable, batch: LogEvent[]): Promise<void> {
    const groups = await this.lockGroups(tx, [...new Set(batch.map((e) => e.logGroup))].sort());
    const sizes = batch.map((e) => logEventSize(e.message));
    await tx.execute(this.sql.insertEvents, [
      batch.map((e) => groups.get(e.logGroup)!.id),
      batch.map((e) => e.logStream),
      batch.map((e) => e.timestamp),
      sizes,
      this.clock.now(),
      batch.map((e) => Buffer.from(e.message, 'utf8')),
    ]);
    const added = new Map<string, { bytes: number; events: number }>();
    batch.forEach((e, i) => {
      const a = added.get(e.logGroup) ?? { bytes: 0, events: 0 };
      a.bytes += sizes[i]!;
      a.events += 1;
      added.set(e.logGroup, a);
    });
    const names = [...added.keys()];
    await tx.execute(this.sql.addTotals, [names.map((n) => groups.get(n)!.id), names.map((n) => added.get(n)!.bytes), names.map((n) => added.get(n)!.events)]);
    for (const name of names) {
      const g = groups.get(name)!;
      await this.trim(tx, g.id, Number(g.bytes) + added.get(name)!.bytes, Number(g.events) + added.get(name)!.events);
    }
  }

  /**
   * Creates the groups that do not exist and locks all of them. A group deleted by another
   * node between the two statements is created again (at most a few times: it would take
   * a delete per attempt).
   */
  private async lockGroups(tx: PgQueryable, names: string[]): Promise<Map<string, GroupRow>> {
    const locked = new Map<string, GroupRow>();
    for (let attempt = 0; attempt < 3 && locked.size < names.length; attempt++) {
      const missing = names.filter((n) => !locked.has(n));
      await tx.execute(this.sql.createGroups, [missing]);
      for (const row of await tx.query<GroupRow>(this.sql.lockGroups, [missing])) locked.set(row.name, row);
    }
    if (locked.size < names.length) throw new Error(`Log groups kept disappearing while a batch was written: ${names.filter((n) => !locked.has(n)).join(', ')}`);
    return locked;
  }

  /** Deletes a group's oldest events while it is over a retention bound. */
  private async trim(tx: PgQueryable, groupId: string, bytes: number, events: number): Promise<void> {
    const { maxBytesPerGroup: maxBytes, maxEventsPerGroup: maxEvents } = this.retention;
    const overBytes = maxBytes !== undefined && bytes > maxBytes;
    const overEvents = maxEvents !== undefined && events > maxEvents;
    if (!overBytes && !overEvents) return;
    const bytesToFree = overBytes ? bytes - Math.floor(maxBytes * TRIM_TO) : 0;
    const eventsToFree = overEvents ? events - Math.floor(maxEvents * TRIM_TO) : 0;
    const freed = await tx.query<{ bytes: number }>(this.sql.trim, [groupId, bytesToFree, eventsToFree]);
    const freedBytes = freed.reduce((sum, r) => sum + r.bytes, 0);
    await tx.execute(this.sql.addTotals, [[groupId], [-freedBytes], [-freed.length]]);
  }
}

function parseCursor(cursor: string | undefined): number {
  if (cursor === undefined || cursor === '') return 0;
  const n = Number(cursor);
  if (!/^\d+$/.test(cursor) || !Number.isSafeInteger(n)) throw new InvalidParameterValueException(`Invalid log cursor '${cursor}'.`);
  return n;
}
