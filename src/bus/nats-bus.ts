/**
 * The ClusterBus on NATS (`--bus nats://…`), through the NATS project's own Node.js client
 * (@nats-io/transport-node), loaded only when a bus is configured. Core NATS publish and
 * subscribe: at most once, in order per sender, no storage; a note lost in a disconnect
 * is made up for by the reconnect listeners (cluster-bus.ts).
 */
import type { NatsConnection } from '@nats-io/transport-node';
import type { BusNote, ClusterBus } from './cluster-bus.js';

/** How long start-up waits for the NATS server before it gives up. */
const CONNECT_TIMEOUT_MS = 5_000;

/** Thrown when the bus cannot be reached at start-up; its message names the URL. */
export class BusUnavailableError extends Error {}

export interface NatsBusOptions {
  url: string;
  /** The node's name, as NATS monitoring shows the connection. */
  name: string;
  /** Where a note that cannot be read or handled, and the connection's troubles, are reported. */
  report: (err: unknown, context: string) => void;
}

export class NatsBus implements ClusterBus {
  private readonly reconnectListeners: (() => void)[] = [];

  private constructor(
    private readonly nc: NatsConnection,
    private readonly report: NatsBusOptions['report'],
  ) {
    this.watch().catch((err: unknown) => report(err, 'watching the connection'));
  }

  /** A bus connected to `url`; BusUnavailableError when no NATS answers there in time. */
  static async connect(options: NatsBusOptions): Promise<NatsBus> {
    const { default: nats } = await import('@nats-io/transport-node');
    const hostPort = options.url.replace(/^nats:\/\//, '');
    try {
      // Reconnects for ever once connected: a node outlives a restart of its NATS.
      const nc = await nats.connect({ servers: hostPort, name: options.name, timeout: CONNECT_TIMEOUT_MS, maxReconnectAttempts: -1 });
      return new NatsBus(nc, options.report);
    } catch (err) {
      throw new BusUnavailableError(`cannot reach the NATS server of --bus ${options.url}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  publish(subject: string, note: BusNote & Record<string, unknown>): void {
    try {
      this.nc.publish(subject, JSON.stringify(note));
    } catch (err) {
      // Closed or draining: the node is leaving, and the others read the database anyway.
      this.report(err, `publishing on ${subject}`);
    }
  }

  subscribe(pattern: string, handler: (note: BusNote & Record<string, unknown>, subject: string) => void): void {
    this.nc.subscribe(pattern, {
      callback: (err, msg) => {
        if (err) return this.report(err, `subscription ${pattern}`);
        let note: unknown;
        try {
          note = msg.json();
        } catch (parseErr) {
          return this.report(parseErr, `a note on ${msg.subject} that is not JSON`);
        }
        if (!note || typeof note !== 'object' || typeof (note as BusNote).node !== 'string') return;
        try {
          handler(note as BusNote & Record<string, unknown>, msg.subject);
        } catch (handlerErr) {
          this.report(handlerErr, `a note on ${msg.subject}`);
        }
      },
    });
  }

  onReconnect(listener: () => void): void {
    this.reconnectListeners.push(listener);
  }

  async close(): Promise<void> {
    if (this.nc.isClosed()) return;
    await this.nc.drain();
  }

  private async watch(): Promise<void> {
    for await (const status of this.nc.status()) {
      if (status.type === 'disconnect') this.report(new Error(`disconnected from ${status.server}`), 'bus');
      if (status.type === 'reconnect') for (const listener of this.reconnectListeners) listener();
    }
  }
}
