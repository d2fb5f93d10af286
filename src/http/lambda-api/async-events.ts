/**
 * Gust's own routes (not AWS APIs) for the async queue, for `gust events`:
 * - `GET /gust/events`: queue depth, in flight, retrying, oldest event age and counters
 *   over every function;
 * - `GET /gust/events/{FunctionName}`: the same for one function, its events (in flight,
 *   queued, retrying; `limit`, default 100) and its latest failed or dead-lettered events.
 */
import type { FastifyInstance } from 'fastify';
import { functionArn, parseFunctionName } from '../../core/arn.js';
import { ResourceNotFoundException } from '../../core/errors.js';
import type { LambdaApiSpaces } from './context.js';
import { pathParam, queryInt } from './fn-request.js';

export function registerAsyncEventRoutes(app: FastifyInstance, spaces: LambdaApiSpaces): void {
  app.get('/gust/events', async (request) => spaces.of(request).asyncQueue.totalStats());

  app.get('/gust/events/:FunctionName', async (request) => {
    const ctx = spaces.of(request);
    const { name } = parseFunctionName(pathParam(request, 'FunctionName'), ctx.partition);
    const limit = queryInt(request, 'limit', 1, 10_000);
    if (!ctx.functions.getFunctionSync(name)) throw new ResourceNotFoundException(`Function not found: ${functionArn(ctx.partition, name)}`);
    return ctx.asyncQueue.describe(name, limit);
  });
}
