/**
 * The one HTTP edge: a Fastify server with what every API on the port shares (body limit,
 * request ids, the request log, `/health`, the not-found answer and the error renderer),
 * mounting sibling plugins, each in a Fastify encapsulation context of its own: the Lambda
 * API, function URLs and the EventBridge API today. A plugin declares the narrow context it
 * needs; the composition root builds the plugins and hands them here. Bodies are kept raw:
 * JSON operations parse them once in the route, and Invoke forwards payload bytes without
 * re-parsing them.
 */
import type { IncomingMessage } from 'node:http';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { newRequestId } from '../core/ids.js';
import { UnknownOperationException } from '../core/errors.js';
import { handleError, sendError } from './render-error.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A route on the invoke path: its requests are logged at debug (see the request log below). */
    hotPath?: boolean;
  }
}

/** One API the edge serves. */
export interface HttpPlugin {
  /** Registers the plugin's routes (and any hooks or handlers of its own) on its context. */
  register(app: FastifyInstance): void;
  /**
   * The URL to route a request by, when the plugin claims a request by something other
   * than its path (function URLs claim host names); undefined leaves the URL to the others.
   */
  rewriteUrl?(request: IncomingMessage): string | undefined;
}

/** Base64 of a 50 MB zip in a JSON body, with room for the other fields. */
const MAX_BODY_BYTES = 69_905_067;

/** Builds the edge with `plugins` mounted, in order; listen or inject to start it. */
export function buildHttpServer(logger: Logger, plugins: readonly HttpPlugin[]): FastifyInstance {
  const rewriters = plugins.flatMap((p) => (p.rewriteUrl ? [p.rewriteUrl.bind(p)] : []));
  const app = Fastify({
    // Typed as Fastify's base logger so that the instance is the plain FastifyInstance
    // the plugins take (pino's Logger type is a wider generic parameter).
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: MAX_BODY_BYTES,
    genReqId: () => newRequestId(),
    // Fastify's own request lines are off: the onResponse hook below logs each request once.
    logController: new LogController({ requestIdLogLabel: 'requestId', disableRequestLogging: true }),
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1024 },
    rewriteUrl: (request) => {
      for (const rewrite of rewriters) {
        const url = rewrite(request);
        if (url !== undefined) return url;
      }
      return request.url ?? '/';
    },
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
    const level = reply.statusCode >= 500 || !request.routeOptions.config.hotPath ? 'info' : 'debug';
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

  for (const plugin of plugins) {
    app.register(async (scope) => plugin.register(scope));
  }
  return app;
}
