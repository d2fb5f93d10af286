/**
 * CORS for function URLs with a `Cors` configuration
 * (https://docs.aws.amazon.com/lambda/latest/dg/urls-configuration.html#urls-cors):
 * Gust answers a browser's preflight itself, without invoking the function, and adds the
 * configured headers to the function's answers; configured headers take precedence over
 * the function's own. A request whose Origin is not allowed gets no CORS headers at all,
 * which is how a browser learns it may not read the answer. URLs without a `Cors`
 * configuration leave CORS to the function: their OPTIONS requests reach it.
 */
import type { UrlCors } from '../../core/model/urls.js';
import type { UrlResponse } from './url-response.js';

/** Whether `origin` is one of the configured origins (or they include `*`). */
function allowedOrigin(cors: UrlCors, origin: string | undefined): boolean {
  if (origin === undefined) return false;
  const lower = origin.toLowerCase();
  return (cors.allowOrigins ?? []).some((o) => o === '*' || o.toLowerCase() === lower);
}

/** A preflight: OPTIONS with an Origin and the method the browser wants to use. */
export function isPreflight(method: string, headers: Map<string, string>): boolean {
  return method === 'OPTIONS' && headers.has('origin') && headers.has('access-control-request-method');
}

/**
 * The answer to a preflight. The allowed origin is echoed rather than sent as `*`, which
 * also keeps it valid for credentialed requests.
 */
export function preflightResponse(cors: UrlCors, headers: Map<string, string>): UrlResponse {
  const origin = headers.get('origin');
  const out: [string, string][] = [];
  if (allowedOrigin(cors, origin)) {
    out.push(['access-control-allow-origin', origin!]);
    if (cors.allowMethods?.length) out.push(['access-control-allow-methods', cors.allowMethods.join(',')]);
    if (cors.allowHeaders?.length) out.push(['access-control-allow-headers', cors.allowHeaders.join(',')]);
    if (cors.maxAge !== undefined) out.push(['access-control-max-age', String(cors.maxAge)]);
    if (cors.allowCredentials === true) out.push(['access-control-allow-credentials', 'true']);
    out.push(['vary', 'Origin']);
  }
  return { status: 200, headers: out, body: Buffer.alloc(0) };
}

/** Adds the configured CORS headers to an actual answer, replacing the function's own. */
export function withCorsHeaders(response: UrlResponse, cors: UrlCors, origin: string | undefined): UrlResponse {
  if (!allowedOrigin(cors, origin)) return response;
  const added: [string, string][] = [['access-control-allow-origin', origin!]];
  if (cors.exposeHeaders?.length) added.push(['access-control-expose-headers', cors.exposeHeaders.join(',')]);
  if (cors.allowCredentials === true) added.push(['access-control-allow-credentials', 'true']);
  const replaced = new Set(added.map(([name]) => name));
  const kept = response.headers.filter(([name]) => !replaced.has(name.toLowerCase()) && name.toLowerCase() !== 'vary');
  const vary = response.headers.filter(([name]) => name.toLowerCase() === 'vary').map(([, v]) => v);
  return { ...response, headers: [...kept, ...added, ['vary', [...vary, 'Origin'].join(', ')]] };
}
