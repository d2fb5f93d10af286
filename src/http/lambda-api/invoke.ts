/**
 * Invoke (`POST /2015-03-31/functions/{FunctionName}/invocations`): headers in, bytes
 * through, AWS's headers out. The payload is forwarded as the raw body, never re-encoded.
 * Two routes share one implementation: the lean route, which answers the common request
 * before Fastify (the hot path, see lean-route.ts), and Fastify's, which answers the rest.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Caller } from '../../auth/caller.js';
import { functionArn, parseFunctionName } from '../../core/arn.js';
import { AccessDeniedException, RequestTooLargeException, validationError } from '../../core/errors.js';
import { LIMITS } from '../../core/limits.js';
import type { InvocationType, InvokeRequest } from '../../invoke/invoke-types.js';
import { rawBody } from '../body.js';
import type { LeanAnswer } from '../lean-front.js';
import type { LeanRoute } from '../lean-route.js';
import type { LambdaApiContext, LambdaApiSpaces } from './context.js';

const INVOCATION_TYPES: readonly InvocationType[] = ['RequestResponse', 'Event', 'DryRun'];

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

const isInvocationType = (v: string): v is InvocationType => (INVOCATION_TYPES as readonly string[]).includes(v);
const isLogType = (v: string): v is 'None' | 'Tail' => v === 'None' || v === 'Tail';

function invocationType(headers: IncomingHttpHeaders): InvocationType {
  const v = header(headers, 'x-amz-invocation-type') ?? 'RequestResponse';
  if (!isInvocationType(v)) throw validationError(v, 'invocationType', 'Member must satisfy enum value set: [Event, RequestResponse, DryRun]');
  return v;
}

function logType(headers: IncomingHttpHeaders): 'None' | 'Tail' {
  const v = header(headers, 'x-amz-log-type') ?? 'None';
  if (!isLogType(v)) throw validationError(v, 'logType', 'Member must satisfy enum value set: [None, Tail]');
  return v;
}

/** The body limit of an invoke of this type: an Event invoke takes 1 MB, a synchronous one 6 MB. */
function payloadLimit(headers: IncomingHttpHeaders): number {
  return header(headers, 'x-amz-invocation-type') === 'Event' ? LIMITS.asyncPayloadBytes : LIMITS.syncPayloadBytes;
}

/** An Event invoke over its limit is refused from its Content-Length, before the body is read. */
async function refuseLargeEvent(request: FastifyRequest): Promise<void> {
  if (header(request.headers, 'x-amz-invocation-type') !== 'Event') return;
  if (Number(request.headers['content-length']) > LIMITS.asyncPayloadBytes) {
    throw new RequestTooLargeException(`Request must be smaller than ${LIMITS.asyncPayloadBytes} bytes for the InvokeFunction operation`);
  }
}

/** One Invoke as the route took it, whichever route that was. */
interface InvokeCall {
  name: string;
  qualifier: string | undefined;
  headers: IncomingHttpHeaders;
  body: Buffer;
  caller: Caller | undefined;
  requestId: string;
}

/**
 * The account whose function a request invokes: the caller's own, unless FunctionName is
 * an ARN (full or partial) of another account. A caller of another account invokes only
 * what the function's (version's, alias's) resource policy lets its account invoke, as on
 * AWS (AddPermission with its account as principal); an account with no resources here
 * has no function to allow it.
 */
function targetOf(spaces: LambdaApiSpaces, call: InvokeCall): LambdaApiContext {
  const own = spaces.ofCaller(call.caller);
  const account = ACCOUNT_IN_NAME.exec(call.name)?.[1];
  const caller = call.caller;
  if (account === undefined || caller === undefined || account === own.partition.accountId) return own;
  const target = spaces.ofAccount(account);
  const partition = target?.partition ?? { ...own.partition, accountId: account };
  const ref = parseFunctionName(call.name, partition);
  const qualifier = call.qualifier ?? ref.qualifier;
  if (target?.functions.permitsSync(ref.name, qualifier, { principal: { account: caller.accountId }, action: 'lambda:InvokeFunction' })) return target;
  const resource = `${functionArn(partition, ref.name)}${qualifier === undefined ? '' : `:${qualifier}`}`;
  throw new AccessDeniedException(`User: arn:aws:iam::${caller.accountId}:root is not authorized to perform: lambda:InvokeFunction on resource: ${resource} because no resource-based policy allows the lambda:InvokeFunction action`);
}

/** The account of a full (`arn:aws:lambda:<region>:<account>:function:…`) or partial (`<account>:function:…`) ARN. */
const ACCOUNT_IN_NAME = /^(?:arn:[^:]*:lambda:[^:]*:)?(\d{12}):function:/;

/** Runs the invoke and gives AWS's answer: status, headers, and the payload of a synchronous one. */
async function invoke(spaces: LambdaApiSpaces, call: InvokeCall): Promise<LeanAnswer> {
  const ctx = targetOf(spaces, call);
  const clientContext = header(call.headers, 'x-amz-client-context');
  // W3C first: a caller that speaks both is an OpenTelemetry SDK, whose traceparent names its current span.
  const traceHeader = header(call.headers, 'traceparent') ?? header(call.headers, 'x-amzn-trace-id');
  // One id for the HTTP exchange and the invocation: AWS's x-amzn-RequestId is the
  // request id the function sees (context.awsRequestId) and its log lines carry.
  const request: InvokeRequest = { functionName: call.name, payload: call.body, invocationType: invocationType(call.headers), logType: logType(call.headers), requestId: call.requestId };
  if (call.qualifier !== undefined) request.qualifier = call.qualifier;
  if (clientContext !== undefined) request.clientContext = clientContext;
  if (traceHeader !== undefined) request.traceHeader = traceHeader;
  const result = await ctx.invoker.invoke(request);
  const headers: Record<string, string> = { 'x-amz-executed-version': result.executedVersion };
  if (result.functionError) headers['x-amz-function-error'] = result.functionError;
  if (result.logResult !== undefined) headers['x-amz-log-result'] = result.logResult;
  if (result.statusCode !== 200) return { status: result.statusCode, headers };
  headers['content-type'] = 'application/json';
  return { status: 200, headers, body: result.payload };
}

const ROUTE = '/2015-03-31/functions/:name/invocations';
const LEAN_PATH = /^\/2015-03-31\/functions\/([^/]{1,1024})\/invocations$/;

/**
 * Invoke before Fastify (see lean-route.ts): a request with a sized body within its
 * limit, valid invoke headers, a name and query that decode, and no more query than a
 * Qualifier. Anything else is the Fastify route's, which answers it as it always did.
 */
export function leanInvoke(spaces: LambdaApiSpaces): LeanRoute {
  return {
    claim(request, path, query) {
      if (request.method !== 'POST') return undefined;
      const m = LEAN_PATH.exec(path);
      if (!m) return undefined;
      const length = request.headers['content-length'];
      if (length === undefined) return undefined;
      const bodyBytes = Number(length);
      if (!(bodyBytes <= payloadLimit(request.headers))) return undefined;
      const type = header(request.headers, 'x-amz-invocation-type');
      const log = header(request.headers, 'x-amz-log-type');
      if ((type !== undefined && !isInvocationType(type)) || (log !== undefined && !isLogType(log))) return undefined;
      const name = decoded(m[1]!);
      const qualifier = qualifierOf(query);
      if (name === undefined || qualifier === null) return undefined;
      return {
        bodyBytes,
        answer: (body, caller, requestId) => invoke(spaces, { name, qualifier, headers: request.headers, body, caller, requestId }),
      };
    },
  };
}

/** The Qualifier of a query that holds nothing else (undefined: none); null for any other query. */
function qualifierOf(query: string): string | undefined | null {
  if (query === '') return undefined;
  if (!query.startsWith('Qualifier=') || query.includes('&')) return null;
  return decoded(query.slice('Qualifier='.length).replaceAll('+', ' ')) ?? null;
}

function decoded(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

export function registerInvokeRoutes(app: FastifyInstance, spaces: LambdaApiSpaces): void {
  app.post<{ Params: { name: string }; Querystring: { Qualifier?: string } }>(
    ROUTE,
    { bodyLimit: LIMITS.syncPayloadBytes, config: { hotPath: true, operation: 'InvokeFunction' }, onRequest: refuseLargeEvent },
    async (request, reply) => {
      const answer = await invoke(spaces, {
        name: request.params.name,
        qualifier: request.query.Qualifier,
        headers: request.headers,
        body: rawBody(request),
        caller: request.caller,
        requestId: request.id,
      });
      return reply.status(answer.status).headers(answer.headers).send(answer.body);
    },
  );
}
