/**
 * How a request reaches a function URL on the shared Fastify server, and what the handler
 * reads from it. Two forms name a URL:
 *
 *   host form  http://<url-id>.lambda-url.<region>.localhost:<port>/<path>   (AWS's shape)
 *   path form  http://127.0.0.1:<port>/lambda-url/<url-id>/<path>           (for clients
 *              that cannot choose a host name)
 *
 * The host form is rewritten to the path form before routing (the edge's `rewriteUrl`), so
 * that no Lambda API route can claim a function URL's path and one route serves both.
 * `request.originalUrl` keeps what the client sent, which SigV4 signatures cover.
 */
import type { IncomingMessage } from 'node:http';
import type { FastifyRequest } from 'fastify';
import { rawBody } from '../body.js';

/** The path prefix of the path form; the route is `/lambda-url/:urlId/*`. */
export const PATH_PREFIX = '/lambda-url';

/** What the handler needs of one request, independent of Fastify. */
export interface UrlRequest {
  urlId: string;
  method: string;
  /** The path the function sees (`/` and below), as sent, still percent-encoded. */
  rawPath: string;
  /** The query string as sent, without `?`. */
  rawQueryString: string;
  /** Node's raw header list: name, value, name, value, … with repeats kept. */
  rawHeaders: string[];
  body: Buffer;
  sourceIp: string;
  /** The URL's host name without port (`<url-id>.lambda-url.<region>.localhost`). */
  domainName: string;
  /** The path as the client sent it (the prefix included in the path form): what a signature covers. */
  signedPath: string;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Matches `<url-id>.lambda-url.<region>.<anything>[:port]`, case-insensitively (host names are). */
export function hostMatcher(region: string): (host: string | undefined) => string | undefined {
  const re = new RegExp(`^([a-z0-9]{32})\\.lambda-url\\.${escapeRe(region)}\\.[^:]+(?::\\d+)?$`, 'i');
  return (host) => {
    const m = host === undefined ? null : re.exec(host);
    return m ? m[1]!.toLowerCase() : undefined;
  };
}

/** Host-form requests become `/lambda-url/<url-id><path>`; undefined for any other host. */
export function functionUrlRewriter(region: string): (req: IncomingMessage) => string | undefined {
  const match = hostMatcher(region);
  return (req) => {
    const url = req.url ?? '/';
    const urlId = match(req.headers.host);
    if (urlId === undefined) return undefined;
    return `${PATH_PREFIX}/${urlId}${url.startsWith('/') ? url : `/${url}`}`;
  };
}

function splitUrl(url: string): { path: string; query: string } {
  const q = url.indexOf('?');
  return q < 0 ? { path: url, query: '' } : { path: url.slice(0, q), query: url.slice(q + 1) };
}

/**
 * Reads a routed function URL request (either form); `matchHost` is `hostMatcher(region)`,
 * built once by the caller.
 */
export function readUrlRequest(request: FastifyRequest, region: string, matchHost: (host: string | undefined) => string | undefined): UrlRequest {
  const urlId = (request.params as { urlId: string }).urlId.toLowerCase();
  const sent = splitUrl(request.originalUrl);
  const hostForm = matchHost(request.headers.host) !== undefined;
  // In the path form the function sees what follows /lambda-url/<url-id>.
  const rawPath = hostForm ? sent.path : sent.path.slice(PATH_PREFIX.length + 1 + urlId.length) || '/';
  const ip = request.socket.remoteAddress ?? '';
  return {
    urlId,
    method: request.method,
    rawPath: rawPath.startsWith('/') ? rawPath : `/${rawPath}`,
    rawQueryString: sent.query,
    rawHeaders: request.raw.rawHeaders,
    body: rawBody(request),
    sourceIp: ip.startsWith('::ffff:') ? ip.slice(7) : ip,
    domainName: `${urlId}.lambda-url.${region}.localhost`,
    signedPath: sent.path,
  };
}
