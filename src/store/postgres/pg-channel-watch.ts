/**
 * A ChangeWatch on a PostgreSQL notification channel (`LISTEN`), on a connection of its own
 * (a pooled one would be handed to other queries). Writers announce a change with
 * `pg_notify(<channel>, '')` once it is committed; notifications are per database, so two
 * clusters on one server never hear each other. A lost connection makes the watch not live
 * at once, then it reconnects with backoff and listens again; the generation moves on both.
 */
import pg from 'pg';
import type { ChangeWatch } from '../change-watch.js';

export interface PgChannelWatchOptions {
  connectionString: string;
  channel: string;
  /** Told of each lost connection and failed reconnection. */
  report(err: Error, context: string): void;
  backoffMs?: number;
  maxBackoffMs?: number;
}

export class PgChannelWatch implements ChangeWatch {
  private client: pg.Client | undefined;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;
  private heard = 0;

  private constructor(private readonly options: PgChannelWatchOptions) {}

  /** A watch once it listens; throws when the database does not answer. */
  static async open(options: PgChannelWatchOptions): Promise<PgChannelWatch> {
    const watch = new PgChannelWatch(options);
    watch.client = await watch.listen();
    return watch;
  }

  /** The backend process id of the listening connection (for tests that end it), or undefined while lost. */
  get pid(): number | undefined {
    return (this.client as { processID?: number } | undefined)?.processID;
  }

  get live(): boolean {
    return this.client !== undefined;
  }

  get generation(): number {
    return this.heard;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async listen(): Promise<pg.Client> {
    const client = new pg.Client({
      connectionString: this.options.connectionString,
      application_name: `gust watch ${this.options.channel}`,
      connectionTimeoutMillis: 5_000,
      keepAlive: true,
      keepAliveInitialDelayMillis: 5_000,
    });
    client.on('notification', (n) => {
      if (n.channel === this.options.channel) this.heard++;
    });
    client.on('error', (err) => this.lose(client, err));
    client.on('end', () => this.lose(client, new Error(`the watch of ${this.options.channel} ended`)));
    try {
      await client.connect();
      await client.query(`LISTEN ${client.escapeIdentifier(this.options.channel)}`);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    // What was written while no one listened is unknown: everything read before is stale.
    this.heard++;
    return client;
  }

  private lose(client: pg.Client, err: Error): void {
    if (this.client !== client || this.closed) return;
    this.client = undefined;
    this.heard++;
    client.end().catch(() => undefined);
    this.options.report(err, `watch of ${this.options.channel} lost; reading through until it listens again`);
    this.reconnect(this.options.backoffMs ?? 250);
  }

  private reconnect(waitMs: number): void {
    this.retry = setTimeout(() => {
      this.listen().then(
        (client) => {
          if (this.closed) client.end().catch(() => undefined);
          else this.client = client;
        },
        (err: unknown) => {
          this.options.report(err as Error, `watch of ${this.options.channel}: reconnecting failed`);
          if (!this.closed) this.reconnect(Math.min(waitMs * 2, this.options.maxBackoffMs ?? 5_000));
        },
      );
    }, waitMs);
    this.retry.unref();
  }
}
