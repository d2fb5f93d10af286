/**
 * Closing the HTTP edge the way a node leaves a cluster behind a load balancer: it accepts
 * no new connection (the balancer sends it elsewhere), a request that arrives on a kept-alive
 * connection gets AWS's ServiceUnavailable (503) with `Connection: close` (SDKs retry it), and requests in
 * flight (a synchronous invoke waiting on its function) go on to their answers. A connection
 * that goes idle after the close began would stay open until the client's keep-alive ends,
 * so idle ones are closed as they appear.
 */
import type { FastifyInstance } from 'fastify';

/** How often idle connections are looked for while requests finish. */
const SWEEP_MS = 50;

export interface ClosingEdge {
  /** Resolves once every connection has ended. */
  readonly drained: Promise<void>;
  /** Waits for `drained`, for at most `ms`. */
  drainedWithin(ms: number): Promise<void>;
  /** Ends the connections still open, answered or not. */
  cut(): void;
}

/**
 * Begins the close. `stopListening` closes the port when Fastify did not open it (`gust
 * serve`'s first listener), resolving once its connections have ended; Fastify's close does
 * that otherwise.
 */
export function closeEdge(app: FastifyInstance, stopListening?: () => Promise<void>): ClosingEdge {
  const server = app.server;
  const sweep = setInterval(() => server.closeIdleConnections(), SWEEP_MS);
  const drained = (async () => {
    try {
      await app.close();
      await stopListening?.();
    } finally {
      clearInterval(sweep);
    }
  })();
  const drainedWithin = async (ms: number) => {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([drained, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
    clearTimeout(timer);
  };
  return { drained, drainedWithin, cut: () => server.closeAllConnections() };
}
