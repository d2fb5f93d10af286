/** Identifiers in the shapes AWS uses. */
import { randomBytes, randomUUID } from 'node:crypto';

/** A request id as Lambda formats it (a v4 UUID). */
export function newRequestId(): string {
  return randomUUID();
}

/** A RevisionId: AWS uses UUIDs; it changes on every mutation. */
export function newRevisionId(): string {
  return randomUUID();
}

/** 32 lower-case hex characters, as in log stream names and URL ids. */
export function randomHex(bytes = 16): string {
  return randomBytes(bytes).toString('hex');
}

/**
 * A trace header in X-Ray's format, as Lambda sets one on every invocation:
 * `Root=1-<epoch seconds, 8 hex>-<24 hex>;Parent=<16 hex>;Sampled=0`. Not sampled: Gust
 * records no traces, and a function's X-Ray SDK sends none for an unsampled trace.
 */
export function newTraceId(nowMs: number): string {
  const seconds = Math.floor(nowMs / 1000).toString(16).padStart(8, '0');
  return `Root=1-${seconds}-${randomHex(12)};Parent=${randomHex(8)};Sampled=0`;
}
