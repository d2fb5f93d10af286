/**
 * One request to a function URL, from a resolved configuration to the answer: CORS
 * preflight, SigV4 for AWS_IAM URLs, the 6 MB request limit, the payload 2.0 event, a
 * synchronous invoke through the InvokeService, and the mapping of its result. Free of
 * Fastify so that the whole path can be exercised with plain values.
 *
 * Answers Gust gives itself, in AWS's shapes:
 *   unknown url-id                403 {"Message":null}         AccessDeniedException
 *   bad or missing signature      403 {"Message":"Forbidden"}  AccessDeniedException
 *   NONE URL, no public statement 403 {"Message":"Forbidden"}  AccessDeniedException
 *   request over 6 MB             413 RequestTooLargeException
 *   throttled                     429 {"Message":"Rate Exceeded."} TooManyRequestsException
 *   function error or timeout     502 Internal Server Error
 * RESPONSE_STREAM URLs are answered buffered, like BUFFERED ones.
 */
import type { Partition } from '../../core/arn.js';
import { PUBLIC_URL_REQUEST } from '../../control/policy/access.js';
import type { PolicyRequest } from '../../control/policy/evaluate.js';
import { LambdaError, RequestTooLargeException, ResourceNotFoundException, TooManyRequestsException } from '../../core/errors.js';
import { LIMITS } from '../../core/limits.js';
import type { InvokeRequest, InvokeResult } from '../../invoke/invoke-types.js';
import type { UrlConfig } from '../../core/model/urls.js';
import { isPreflight, preflightResponse, withCorsHeaders } from './url-cors.js';
import { buildUrlEvent, joinHeaders, type IamCaller } from './url-event.js';
import type { UrlRequest } from './url-request.js';
import { badGateway, errorResponse, toUrlResponse, type UrlResponse } from './url-response.js';

/** What function URLs invoke through: the InvokeService's synchronous path. */
export interface FunctionInvoker {
  invoke(request: InvokeRequest): Promise<InvokeResult>;
}

export interface UrlInvocationDeps {
  partition: Partition;
  invoker: FunctionInvoker;
  /** The caller of an AWS_IAM URL's request, or undefined when its signature does not stand. */
  authenticate(req: UrlRequest): Promise<{ accessKeyId: string; accountId: string } | undefined>;
  /** Milliseconds since the epoch. */
  now(): number;
  /** The server's port, for the event's `x-forwarded-port`. */
  port(): number;
  /**
   * Whether the resource policy of the URL's function or alias allows `request`
   * (control/policy/evaluate.ts). Asked with PUBLIC_URL_REQUEST for every request to an
   * `AuthType NONE` URL: without the public statement AWS answers 403. The AWS_IAM path
   * asks it too once callers carry accounts: another account's key needs a statement for
   * `lambda:InvokeFunctionUrl` with `lambda:FunctionUrlAuthType` AWS_IAM.
   */
  permits(config: Readonly<UrlConfig>, request: PolicyRequest): boolean;
}

/** The answer for a url-id no configuration has. */
export const notFound = (): UrlResponse => errorResponse(403, 'AccessDeniedException', null);
const FORBIDDEN = (): UrlResponse => errorResponse(403, 'AccessDeniedException', 'Forbidden');
const TOO_LARGE = (): UrlResponse =>
  errorResponse(413, 'RequestTooLargeException', `Request must be smaller than ${LIMITS.syncPayloadBytes} bytes for the InvokeFunction operation`);

/** The caller an access key stands for: Gust has no IAM, so the key is the identity. */
function callerFor(accessKeyId: string, accountId: string): IamCaller {
  return { accessKey: accessKeyId, accountId, callerId: accessKeyId, userArn: `arn:aws:iam::${accountId}:root`, userId: accessKeyId };
}

/** Answers a request to the URL `config` (already resolved from its url-id). `requestId` is also the invocation's. */
export async function handleUrlRequest(deps: UrlInvocationDeps, config: Readonly<UrlConfig>, req: UrlRequest, requestId: string): Promise<UrlResponse> {
  const headers = joinHeaders(req.rawHeaders);
  if (config.cors && isPreflight(req.method, headers)) return preflightResponse(config.cors, headers);

  // AWS checks the policy of NONE URLs on every request, so a RemovePermission takes effect at once.
  if (config.authType === 'NONE' && !deps.permits(config, PUBLIC_URL_REQUEST)) return FORBIDDEN();

  let caller: IamCaller | undefined;
  if (config.authType === 'AWS_IAM') {
    const signer = await deps.authenticate(req);
    if (signer === undefined) return FORBIDDEN();
    // Another account's key needs a statement for lambda:InvokeFunctionUrl on AWS_IAM URLs.
    if (signer.accountId !== deps.partition.accountId && !deps.permits(config, { principal: { account: signer.accountId }, action: 'lambda:InvokeFunctionUrl', urlAuthType: 'AWS_IAM' })) return FORBIDDEN();
    caller = callerFor(signer.accessKeyId, signer.accountId);
  }

  if (req.body.length > LIMITS.syncPayloadBytes) return TOO_LARGE();
  const event = buildUrlEvent(req, { accountId: deps.partition.accountId, requestId, now: deps.now(), port: deps.port(), ...(caller ? { caller } : {}) });
  const payload = Buffer.from(JSON.stringify(event));
  // The limit is on the invocation payload: a body just under 6 MB grows past it in base64.
  if (payload.length > LIMITS.syncPayloadBytes) return TOO_LARGE();

  const traceHeader = headers.get('traceparent') ?? headers.get('x-amzn-trace-id');
  const response = await invokeForUrl(deps.invoker, {
    functionName: config.functionName,
    ...(config.qualifier === undefined ? {} : { qualifier: config.qualifier }),
    payload,
    invocationType: 'RequestResponse',
    requestId,
    trigger: 'url',
    ...(traceHeader === undefined ? {} : { traceHeader }),
  });
  return config.cors ? withCorsHeaders(response, config.cors, headers.get('origin')) : response;
}

/** Invokes and maps the result, and the errors a URL answers in its own way, to the URL's response. */
async function invokeForUrl(invoker: FunctionInvoker, request: InvokeRequest): Promise<UrlResponse> {
  try {
    return toUrlResponse(await invoker.invoke(request));
  } catch (err) {
    if (err instanceof TooManyRequestsException) return errorResponse(429, 'TooManyRequestsException', 'Rate Exceeded.');
    if (err instanceof RequestTooLargeException) return TOO_LARGE();
    // The function or alias went away between resolving the URL and invoking it.
    if (err instanceof ResourceNotFoundException) return notFound();
    // Anything else the invoke path refuses (a function not Active, a runtime Gust cannot start) fails the request as a failed function does.
    if (err instanceof LambdaError) return badGateway();
    throw err;
  }
}
