/**
 * A ChangeWatch on a PostgreSQL notification channel (`LISTEN`), on a connection of its own
 * (pg-own-connection.ts: a pooled one would be handed to other queries). Writers announce a
 * change with `pg_notify(<channel>, '')` once it is committed; notifications are per
 * database, so two clusters on one server never hear each other. A lost connection makes
 * the watch not live at once, then it reconnects with backoff and listens again; the
 * generation moves on both, since what was written while no one listened is unknown.
 */
import type { ChangeWatch } from '../change-watch.js';
import { PgOwnConnection } from './pg-own-connection.js';

export interface PgChannelWatchOptions {
  connectionString: string;
  channel: string;
  /** Told of each lost connection and failed reconnection. */
  report(err: Error, context: string): void;
  backoffMs?: number;
  maxBackoffMs?: number;
}

export class PgChannelWatch implements ChangeWatch {
  private connection!: PgOwnConnection;
  private heard = 0;

  private constructor() {}

  /** A watch once it listens; throws when the database does not answer. */
  static async open(options: PgChannelWatchOptions): Promise<PgChannelWatch> {
    const { channel } = options;
    const watch = new PgChannelWatch();
    watch.connection = await PgOwnConnection.open({
      connectionString: options.connectionString,
      applicationName: `gust watch ${channel}`,
      name: `watch of ${channel}`,
      report: options.report,
      backoffMs: options.backoffMs,
      maxBackoffMs: options.maxBackoffMs,
      prepare: async (client) => {
        client.on('notification', (n) => {
          if (n.channel === channel) watch.heard++;
        });
        await client.query(`LISTEN ${client.escapeIdentifier(channel)}`);
      },
      connected: () => watch.heard++,
      lost: (err) => {
        watch.heard++;
        options.report(err, `watch of ${channel} lost; reading through until it listens again`);
      },
    });
    return watch;
  }

  /** The backend process id of the listening connection (for tests that end it), or undefined while lost. */
  get pid(): number | undefined {
    return this.connection.pid;
  }

  get live(): boolean {
    return this.connection.client !== undefined;
  }

  get generation(): number {
    return this.heard;
  }

  close(): Promise<void> {
    return this.connection.close();
  }
}
