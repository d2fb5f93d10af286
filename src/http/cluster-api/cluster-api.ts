/**
 * What the nodes of a cluster send each other. `POST /gust/cluster/invoke`: a synchronous
 * invocation to run on an environment idle here (invoke-routing.ts says when).
 * `POST /gust/cluster/queues/send`: a message that a node which does not keep the queues
 * sends to a queue (control/sqs/sent-elsewhere.ts), to this node, which keeps them. Only
 * the nodes of the cluster know its secret, kept in its database: the request carries it
 * instead of a signature (the node that took the client's request verified that one).
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
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

/** The 403 answer to a request without the cluster's secret; undefined for one of the cluster's nodes. */
function refuseStrangers(request: FastifyRequest, reply: FastifyReply, secret: string, what: string): string | undefined {
  if (sameSecret(request.headers[CLUSTER_SECRET_HEADER], secret)) return undefined;
  reply.code(403);
  return JSON.stringify({ message: `Only a node of this cluster may send ${what} here.` });
}

function jsonOf(body: unknown): unknown {
  try {
    return Buffer.isBuffer(body) ? JSON.parse(body.toString('utf8')) : undefined;
  } catch {
    return undefined;
  }
}

export function clusterApi(ctx: ClusterApiContext): HttpPlugin {
  return {
    register(app) {
      app.post('/gust/cluster/queues/send', { config: { auth: 'none' }, bodyLimit: BODY_LIMIT }, async (request, reply) => {
        reply.type('application/json');
        const refused = refuseStrangers(request, reply, ctx.secret, 'messages');
        if (refused) return refused;
        const sent = decodeSend(jsonOf(request.body));
        if (!sent) {
          reply.code(400);
          return JSON.stringify({ message: 'The body is not a message to send.' });
        }
        try {
          return encodeSendAnswer({ result: await ctx.send(sent.accountId, sent.queue, sent.input) });
        } catch (err) {
          if (err instanceof SqsError) return encodeSendAnswer({ error: err });
          request.log.error({ err }, 'a message sent from another node failed');
          return encodeSendAnswer({ error: new SqsInternalFailure(`An internal error occurred (request ${request.id}).`) });
        }
      });
      app.post('/gust/cluster/invoke', { config: { auth: 'none' }, bodyLimit: BODY_LIMIT }, async (request, reply) => {
        reply.type('application/json');
        const refused = refuseStrangers(request, reply, ctx.secret, 'invocations');
        if (refused) return refused;
        const routed = decodeRequest(jsonOf(request.body));
        if (!routed) {
          reply.code(400);
          return JSON.stringify({ message: 'The body is not a routed invocation.' });
        }
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
