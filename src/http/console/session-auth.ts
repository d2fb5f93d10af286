/**
 * Where the console's session cookie stands in for a signature (docs/console.md,
 * "Security"). The console calls the same routes as the SDK and the CLI, so it acts in the
 * caller's account exactly as they do and needs no proxy of its own; the edge takes the
 * cookie only:
 * - with the `X-Gust-Console` header, which a page of another origin cannot send without
 *   a CORS preflight that Gust never grants, and which no HTML form can send: with the
 *   SameSite=Strict cookie, the CSRF defence;
 * - without any signature (a signed request is verified as signed);
 * - on the routes the console reads, and the one it writes: Invoke, for its test panel.
 */
import type { Caller } from '../../auth/caller.js';
import type { RequestToVerify } from '../../auth/verifier.js';

export const SESSION_COOKIE = 'gust_console';
export const CONSOLE_HEADER = 'x-gust-console';

export interface SessionLookup {
  callerOf(token: string): Promise<Caller | undefined>;
}

/** The read-only EventBridge operations the function page asks (rules targeting a function). */
const EVENTBRIDGE_READS = new Set(['AWSEvents.ListRules', 'AWSEvents.DescribeRule', 'AWSEvents.ListTargetsByRule']);
const DATED_API = /^\/20\d\d-\d\d-\d\d\//;
const INVOKE = /^\/2015-03-31\/functions\/[^/]+\/invocations$/;

/** Whether the console may make this request with its cookie. */
export function consoleMayCall(method: string, path: string, target: string | undefined): boolean {
  if (method === 'GET') return path.startsWith('/gust/') || DATED_API.test(path);
  if (method !== 'POST') return false;
  if (INVOKE.test(path)) return true;
  return path === '/' && target !== undefined && EVENTBRIDGE_READS.has(target);
}

/** A cookie's value from a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * The caller of a request made by a signed-in console, or undefined when the request is not
 * one (the edge then verifies it as any other, which refuses it when auth is on). Undefined
 * at once, with no promise, for every other request: this runs before each request's verify.
 */
export function consoleCaller(sessions: SessionLookup, request: RequestToVerify): Promise<Caller | undefined> | undefined {
  if (request.header(CONSOLE_HEADER) !== '1') return undefined;
  if (request.header('authorization') !== undefined || /(?:^|&)X-Amz-Signature=/i.test(request.rawQuery)) return undefined;
  if (!consoleMayCall(request.method, request.path, request.header('x-amz-target'))) return undefined;
  const token = cookieValue(request.header('cookie'), SESSION_COOKIE);
  return token === undefined ? undefined : sessions.callerOf(token);
}
