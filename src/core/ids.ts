/** Identifiers in the shapes AWS uses. */
import { randomBytes, randomFillSync, randomUUID } from 'node:crypto';
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
  return `Root=1-${seconds}-${pooledHex(12)};Parent=${pooledHex(8)};Sampled=0`;
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
  return Math.floor(nowMs / 1000).toString(16).padStart(8, '0') + pooledHex(12);
}

/** 16 hex digits: a span id (an X-Ray `Parent`). */
export function newSpanId(): string {
  return pooledHex(8);
}

/** Random bytes drawn in bulk for trace and span ids, which are not secrets. */
const POOL = Buffer.alloc(4096);
let pooled = POOL.length;

/**
 * `bytes` random bytes as hex, for the invoke path: taken from a pool refilled in bulk, as
 * Node's randomUUID does, where `randomBytes` asks the system on each call (3% of a warm
 * invoke's CPU for its trace id), and cut from one string, not spliced from UUIDs.
 */
function pooledHex(bytes: number): string {
  if (pooled + bytes > POOL.length) {
    randomFillSync(POOL);
    pooled = 0;
  }
  const hex = POOL.toString('hex', pooled, pooled + bytes);
  pooled += bytes;
  return hex;
}
