/**
 * The route table of the Runtime API, the Extensions API and the Logs/Telemetry stubs, and
 * the dispatcher that runs a handler and renders what it throws. An unknown path is a 404
 * and a known path with another method a 405, as RIE's router (chi) answers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { handleExtensionError, handleExtensionEventNext, handleExtensionRegister } from './extensions-api.js';
import { handleInitError } from './init-error.js';
import { handleInvocationError } from './invocation-error.js';
import { handleInvocationNext } from './invocation-next.js';
import { handleInvocationResponse } from './invocation-response.js';
import type { RouteContext, RouteHandler } from './route-context.js';
import { InvalidRequestIdError, renderRuntimeApiError } from './runtime-api-errors.js';
import { handleLogsSubscribe, handlePing, handleTelemetrySubscribe } from './telemetry-api.js';

interface Route {
  method: string;
  pattern: RegExp;
  params: string[];
  handler: RouteHandler;
}

/** `{name}` in a template matches one path segment. */
function route(method: string, template: string, handler: RouteHandler): Route {
  const params: string[] = [];
  const source = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_m, name: string) => {
    params.push(name);
    return '([^/]+)';
  });
  return { method, pattern: new RegExp(`^${source}$`), params, handler };
}

const RUNTIME = '/2018-06-01';
const EXTENSION = '/2020-01-01/extension';

export const ROUTES: readonly Route[] = [
  route('GET', `${RUNTIME}/runtime/invocation/next`, handleInvocationNext),
  route('POST', `${RUNTIME}/runtime/invocation/{requestId}/response`, handleInvocationResponse),
  route('POST', `${RUNTIME}/runtime/invocation/{requestId}/error`, handleInvocationError),
  route('POST', `${RUNTIME}/runtime/init/error`, handleInitError),
  route('GET', `${RUNTIME}/ping`, handlePing),
  route('POST', `${EXTENSION}/register`, handleExtensionRegister),
  route('GET', `${EXTENSION}/event/next`, handleExtensionEventNext),
  route('POST', `${EXTENSION}/init/error`, handleExtensionError),
  route('POST', `${EXTENSION}/exit/error`, handleExtensionError),
  route('PUT', '/2020-08-15/logs', handleLogsSubscribe),
  route('PUT', '/2022-07-01/telemetry', handleTelemetrySubscribe),
];

/** Finds the route for `req` and runs it; whatever it throws is rendered. */
export function dispatch(ctx: RouteContext, req: IncomingMessage, res: ServerResponse): void {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  let pathMatched = false;
  for (const r of ROUTES) {
    const m = r.pattern.exec(path);
    if (!m) continue;
    pathMatched = true;
    if (r.method !== req.method) continue;
    try {
      r.handler(ctx, req, res, decodeParams(r.params, m));
    } catch (err) {
      renderRuntimeApiError(res, err);
    }
    return;
  }
  const status = pathMatched ? 405 : 404;
  const text = pathMatched ? '' : '404 page not found\n';
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function decodeParams(names: string[], m: RegExpExecArray): Record<string, string> {
  const params: Record<string, string> = {};
  names.forEach((name, i) => {
    try {
      // Clients encodeURIComponent the request id.
      params[name] = decodeURIComponent(m[i + 1]!);
    } catch {
      throw new InvalidRequestIdError();
    }
  });
  return params;
}
