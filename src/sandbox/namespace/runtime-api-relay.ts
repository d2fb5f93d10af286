/**
 * The host half of a sandbox's road to its Runtime API. The sandbox has a network namespace
 * of its own, so it cannot reach the host's loopback (and must not: the same loopback
 * carries Gust's API and the databases). Gust listens on a unix socket in a directory that
 * only this sandbox gets bound in, owned by the sandbox uid; inside the sandbox, gust-init
 * listens on 127.0.0.1:9001 and connects to that socket.
 *
 * Each connection accepted there is handed to the environment's Runtime API endpoint
 * (`SandboxSpec.runtimeApi`) as if it had accepted it: one socket and one read and write per
 * message on Gust's side. A profile of warm invokes showed a relay to the endpoint's TCP
 * port (three sockets per connection, every message read and written twice more) taking
 * about a third of the server's CPU. A spec that names only an address (a test's own
 * server) is still relayed to it.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { RuntimeApiConnections, SandboxSpec } from '../sandbox-driver.js';
import { SocketRelay } from '../socket-relay.js';

/**
 * Connections one sandbox may hold to its Runtime API at once, as gust-init relays at most
 * (MAX_CONNS in gust-init.c). Counted here too: the socket is visible in the sandbox at
 * /run/gust, and a function that connects to it directly bypasses gust-init; Node closes
 * each connection beyond this as soon as it is accepted.
 */
export const MAX_RUNTIME_API_CONNECTIONS = 16;

export interface RuntimeApiListener {
  close(): Promise<void>;
}

/** `127.0.0.1:9002` → host and port; anything else (a socket path, nothing) → undefined. */
export function parseHostPort(value: string | undefined): { host: string; port: number } | undefined {
  const m = value === undefined ? null : /^([\d.]+|localhost):(\d+)$/.exec(value);
  return m ? { host: m[1]!, port: Number(m[2]) } : undefined;
}

/** Listens on `path` for the Runtime API of `spec`; undefined when the spec has none. The socket is then given to the sandbox's uid (`chownSync`). */
export async function listenRuntimeApi(path: string, spec: Pick<SandboxSpec, 'env' | 'runtimeApi'>): Promise<RuntimeApiListener | undefined> {
  if (spec.runtimeApi) return handOver(path, spec.runtimeApi);
  const target = parseHostPort(spec.env.AWS_LAMBDA_RUNTIME_API);
  return target ? SocketRelay.listen({ path }, () => target) : undefined;
}

/**
 * A Runtime API socket listening before its sandbox has a function (a ready sandbox's: see
 * ready-sandboxes.ts), so that the listen and its chown are not part of a cold start.
 * Connections go to the endpoint given by `to`. One that comes before is held, unread, and
 * handed over with the endpoint: the waiting bootstrap connects ahead, so that its first
 * /next after the assignment needs no connect and accept (nothing but Gust's own bootstrap
 * has run in the sandbox by then). The listener's connection cap counts held ones too.
 */
export interface PendingRuntimeApi extends RuntimeApiListener {
  to(api: RuntimeApiConnections): void;
}

export async function listenRuntimeApiLater(path: string): Promise<PendingRuntimeApi> {
  let target: RuntimeApiConnections | undefined;
  const held = new Set<Socket>();
  const listener = await handOver(path, {
    accept(socket) {
      if (target) {
        target.accept(socket);
        return;
      }
      held.add(socket);
      socket.once('close', () => held.delete(socket));
    },
  });
  return {
    to(api) {
      target = api;
      for (const socket of held) api.accept(socket);
      held.clear();
    },
    close() {
      for (const socket of held) socket.destroy();
      return listener.close();
    },
  };
}

async function handOver(path: string, api: RuntimeApiConnections): Promise<RuntimeApiListener> {
  const server: Server = createServer({ noDelay: true }, (socket) => api.accept(socket));
  server.maxConnections = MAX_RUNTIME_API_CONNECTIONS;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // The connections belong to the endpoint from here on, which closes them with itself.
  return { close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
