/**
 * A listener that pipes every connection it accepts to a TCP target: the host half of a
 * sandbox's road to its Runtime API (on a unix socket), and the gateway's relays to Gust's
 * API and to host services (on the gateway address). A reset on either side ends both:
 * the client sees a closed connection, as on any network error.
 */
import { connect, createServer, type ListenOptions, type Server, type Socket } from 'node:net';

export interface RelayTarget {
  host: string;
  port: number;
}

export class SocketRelay {
  private readonly sockets = new Set<Socket>();
  private closing: Promise<void> | undefined;

  private constructor(private readonly server: Server) {}

  /** Listens at `where` and relays to `target()`, asked at each connection (a port may be known only later). */
  static async listen(where: ListenOptions, target: () => RelayTarget): Promise<SocketRelay> {
    const server = createServer({ noDelay: true });
    const relay = new SocketRelay(server);
    server.on('connection', (inbound) => relay.pipe(inbound, target()));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(where, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return relay;
  }

  /** The TCP port it listens on (0 for a unix socket). */
  get port(): number {
    const address = this.server.address();
    return typeof address === 'object' && address ? address.port : 0;
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

  private pipe(inbound: Socket, target: RelayTarget): void {
    const outbound = connect({ host: target.host, port: target.port, noDelay: true });
    for (const s of [inbound, outbound]) {
      this.sockets.add(s);
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
