/**
 * The DNS server sandboxes see at the gateway: it forwards each query to the host's own
 * resolvers (the nameservers of the host's resolv.conf, read again when it changes, or the
 * operator's `--sandbox-dns`), so that a resolver on the host's loopback (systemd-resolved,
 * dnsmasq), which no sandbox may reach, still answers them. UDP query by query, with the
 * next resolver tried after a silence; TCP (large answers) as a plain relay to the first.
 *
 * A sandbox can flood it, so queries in flight are capped; past the cap a query is dropped,
 * as a busy resolver would, and the client's resolver retries.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { readFileSync, statSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { SocketRelay } from '../socket-relay.js';

const MAX_IN_FLIGHT = 256;
const TRY_MS = 2000;

export interface DnsRelayOptions {
  /** Where to listen (the gateway address). */
  host: string;
  /** Resolvers to forward to; empty: the host's resolv.conf. */
  upstream: readonly string[];
  resolvConf?: string;
}

/** The resolvers queries go to, in order: the operator's, else the host's resolv.conf's (read again when it changes). */
class Upstream {
  private cached: { stamp: string; servers: string[] } | undefined;

  constructor(private readonly options: DnsRelayOptions) {}

  servers(): string[] {
    if (this.options.upstream.length > 0) return [...this.options.upstream];
    const file = this.options.resolvConf ?? '/etc/resolv.conf';
    let stamp = '';
    try {
      const st = statSync(file);
      stamp = `${st.ino}:${st.size}:${st.mtimeMs}`;
    } catch {
      // No resolv.conf: glibc's default below.
    }
    if (this.cached?.stamp !== stamp) {
      let servers: string[] = [];
      try {
        servers = readFileSync(file, 'utf8')
          .split('\n')
          .map((l) => /^\s*nameserver\s+(\S+)/.exec(l)?.[1])
          .filter((s): s is string => s !== undefined)
          .map((s) => s.replace(/%.*$/, ''));
      } catch {
        // Unreadable: glibc's default below.
      }
      this.cached = { stamp, servers: servers.length > 0 ? servers : ['127.0.0.1'] };
    }
    return this.cached.servers;
  }
}

export class DnsRelay {
  private inFlight = 0;
  private readonly pending = new Set<Socket>();

  private constructor(
    private readonly upstream: Upstream,
    private readonly udp: Socket,
    private readonly tcp: SocketRelay,
  ) {
    udp.on('message', (query, from) => this.forward(query, from));
    udp.on('error', () => undefined);
  }

  static async listen(options: DnsRelayOptions): Promise<DnsRelay> {
    const upstream = new Upstream(options);
    const udp = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind({ address: options.host, port: 0 }, () => {
        udp.off('error', reject);
        resolve();
      });
    });
    const tcp = await SocketRelay.listen({ host: options.host, port: 0 }, () => ({ host: upstream.servers()[0]!, port: 53 })).catch((err: unknown) => {
      udp.close();
      throw err;
    });
    return new DnsRelay(upstream, udp, tcp);
  }

  get udpPort(): number {
    return this.udp.address().port;
  }

  get tcpPort(): number {
    return this.tcp.port;
  }

  async close(): Promise<void> {
    for (const s of this.pending) s.close();
    this.pending.clear();
    await Promise.all([new Promise<void>((resolve) => this.udp.close(() => resolve())), this.tcp.close()]);
  }

  private forward(query: Buffer, from: RemoteInfo): void {
    if (this.inFlight >= MAX_IN_FLIGHT) return;
    this.inFlight++;
    const servers = this.upstream.servers();
    const attempt = (i: number): void => {
      const server = servers[i];
      if (server === undefined) {
        this.inFlight--;
        return;
      }
      const socket = createSocket(isIPv6(server) ? 'udp6' : 'udp4');
      this.pending.add(socket);
      let done = false;
      const finish = (next: boolean) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.pending.delete(socket);
        socket.close();
        if (next) attempt(i + 1);
        else this.inFlight--;
      };
      const timer = setTimeout(() => finish(true), TRY_MS);
      socket.on('error', () => finish(true));
      socket.on('message', (answer) => {
        this.udp.send(answer, from.port, from.address, () => undefined);
        finish(false);
      });
      socket.send(query, 53, server, (err) => err && finish(true));
    };
    attempt(0);
  }
}
