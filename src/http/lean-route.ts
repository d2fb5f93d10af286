/**
 * Lean routes: the invoke hot path answered on Node's HTTP request before Fastify. A warm
 * invoke through Fastify's hooks, content-type parser, async body iterator and reply
 * pipeline cost about a quarter of Gust's CPU per invoke (measured: 1,100 → 850 µs per
 * sequential invoke on the bench's 2-core machine, with everything else the same), while
 * Invoke needs little of it: a path match, a body of known length, the signature check,
 * the answer's headers. A lean route claims only requests it can answer whole and in
 * full (its path, a Content-Length within its limit, valid headers); everything else (a
 * chunked body, a header out of range, a trailing slash, a server still starting) goes on
 * to Fastify's route for the same operation, which answers every case. What the edge does
 * for every request is done here too, in the same way: the request id header, the
 * signature check with the body's SHA-256, AWS's error shape, the request log line.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Caller } from '../auth/caller.js';
import { causedByFullDisk, InvalidRequestContentException, ServiceException } from '../core/errors.js';
import { newRequestId } from '../core/ids.js';
import { headerOf, PRECHECK_BYTES, type EdgeAuth } from './edge-auth.js';
import { errorAnswer, toLambdaError } from './render-error.js';

/** An HTTP answer as a lean route gives it. */
export interface LeanAnswer {
  status: number;
  headers: Record<string, string>;
  body?: Buffer | string;
}

/** A request a lean route took: what to read, and how to answer once it is read. */
export interface LeanCall {
  /** Content-Length the route checked already (at most its limit). */
  bodyBytes: number;
  /** The answer, for the body and the verified caller (undefined on a server without auth); throws what the edge renders. */
  answer(body: Buffer, caller: Caller | undefined, requestId: string): Promise<LeanAnswer>;
}

export interface LeanRoute {
  /**
   * The call for `request` when this route takes it whole (`path` and `query` split from
   * its URL, as sent), or undefined to leave it to Fastify. Must not read the body.
   */
  claim(request: IncomingMessage, path: string, query: string): LeanCall | undefined;
}

/** What the edge hands its lean routes' dispatcher. */
export interface LeanEdge {
  routes: readonly LeanRoute[];
  logger: Logger;
  auth?: EdgeAuth | undefined;
  /** Whether another API claims the request by its host (function URLs): then it is not a lean route's. */
  claimedElsewhere(request: IncomingMessage): boolean;
  /** Told of every request that failed on a full data disk. */
  diskFull?: ((err: unknown) => void) | undefined;
}

/** A request handler that answers lean routes' requests and passes every other to `next`. */
export function leanHandler(edge: LeanEdge, next: (request: IncomingMessage, response: ServerResponse) => void): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    const claimed = edge.routes.length === 0 ? undefined : claim(edge, request);
    if (claimed) serve(edge, claimed, request, response);
    else next(request, response);
  };
}

/** A call a route took, with the URL it was claimed by, which the signature check reads too. */
interface Claimed {
  call: LeanCall;
  path: string;
  query: string;
}

function claim(edge: LeanEdge, request: IncomingMessage): Claimed | undefined {
  // Sized bodies only: a chunked one is Fastify's, which reads and limits it as it comes.
  if (request.headers['transfer-encoding'] !== undefined) return undefined;
  const url = request.url ?? '/';
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const query = q < 0 ? '' : url.slice(q + 1);
  for (const route of edge.routes) {
    const call = route.claim(request, path, query);
    if (!call) continue;
    // A body the edge would precheck before reading it (edge-auth.ts) takes Fastify's way.
    if (edge.auth?.precheck && call.bodyBytes > PRECHECK_BYTES) return undefined;
    return edge.claimedElsewhere(request) ? undefined : { call, path, query };
  }
  return undefined;
}

function serve(edge: LeanEdge, claimed: Claimed, request: IncomingMessage, response: ServerResponse): void {
  const started = performance.now();
  const requestId = newRequestId();
  const body = Buffer.allocUnsafe(claimed.call.bodyBytes);
  let received = 0;
  let overrun = false;
  request.on('data', (chunk: Buffer) => {
    if (received + chunk.length > body.length) overrun = true;
    else chunk.copy(body, received);
    received += chunk.length;
  });
  // A client that went away before its body arrived is answered by no one.
  request.on('error', () => undefined);
  request.on('end', () => {
    const answered = overrun || received !== body.length ? Promise.reject(new InvalidRequestContentException('Content-Length does not match the body.')) : answer(edge, claimed, request, body, requestId);
    answered
      .then(
        (a) => send(edge, request, response, requestId, started, a),
        (err: unknown) => send(edge, request, response, requestId, started, failure(edge, err, requestId)),
      )
      // An answer that cannot be written (a header Node refuses) ends the exchange, not the server.
      .catch((err: unknown) => {
        edge.logger.error({ err, requestId }, 'unexpected error writing an answer');
        response.destroy();
      });
  });
}

async function answer(edge: LeanEdge, claimed: Claimed, request: IncomingMessage, body: Buffer, requestId: string): Promise<LeanAnswer> {
  let caller: Caller | undefined;
  if (edge.auth) {
    let sha256: string | undefined;
    const verified = await edge.auth.verify({
      method: request.method ?? 'POST',
      path: claimed.path,
      rawQuery: claimed.query,
      header: (name) => headerOf(request, name),
      // Hashed only when a signature is checked: an open server never asks.
      get bodySha256() {
        return (sha256 ??= createHash('sha256').update(body).digest('hex'));
      },
    });
    caller = verified.caller;
  }
  return claimed.call.answer(body, caller, requestId);
}

function failure(edge: LeanEdge, err: unknown, requestId: string): LeanAnswer {
  if (causedByFullDisk(err)) edge.diskFull?.(err);
  const known = toLambdaError(err);
  if (known) return errorAnswer(known);
  edge.logger.error({ err, requestId }, 'unexpected error');
  return errorAnswer(new ServiceException(`An internal error occurred (request ${requestId}).`));
}

function send(edge: LeanEdge, request: IncomingMessage, response: ServerResponse, requestId: string, started: number, a: LeanAnswer): void {
  const headers: Record<string, string | number> = { 'x-amzn-RequestId': requestId, ...a.headers };
  if (a.body === undefined) headers['content-length'] = 0;
  else headers['content-length'] = typeof a.body === 'string' ? Buffer.byteLength(a.body) : a.body.length;
  response.writeHead(a.status, headers);
  response.end(a.body);
  // As the edge's request log (server.ts): invokes at debug, failures of the server at info.
  const level = a.status >= 500 ? 'info' : 'debug';
  if (edge.logger.isLevelEnabled(level)) {
    edge.logger[level]({ requestId, method: request.method, url: request.url, status: a.status, ms: Math.round(performance.now() - started) }, 'request');
  }
}
