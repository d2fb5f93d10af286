/**
 * Gust's own routes (not AWS APIs) for the queues and the pollers, for `gust queues` and
 * `gust info`:
 * - `GET /gust/queues`: every queue's visible, in-flight and delayed messages and its
 *   dead-letter queue;
 * - `GET /gust/mappings`: every event source mapping with its pollers now and the poller
 *   counts it went through (scaling).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { SqsApiContext } from './sqs-api.js';

export function registerGustQueueRoutes(app: FastifyInstance, contextOf: (request: FastifyRequest) => SqsApiContext): void {
  // In a cluster the node that keeps the queues answers both (http/hand-over.ts).
  app.get('/gust/queues', { config: { keeper: true } }, async (request) => ({ queues: contextOf(request).queues.report() }));
  app.get('/gust/mappings', { config: { keeper: true } }, async (request) => ({ mappings: contextOf(request).pollers.report() }));
}
