/**
 * Trace headers in the two forms Gust reads and writes: X-Ray's
 * (`Root=1-<8 hex>-<24 hex>;Parent=<16 hex>;Sampled=<0|1>`, what Lambda hands a function and
 * what SQS keeps in `AWSTraceHeader`) and W3C Trace Context's `traceparent`
 * (`00-<32 hex>-<16 hex>-<2 hex>`, what OpenTelemetry speaks). Both name the same three
 * things; a W3C trace id is the X-Ray root without its `1-` and dashes.
 */

/** A trace, the span that leads into it and its sampling decision, if the header carried one. */
export interface TraceParent {
  /** 32 lower-case hex digits. */
  traceId: string;
  /** 16 lower-case hex digits; absent when an X-Ray header names only its root. */
  spanId?: string;
  /** The caller's decision; absent when it left it to us (X-Ray's `Sampled=?` or none). */
  sampled?: boolean;
}

const XRAY_ROOT = /(?:^|;)\s*Root=1-([0-9a-fA-F]{8})-([0-9a-fA-F]{24})\s*(?:;|$)/;
const XRAY_PARENT = /(?:^|;)\s*Parent=([0-9a-fA-F]{16})\s*(?:;|$)/;
const XRAY_SAMPLED = /(?:^|;)\s*Sampled=([01])\s*(?:;|$)/;
const TRACEPARENT = /^\s*([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(?:-.*)?\s*$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

/** Reads an X-Ray header or a `traceparent`; undefined when it is neither (or names the invalid all-zero ids). */
export function parseTraceHeader(header: string): TraceParent | undefined {
  const w3c = TRACEPARENT.exec(header);
  if (w3c) {
    const [, version, traceId, spanId, flags] = w3c as unknown as [string, string, string, string, string];
    if (version === 'ff' || traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
    return { traceId, spanId, sampled: (parseInt(flags, 16) & 1) === 1 };
  }
  const root = XRAY_ROOT.exec(header);
  if (!root) return undefined;
  const traceId = (root[1]! + root[2]!).toLowerCase();
  if (traceId === ZERO_TRACE) return undefined;
  const parent = XRAY_PARENT.exec(header)?.[1]?.toLowerCase();
  const sampled = XRAY_SAMPLED.exec(header)?.[1];
  return {
    traceId,
    ...(parent === undefined || parent === ZERO_SPAN ? {} : { spanId: parent }),
    ...(sampled === undefined ? {} : { sampled: sampled === '1' }),
  };
}

/** The X-Ray header of a span: what a function gets as `_X_AMZN_TRACE_ID`. */
export function xrayHeader(traceId: string, spanId: string, sampled: boolean): string {
  return `Root=1-${traceId.slice(0, 8)}-${traceId.slice(8)};Parent=${spanId};Sampled=${sampled ? 1 : 0}`;
}

/** An X-Ray header without its Parent: a trace (and its decision) whose runs are roots of their own. */
export function traceRoot(xray: string): string {
  return xray.replace(/;?\s*Parent=[0-9a-fA-F]{16}/, '');
}

/**
 * A caller's header (X-Ray or `traceparent`) in X-Ray's form, for where only that form
 * goes (SQS's `AWSTraceHeader`); undefined when it names no trace.
 */
export function asXrayHeader(header: string): string | undefined {
  const parent = parseTraceHeader(header);
  if (!parent) return undefined;
  const root = `Root=1-${parent.traceId.slice(0, 8)}-${parent.traceId.slice(8)}`;
  const sampled = parent.sampled === undefined ? '' : `;Sampled=${parent.sampled ? 1 : 0}`;
  return parent.spanId === undefined ? root + sampled : xrayHeader(parent.traceId, parent.spanId, parent.sampled ?? false);
}
