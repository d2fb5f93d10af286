/**
 * How a runtime booted ahead of its function learns it (runtimes/node/assignment.mjs,
 * runtimes/python/_gust_runtime/assignment.py): an HTTP endpoint only the pool uses,
 * `GET /2018-06-01/runtime/gust/assignment`, on a unix socket in the sandbox's own socket
 * directory (bound at /run/gust, owned by the sandbox uid, 0700, so no other sandbox reaches
 * it). The bootstrap's request waits; at assignment Gust answers 200 with one JSON
 * document, `{"env": {...}}`, the environment's complete variables, and the socket is closed
 * and removed. HTTP rather than a bare stream: the runtime's first request is then made by
 * the same HTTP client as its Runtime API requests, whose code is loaded and run once before
 * the function arrives (Node: ~1.5 ms off the first /next), all the more after a warm-up
 * request, `GET /2018-06-01/runtime/gust/warm`, answered at once (204). Only the first
 * assignment request is answered; any other gets a 404.
 */
import { rmSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';

/** The path of the assignment request. */
export const ASSIGNMENT_PATH = '/2018-06-01/runtime/gust/assignment';
/** A request answered at once (204), which the bootstrap makes first to run its HTTP client's code once. */
export const WARM_PATH = '/2018-06-01/runtime/gust/warm';

export class AssignmentChannel {
  private waiting: ServerResponse | undefined;
  private payload: string | undefined;
  private closed = false;

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
    if (method === 'GET' && url === WARM_PATH && !this.closed) {
      res.writeHead(204).end();
      return;
    }
    if (method !== 'GET' || url !== ASSIGNMENT_PATH || this.waiting || this.closed) {
      res.writeHead(404, { connection: 'close' }).end();
      return;
    }
    this.waiting = res;
    res.socket?.unref();
    if (this.payload !== undefined) this.answer(res);
  }

  private answer(res: ServerResponse): void {
    const body = this.payload ?? '';
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), connection: 'close' });
    res.end(body);
    this.close();
  }
}
