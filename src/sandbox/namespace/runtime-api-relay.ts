/**
 * The host half of a sandbox's road to its Runtime API. The environment's RuntimeEndpoint
 * listens on 127.0.0.1:<port> of the host, which a sandbox with its own network namespace
 * cannot reach (and must not: the same loopback carries Gust's API and the databases). The
 * relay listens on a unix socket in a directory that only this sandbox gets bound in, owned
 * by the sandbox uid, and pipes each connection to the endpoint's port. Inside the sandbox,
 * gust-init listens on 127.0.0.1:9001 and connects to this socket.
 *
 * Runtimes keep one connection alive across invocations, so the relay's cost is one extra
 * local hop per request, not a connection per request.
 */
import { chownSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';

export class RuntimeApiRelay {
  private readonly sockets = new Set<Socket>();
  private closing: Promise<void> | undefined;

  private constructor(private readonly server: Server) {}

  /** Listens on `path` (owned by uid:gid, mode 0600) and relays to `host:port`. */
  static async listen(path: string, target: { host: string; port: number }, owner: { uid: number; gid: number }): Promise<RuntimeApiRelay> {
    const server = createServer({ noDelay: true });
    const relay = new RuntimeApiRelay(server);
    server.on('connection', (inbound) => relay.pipe(inbound, target));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    });
    chownSync(path, owner.uid, owner.gid);
    return relay;
  }

  /** Stops listening and cuts every relayed connection. Idempotent. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const s of this.sockets) s.destroy();
      this.sockets.clear();
    });
    return this.closing;
  }

  private pipe(inbound: Socket, target: { host: string; port: number }): void {
    const outbound = connect({ host: target.host, port: target.port, noDelay: true });
    for (const s of [inbound, outbound]) {
      this.sockets.add(s);
      // A reset on one side ends both; the runtime sees a closed connection, as on any network error.
      s.on('error', () => {
        inbound.destroy();
        outbound.destroy();
      });
      s.on('close', () => this.sockets.delete(s));
    }
    inbound.pipe(outbound);
    outbound.pipe(inbound);
  }
}
