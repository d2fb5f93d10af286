/**
 * The function URL route on the shared server: `/lambda-url/:urlId/*` (host-form requests
 * arrive rewritten to it, see url-request.ts). Parse → handleUrlRequest → render. Its own
 * error handler answers in the URL's shapes rather than the Lambda API's, and its own body
 * limit refuses a request over 6 MB before it is read.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { systemClock } from '../../core/clock.js';
import { RequestTooLargeException } from '../../core/errors.js';
import { LIMITS } from '../../core/limits.js';
import type { ApiContext } from '../lambda-api/context.js';
import { errorResponse, type UrlResponse } from './url-response.js';
import { handleUrlRequest, notFound } from './url-invocation.js';
import { PATH_PREFIX, hostMatcher, readUrlRequest } from './url-request.js';

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

/** Registers both forms of every function URL. */
export function registerFunctionUrlRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const region = ctx.partition.region;
  const matchHost = hostMatcher(region);
  // The port is known only once the server listens; read it at the first request.
  let port: number | undefined;
  const deps = {
    partition: ctx.partition,
    invoker: ctx.invoker,
    credentials: ctx.urlCredentials,
    now: () => systemClock.now(),
    port: () => (port ??= Number(new URL(ctx.baseUrl()).port)),
  };

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const req = readUrlRequest(request, region, matchHost);
    const config = ctx.urls.resolve(req.urlId);
    const response = config ? await handleUrlRequest(deps, config, req, request.id) : notFound();
    return send(reply, response);
  };

  for (const url of [`${PATH_PREFIX}/:urlId`, `${PATH_PREFIX}/:urlId/*`]) {
    app.route({ method: METHODS, url, bodyLimit: LIMITS.syncPayloadBytes, exposeHeadRoute: false, errorHandler: handleError, handler });
  }
}
