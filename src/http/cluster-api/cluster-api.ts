/**
 * What the nodes of a cluster send each other. `POST /gust/cluster/invoke`: a synchronous
 * invocation to run on an environment idle here (invoke-routing.ts says when).
 * `POST /gust/cluster/queues/send`: a message that a node which does not keep the queues
 * sends to a queue (control/sqs/sent-elsewhere.ts), to this node, which keeps them. Only
 * the nodes of the cluster know its secret, kept in its database: the request carries it
 * instead of a signature (the node that took the client's request verified that one).
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { LambdaError, ServiceException } from '../../core/errors.js';
import { SqsError, SqsInternalFailure } from '../../core/sqs-errors.js';
import { decodeSend, encodeSendAnswer } from '../../control/sqs/sent-elsewhere.js';
import type { SendMessageInput, SendResult } from '../../control/sqs/queue-service.js';
import { decodeRequest, encodeAnswer, type RoutedRequest } from '../../invoke/routed-invoke.js';
import type { InvokeResult } from '../../invoke/invoke-types.js';
import type { HttpPlugin } from '../server.js';

export const CLUSTER_SECRET_HEADER = 'x-gust-cluster-secret';

/** Larger than any invocation's payload (6 MB) as base64, with its JSON around it. */
const BODY_LIMIT = 9 * 1024 * 1024;

export interface ClusterApiContext {
  secret: string;
  /** Runs the invocation here; rejects with NoIdleEnvironmentError when no environment of its version is idle. */
  run(accountId: string, request: RoutedRequest): Promise<InvokeResult>;
  /** Whether `err` is the pool's NoIdleEnvironmentError. */
  isBusy(err: unknown): boolean;
  /** Sends a message to a queue of `accountId` kept here (SqsServiceUnavailable when they are not). */
  send(accountId: string, queue: string, input: SendMessageInput): Promise<SendResult>;
}

function sameSecret(given: string | string[] | undefined, secret: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}

function jsonOf(body: unknown): unknown {
  try {
    return Buffer.isBuffer(body) ? JSON.parse(body.toString('utf8')) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A POST only the cluster's nodes may send: 403 without the secret, 400 when `decode` does
 * not read the body as `what`; otherwise `answer`'s JSON.
 */
function nodeRoute<T>(app: FastifyInstance, path: string, secret: string, what: string, decode: (body: unknown) => T | undefined, answer: (sent: T, request: FastifyRequest, reply: FastifyReply) => Promise<string>): void {
  app.post(path, { config: { auth: 'none' }, bodyLimit: BODY_LIMIT }, async (request, reply) => {
    reply.type('application/json');
    if (!sameSecret(request.headers[CLUSTER_SECRET_HEADER], secret)) {
      reply.code(403);
      return JSON.stringify({ message: `Only a node of this cluster may send ${what}s here.` });
    }
    const sent = decode(jsonOf(request.body));
    if (sent === undefined) {
      reply.code(400);
      return JSON.stringify({ message: `The body is not a ${what}.` });
    }
    return answer(sent, request, reply);
  });
}

export function clusterApi(ctx: ClusterApiContext): HttpPlugin {
  return {
    register(app) {
      nodeRoute(app, '/gust/cluster/queues/send', ctx.secret, 'message', decodeSend, async (sent, request) => {
        try {
          return encodeSendAnswer({ result: await ctx.send(sent.accountId, sent.queue, sent.input) });
        } catch (err) {
          if (err instanceof SqsError) return encodeSendAnswer({ error: err });
          request.log.error({ err }, 'a message sent from another node failed');
          return encodeSendAnswer({ error: new SqsInternalFailure(`An internal error occurred (request ${request.id}).`) });
        }
      });
      nodeRoute(app, '/gust/cluster/invoke', ctx.secret, 'routed invocation', decodeRequest, async (routed, request, reply) => {
        // Said before the invocation begins, so that a sender that hears nothing more (this
        // node died) knows whether it may run it itself: without this, it never ran here.
        reply.raw.writeProcessing();
        try {
          return encodeAnswer({ result: await ctx.run(routed.accountId, routed.request) });
        } catch (err) {
          if (ctx.isBusy(err)) return encodeAnswer({ busy: true });
          if (err instanceof LambdaError) return encodeAnswer({ error: err });
          request.log.error({ err }, 'a routed invocation failed');
          return encodeAnswer({ error: new ServiceException() });
        }
      });
    },
  };
}
