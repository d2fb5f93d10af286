/**
 * A TCP load balancer on loopback, as operators put in front of a cluster's nodes: each
 * client connection goes to the next node in turn; a node that refuses the connection is
 * skipped for the next one (as haproxy's `redispatch` does), so a node that restarts is
 * simply out of the rotation while it is down. Connections already made stay where they are.
 */
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

export interface Balancer {
  readonly url: string;
  /** Replaces the nodes' URLs (a restarted node listens on a new port). */
  setTargets(urls: string[]): void;
  close(): Promise<void>;
}

export async function startBalancer(urls: string[]): Promise<Balancer> {
  let targets = urls.map((u) => new URL(u));
  let turn = 0;
  const open = new Set<Socket>();
  const track = (s: Socket) => {
    open.add(s);
    s.once('close', () => open.delete(s));
  };
  const pipeTo = (client: Socket, tries: number): void => {
    if (tries === 0 || targets.length === 0) {
      client.destroy();
      return;
    }
    const target = targets[turn++ % targets.length]!;
    const upstream = connect(Number(target.port), target.hostname);
    track(upstream);
    upstream.once('connect', () => {
      upstream.removeAllListeners('error');
      client.pipe(upstream).pipe(client);
      const end = () => {
        client.destroy();
        upstream.destroy();
      };
      upstream.on('error', end).on('close', end);
      client.on('error', end).on('close', end);
    });
    upstream.once('error', () => pipeTo(client, tries - 1));
  };
  const server: Server = createServer({ pauseOnConnect: true }, (client) => {
    track(client);
    pipeTo(client, targets.length);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    setTargets: (next) => (targets = next.map((u) => new URL(u))),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}
