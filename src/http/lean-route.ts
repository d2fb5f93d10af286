/**
 * Lean routes: the invoke hot path answered before Fastify, straight off the edge's
 * connections (lean-front.ts, which reads the request and writes the answer). A warm
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
import type { Logger } from 'pino';
import type { Caller } from '../auth/caller.js';
import { causedByFullDisk, ServiceException } from '../core/errors.js';
import { newRequestId } from '../core/ids.js';
import { headerOf, PRECHECK_BYTES, type EdgeAuth } from './edge-auth.js';
import type { LeanAnswer, LeanExchange, LeanRoutes, RequestHead } from './lean-front.js';
import { errorAnswer, toLambdaError } from './render-error.js';

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
   * its URL, as sent), or undefined to leave it to Fastify.
   */
  claim(request: RequestHead, path: string, query: string): LeanCall | undefined;
}

/** What the edge hands its lean routes' dispatcher. */
export interface LeanEdge {
  routes: readonly LeanRoute[];
  logger: Logger;
  auth?: EdgeAuth | undefined;
  /** Whether another API claims the request by its host (function URLs): then it is not a lean route's. */
  claimedElsewhere(request: RequestHead): boolean;
  /** Told of every request that failed on a full data disk. */
  diskFull?: ((err: unknown) => void) | undefined;
}

/** A call a route took, with the URL it was claimed by, which the signature check reads too. */
interface Claimed {
  call: LeanCall;
  path: string;
  query: string;
}

/** The lean route's call for a request with a sized body, or undefined when it is Fastify's. */
function claimLean(edge: LeanEdge, request: RequestHead): Claimed | undefined {
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

/** The answer to a claimed call whose whole body is `body`: the route's, or the error it threw in AWS's shape. */
async function answerLean(edge: LeanEdge, claimed: Claimed, request: RequestHead, body: Buffer, requestId: string): Promise<LeanAnswer> {
  try {
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
    return await claimed.call.answer(body, caller, requestId);
  } catch (err) {
    return failure(edge, err, requestId);
  }
}

function failure(edge: LeanEdge, err: unknown, requestId: string): LeanAnswer {
  if (causedByFullDisk(err)) edge.diskFull?.(err);
  const known = toLambdaError(err);
  if (known) return errorAnswer(known);
  edge.logger.error({ err, requestId }, 'unexpected error');
  return errorAnswer(new ServiceException(`An internal error occurred (request ${requestId}).`));
}

/** The edge's request log line (server.ts) for an answered call: invokes at debug, failures of the server at info. */
function logAnswered(edge: LeanEdge, request: RequestHead, requestId: string, status: number, started: number): void {
  const level = status >= 500 ? 'info' : 'debug';
  if (edge.logger.isLevelEnabled(level)) {
    edge.logger[level]({ requestId, method: request.method, url: request.url, status, ms: Math.round(performance.now() - started) }, 'request');
  }
}

/** The lean routes as the front asks for them (lean-front.ts); they claim nothing while `open` says no. */
export function leanRoutes(edge: LeanEdge, open: () => boolean): LeanRoutes {
  return {
    claim(head): LeanExchange | undefined {
      const claimed = open() ? claimLean(edge, head) : undefined;
      if (!claimed) return undefined;
      const requestId = newRequestId();
      const started = performance.now();
      return {
        bodyBytes: claimed.call.bodyBytes,
        requestId,
        answer: (body) => answerLean(edge, claimed, head, body, requestId),
        written: (status) => logAnswered(edge, head, requestId, status, started),
      };
    },
    fault(err, what, requestId) {
      edge.logger.error({ err, requestId }, what);
    },
  };
}
