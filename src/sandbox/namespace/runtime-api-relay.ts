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
import { SocketRelay, type RelayTarget } from '../socket-relay.js';

/** Listens on `path` (owned by uid:gid, mode 0600) and relays to `target`. */
export async function listenRuntimeApiRelay(path: string, target: RelayTarget, owner: { uid: number; gid: number }): Promise<SocketRelay> {
  const relay = await SocketRelay.listen({ path }, () => target);
  chownSync(path, owner.uid, owner.gid);
  return relay;
}
