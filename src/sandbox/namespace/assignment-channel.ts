/**
 * How a runtime booted ahead of its function learns it (runtimes/node/assignment.mjs,
 * runtimes/python/_gust_runtime/assignment.py): a unix socket in the sandbox's own socket
 * directory (bound at /run/gust, owned by the sandbox uid, 0700, so no other sandbox reaches
 * it) where the bootstrap's one connection waits. At assignment Gust writes one JSON
 * document, `{"env": {...}}`, and ends the stream; the socket is then closed and removed.
 * Only the first connection is answered; any other is closed at once.
 */
import { rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';

export class AssignmentChannel {
  private waiting: Socket | undefined;
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
    server.on('connection', (socket) => channel.accept(socket));
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

  /** Whether the runtime has booted and waits for its function. */
  get runtimeWaiting(): boolean {
    return this.waiting !== undefined && !this.waiting.destroyed;
  }

  /** Sends the environment's variables: now if the runtime waits, else as soon as it connects. */
  assign(env: Readonly<Record<string, string>>): void {
    this.payload = JSON.stringify({ env });
    if (this.waiting) this.answer(this.waiting);
  }

  /** Stops listening and cuts a connection not yet answered (its runtime then exits). Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.server.close();
    if (this.payload === undefined) this.waiting?.destroy();
    rmSync(this.path, { force: true });
  }

  private accept(socket: Socket): void {
    socket.on('error', () => undefined);
    if (this.waiting || this.closed) {
      socket.destroy();
      return;
    }
    this.waiting = socket;
    socket.unref();
    if (this.payload !== undefined) this.answer(socket);
  }

  private answer(socket: Socket): void {
    socket.end(this.payload ?? '');
    this.close();
  }
}
