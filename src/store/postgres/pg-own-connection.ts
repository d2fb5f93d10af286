/**
 * One `pg.Client` of a component's own, outside the shared pool, for state that belongs to
 * a session (advisory locks, a `LISTEN`): a pooled connection would carry it to whichever
 * query borrows it next. It is kept connected: when it drops (an error, its end, a query the
 * owner saw fail) the owner is told at once (`lost`), and it reconnects with backoff until
 * closed; `prepare` runs on every new connection before it is used, `connected` after.
 */
import pg from 'pg';

export interface PgOwnConnectionOptions {
  connectionString: string;
  /** How it names itself in `pg_stat_activity`. */
  applicationName: string;
  /** Names it in the report of a failed reconnection ("lock session: reconnecting failed"). */
  name: string;
  report(err: Error, context: string): void;
  /** First wait before reconnecting; doubles up to `maxBackoffMs`. */
  backoffMs?: number | undefined;
  maxBackoffMs?: number | undefined;
  /** Runs on each new connection before it counts as connected (a `LISTEN`, its listener). */
  prepare?(client: pg.Client): Promise<void>;
  /** Told of each connection once it is ready, the first one included. */
  connected?(): void;
  /** Told once per lost connection, before it reconnects. */
  lost(err: Error): void;
}

export class PgOwnConnection {
  private current: pg.Client | undefined;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;

  private constructor(private readonly options: PgOwnConnectionOptions) {}

  /** The connection once ready; throws when the database does not answer. */
  static async open(options: PgOwnConnectionOptions): Promise<PgOwnConnection> {
    const own = new PgOwnConnection(options);
    own.current = await own.connect();
    options.connected?.();
    return own;
  }

  /** The connection now, or undefined while it is lost. */
  get client(): pg.Client | undefined {
    return this.current;
  }

  /** The backend process id of the current connection (for tests that end it), or undefined while lost. */
  get pid(): number | undefined {
    return (this.current as { processID?: number } | undefined)?.processID;
  }

  /** Forgets `client` (once per connection: a later call for it does nothing), tells the owner, and reconnects. */
  lose(client: pg.Client, err: Error): void {
    if (this.current !== client || this.closed) return;
    this.current = undefined;
    client.end().catch(() => undefined);
    this.options.lost(err);
    this.reconnect(this.options.backoffMs ?? 250);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    const client = this.current;
    this.current = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<pg.Client> {
    const client = new pg.Client({
      connectionString: this.options.connectionString,
      application_name: this.options.applicationName,
      connectionTimeoutMillis: 5_000,
      statement_timeout: 5_000,
      // A peer that vanished without a FIN is found within about 10 s.
      keepAlive: true,
      keepAliveInitialDelayMillis: 5_000,
    });
    client.on('error', (err) => this.lose(client, err));
    client.on('end', () => this.lose(client, new Error(`the ${this.options.name} ended`)));
    try {
      await client.connect();
      await this.options.prepare?.(client);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    return client;
  }

  private reconnect(waitMs: number): void {
    this.retry = setTimeout(() => {
      this.connect().then(
        (client) => {
          if (this.closed) {
            client.end().catch(() => undefined);
            return;
          }
          this.current = client;
          this.options.connected?.();
        },
        (err: unknown) => {
          this.options.report(err as Error, `${this.options.name}: reconnecting failed`);
          if (!this.closed) this.reconnect(Math.min(waitMs * 2, this.options.maxBackoffMs ?? 5_000));
        },
      );
    }, waitMs);
    this.retry.unref();
  }
}
