/**
 * Requests that another node of a cluster answers: those of what the keeper keeps (the SQS
 * API, event source mappings, provisioned concurrency, `gust queues`), on every node but
 * the keeper (the holder of the keeper lease: server/keeper.ts). A route marked `keeper` is
 * handed over before its body is read: the request goes to the keeper as the client sent it
 * (method, path, headers with the client's Host, body bytes), so the keeper verifies the
 * client's own signature, and its answer comes back as it is. While no keeper is known (a
 * move in progress), a request waits for one (`found`), so that a takeover costs the client
 * a delay rather than an error. A request handed over once is never handed over again
 * (`x-gust-handed-over`): a node that has just stopped keeping answers it itself, and so does
 * a node that found no keeper in time (SQS answers ServiceUnavailable then, which the SDKs
 * retry).
 */
import { Agent, request as send, type IncomingHttpHeaders } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { KeeperPlace } from '../core/model/cluster-nodes.js';
import { SqsServiceUnavailable } from '../core/sqs-errors.js';

const HANDED_OVER_HEADER = 'x-gust-handed-over';

/** Where requests go that this node does not answer. */
export interface HandOver {
  /** Where the keeper is now. */
  keeper(): KeeperPlace;
  /** Where the keeper is, waiting a bounded time while none is known. */
  found(): Promise<KeeperPlace>;
  /** The keeper at `url` refused a connection (it died): later requests wait for the next one. */
  unreachable(url: string): void;
}

/** Hop-by-hop headers (RFC 9110 §7.6.1), which each connection sets for itself. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer']);

function endToEnd(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const kept: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) if (!HOP_BY_HOP.has(name) && value !== undefined) kept[name] = value;
  return kept;
}

/** Registers the hand-over on the edge: a hook on requests (after the start-up wait, before any body is read). */
export function registerHandOver(app: FastifyInstance, handOver: HandOver): () => void {
  const agent = new Agent({ keepAlive: true });
  /** Hands the request to the keeper at `place`; serves it here when this node keeps, or when none was found. */
  const forward = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction, place: KeeperPlace): void => {
    if (place === undefined || place === 'here') {
      done();
      return;
    }
    // A client that went away while the request waited for a keeper is answered by no one.
    if (request.raw.destroyed) return;
    const target = place.url;
    const url = new URL(target);
    const headers = { ...endToEnd(request.headers), [HANDED_OVER_HEADER]: '1' };
    // Without a length the body travels chunked, as Node sends any body of unknown size.
    const upstream = send({ agent, host: url.hostname, port: url.port, method: request.method, path: request.raw.url, headers });
    let answered = false;
    // The hook answers (the chain stops there: `done` is not called).
    upstream.on('response', (res) => {
      answered = true;
      res.on('error', () => reply.raw.destroy());
      void reply.code(res.statusCode ?? 502).headers(endToEnd(res.headers)).send(res);
    });
    upstream.on('error', (err) => {
      if (answered) return;
      if ((err as NodeJS.ErrnoException).code === 'ECONNREFUSED') handOver.unreachable(target);
      request.log.warn({ err, node: target }, 'cluster: the keeper did not answer a request handed to it');
      // It may have acted on it: the client's retry may send a message twice (at least once).
      void reply.send(new SqsServiceUnavailable('The keeper node of the cluster did not answer; retry the request.'));
    });
    // A long poll the client gives up ends there too.
    reply.raw.on('close', () => {
      if (!reply.raw.writableFinished) upstream.destroy();
    });
    request.raw.pipe(upstream);
  };
  app.addHook('onRequest', (request, reply, done) => {
    if (!request.routeOptions.config.keeper || request.headers[HANDED_OVER_HEADER] !== undefined) {
      done();
      return;
    }
    const now = handOver.keeper();
    if (now !== undefined) {
      forward(request, reply, done, now);
      return;
    }
    handOver.found().then((place) => forward(request, reply, done, place), done);
  });
  return () => agent.destroy();
}
