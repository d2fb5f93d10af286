/**
 * Invoke (`POST /2015-03-31/functions/{FunctionName}/invocations`): headers in, bytes
 * through, AWS's headers out. The payload is forwarded as the raw body, never re-encoded.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { validationError } from '../../core/errors.js';
import type { InvocationType } from '../../invoke/invoke-types.js';
import { rawBody } from '../body.js';
import type { LambdaApiContext } from './context.js';

const INVOCATION_TYPES: readonly InvocationType[] = ['RequestResponse', 'Event', 'DryRun'];

function header(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function invocationType(request: FastifyRequest): InvocationType {
  const v = header(request, 'x-amz-invocation-type') ?? 'RequestResponse';
  if (!(INVOCATION_TYPES as readonly string[]).includes(v)) {
    throw validationError(v, 'invocationType', 'Member must satisfy enum value set: [Event, RequestResponse, DryRun]');
  }
  return v as InvocationType;
}

function logType(request: FastifyRequest): 'None' | 'Tail' {
  const v = header(request, 'x-amz-log-type') ?? 'None';
  if (v !== 'None' && v !== 'Tail') {
    throw validationError(v, 'logType', 'Member must satisfy enum value set: [None, Tail]');
  }
  return v;
}

export function registerInvokeRoutes(app: FastifyInstance, ctx: LambdaApiContext): void {
  const route = '/2015-03-31/functions/:name/invocations';
  app.post<{ Params: { name: string }; Querystring: { Qualifier?: string } }>(route, { config: { hotPath: true } }, async (request, reply) => {
    const clientContext = header(request, 'x-amz-client-context');
    const result = await ctx.invoker.invoke({
      functionName: request.params.name,
      ...(request.query.Qualifier === undefined ? {} : { qualifier: request.query.Qualifier }),
      payload: rawBody(request),
      invocationType: invocationType(request),
      logType: logType(request),
      ...(clientContext === undefined ? {} : { clientContext }),
      // One id for the HTTP exchange and the invocation: AWS's x-amzn-RequestId is the
      // request id the function sees (context.awsRequestId) and its log lines carry.
      requestId: request.id,
    });
    reply.status(result.statusCode).header('x-amz-executed-version', result.executedVersion);
    if (result.functionError) reply.header('x-amz-function-error', result.functionError);
    if (result.logResult !== undefined) reply.header('x-amz-log-result', result.logResult);
    if (result.statusCode !== 200) return reply.send();
    return reply.header('content-type', 'application/json').send(result.payload);
  });
}
