/**
 * The open account spaces (account-space.ts), by account id. Every space the state backend
 * holds state of (a directory, a PostgreSQL schema) opens at start-up, before code storage
 * collects what nothing references (a space not yet open would have its code collected);
 * an account that acts for the first time (a verified caller, so an account the access-key
 * store knows) gets its space then.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { ServiceException } from '../core/errors.js';
import { AccountSpace, type SharedParts } from './account-space.js';

export class AccountSpaces {
  private readonly open = new Map<string, AccountSpace>();
  private readonly opening = new Map<string, Promise<AccountSpace>>();
  private shuttingDown = false;

  constructor(private readonly shared: SharedParts) {}

  /** Opens the server's own account's space and every other account's the backend holds. */
  async load(): Promise<void> {
    await this.ready(this.shared.config.accountId);
    for (const name of await this.shared.backend.otherAccounts()) {
      // A turn between spaces: the server answers /health while they open (gust-server.ts).
      await nextTurn();
      await this.ready(name);
    }
  }

  /**
   * Opens every account the backend holds and starts each one's schedules from its stored
   * rules while `holding()`: this node took the scheduler lease (cluster-lease.ts).
   */
  startSchedules(holding: () => boolean): Promise<void> {
    return this.everyAccount(holding, async (space) => {
      const rules = await space.eventRules.listAllRules();
      if (holding()) space.scheduler.start(rules);
    });
  }

  /** Stops the schedules of every open space: this node lost (or gave back) the scheduler lease. */
  stopSchedules(): void {
    for (const space of this.open.values()) space.scheduler.stop();
  }

  /**
   * Opens every account the backend holds and makes this node the keeper of each one's
   * queues, pollers and provisioned environments while `holding()`: this node took the
   * keeper lease (keeper.ts).
   */
  keep(holding: () => boolean): Promise<void> {
    return this.everyAccount(holding, (space) => space.keep());
  }

  /** Opens every account the backend holds, one by one, and acts on its space while a lease is this node's. */
  private async everyAccount(holding: () => boolean, act: (space: AccountSpace) => Promise<void>): Promise<void> {
    for (const accountId of [this.shared.config.accountId, ...(await this.shared.backend.otherAccounts())]) {
      const space = (await this.ready(accountId)) ?? this.open.get(accountId)!;
      if (!holding()) return;
      await act(space);
    }
  }

  /** Every open space lets another node keep: this node lost (or gave back) the keeper lease. */
  async letGo(): Promise<void> {
    for (const space of this.open.values()) await space.letGo();
  }

  /** The space of `accountId` if it is open. */
  get(accountId: string): AccountSpace | undefined {
    return this.open.get(accountId);
  }

  /** The server's own account's space. */
  get home(): AccountSpace {
    return this.open.get(this.shared.config.accountId)!;
  }

  /** Opens the space of `accountId` unless it is; resolves at once (no await needed) when it is. */
  ready(accountId: string): Promise<AccountSpace> | undefined {
    if (this.open.has(accountId)) return undefined;
    let pending = this.opening.get(accountId);
    if (!pending) {
      // A space opened now would never be stopped.
      if (this.shuttingDown) return Promise.reject(new ServiceException('The server is shutting down.'));
      pending = AccountSpace.open(this.shared, accountId).then((space) => {
        this.open.set(accountId, space);
        return space;
      });
      pending.finally(() => this.opening.delete(accountId)).catch(() => {});
      this.opening.set(accountId, pending);
    }
    return pending;
  }

  /** The space of `accountId` once it is open, if it is or is being opened; undefined otherwise. */
  whenOpen(accountId: string): Promise<AccountSpace> | undefined {
    const space = this.open.get(accountId);
    return space ? Promise.resolve(space) : this.opening.get(accountId);
  }

  /** The versions with environments on this node, of every open account, as `account\0function\0version`. */
  warmVersions(): string[] {
    return this.all().flatMap((space) => space.pool.warmVersions().map((key) => `${space.partition.accountId}\0${key}`));
  }

  /** The versions with provisioned environments on this node (the keeper's), as `account\0function\0version`. */
  provisionedVersions(): string[] {
    return this.all().flatMap((space) => space.pool.provisionedVersions().map((key) => `${space.partition.accountId}\0${key}`));
  }

  all(): AccountSpace[] {
    return [...this.open.values()];
  }

  /** Opens no more spaces; resolves with every open one once those being opened are. */
  async shutdown(): Promise<AccountSpace[]> {
    this.shuttingDown = true;
    await Promise.allSettled([...this.opening.values()]);
    return this.all();
  }
}
