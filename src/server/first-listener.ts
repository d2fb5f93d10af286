/**
 * `gust serve`'s port, opened before the server is built. Loading Gust's modules and
 * building the HTTP edge take several times what a bare Node server needs to answer, and a
 * first `/health` needs none of it: this listener answers `/health` at once and holds
 * every other request, in order, until the server takes them over (`handOver`), after
 * which the server's handler sees every request on the same port and connections. Only
 * node:http and the lean front (its connections' reader, a few small modules) are imported
 * here, so that nothing else loads before the port is open.
 *
 * `gust serve` opens it only on a loopback address: a server bound elsewhere must first
 * check that it may start at all (auth-setup.ts), and opens its port after that, as before.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { installLeanFront, type FrontDoor } from '../http/lean-front.js';

export type RequestHandler = (request: IncomingMessage, response: ServerResponse) => void;

export class FirstListener {
  private handler: RequestHandler | undefined;
  private held: [IncomingMessage, ServerResponse][] = [];

  /** Every connection is read by the lean front from the first (lean-front.ts); the edge gives it its routes. */
  readonly front: FrontDoor;

  private constructor(readonly server: Server) {
    this.front = installLeanFront(server);
  }

  /** Listens on `host:port` (0: a free port); rejects as `listen` does (a port in use). */
  static async open(host: string, port: number): Promise<FirstListener> {
    const server = createServer();
    const listener = new FirstListener(server);
    server.on('request', (request, response) => listener.route(request, response));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return listener;
  }

  /** From now on every request goes to `handler`; those held so far first, in the order they came. */
  handOver(handler: RequestHandler): void {
    this.handler = handler;
    const held = this.held;
    this.held = [];
    for (const [request, response] of held) handler(request, response);
  }

  /** Stops accepting connections and ends idle ones; resolves once every connection has closed. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeIdleConnections();
    });
  }

  private route(request: IncomingMessage, response: ServerResponse): void {
    if (this.handler) return this.handler(request, response);
    if (request.method === 'GET' && request.url === '/health') {
      response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      response.end('{"status":"ok"}');
      return;
    }
    this.held.push([request, response]);
  }
}
