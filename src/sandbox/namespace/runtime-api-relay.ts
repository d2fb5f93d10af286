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
import { SocketRelay, type RelayTarget } from '../socket-relay.js';

/** Listens on `path` and relays to `target`; the socket is then given to the sandbox's uid (`chownSync`). */
export async function listenRuntimeApiRelay(path: string, target: RelayTarget): Promise<SocketRelay> {
  return SocketRelay.listen({ path }, () => target);
}
