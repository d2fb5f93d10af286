/**
 * Invoke (`POST /2015-03-31/functions/{FunctionName}/invocations`): headers in, bytes
 * through, AWS's headers out. The payload is forwarded as the raw body, never re-encoded.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { functionArn, parseFunctionName } from '../../core/arn.js';
import { AccessDeniedException, RequestTooLargeException, validationError } from '../../core/errors.js';
import { LIMITS } from '../../core/limits.js';
import type { InvocationType } from '../../invoke/invoke-types.js';
import { rawBody } from '../body.js';
import type { LambdaApiContext, LambdaApiSpaces } from './context.js';

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

/**
 * An Event invoke takes 1 MB (a synchronous one 6 MB, the route's limit): refused from its
 * Content-Length before the body is read.
 */
async function refuseLargeEvent(request: FastifyRequest): Promise<void> {
  if (header(request, 'x-amz-invocation-type') !== 'Event') return;
  if (Number(request.headers['content-length']) > LIMITS.asyncPayloadBytes) {
    throw new RequestTooLargeException(`Request must be smaller than ${LIMITS.asyncPayloadBytes} bytes for the InvokeFunction operation`);
  }
}

/**
 * The account whose function a request invokes: the caller's own, unless FunctionName is
 * an ARN (full or partial) of another account. A caller of another account invokes only
 * what the function's (version's, alias's) resource policy lets its account invoke, as on
 * AWS (AddPermission with its account as principal); an account with no resources here
 * has no function to allow it.
 */
function targetOf(spaces: LambdaApiSpaces, request: FastifyRequest<{ Params: { name: string }; Querystring: { Qualifier?: string } }>): LambdaApiContext {
  const own = spaces.of(request);
  const account = ACCOUNT_IN_NAME.exec(request.params.name)?.[1];
  const caller = request.caller;
  if (account === undefined || caller === undefined || account === own.partition.accountId) return own;
  const target = spaces.ofAccount(account);
  const partition = target?.partition ?? { ...own.partition, accountId: account };
  const ref = parseFunctionName(request.params.name, partition);
  const qualifier = request.query.Qualifier ?? ref.qualifier;
  if (target?.functions.permitsSync(ref.name, qualifier, { principal: { account: caller.accountId }, action: 'lambda:InvokeFunction' })) return target;
  const resource = `${functionArn(partition, ref.name)}${qualifier === undefined ? '' : `:${qualifier}`}`;
  throw new AccessDeniedException(`User: arn:aws:iam::${caller.accountId}:root is not authorized to perform: lambda:InvokeFunction on resource: ${resource} because no resource-based policy allows the lambda:InvokeFunction action`);
}

/** The account of a full (`arn:aws:lambda:<region>:<account>:function:…`) or partial (`<account>:function:…`) ARN. */
const ACCOUNT_IN_NAME = /^(?:arn:[^:]*:lambda:[^:]*:)?(\d{12}):function:/;

export function registerInvokeRoutes(app: FastifyInstance, spaces: LambdaApiSpaces): void {
  const route = '/2015-03-31/functions/:name/invocations';
  const options = { bodyLimit: LIMITS.syncPayloadBytes, config: { hotPath: true, operation: 'InvokeFunction' }, onRequest: refuseLargeEvent };
  app.post<{ Params: { name: string }; Querystring: { Qualifier?: string } }>(route, options, async (request, reply) => {
    const ctx = targetOf(spaces, request);
    const clientContext = header(request, 'x-amz-client-context');
    // W3C first: a caller that speaks both is an OpenTelemetry SDK, whose traceparent names its current span.
    const traceHeader = header(request, 'traceparent') ?? header(request, 'x-amzn-trace-id');
    const result = await ctx.invoker.invoke({
      functionName: request.params.name,
      ...(request.query.Qualifier === undefined ? {} : { qualifier: request.query.Qualifier }),
      payload: rawBody(request),
      invocationType: invocationType(request),
      logType: logType(request),
      ...(clientContext === undefined ? {} : { clientContext }),
      ...(traceHeader === undefined ? {} : { traceHeader }),
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
