/**
 * How both event-queue stores keep an event's attributes that no query filters on: one JSON
 * column (`meta`), absent optionals left out, so the two stores read and write the same shape.
 */
import type { StoredEvent } from './event-queue.js';

type EventMeta = Pick<StoredEvent, 'clientContext' | 'traceHeader' | 'enqueuedAt' | 'attempts' | 'notBefore' | 'depth' | 'lastError'>;

/** The `meta` column of `event`, as JSON text. */
export function eventMetaJson(e: StoredEvent): string {
  const meta: EventMeta = {
    ...(e.clientContext === undefined ? {} : { clientContext: e.clientContext }),
    ...(e.traceHeader === undefined ? {} : { traceHeader: e.traceHeader }),
    enqueuedAt: e.enqueuedAt,
    attempts: e.attempts,
    notBefore: e.notBefore,
    depth: e.depth,
    ...(e.lastError === undefined ? {} : { lastError: e.lastError }),
  };
  return JSON.stringify(meta);
}

/** An event from its queried columns (qualifier '' for none) and its `meta` JSON. */
export function eventFromColumns(columns: { seq: number; requestId: string; functionName: string; qualifier: string; payload: Buffer }, metaJson: string): StoredEvent {
  const meta = JSON.parse(metaJson) as EventMeta;
  return {
    seq: columns.seq,
    requestId: columns.requestId,
    functionName: columns.functionName,
    ...(columns.qualifier === '' ? {} : { qualifier: columns.qualifier }),
    payload: columns.payload,
    ...(meta.clientContext === undefined ? {} : { clientContext: meta.clientContext }),
    ...(meta.traceHeader === undefined ? {} : { traceHeader: meta.traceHeader }),
    enqueuedAt: meta.enqueuedAt,
    attempts: meta.attempts,
    notBefore: meta.notBefore,
    depth: meta.depth,
    ...(meta.lastError === undefined ? {} : { lastError: meta.lastError }),
  };
}
