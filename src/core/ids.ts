/** Identifiers in the shapes AWS uses. */
import { randomBytes, randomUUID } from 'node:crypto';
import { parseTraceHeader, xrayHeader } from './trace-context.js';

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
  return `Root=1-${seconds}-${uuidHex().slice(0, 24)};Parent=${uuidHex().slice(0, 16)};Sampled=0`;
}

/**
 * The trace header of an invocation whose caller sent one (`X-Amzn-Trace-Id` or
 * `traceparent`) while Gust records no traces: the function joins the caller's trace, as
 * Lambda passes an incoming header through. A header that names no trace starts a new one.
 */
export function continuedTraceId(header: string, nowMs: number): string {
  const parent = parseTraceHeader(header);
  if (!parent) return newTraceId(nowMs);
  return xrayHeader(parent.traceId, parent.spanId ?? newSpanId(), parent.sampled ?? false);
}

/** A new trace id, 32 hex digits, dated as X-Ray's are: its first 8 are the epoch seconds. */
export function newTraceIdHex(nowMs: number): string {
  return Math.floor(nowMs / 1000).toString(16).padStart(8, '0') + uuidHex().slice(0, 24);
}

/** 16 hex digits: a span id (an X-Ray `Parent`). */
export function newSpanId(): string {
  return uuidHex().slice(0, 16);
}

/**
 * The 30 random hex digits of a v4 UUID (its version and variant digits left out), for the
 * invoke path: `randomUUID` draws from a pool Node refills in bulk, where `randomBytes`
 * asks the system on each call, which was 3% of a warm invoke's CPU for its trace id.
 */
function uuidHex(): string {
  const u = randomUUID();
  return u.slice(0, 8) + u.slice(9, 13) + u.slice(15, 18) + u.slice(20, 23) + u.slice(24);
}
