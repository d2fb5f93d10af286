/**
 * How both event-queue stores keep an event's attributes that no query filters on: one JSON
 * column (`meta`), absent optionals left out, so the two stores read and write the same shape.
 */
import type { StoredEvent } from './event-queue.js';

type EventMeta = Pick<StoredEvent, 'traceHeader' | 'enqueuedAt' | 'attempts' | 'notBefore' | 'depth' | 'lastError'>;

/** The `meta` column of `event`, as JSON text (JSON leaves the absent optionals out). */
export function eventMetaJson(e: StoredEvent): string {
  const meta: { [K in keyof EventMeta]-?: EventMeta[K] | undefined } = {
    traceHeader: e.traceHeader,
    enqueuedAt: e.enqueuedAt,
    attempts: e.attempts,
    notBefore: e.notBefore,
    depth: e.depth,
    lastError: e.lastError,
  };
  return JSON.stringify(meta);
}

/** An event from its queried columns (qualifier '' for none) and its `meta` JSON. */
export function eventFromColumns(columns: { seq: number; requestId: string; functionName: string; qualifier: string; payload: Buffer }, metaJson: string): StoredEvent {
  return {
    seq: columns.seq,
    requestId: columns.requestId,
    functionName: columns.functionName,
    ...(columns.qualifier === '' ? {} : { qualifier: columns.qualifier }),
    payload: columns.payload,
    ...(JSON.parse(metaJson) as EventMeta),
  };
}
