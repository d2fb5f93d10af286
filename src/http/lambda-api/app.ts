/**
 * The HTTP server for the Lambda API (and, later, function URLs and events on the same
 * port). Bodies are kept raw: JSON operations parse them once in the route, and Invoke
 * forwards payload bytes without re-parsing them.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { newRequestId } from '../../core/ids.js';
import { UnknownOperationException } from '../../core/errors.js';
import { handleError, sendError } from '../render-error.js';
import { PATH_PREFIX as FUNCTION_URL_PATH_PREFIX, functionUrlRewriter } from '../function-urls/url-request.js';
import type { EventsBackend } from '../events-api/backend.js';
import { registerEventsApi } from '../events-api/events-api.js';
import { sqsApi, type SqsApiContext } from '../sqs-api/sqs-api.js';
import type { ApiContext } from './context.js';
import { INVOKE_ROUTE } from './invoke.js';
import { ROUTE_MODULES } from './routes.js';

/** Base64 of a 50 MB zip in a JSON body, with room for the other fields. */
const MAX_BODY_BYTES = 69_905_067;

/** Invokes, function URLs and the routes that say so in their config (the SQS API). */
function isDataPlane(route: string | undefined, config: { dataPlane?: boolean } | undefined): boolean {
  return route === INVOKE_ROUTE || (route !== undefined && route.startsWith(`${FUNCTION_URL_PATH_PREFIX}/`)) || config?.dataPlane === true;
}

/**
 * `events`, when given, serves the EventBridge API (awsJson1_1 on `POST /`) on the same
 * port; `sqs` the SQS API (both its protocols, on `/` and on queue URLs).
 */
export function buildLambdaApi(ctx: ApiContext, logger: Logger, events?: EventsBackend, sqs?: SqsApiContext): FastifyInstance {
  const app = Fastify({
    // Typed as Fastify's base logger so that the instance is the plain FastifyInstance
    // the route modules take (pino's Logger type is a wider generic parameter).
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: MAX_BODY_BYTES,
    genReqId: () => newRequestId(),
    // Fastify's own request lines are off: the onResponse hook below logs each request once.
    logController: new LogController({ requestIdLogLabel: 'requestId', disableRequestLogging: true }),
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1024 },
    // Function URLs' host names (<url-id>.lambda-url.<region>.localhost) route to /lambda-url/<url-id>/….
    rewriteUrl: functionUrlRewriter(ctx.partition.region),
    // Errors Fastify raises before routing (a malformed percent-encoding in the URL) get
    // the same AWS-shaped answer as every other error.
    frameworkErrors: handleError,
  });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_BODY_BYTES }, (_req, body, done) => done(null, body));

  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-amzn-RequestId', request.id);
    done();
  });
  // Control-plane requests are logged at info. Invokes (the Invoke API and function URLs)
  // are the hot path: a log line each costs as much as the rest of Gust's share of a warm
  // invoke (a synchronous write to stdout, measured with the bench), and the function's own
  // log stream already records every invocation, so they go at debug, failures excepted.
  app.addHook('onResponse', (request, reply, done) => {
    const level = reply.statusCode >= 500 || !isDataPlane(request.routeOptions.url, request.routeOptions.config as { dataPlane?: boolean }) ? 'info' : 'debug';
    if (logger.isLevelEnabled(level)) {
      request.log[level]({ method: request.method, url: request.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
    }
    done();
  });

  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) => {
    sendError(reply, new UnknownOperationException(`No operation matches ${request.method} ${request.url.split('?')[0]}`));
  });

  app.get('/health', async () => ({ status: 'ok' }));

  for (const register of ROUTE_MODULES) register(app, ctx);
  if (events) registerEventsApi(app, events);
  if (sqs) void app.register(sqsApi, sqs);
  return app;
}
