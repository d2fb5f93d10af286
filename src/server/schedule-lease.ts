/**
 * Schedules fire once per cluster: one node at a time holds the scheduler lease (slot 0 of
 * the lock `gust.scheduler` on its lock session) and runs the Scheduler of every account;
 * the others try to take it every TRY_MS. The holder opens every account the database
 * holds when it takes the lease (an account may have rules but no requests on this node),
 * and the account of any rule note it is told of later.
 *
 * Takeover bound: a holder killed with SIGKILL frees the lease when PostgreSQL sees its
 * socket closed (at once on one host; within the lock session's TCP keepalive, about 10 s,
 * when the host vanished), and another node takes it at its next try, within TRY_MS. A
 * holder that lost its session stops its schedulers at once, before another can take over.
 */
import type { Logger } from 'pino';
import type { LockSession } from '../store/lock-session.js';

/** How often a node that does not hold the lease tries to take it. */
export const TRY_MS = 1_000;
const LOCK = 'gust.scheduler';

/** What the lease drives: the spaces' schedulers. */
export interface ScheduledSpaces {
  /**
   * Opens every account the database holds and starts each space's scheduler from the
   * stored rules, as long as `holding()` says the lease is still this node's.
   */
  startAll(holding: () => boolean): Promise<void>;
  /** Stops every space's scheduler. */
  stopAll(): void;
}

export class ScheduleLease {
  private held = false;
  private trying = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly locks: LockSession,
    private readonly spaces: ScheduledSpaces,
    private readonly logger: Logger,
  ) {
    locks.onLost(() => {
      if (!this.held) return;
      this.held = false;
      spaces.stopAll();
      logger.warn('cluster: scheduler lease lost with the lock session; schedules stopped here');
    });
  }

  /** Whether this node fires schedules now. */
  get holding(): boolean {
    return this.held;
  }

  /** Tries now, then every TRY_MS until stopped. */
  start(): void {
    void this.tryTake();
    this.timer = setInterval(() => void this.tryTake(), TRY_MS);
    this.timer.unref();
  }

  /** Stops trying and gives the lease back (a stopping node), for another node to take at once. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    if (!this.held) return;
    this.held = false;
    this.spaces.stopAll();
    await this.locks.unlock(LOCK, 0);
  }

  private async tryTake(): Promise<void> {
    if (this.held || this.trying) return;
    this.trying = true;
    try {
      if (!(await this.locks.tryLock(LOCK, 0))) return;
      this.held = true;
      this.logger.info('cluster: this node holds the scheduler lease; it fires every account\'s schedules');
      await this.spaces.startAll(() => this.held);
    } catch (err) {
      this.logger.warn({ err }, 'cluster: starting the schedules of the scheduler lease failed');
    } finally {
      this.trying = false;
    }
  }
}
