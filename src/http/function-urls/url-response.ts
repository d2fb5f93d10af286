/**
 * Turning what a function returned into the HTTP answer, as function URLs do
 * (https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html#urls-payloads, with
 * the details LocalStack recorded against AWS):
 * - an object with `statusCode`: that status, its `headers`, each of its `cookies` as a
 *   Set-Cookie header, its `body` (base64-decoded when `isBase64Encoded`); content type
 *   `application/json` unless the function sets one;
 * - anything else that is JSON: 200, `application/json`, the value re-serialised
 *   compactly, except a string, which is sent as its bare text;
 * - a function error (a thrown error, a timeout, a response over the limit) or a payload
 *   that is not JSON: 502 with the text `Internal Server Error`.
 * The non-2xx answers Gust itself gives (403, 413, 429) are AWS's `{"Message": …}` bodies.
 */
import { LIMITS } from '../../core/limits.js';
import type { InvokeResult } from '../../invoke/invoke-types.js';

/** An HTTP answer; `headers` may repeat a name (Set-Cookie). */
export interface UrlResponse {
  status: number;
  headers: [string, string][];
  body: Buffer;
}

const JSON_TYPE = 'application/json';
/** Framing headers are the server's to set; a function's values would corrupt the answer. */
const FRAMING_HEADERS = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive']);

/** A plain-text 502 for a failed invocation: AWS answers exactly `Internal Server Error`. */
export function badGateway(): UrlResponse {
  return { status: 502, headers: [['content-type', JSON_TYPE]], body: Buffer.from('Internal Server Error') };
}

/** One of AWS's JSON error answers, with its `x-amzn-ErrorType`. */
export function errorResponse(status: number, errorType: string, message: string | null): UrlResponse {
  return {
    status,
    headers: [
      ['content-type', JSON_TYPE],
      ['x-amzn-ErrorType', errorType],
    ],
    body: Buffer.from(JSON.stringify({ Message: message })),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function headerValue(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** Reads a `statusCode` that is an integer, or a string of one, in the HTTP range. */
function statusOf(value: unknown): number | undefined {
  const n = typeof value === 'string' && /^\d{3}$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) && n >= 100 && n <= 599 ? n : undefined;
}

function fromStructured(value: Record<string, unknown>): UrlResponse {
  const status = statusOf(value.statusCode);
  if (status === undefined) return badGateway();
  const headers: [string, string][] = [];
  if (isObject(value.headers)) {
    for (const [name, raw] of Object.entries(value.headers)) {
      const v = headerValue(raw);
      if (v !== undefined && !FRAMING_HEADERS.has(name.toLowerCase())) headers.push([name, v]);
    }
  }
  if (!headers.some(([name]) => name.toLowerCase() === 'content-type')) headers.push(['content-type', JSON_TYPE]);
  if (Array.isArray(value.cookies)) {
    for (const cookie of value.cookies) if (typeof cookie === 'string') headers.push(['set-cookie', cookie]);
  }
  const body = value.body;
  let bytes: Buffer;
  if (body === undefined || body === null) bytes = Buffer.alloc(0);
  else if (typeof body === 'string') bytes = value.isBase64Encoded === true ? Buffer.from(body, 'base64') : Buffer.from(body);
  else bytes = Buffer.from(JSON.stringify(body));
  return { status, headers, body: bytes };
}

/** Maps a RequestResponse invocation's result to the URL's answer. */
export function toUrlResponse(result: Pick<InvokeResult, 'payload' | 'functionError'>): UrlResponse {
  if (result.functionError !== undefined || result.payload.length > LIMITS.syncPayloadBytes) return badGateway();
  // A runtime may post an empty response (a handler that returned nothing): an empty 200.
  if (result.payload.length === 0) return { status: 200, headers: [['content-type', JSON_TYPE]], body: Buffer.alloc(0) };
  let value: unknown;
  try {
    value = JSON.parse(result.payload.toString('utf8'));
  } catch {
    return badGateway();
  }
  if (isObject(value) && Object.prototype.hasOwnProperty.call(value, 'statusCode')) return fromStructured(value);
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return { status: 200, headers: [['content-type', JSON_TYPE]], body: Buffer.from(text) };
}
