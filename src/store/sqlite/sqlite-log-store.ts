/**
 * The embedded LogStore: its own SQLite file (`<dataDir>/logs.db`), apart from the metadata
 * database so that chatty functions never contend with control-plane writes.
 *
 * `append` only pushes to an in-memory buffer. The buffer is written in one transaction
 * when it reaches `maxBufferedEvents` or `flushIntervalMs` after its first event, whichever
 * comes first, and before every read. WAL with `synchronous=NORMAL` means a commit is a
 * write to the WAL without an fsync: a crash of Gust loses at most the buffer (the last
 * `flushIntervalMs` of logs), never a commit, and never corrupts the file. `sync` commits
 * the buffer and fsyncs the WAL on the thread pool, for callers that must not record an
 * outcome before its logs (the async queue). Retention is enforced in the same transaction.
 *
 * A write that fails (a full disk: SQLITE_FULL) never escapes the flush timer: the batch is
 * dropped, counted in `stats().droppedEvents`, and reported once until a write succeeds again.
 */
import { open, type FileHandle } from 'node:fs/promises';
import Database from 'better-sqlite3';
import { systemClock, type Clock } from '../../core/clock.js';
import { InvalidParameterValueException } from '../../core/errors.js';
import type { LogEvent } from '../../core/model/logs.js';
import {
  logEventSize,
  type LogGroupInfo,
  type LogPage,
  type LogQuery,
  type LogRetention,
  type LogStore,
  type LogStoreStats,
  type LogStreamInfo,
  type StoredLogEvent,
} from '../log-store.js';

export interface SqliteLogStoreOptions {
  retention?: LogRetention;
  /** Longest time an appended event waits in memory (default 200 ms). */
  flushIntervalMs?: number;
  /** Buffer size that triggers a write at once (default 1000 events). */
  maxBufferedEvents?: number;
  clock?: Clock;
  /**
   * Told when a batch could not be written and was dropped (`dropped` events): once, then
   * not again until a write has succeeded.
   */
  onWriteFailure?: (err: unknown, dropped: number) => void;
}

/** Rows per multi-row INSERT (× 6 parameters, far below SQLite's 32,766). */
const ROWS_PER_INSERT = 50;
const COLUMNS = 6;
const INSERT_EVENTS = 'INSERT INTO log_events (group_id, stream, ts, ingested, bytes, message) VALUES';
const ROW = '(?, ?, ?, ?, ?, ?)';
type InsertRow = [groupId: number, stream: string, ts: number, ingested: number, bytes: number, message: string];

/** After a group passes a bound it is trimmed to this fraction of it, so trimming is not per flush. */
const TRIM_TO = 0.9;
const DEFAULT_LIMIT = 1000;
const MAX_LIMIT = 10_000;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS log_groups (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  bytes INTEGER NOT NULL DEFAULT 0,
  events INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS log_events (
  id INTEGER PRIMARY KEY,
  group_id INTEGER NOT NULL,
  stream TEXT NOT NULL,
  ts INTEGER NOT NULL,
  ingested INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  message TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS log_events_group ON log_events (group_id, id);
`;

interface EventRow {
  id: number;
  stream: string;
  ts: number;
  ingested: number;
  message: string;
}

export class SqliteLogStore implements LogStore {
  private readonly db: Database.Database;
  private readonly clock: Clock;
  private readonly retention: LogRetention;
  private readonly flushIntervalMs: number;
  private readonly maxBuffered: number;
  private buffer: LogEvent[] = [];
  private cancelTimer: (() => void) | undefined;
  private readonly groupIds = new Map<string, number>();
  private closed = false;
  private readonly stmts: ReturnType<typeof prepareStatements>;
  private readonly walPath: string | undefined;
  private readonly onWriteFailure: (err: unknown, dropped: number) => void;
  private failing = false;
  private droppedEvents = 0;
  /** The fsync not started yet, which every `sync` caller until it starts shares. */
  private nextSync: Promise<void> | undefined;
  /** The fsync in progress (or the last one), after which the next one starts. */
  private lastSync: Promise<void> = Promise.resolve();
  private wal: Promise<FileHandle | undefined> | undefined;

  private constructor(path: string, options: SqliteLogStoreOptions) {
    this.walPath = path === ':memory:' ? undefined : `${path}-wal`;
    this.onWriteFailure = options.onWriteFailure ?? (() => undefined);
    this.clock = options.clock ?? systemClock;
    this.retention = options.retention ?? {};
    this.flushIntervalMs = options.flushIntervalMs ?? 200;
    this.maxBuffered = options.maxBufferedEvents ?? 1000;
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
    // Version 1 is the schema above; a later change migrates from this number.
    if (this.db.pragma('user_version', { simple: true }) === 0) this.db.pragma('user_version = 1');
    this.stmts = prepareStatements(this.db);
  }

  /** Opens (or creates) the log database at `path`; `:memory:` works for tests. */
  static open(path: string, options: SqliteLogStoreOptions = {}): SqliteLogStore {
    return new SqliteLogStore(path, options);
  }

  append(events: readonly LogEvent[]): void {
    if (this.closed || events.length === 0) return;
    for (const e of events) this.buffer.push(e);
    if (this.buffer.length >= this.maxBuffered) {
      this.writeBuffer();
    } else {
      this.cancelTimer ??= this.clock.setTimer(() => {
        this.cancelTimer = undefined;
        this.writeBuffer();
      }, this.flushIntervalMs);
    }
  }

  async query(query: LogQuery): Promise<LogPage> {
    this.writeBuffer();
    const limit = Math.min(Math.max(1, query.limit ?? DEFAULT_LIMIT), MAX_LIMIT);
    const after = parseCursor(query.after);
    const groupId = this.stmts.groupId.get(query.logGroup)?.id;
    // Read the high-water mark first: nothing below it can appear later, so an empty or
    // short page may move the cursor up to it.
    const maxId = this.stmts.maxId.get()?.id ?? 0;
    if (groupId === undefined) return { events: [], cursor: String(Math.max(after, maxId)) };
    const where = ['group_id = ?', 'id > ?', 'id <= ?'];
    const params: (string | number)[] = [groupId, after, maxId];
    if (query.logStream !== undefined) {
      where.push('stream = ?');
      params.push(query.logStream);
    }
    if (query.since !== undefined) {
      where.push('ts >= ?');
      params.push(query.since);
    }
    if (query.until !== undefined) {
      where.push('ts < ?');
      params.push(query.until);
    }
    const rows = this.db
      .prepare<(string | number)[], EventRow>(`SELECT id, stream, ts, ingested, message FROM log_events WHERE ${where.join(' AND ')} ORDER BY id LIMIT ?`)
      .all(...params, limit);
    const events: StoredLogEvent[] = rows.map((r) => ({
      logGroup: query.logGroup,
      logStream: r.stream,
      timestamp: r.ts,
      message: r.message,
      ingestionTime: r.ingested,
    }));
    const last = rows.at(-1)?.id;
    const cursor = rows.length === limit ? last! : Math.max(after, maxId);
    return { events, cursor: String(cursor) };
  }

  async listStreams(logGroup: string): Promise<LogStreamInfo[]> {
    this.writeBuffer();
    const groupId = this.stmts.groupId.get(logGroup)?.id;
    if (groupId === undefined) return [];
    return this.db
      .prepare<[number], LogStreamInfo>(
        `SELECT stream AS logStream, min(ts) AS firstEventTimestamp, max(ts) AS lastEventTimestamp,
                count(*) AS events, sum(bytes) AS storedBytes
         FROM log_events WHERE group_id = ? GROUP BY stream ORDER BY lastEventTimestamp DESC, logStream`,
      )
      .all(groupId);
  }

  async listGroups(): Promise<LogGroupInfo[]> {
    this.writeBuffer();
    return this.db
      .prepare<[], LogGroupInfo>('SELECT name AS logGroup, events, bytes AS storedBytes FROM log_groups WHERE events > 0 ORDER BY name')
      .all();
  }

  async deleteGroup(logGroup: string): Promise<void> {
    this.writeBuffer();
    const groupId = this.stmts.groupId.get(logGroup)?.id;
    if (groupId === undefined) return;
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM log_events WHERE group_id = ?').run(groupId);
      this.db.prepare('DELETE FROM log_groups WHERE id = ?').run(groupId);
    })();
    this.groupIds.delete(logGroup);
  }

  async flush(): Promise<void> {
    this.writeBuffer();
  }

  sync(): Promise<void> {
    this.writeBuffer();
    if (!this.nextSync) {
      const next = this.lastSync.then(() => {
        this.nextSync = undefined;
        return this.syncWal();
      });
      this.nextSync = next;
      this.lastSync = next.catch(() => undefined);
    }
    return this.nextSync;
  }

  stats(): LogStoreStats {
    return { droppedEvents: this.droppedEvents, bufferedEvents: this.buffer.length };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.writeBuffer();
    this.closed = true;
    await this.lastSync;
    await (await this.wal)?.close();
    this.db.close();
  }

  /**
   * fsyncs the WAL, where every commit so far is (with `synchronous=NORMAL` SQLite syncs
   * the WAL only at checkpoints, and the database file after them, so what a checkpoint
   * moved out of the WAL is on disk already). On the thread pool, off the event loop.
   */
  private async syncWal(): Promise<void> {
    if (this.walPath === undefined || this.closed) return;
    const walPath = this.walPath;
    this.wal ??= open(walPath, 'r').catch(() => {
      this.wal = undefined;
      return undefined;
    });
    await (await this.wal)?.sync();
  }

  /** Writes the buffer in one transaction, then trims the groups it touched. */
  private writeBuffer(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    if (this.buffer.length === 0 || this.closed) return;
    const batch = this.buffer;
    this.buffer = [];
    try {
      this.insert(batch);
      this.failing = false;
    } catch (err) {
      this.droppedEvents += batch.length;
      if (!this.failing) this.onWriteFailure(err, batch.length);
      this.failing = true;
    }
  }

  /**
   * Inserts a batch and trims the groups it touched, in one transaction. Rows go in
   * `ROWS_PER_INSERT` at a time, in batch order (ids, which reads page by, follow it):
   * one statement per row cost ~40% more per event, and a warm invoke writes three.
   */
  private insert(batch: LogEvent[]): void {
    const now = this.clock.now();
    this.db.transaction(() => {
      const added = new Map<number, { bytes: number; events: number }>();
      const values: (string | number)[] = [];
      for (const e of batch) {
        const groupId = this.groupId(e.logGroup);
        const bytes = logEventSize(e.message);
        values.push(groupId, e.logStream, e.timestamp, now, bytes, e.message);
        if (values.length === ROWS_PER_INSERT * COLUMNS) {
          this.stmts.insertEvents.run(values);
          values.length = 0;
        }
        const a = added.get(groupId) ?? { bytes: 0, events: 0 };
        a.bytes += bytes;
        a.events += 1;
        added.set(groupId, a);
      }
      for (let i = 0; i < values.length; i += COLUMNS) this.stmts.insertEvent.run(...(values.slice(i, i + COLUMNS) as InsertRow));
      for (const [groupId, a] of added) {
        this.stmts.addTotals.run(a.bytes, a.events, groupId);
        this.trim(groupId);
      }
    })();
  }

  private groupId(name: string): number {
    let id = this.groupIds.get(name);
    if (id === undefined) {
      id = this.stmts.groupId.get(name)?.id ?? Number(this.stmts.insertGroup.run(name).lastInsertRowid);
      this.groupIds.set(name, id);
    }
    return id;
  }

  /** Deletes a group's oldest events while it is over a retention bound. */
  private trim(groupId: number): void {
    const { maxBytesPerGroup: maxBytes, maxEventsPerGroup: maxEvents } = this.retention;
    const totals = this.stmts.totals.get(groupId)!;
    const overBytes = maxBytes !== undefined && totals.bytes > maxBytes;
    const overEvents = maxEvents !== undefined && totals.events > maxEvents;
    if (!overBytes && !overEvents) return;
    const bytesToFree = overBytes ? totals.bytes - Math.floor(maxBytes * TRIM_TO) : 0;
    const eventsToFree = overEvents ? totals.events - Math.floor(maxEvents * TRIM_TO) : 0;
    let freedBytes = 0;
    let freedEvents = 0;
    let cutoff = 0;
    while (freedBytes < bytesToFree || freedEvents < eventsToFree) {
      const rows = this.stmts.oldest.all(groupId, cutoff, 500);
      if (rows.length === 0) break;
      for (const r of rows) {
        if (freedBytes >= bytesToFree && freedEvents >= eventsToFree) break;
        freedBytes += r.bytes;
        freedEvents += 1;
        cutoff = r.id;
      }
    }
    this.stmts.deleteUpTo.run(groupId, cutoff);
    this.stmts.addTotals.run(-freedBytes, -freedEvents, groupId);
  }
}

/** The statements every flush and read uses, prepared once. */
function prepareStatements(db: Database.Database) {
  return {
    groupId: db.prepare<[string], { id: number }>('SELECT id FROM log_groups WHERE name = ?'),
    insertGroup: db.prepare<[string]>('INSERT INTO log_groups (name) VALUES (?)'),
    insertEvent: db.prepare<InsertRow>(`${INSERT_EVENTS} ${ROW}`),
    insertEvents: db.prepare<[(string | number)[]]>(`${INSERT_EVENTS} ${Array.from({ length: ROWS_PER_INSERT }, () => ROW).join(', ')}`),
    addTotals: db.prepare<[number, number, number]>('UPDATE log_groups SET bytes = bytes + ?, events = events + ? WHERE id = ?'),
    totals: db.prepare<[number], { bytes: number; events: number }>('SELECT bytes, events FROM log_groups WHERE id = ?'),
    oldest: db.prepare<[number, number, number], { id: number; bytes: number }>(
      'SELECT id, bytes FROM log_events WHERE group_id = ? AND id > ? ORDER BY id LIMIT ?',
    ),
    deleteUpTo: db.prepare<[number, number]>('DELETE FROM log_events WHERE group_id = ? AND id <= ?'),
    maxId: db.prepare<[], { id: number | null }>('SELECT max(id) AS id FROM log_events'),
  };
}

function parseCursor(cursor: string | undefined): number {
  if (cursor === undefined || cursor === '') return 0;
  const n = Number(cursor);
  if (!/^\d+$/.test(cursor) || !Number.isSafeInteger(n)) throw new InvalidParameterValueException(`Invalid log cursor '${cursor}'.`);
  return n;
}
