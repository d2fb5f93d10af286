/**
 * The cluster's leases as PostgreSQL session-level advisory locks (`pg_try_advisory_lock`
 * with two int4 keys: the hash of the lock's name and the slot), on one `pg.Client` of the
 * node's own rather than the shared pool: a session lock belongs to the connection that took
 * it, and a pooled connection would carry it to whichever query borrows it next.
 *
 * The locks last as long as the connection: a node killed with SIGKILL leaves a closed
 * socket, PostgreSQL ends its session and the next `tryLock` of another node wins. When this
 * node's connection drops it tells its listeners at once (`onLost`) and forgets what it held,
 * then reconnects with backoff; it holds nothing until a caller takes locks again.
 *
 * Lock names hash to int4 (`hashtext`): two names that collide share their slots, which
 * can only make a holder wait or throttle, never let two hold one slot. Advisory locks are
 * per database, so clusters on different databases of one server never meet.
 */
import type { LockSession } from '../lock-session.js';
import { PgOwnConnection } from './pg-own-connection.js';

export interface PgLockSessionOptions {
  connectionString: string;
  /** How the session names itself in `pg_stat_activity` (default `gust locks`). */
  applicationName?: string;
  /** Told of each lost connection and failed reconnection. */
  report(err: Error, context: string): void;
  /** First wait before reconnecting; doubles up to `maxBackoffMs`. */
  backoffMs?: number;
  maxBackoffMs?: number;
}

export class PgLockSession implements LockSession {
  private connection!: PgOwnConnection;
  /** Slots this session holds (or is taking), by lock name. */
  private readonly held = new Map<string, Set<number>>();
  /** Per lock name, the last `tryLockFirst` sent: the next waits for it (see there). */
  private readonly taking = new Map<string, Promise<unknown>>();
  private readonly lostListeners: (() => void)[] = [];

  private constructor() {}

  /** A session once connected; throws when the database does not answer. */
  static async open(options: PgLockSessionOptions): Promise<PgLockSession> {
    const session = new PgLockSession();
    session.connection = await PgOwnConnection.open({
      connectionString: options.connectionString,
      applicationName: options.applicationName ?? 'gust locks',
      name: 'lock session',
      report: options.report,
      backoffMs: options.backoffMs,
      maxBackoffMs: options.maxBackoffMs,
      lost: (err) => {
        session.held.clear();
        options.report(err, 'lock session lost; every lease this node held is gone');
        for (const listener of session.lostListeners) listener();
      },
    });
    return session;
  }

  /** The backend process id of the current connection (for tests that end it), or undefined while lost. */
  get pid(): number | undefined {
    return this.connection.pid;
  }

  private get client() {
    return this.connection.client;
  }

  async tryLock(key: string, slot: number): Promise<boolean> {
    const client = this.client;
    // Re-entrant within a session: a second take would succeed and need two unlocks.
    if (!client || this.holds(key, slot)) return false;
    this.mark(key, slot);
    try {
      const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext($1), $2) AS ok', [key, slot]);
      if (rows[0]?.ok === true && this.client === client) return true;
    } catch (err) {
      this.connection.lose(client, err as Error);
    }
    if (this.client === client) this.unmark(key, slot);
    return false;
  }

  tryLockFirst(key: string, count: number): Promise<number | undefined> {
    // The slots this session holds are left out by the query, as they are when it is sent: a
    // take sent before the previous one's answer could get that one's slot again (re-entrant),
    // so takes of one name go one after another. Other names' are not held back.
    const previous = this.taking.get(key);
    const next = (previous ?? Promise.resolve()).then(() => this.takeFirst(key, count));
    this.taking.set(key, next);
    void next.finally(() => {
      if (this.taking.get(key) === next) this.taking.delete(key);
    });
    return next;
  }

  async unlock(key: string, slot: number): Promise<void> {
    const client = this.client;
    if (!client || !this.unmark(key, slot)) return;
    try {
      await client.query('SELECT pg_advisory_unlock(hashtext($1), $2)', [key, slot]);
    } catch (err) {
      this.connection.lose(client, err as Error);
    }
  }

  onLost(listener: () => void): void {
    this.lostListeners.push(listener);
  }

  async close(): Promise<void> {
    this.held.clear();
    await this.connection.close();
  }

  private async takeFirst(key: string, count: number): Promise<number | undefined> {
    const client = this.client;
    if (!client || count <= 0) return undefined;
    const mine = [...(this.held.get(key) ?? [])];
    try {
      // CASE fixes the order: a slot of this session's is never passed to the lock function.
      // The executor stops at the first row that passes, so no slot after it is taken.
      const { rows } = await client.query<{ slot: number }>(
        'SELECT s AS slot FROM generate_series(0, $2::int - 1) AS s WHERE CASE WHEN s = ANY($3::int[]) THEN false ELSE pg_try_advisory_lock(hashtext($1), s) END LIMIT 1',
        [key, count, mine],
      );
      const slot = rows[0]?.slot;
      if (slot === undefined || this.client !== client) return undefined;
      this.mark(key, slot);
      return slot;
    } catch (err) {
      this.connection.lose(client, err as Error);
      return undefined;
    }
  }

  private holds(key: string, slot: number): boolean {
    return this.held.get(key)?.has(slot) ?? false;
  }

  private mark(key: string, slot: number): void {
    let slots = this.held.get(key);
    if (!slots) this.held.set(key, (slots = new Set()));
    slots.add(slot);
  }

  /** Forgets a held slot; false when it was not held. */
  private unmark(key: string, slot: number): boolean {
    const slots = this.held.get(key);
    if (!slots?.delete(slot)) return false;
    if (slots.size === 0) this.held.delete(key);
    return true;
  }
}
