/**
 * Work that runs once per cluster: one node at a time holds a lease (slot 0 of a lock on
 * its lock session) and does that work; the others try to take it every TRY_MS. Two
 * leases use it: the scheduler's (`gust.scheduler`: the holder fires every account's
 * schedules) and the keeper's (`gust.keeper`: the holder keeps every account's SQS queues,
 * runs their mappings' pollers, keeps the provisioned environments and delivers bucket
 * notifications; the other nodes hand those requests to it: keeper.ts).
 *
 * Takeover bound: a holder killed with SIGKILL frees the lease when PostgreSQL sees its
 * socket closed (at once on one host; within the lock session's TCP keepalive, about 10 s,
 * when the host vanished), and another node takes it at its next try, within TRY_MS. A
 * holder that lost its session gives the work up at once, before another can take over.
 */
import type { Logger } from 'pino';
import type { LockSession } from '../store/lock-session.js';

/** How often a node that does not hold the lease tries to take it. */
export const TRY_MS = 1_000;

/** What a lease drives. */
export interface LeasedWork {
  /** Starts the work on this node, as long as `holding()` says the lease is still its own. */
  take(holding: () => boolean): Promise<void>;
  /** Stops the work here (the lease was lost or is being given back). */
  give(): Promise<void>;
}

export class ClusterLease {
  private held = false;
  private trying = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;

  /** `role` names the work in log lines ("the scheduler lease; it fires every account's schedules"). */
  constructor(
    private readonly locks: LockSession,
    private readonly lock: string,
    private readonly role: { lease: string; work: string },
    private readonly work: LeasedWork,
    private readonly logger: Logger,
  ) {
    locks.onLost(() => {
      if (!this.held) return;
      this.held = false;
      this.giveUp();
      logger.warn(`cluster: ${role.lease} lost with the lock session; stopped here`);
    });
  }

  /** Whether this node holds the lease now. */
  get holding(): boolean {
    return this.held;
  }

  /** Tries now, then every TRY_MS until stopped. */
  start(): void {
    this.tryNow();
    this.timer = setInterval(() => void this.tryTake(), TRY_MS);
    this.timer.unref();
  }

  /** Tries now, between the periodic tries: the holder said it gave the lease back. */
  tryNow(): void {
    void this.tryTake();
  }

  /** Stops trying, stops the work and gives the lease back (a stopping node), for another node to take at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    if (!this.held) return;
    this.held = false;
    await this.giveUp();
    await this.locks.unlock(this.lock, 0);
  }

  private giveUp(): Promise<void> {
    return this.work.give().catch((err: unknown) => this.logger.warn({ err }, `cluster: stopping the work of ${this.role.lease} failed`));
  }

  private async tryTake(): Promise<void> {
    if (this.held || this.trying || this.stopped) return;
    this.trying = true;
    try {
      if (!(await this.locks.tryLock(this.lock, 0))) return;
      this.held = true;
      await this.work.take(() => this.held);
      // Once the work runs: the keeper has read the queues back by then.
      if (this.held) this.logger.info(`cluster: this node holds ${this.role.lease}; ${this.role.work}`);
    } catch (err) {
      this.logger.warn({ err }, `cluster: starting the work of ${this.role.lease} failed`);
    } finally {
      this.trying = false;
    }
  }
}
