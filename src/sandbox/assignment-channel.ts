/**
 * How a runtime booted ahead of its function learns it (runtimes/node/assignment.mjs,
 * runtimes/python/_gust_runtime/assignment.py): an HTTP endpoint only the pool uses,
 * `GET /2018-06-01/runtime/gust/assignment`, on a unix socket in a directory of the sandbox's
 * own, 0700 (a namespace sandbox's is bound at /run/gust and owned by its uid, so no other
 * sandbox reaches it). The bootstrap's request waits; at assignment Gust answers 200 with one JSON
 * document, `{"env": {...}}`, the environment's complete variables, and the socket is closed
 * and removed. HTTP rather than a bare stream: the runtime's first request is then made by
 * the same HTTP client as its Runtime API requests, whose code is loaded and run once before
 * the function arrives (Node: ~1.5 ms off the first /next). Before it, the Node bootstrap
 * runs one invocation of a no-op handler against a warm-up API under
 * `/2018-06-01/runtime/gust/warm/`, answered at once, for the same reason. Only the first
 * assignment request is answered; any other gets a 404.
 */
import { rmSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { Deferred } from '../core/primitives.js';

/** The path of the assignment request. */
export const ASSIGNMENT_PATH = '/2018-06-01/runtime/gust/assignment';
/**
 * A Runtime API of one invocation, answered at once, that the bootstrap runs a no-op handler
 * against first (its code then runs once before the function's first invocation).
 */
const WARM_BASE = '/2018-06-01/runtime/gust/warm/';
const WARM_NEXT = `${WARM_BASE}invocation/next`;

export class AssignmentChannel {
  private waiting: ServerResponse | undefined;
  private payload: string | undefined;
  private closed = false;
  private readonly asking = new Deferred<void>();

  private constructor(
    private readonly server: Server,
    private readonly path: string,
  ) {}

  /** Listens on `path` (given to the sandbox uid by the caller). */
  static async listen(path: string): Promise<AssignmentChannel> {
    const server = createServer();
    const channel = new AssignmentChannel(server, path);
    server.on('request', (req, res) => channel.onRequest(req.method, req.url, res));
    server.on('clientError', (_err, socket) => socket.destroy());
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ path }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.unref();
    return channel;
  }

  /** Resolves once the runtime asks for its assignment: it has booted, and waits. */
  asked(): Promise<void> {
    return this.asking.promise;
  }

  /** Sends the environment's variables: now if the runtime waits, else as soon as it asks. */
  assign(env: Readonly<Record<string, string>>): void {
    this.payload = JSON.stringify({ env });
    if (this.waiting) this.answer(this.waiting);
  }

  /** Stops listening and cuts a request not yet answered (its runtime then exits). Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.server.close();
    if (this.payload === undefined) this.waiting?.destroy();
    this.server.closeIdleConnections();
    rmSync(this.path, { force: true });
  }

  private onRequest(method: string | undefined, url: string | undefined, res: ServerResponse): void {
    if (url?.startsWith(WARM_BASE) && !this.closed) {
      this.warm(method, url, res);
      return;
    }
    if (method !== 'GET' || url !== ASSIGNMENT_PATH || this.waiting || this.closed) {
      res.writeHead(404, { connection: 'close' }).end();
      return;
    }
    this.waiting = res;
    res.socket?.unref();
    this.asking.resolve();
    if (this.payload !== undefined) this.answer(res);
  }

  /** The warm-up invocation: an empty event, whose response is taken and dropped. */
  private warm(method: string | undefined, url: string, res: ServerResponse): void {
    if (method === 'GET' && url === WARM_NEXT) {
      res.writeHead(200, {
        'content-type': 'application/json',
        'lambda-runtime-aws-request-id': 'warm-up',
        'lambda-runtime-deadline-ms': String(Date.now() + 60_000),
        'lambda-runtime-invoked-function-arn': 'arn:aws:lambda:::function:warm-up',
      });
      res.end('{}');
      return;
    }
    res.req.resume();
    res.writeHead(method === 'POST' ? 202 : 404).end();
  }

  private answer(res: ServerResponse): void {
    const body = this.payload ?? '';
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), connection: 'close' });
    res.end(body);
    this.close();
  }
}
