/**
 * `GET /gust/logs/{FunctionName}`: a function's log events, for `gust logs`. Gust's own
 * route (not an AWS API): `since` (ms since the epoch), `after` (the cursor of the previous
 * page, to follow), `limit`.
 */
import type { FastifyInstance } from 'fastify';
import { parseFunctionName } from '../../core/arn.js';
import { ResourceNotFoundException, ValidationException } from '../../core/errors.js';
import { functionArn } from '../../core/arn.js';
import { logGroupName } from '../../logs/log-format.js';
import type { LambdaApiSpaces } from './context.js';

function optionalInteger(name: string, raw: string | undefined, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new ValidationException(`${name} must be an integer from ${min} to ${max}`);
  return n;
}

export function registerLogRoutes(app: FastifyInstance, spaces: LambdaApiSpaces): void {
  app.get<{ Params: { name: string }; Querystring: { since?: string; after?: string; limit?: string } }>('/gust/logs/:name', async (request) => {
    const ctx = spaces.of(request);
    const { name } = parseFunctionName(request.params.name, ctx.partition);
    const group = logGroupName(name);
    const since = optionalInteger('since', request.query.since, 0, Number.MAX_SAFE_INTEGER);
    const limit = optionalInteger('limit', request.query.limit, 1, 10_000);
    if (!ctx.functions.getFunctionSync(name) && request.query.after === undefined) {
      const groups = await ctx.logs.listGroups();
      if (!groups.some((g) => g.logGroup === group)) throw new ResourceNotFoundException(`Function not found: ${functionArn(ctx.partition, name)}`);
    }
    await ctx.logs.flush();
    const page = await ctx.logs.query({
      logGroup: group,
      ...(since === undefined ? {} : { since }),
      ...(limit === undefined ? {} : { limit }),
      ...(request.query.after === undefined ? {} : { after: request.query.after }),
    });
    return {
      logGroup: group,
      events: page.events.map((e) => ({ timestamp: e.timestamp, logStream: e.logStream, message: e.message })),
      cursor: page.cursor,
    };
  });
}
