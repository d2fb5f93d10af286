/**
 * The function URLs plugin of the HTTP edge: one route, `/lambda-url/:urlId/*`, to which
 * the plugin's `rewriteUrl` sends host-form requests (see url-request.ts). Parse →
 * handleUrlRequest → render. Its own error handler answers in the URL's shapes rather than
 * the Lambda API's, and its own body limit refuses a request over 6 MB before it is read.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Partition } from '../../core/arn.js';
import type { Clock } from '../../core/clock.js';
import { RequestTooLargeException } from '../../core/errors.js';
import { LIMITS } from '../../core/limits.js';
import type { UrlConfig } from '../../core/model/urls.js';
import type { PolicyRequest } from '../../control/policy/evaluate.js';
import type { HttpPlugin } from '../server.js';
import { errorResponse, type UrlResponse } from './url-response.js';
import { handleUrlRequest, notFound, type FunctionInvoker, type UrlInvocationDeps } from './url-invocation.js';
import { PATH_PREFIX, functionUrlRewriter, hostMatcher, readUrlRequest } from './url-request.js';
import { createHash } from 'node:crypto';
import { AuthFailure } from '../../core/auth-failure.js';
import type { Verified } from '../../auth/caller.js';
import type { RequestToVerify } from '../../auth/verifier.js';
import { joinHeaders } from './url-event.js';
import type { UrlRequest } from './url-request.js';
import { verifySigV4, type UrlCredential } from './url-sigv4.js';

/**
 * The signer of an AWS_IAM URL's request: on a server that verifies, by the one verifier
 * (access keys, function credentials, header or presigned); on an open server, by the
 * configured URL key, as before access keys existed.
 */
async function authenticate(ctx: FunctionUrlsContext, req: UrlRequest, partition: Partition): Promise<{ accessKeyId: string; accountId: string } | undefined> {
  if (ctx.auth && (await ctx.auth.enforcing())) {
    const headers = joinHeaders(req.rawHeaders);
    try {
      const { caller } = await ctx.auth.verify({
        method: req.method,
        path: req.signedPath,
        rawQuery: req.rawQueryString,
        header: (name) => headers.get(name),
        bodySha256: createHash('sha256').update(req.body).digest('hex'),
      });
      return caller.accessKeyId === undefined ? undefined : { accessKeyId: caller.accessKeyId, accountId: caller.accountId };
    } catch (err) {
      if (err instanceof AuthFailure) return undefined;
      throw err;
    }
  }
  const accessKeyId = await verifySigV4(req, { credentials: ctx.credentials, region: partition.region, now: ctx.clock.now() });
  return accessKeyId === undefined ? undefined : { accessKeyId, accountId: partition.accountId };
}

/** A URL's configuration, and what its requests run on: the services of the account it belongs to. */
export interface UrlTarget {
  config: Readonly<UrlConfig>;
  partition: Partition;
  invoker: FunctionInvoker;
  /** Resource policies (FunctionService.permitsSync): a NONE URL answers only when its function's or alias's policy makes it public. */
  policies: { permitsSync(name: string, qualifier: string | undefined, request: PolicyRequest): boolean };
}

/** What function URLs need: their configurations in every account, and the keys AWS_IAM URLs accept. */
export interface FunctionUrlsContext {
  region: string;
  clock: Clock;
  /** A url-id's configuration and account, or undefined when no URL has it. */
  resolve(urlId: string): UrlTarget | undefined;
  /** The access keys whose SigV4 signatures AWS_IAM function URLs accept while the server runs open. */
  credentials: readonly UrlCredential[];
  /** The server's verifier: once it enforces, AWS_IAM URLs take the signatures of access keys and function credentials instead. */
  auth?: { enforcing(): Promise<boolean>; verify(request: RequestToVerify): Promise<Verified> } | undefined;
  /** The server's own base URL, known once it listens (for the event's `x-forwarded-port`). */
  baseUrl(): string;
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

function send(reply: FastifyReply, response: UrlResponse): FastifyReply {
  const grouped = new Map<string, { name: string; values: string[] }>();
  for (const [name, value] of response.headers) {
    const key = name.toLowerCase();
    const entry = grouped.get(key) ?? { name, values: [] };
    entry.values.push(value);
    grouped.set(key, entry);
  }
  reply.code(response.status);
  for (const { name, values } of grouped.values()) reply.header(name, values.length === 1 ? values[0] : values);
  return reply.send(response.body);
}

function handleError(err: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  // The body reader (upload-body.ts) refuses a body over the route's limit with the catalog's error.
  if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || (err as unknown) instanceof RequestTooLargeException) {
    return send(reply, errorResponse(413, 'RequestTooLargeException', `Request must be smaller than ${LIMITS.syncPayloadBytes} bytes for the InvokeFunction operation`));
  }
  if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
    return send(reply, errorResponse(err.statusCode, 'BadRequestException', 'Bad Request'));
  }
  request.log.error({ err }, 'function URL request failed');
  return send(reply, errorResponse(500, 'ServiceException', 'Internal Server Error'));
}

/** Serves every function URL, in both forms, on the edge's port. */
export function functionUrls(ctx: FunctionUrlsContext): HttpPlugin {
  const region = ctx.region;
  const matchHost = hostMatcher(region);
  // The port is known only once the server listens; read it at the first request.
  let port: number | undefined;
  const now = () => ctx.clock.now();
  const portOf = () => (port ??= Number(new URL(ctx.baseUrl()).port));

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const req = readUrlRequest(request, region, matchHost);
    const target = ctx.resolve(req.urlId);
    if (!target) return send(reply, notFound());
    const { partition, invoker, policies } = target;
    const deps: UrlInvocationDeps = {
      partition,
      invoker,
      authenticate: (r) => authenticate(ctx, r, partition),
      now,
      port: portOf,
      permits: (config, policyRequest) => policies.permitsSync(config.functionName, config.qualifier, policyRequest),
    };
    return send(reply, await handleUrlRequest(deps, target.config, req, request.id));
  };

  return {
    rewriteUrl: functionUrlRewriter(region),
    register(app) {
      for (const url of [`${PATH_PREFIX}/:urlId`, `${PATH_PREFIX}/:urlId/*`]) {
        app.route({ method: METHODS, url, bodyLimit: LIMITS.syncPayloadBytes, exposeHeadRoute: false, config: { hotPath: true, auth: 'none' }, errorHandler: handleError, handler });
      }
    },
  };
}
