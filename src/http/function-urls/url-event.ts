/**
 * The event a function URL hands its function: API Gateway payload format 2.0, as
 * https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html#urls-payloads shows
 * it. Headers are lower-cased with repeated values joined by commas, the Cookie header
 * becomes `cookies` (split on "; "), repeated query keys are joined by commas, and a body
 * whose content type is not text is base64-encoded.
 */
import type { UrlRequest } from './url-request.js';

/** The caller an AWS_IAM URL verified, for `requestContext.authorizer.iam`. */
export interface IamCaller {
  accessKey: string;
  accountId: string;
  callerId: string;
  userArn: string;
  userId: string;
}

export interface EventContext {
  /** Gust's account; NONE URLs report "anonymous", as AWS does. */
  accountId: string;
  requestId: string;
  /** Milliseconds since the epoch. */
  now: number;
  /** The server's port, for `x-forwarded-port`. */
  port: number;
  caller?: IamCaller;
}

/** Hop-by-hop headers that AWS's front end consumes and does not forward. */
const DROPPED_HEADERS = new Set(['connection', 'keep-alive', 'cookie']);
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const two = (n: number) => String(n).padStart(2, '0');

/** `requestContext.time`: `26/Nov/2026:23:59:59 +0000`. */
export function formatRequestTime(ms: number): string {
  const d = new Date(ms);
  return `${two(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
}

/** Headers by lower-cased name, repeated values joined with commas, in first-seen order. */
export function joinHeaders(rawHeaders: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    const value = rawHeaders[i + 1]!;
    const seen = out.get(name);
    out.set(name, seen === undefined ? value : `${seen},${value}`);
  }
  return out;
}

function cookiesOf(rawHeaders: string[]): string[] {
  const cookies: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.toLowerCase() !== 'cookie') continue;
    for (const c of rawHeaders[i + 1]!.split('; ')) if (c !== '') cookies.push(c);
  }
  return cookies;
}

function queryParameters(raw: string): Record<string, string> | undefined {
  if (raw === '') return undefined;
  const out: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    out[key] = Object.prototype.hasOwnProperty.call(out, key) ? `${out[key]},${value}` : value;
  }
  return Object.keys(out).length === 0 ? undefined : out;
}

/**
 * Whether a body of this content type reaches the function as text. AWS passes text,
 * JSON, XML and JavaScript through and base64-encodes everything else (forms and
 * multipart included), and so does a body without a content type.
 */
export function isTextContentType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const media = contentType.split(';')[0]!.trim().toLowerCase();
  return media.startsWith('text/') || /(^|[/+])(json|xml|javascript)$/.test(media);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function encodeBody(body: Buffer, contentType: string | undefined): { body: string; isBase64Encoded: boolean } {
  if (isTextContentType(contentType)) {
    try {
      return { body: utf8.decode(body), isBase64Encoded: false };
    } catch {
      // Not valid UTF-8: the function gets the exact bytes instead.
    }
  }
  return { body: body.toString('base64'), isBase64Encoded: true };
}

/** A trace id in X-Ray's format, as AWS adds to every request. */
function traceId(now: number, requestId: string): string {
  return `Root=1-${Math.floor(now / 1000).toString(16).padStart(8, '0')}-${requestId.replace(/-/g, '').slice(0, 24)}`;
}

/** `authorizer.iam` in the documented member order; Gust has no Cognito or organizations. */
function iamAuthorizer(c: IamCaller): Record<string, unknown> {
  return { accessKey: c.accessKey, accountId: c.accountId, callerId: c.callerId, cognitoIdentity: null, principalOrgId: null, userArn: c.userArn, userId: c.userId };
}

/** Builds the payload format 2.0 event for one request. */
export function buildUrlEvent(req: UrlRequest, ctx: EventContext): Record<string, unknown> {
  const joined = joinHeaders(req.rawHeaders);
  const headers: Record<string, string> = {};
  for (const [name, value] of joined) if (!DROPPED_HEADERS.has(name)) headers[name] = value;
  const forwarded = joined.get('x-forwarded-for');
  headers['x-forwarded-for'] = forwarded === undefined ? req.sourceIp : `${forwarded}, ${req.sourceIp}`;
  headers['x-forwarded-proto'] = 'http';
  headers['x-forwarded-port'] = String(ctx.port);
  headers['x-amzn-trace-id'] ??= traceId(ctx.now, ctx.requestId);

  const cookies = cookiesOf(req.rawHeaders);
  const query = queryParameters(req.rawQueryString);
  const body = req.body.length === 0 ? undefined : encodeBody(req.body, joined.get('content-type'));
  const caller = ctx.caller;

  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: req.rawPath,
    rawQueryString: req.rawQueryString,
    ...(cookies.length === 0 ? {} : { cookies }),
    headers,
    ...(query === undefined ? {} : { queryStringParameters: query }),
    requestContext: {
      accountId: caller ? ctx.accountId : 'anonymous',
      apiId: req.urlId,
      ...(caller ? { authorizer: { iam: iamAuthorizer(caller) } } : {}),
      domainName: req.domainName,
      domainPrefix: req.urlId,
      http: {
        method: req.method,
        path: req.rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: req.sourceIp,
        userAgent: joined.get('user-agent') ?? '',
      },
      requestId: ctx.requestId,
      routeKey: '$default',
      stage: '$default',
      time: formatRequestTime(ctx.now),
      timeEpoch: ctx.now,
    },
    ...(body === undefined ? {} : { body: body.body }),
    isBase64Encoded: body?.isBase64Encoded ?? false,
  };
}
