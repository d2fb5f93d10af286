/**
 * Shared pieces of the async suites: the fixture handlers (Node.js, writing what they see
 * to a file whose path is in their environment), reading those files back, raw HTTP Event
 * invokes, and the async routes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { request as httpRequest, Agent } from 'node:http';
import { waitFor } from '../helpers/wait.js';

export const ARN = 'arn:aws:lambda:us-east-1:000000000000:function';

/**
 * A probe: appends one JSON line per invocation to $OUT ({id, start, end, event}); the event
 * steers it: `sleep` ms; `failTimes`: throw until this request id has been seen that many
 * times; `fail`: always throw.
 */
export const PROBE = `
const fs = require('fs');
exports.handler = async (event, context) => {
  const start = Date.now();
  const out = process.env.OUT;
  let seen = 0;
  if (event.failTimes && fs.existsSync(out)) {
    seen = fs.readFileSync(out, 'utf8').split('\\n').filter((l) => l.includes(context.awsRequestId)).length;
  }
  if (event.sleep) await new Promise((r) => setTimeout(r, event.sleep));
  fs.appendFileSync(out, JSON.stringify({ id: context.awsRequestId, start, end: Date.now(), event, clientContext: context.clientContext }) + '\\n');
  if (event.fail || (event.failTimes && seen < event.failTimes)) throw new Error('planned failure ' + (seen + 1));
  return { ok: true, seen: seen + 1 };
};
`;

/** A recorder: appends every event it gets (an invocation record, a dead letter) to $OUT. */
export const RECORDER = `
const fs = require('fs');
exports.handler = async (event) => {
  fs.appendFileSync(process.env.OUT, JSON.stringify(event) + '\\n');
  return null;
};
`;

/** The JSON lines of a file (none when it does not exist yet). */
export function lines<T = Record<string, unknown>>(path: string): T[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}

/** Waits until the file has at least `n` lines, and returns them. */
export function waitForLines<T = Record<string, unknown>>(path: string, n: number, timeoutMs = 15_000): Promise<T[]> {
  return waitFor(`${n} lines in ${path}`, () => {
    const all = lines<T>(path);
    return all.length >= n ? all : undefined;
  }, timeoutMs);
}

export interface EventAnswer {
  status: number;
  requestId: string;
  body: string;
  /** When the request was sent (ms since the epoch). */
  sentAt: number;
  /** When the answer's headers arrived (ms since the epoch). */
  at: number;
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

/** A raw `X-Amz-Invocation-Type: Event` invoke. */
export function postEvent(baseUrl: string, fn: string, payload: Buffer | string, qualifier?: string): Promise<EventAnswer> {
  const url = new URL(`${baseUrl}/2015-03-31/functions/${encodeURIComponent(fn)}/invocations${qualifier ? `?Qualifier=${encodeURIComponent(qualifier)}` : ''}`);
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const sentAt = Date.now();
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', agent, headers: { 'x-amz-invocation-type': 'Event', 'content-length': body.length } }, (res) => {
      const at = Date.now();
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, requestId: String(res.headers['x-amzn-requestid'] ?? ''), body: Buffer.concat(chunks).toString('utf8'), sentAt, at }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** `GET /gust/events/<fn>` */
export async function asyncReport(baseUrl: string, fn: string): Promise<AsyncReportBody> {
  const res = await fetch(`${baseUrl}/gust/events/${encodeURIComponent(fn)}`);
  if (!res.ok) throw new Error(`GET /gust/events/${fn}: ${res.status} ${await res.text()}`);
  return (await res.json()) as AsyncReportBody;
}

export interface AsyncReportBody {
  functionName: string;
  queued: number;
  inFlight: number;
  retrying: number;
  finishing: number;
  oldestEventAgeMs: number;
  counters: Record<string, number>;
  events: { requestId: string; state: string; attempts: number }[];
  failed: { requestId: string; condition: string; attempts: number; sentTo: string[]; error?: string }[];
}

/** Waits until a function's part of the queue is empty, every outcome committed. */
export function drained(baseUrl: string, fn: string, timeoutMs = 30_000): Promise<AsyncReportBody> {
  return waitFor(`the async queue of ${fn} to drain`, async () => {
    const r = await asyncReport(baseUrl, fn);
    return r.queued + r.inFlight + r.retrying + r.finishing === 0 ? r : undefined;
  }, timeoutMs, 50);
}
