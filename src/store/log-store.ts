/**
 * The LogStore keeps function logs as CloudWatch Logs arranges them: log groups
 * (`/aws/lambda/<name>`) holding log streams (one per execution environment) holding
 * events. It is written on the invoke path and read by `gust logs`, so:
 * - `append` is synchronous and cheap: implementations buffer and write in batches off the
 *   hot path, never one fsync per line;
 * - retention is bounded per group in bytes and/or events; the oldest events go first;
 * - reads page forward with an opaque cursor, which is what `--follow` polls with.
 * Every implementation must pass `runLogStoreContract` in log-store.contract.ts.
 */
import type { LogEvent } from '../core/model/logs.js';

/** A stored event, with the time the store took it in. */
export interface StoredLogEvent extends LogEvent {
  ingestionTime: number;
}

export interface LogQuery {
  logGroup: string;
  /** Only this stream. */
  logStream?: string;
  /** Only events with `timestamp >= since` (ms since the epoch). */
  since?: number;
  /** Only events with `timestamp < until`. */
  until?: number;
  /** Page size; default 1000, at most 10000. */
  limit?: number;
  /** Only events stored after the page that returned this cursor. */
  after?: string;
}

export interface LogPage {
  /** Matching events in the order they were stored (oldest first). */
  events: StoredLogEvent[];
  /**
   * Pass as `after` to continue: the next page if this one was full, otherwise only events
   * stored from now on (poll with it to follow a group). Opaque.
   */
  cursor: string;
}

export interface LogStreamInfo {
  logStream: string;
  firstEventTimestamp: number;
  lastEventTimestamp: number;
  events: number;
  storedBytes: number;
}

export interface LogGroupInfo {
  logGroup: string;
  events: number;
  /** As CloudWatch counts it: UTF-8 bytes of each message plus 26 per event. */
  storedBytes: number;
}

/** Per-group bounds; when a group passes one, its oldest events are deleted. */
export interface LogRetention {
  maxBytesPerGroup?: number;
  maxEventsPerGroup?: number;
}

export interface LogStore {
  /** Accepts events for storage; returns at once. They are visible to `query` after it. */
  append(events: readonly LogEvent[]): void;
  /** One page of a group's events. */
  query(query: LogQuery): Promise<LogPage>;
  /** Streams of a group that still hold events, most recent last event first. */
  listStreams(logGroup: string): Promise<LogStreamInfo[]>;
  /** Groups that hold events, ordered by name. */
  listGroups(): Promise<LogGroupInfo[]>;
  /** Deletes a group and all its events (DeleteFunction does not, as on AWS; this is for `gust logs --delete` and tests). */
  deleteGroup(logGroup: string): Promise<void>;
  /** Writes whatever is buffered. */
  flush(): Promise<void>;
  /** Flushes and releases the store. */
  close(): Promise<void>;
}

/** CloudWatch's accounting of an event's size: its UTF-8 bytes plus 26. */
export function logEventSize(message: string): number {
  return Buffer.byteLength(message, 'utf8') + 26;
}
