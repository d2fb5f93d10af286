/**
 * The Runtime API server of ONE execution environment: the only door between Gust and the
 * code in a sandbox, on 127.0.0.1 port 0 by default, or on a unix socket that a sandbox
 * driver bridges into its namespace. Each connection starts on the lean path
 * (lean-connection.ts: a parked GET /next and a POST of the result, answered off the socket),
 * and goes to a plain `node:http` server at the first request outside it (every other route
 * and case: no framework earns its cost here).
 *
 * The pool drives it: `ready()` waits for the runtime's first /next (end of init),
 * `deliver()` hands over one invocation and resolves with the function's answer,
 * `close()` ends it. The protocol rules live in runtime-session.ts and invocation-state.ts;
 * the handlers, one per endpoint, in the files that routes.ts lists.
 * https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html
 */
import { lstatSync, unlinkSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { giveSocket } from '../core/http1-wire.js';
import type { FunctionAnswer, Invocation } from '../core/model/invocation.js';
import type { RuntimeState } from './invocation-state.js';
import type { FunctionInfo, RouteContext } from './route-context.js';
import { serveLean, type LeanEndpoint } from './lean-connection.js';
import { dispatch } from './routes.js';
import { RuntimeSession } from './runtime-session.js';
import { DEFAULT_MAX_RESPONSE_BYTES } from './runtime-types.js';

export { InitError, DEFAULT_MAX_RESPONSE_BYTES } from './runtime-types.js';
export { InvocationAbortedError } from './runtime-session.js';
export type { RuntimeState } from './invocation-state.js';
export type { FunctionInfo } from './route-context.js';

export interface RuntimeEndpointOptions {
  /** Listen on this unix socket path instead of 127.0.0.1 on a free port. A stale socket there is replaced. */
  path?: string;
  /**
   * Listen nowhere: every connection arrives through {@link RuntimeEndpoint.accept} (a sandbox
   * driver that serves the Runtime API on its own socket), and this is the address the
   * runtime is told. A listener nobody connects to cost a cold start ~0.4 ms.
   */
  handedOver?: string;
  /** Largest result a runtime may post (default 6 MiB + 100 bytes, as Lambda). */
  maxResponseBytes?: number;
  /** What extension registration reports (empty strings when not given). */
  functionInfo?: Partial<FunctionInfo>;
}

/** One environment's Runtime API listener; see the module comment. */
export class RuntimeEndpoint {
  /**
   * `127.0.0.1:<port>`: the value for AWS_LAMBDA_RUNTIME_API. With `path`, the socket path
   * (the sandbox driver bridges it to a host:port inside the sandbox).
   */
  readonly address: string;
  private readonly session: RuntimeSession;
  private readonly parkedExtensions: Set<ServerResponse>;
  private closing: Promise<void> | undefined;
  /** Every connection, whichever path serves it, so that close() ends them all. */
  private readonly sockets = new Set<Socket>();
  private readonly lean: LeanEndpoint;

  private constructor(
    private readonly server: Server,
    private readonly listener: NetServer | undefined,
    address: string,
    context: RouteContext,
  ) {
    this.address = address;
    this.session = context.session;
    this.parkedExtensions = context.parkedExtensions;
    this.lean = {
      session: context.session,
      handOver: (socket, unread) => giveSocket(socket, unread, (handed) => this.server.emit('connection', handed)),
    };
  }

  /** Starts a listener; resolves once it accepts connections. */
  static async listen(options: RuntimeEndpointOptions = {}): Promise<RuntimeEndpoint> {
    const context: RouteContext = {
      session: new RuntimeSession(options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES),
      extensionIds: new Set(),
      parkedExtensions: new Set(),
      functionInfo: { functionName: '', functionVersion: '', handler: '', ...options.functionInfo },
    };
    // Serves what the lean path hands over; it never listens itself.
    const server = createServer((req, res) => dispatch(context, req, res));
    // A parked /next may wait for minutes, and a runtime may be slow to ask again after a
    // result: neither Node's keep-alive timeout nor its request timeout may cut them off.
    server.keepAliveTimeout = 0;
    server.requestTimeout = 0;
    if (options.handedOver !== undefined) return new RuntimeEndpoint(server, undefined, options.handedOver, context);
    if (options.path !== undefined) removeStaleSocket(options.path);
    const listener = createNetServer({ noDelay: true });
    await new Promise<void>((resolve, reject) => {
      listener.once('error', reject);
      const done = (): void => {
        listener.off('error', reject);
        resolve();
      };
      if (options.path !== undefined) listener.listen(options.path, done);
      else listener.listen(0, '127.0.0.1', done);
    });
    const address = options.path ?? `127.0.0.1:${(listener.address() as AddressInfo).port}`;
    const endpoint = new RuntimeEndpoint(server, listener, address, context);
    // Before any connection can be announced: that takes a turn of the event loop.
    listener.on('connection', (socket: Socket) => endpoint.accept(socket));
    return endpoint;
  }

  /** The runtime's protocol state (for diagnostics and tests). */
  get state(): RuntimeState {
    return this.session.state;
  }

  /** A /next is parked and no invocation is in flight. */
  get idle(): boolean {
    return this.session.idle;
  }

  /**
   * Resolves at the runtime's first GET /next (the end of its init); rejects with InitError
   * when it posts /runtime/init/error, or with an Error when the endpoint closes first.
   */
  ready(): Promise<void> {
    return this.session.ready();
  }

  /**
   * Hands one invocation, due at `deadlineMs` (epoch milliseconds, the runtime's
   * `Lambda-Runtime-Deadline-Ms`), to the runtime: to the parked /next, or to the next
   * /next. Resolves with the function's answer from its /response or /error (over the
   * limit, `Function.ResponseSizeTooLarge`); rejects with an InvocationAbortedError (name
   * `AbortError`) when it is aborted — the environment is then to be killed — and with
   * InitError if the runtime reports an init failure instead. Throws at once if an
   * invocation is already in flight or the runtime can take none (init failed, aborted, closed).
   */
  deliver(invocation: Invocation, deadlineMs: number): Promise<FunctionAnswer> {
    return this.session.deliver(invocation, deadlineMs);
  }

  /** Abandons the invocation in flight, if any (see RuntimeSession.abort). */
  abortInvocation(reason: unknown): void {
    this.session.abort(reason);
  }

  /**
   * Serves a connection: one of the listener's, or one accepted elsewhere (a sandbox's own
   * socket: see the namespace driver's runtime-api-relay.ts); `close` ends it with the others.
   */
  accept(socket: Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    serveLean(socket, this.lean);
  }

  /** Ends the parked requests, the connections and the listener. Idempotent. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.session.close();
      for (const res of this.parkedExtensions) res.destroy();
      this.parkedExtensions.clear();
      // Idle keep-alive connections would hold close() open until the runtime dies.
      for (const socket of this.sockets) socket.destroy();
      this.sockets.clear();
      if (this.listener) this.listener.close(() => resolve());
      else resolve();
    });
    return this.closing;
  }
}

/** A socket left behind by a crashed owner would make listen() fail with EADDRINUSE. */
function removeStaleSocket(path: string): void {
  try {
    if (lstatSync(path).isSocket()) unlinkSync(path);
  } catch {
    // Nothing there: the common case.
  }
}
