/**
 * The one HTTP edge: a Fastify server with what every API on the port shares (the body
 * reader and its default limit, the gate for large code uploads, request ids, the request
 * log, `/health`, the not-found answer, the error renderer, AWS's shape for requests Node's
 * parser refuses, and the report of a full data disk), mounting sibling plugins, each in a
 * Fastify encapsulation context of its own: the Lambda API, function URLs and the
 * EventBridge API today. A plugin declares the narrow context it needs, and each route the
 * body it takes (its limit, its operation, an upload member: see body-limits.ts); the
 * composition root builds the plugins and hands them here. Bodies are kept raw: JSON
 * operations parse them once in the route, Invoke forwards payload bytes without re-parsing
 * them, and a code upload's zip goes to a file as it arrives (see upload-body.ts).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { newRequestId } from '../core/ids.js';
import { causedByFullDisk, ServiceUnavailable, UnknownOperationException } from '../core/errors.js';
import { registerUploadGate, SMALL_BODY_BYTES, type UploadGateOptions } from './body-limits.js';
import { handleClientError, handleError, sendError } from './render-error.js';
import { registerBodyReader } from './upload-body.js';
import { registerEdgeAuth, type EdgeAuth } from './edge-auth.js';
import { registerHandOver, type HandOver } from './hand-over.js';
import { lazySchemaCompilers } from './schema-compilers.js';
import { installLeanFront, type FrontDoor, type RequestHead } from './lean-front.js';
import { leanRoutes as leanRoutesOf, type LeanRoute } from './lean-route.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A route on the invoke path: its requests are logged at debug (see the request log below). */
    hotPath?: boolean;
    /** A route that answers while the server is still starting (`/health`); every other waits (see `HttpServerOptions.started`). */
    whileStarting?: boolean;
    /** A route that, in a cluster, the keeper node answers: queues, mappings, provisioned concurrency (see hand-over.ts). */
    keeper?: boolean;
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
  rewriteUrl?(request: RequestHead): string | undefined;
  /** Routes answered before Fastify, on the invoke hot path (lean-route.ts); each also has a Fastify route for what it leaves. */
  leanRoutes?: readonly LeanRoute[];
}

/** What the edge takes from the composition root besides its plugins. */
export interface HttpServerOptions {
  /** Large code uploads read at once and waiting (see body-limits.ts), and where each streams to. */
  uploads: UploadGateOptions & {
    /** A fresh file path, on the disk the code is stored on, for one upload. */
    stagingPath(): string;
  };
  /** Told of every request that failed on a full data disk (the server logs it once). */
  diskFull?: ((err: unknown) => void) | undefined;
  /** A cluster node's requests that another node answers (hand-over.ts); absent: this server answers every request. */
  handOver?: HandOver | undefined;
  /** Signature verification and the audit log (edge-auth.ts); absent: nothing is checked. */
  auth?: EdgeAuth | undefined;
  /**
   * What the server still does once it listens (opening the stores): until it resolves,
   * requests wait for it, except on routes marked `whileStarting`; if it fails, they fail
   * with it (a 500), never with an answer from stores that are not open.
   */
  started?: Promise<void> | undefined;
  /**
   * A server already listening (server/first-listener.ts), which the edge then serves
   * through instead of listening itself: it is handed Fastify's request handler once the
   * routes are ready (`app.ready()`), and closed by its owner after `app.close()`.
   */
  listening?: ListeningServer | undefined;
}

type RequestHandler = (request: IncomingMessage, response: ServerResponse) => void;

export interface ListeningServer {
  readonly server: Server;
  /** The lean front it installed as it opened (lean-front.ts): the edge gives it its lean routes. */
  readonly front: FrontDoor;
  handOver(handler: RequestHandler): void;
}

/** Builds the edge with `plugins` mounted, in order; listen or inject to start it. */
export function buildHttpServer(logger: Logger, plugins: readonly HttpPlugin[], options: HttpServerOptions): FastifyInstance {
  const rewriters = plugins.flatMap((p) => (p.rewriteUrl ? [p.rewriteUrl.bind(p)] : []));
  // Until the stores are open every request waits in Fastify's hook below; lean routes take
  // requests only after, and not once the server closes.
  let starting = options.started;
  starting?.then(
    () => (starting = undefined),
    () => undefined,
  );
  // Once the close begins, new requests go to Fastify, whose first hook refuses them (an
  // AWS-shaped 503 with Connection: close, in each API's own shape).
  let closing = false;
  const leanRoutes = plugins.flatMap((p) => p.leanRoutes ?? []);
  const listening = options.listening;
  let adopted: RequestHandler | undefined;
  const app = Fastify({
    // Typed as Fastify's base logger so that the instance is the plain FastifyInstance
    // the plugins take (pino's Logger type is a wider generic parameter).
    loggerInstance: logger as FastifyBaseLogger,
    // Routes that take more declare it (code uploads, Invoke): see body-limits.ts.
    bodyLimit: SMALL_BODY_BYTES,
    // Its own 503 is a body of Fastify's shape; the onRequest hook below answers AWS's.
    return503OnClosing: false,
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
    // No route declares a schema: Ajv and fast-json-stringify load only if one ever does.
    schemaController: { compilersFactory: lazySchemaCompilers() },
    // Errors Fastify raises before routing (a malformed percent-encoding in the URL) get
    // the same AWS-shaped answer as every other error.
    frameworkErrors: handleError,
    // And those Node's HTTP parser refuses before Fastify (a 431 for huge headers).
    clientErrorHandler: handleClientError,
    // The server's request handler is Fastify's: on the server already listening, once the
    // routes are ready, or on one made here. The lean front (below) reads each connection first.
    serverFactory: (handler: RequestHandler) => {
      adopted = handler;
      if (listening) return listening.server;
      return createServer(handler);
    },
  });
  // What Fastify sets on a server it makes itself (its defaults: no request timeout).
  const server = app.server;
  server.keepAliveTimeout = app.initialConfig.keepAliveTimeout ?? server.keepAliveTimeout;
  server.requestTimeout = 0;
  server.setTimeout(app.initialConfig.connectionTimeout ?? 0);
  if (leanRoutes.length > 0) {
    const front = listening ? listening.front : installLeanFront(server);
    const edge = { routes: leanRoutes, logger, auth: options.auth, diskFull: options.diskFull, claimedElsewhere: (request: RequestHead) => rewriters.some((rewrite) => rewrite(request) !== undefined) };
    front.use(leanRoutesOf(edge, () => starting === undefined && !closing));
  }
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  if (listening) {
    app.addHook('onReady', (done) => {
      listening.handOver(adopted!);
      done();
    });
  }

  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-amzn-RequestId', request.id);
    if (!closing) {
      done();
      return;
    }
    reply.header('connection', 'close');
    done(new ServiceUnavailable());
  });
  // First after the request id, so that nothing (the upload gate, a signature check) runs
  // before the stores are open. A callback hook: once started, a request pays one check.
  app.addHook('onRequest', (request, _reply, done) => {
    if (starting === undefined || request.routeOptions.config.whileStarting) {
      done();
      return;
    }
    starting.then(() => done(), done);
  });
  // Before any body is read: a request handed over takes its body bytes to the other node.
  if (options.handOver) {
    const closeHandOver = registerHandOver(app, options.handOver);
    app.addHook('onClose', (_instance, done) => {
      closeHandOver();
      done();
    });
  }
  registerBodyReader(app, () => options.uploads.stagingPath());
  // After the request id: an upload refused at the gate has one too.
  registerUploadGate(app, options.uploads);
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
  // Every error a route throws passes here, in plugins with error handlers of their own
  // too (function URLs); the EventBridge API renders its errors inside its route.
  app.addHook('onError', (_request, _reply, err, done) => {
    if (causedByFullDisk(err)) options.diskFull?.(err);
    done();
  });
  app.setNotFoundHandler((request, reply) => {
    sendError(reply, new UnknownOperationException(`No operation matches ${request.method} ${request.url.split('?')[0]}`));
  });

  // Before the plugins, so that the hook runs in each of their contexts.
  if (options.auth) registerEdgeAuth(app, options.auth);
  app.get('/health', { config: { auth: 'none', whileStarting: true } }, async () => ({ status: 'ok' }));

  for (const plugin of plugins) {
    app.register(async (scope) => plugin.register(scope));
  }
  return app;
}
