/**
 * An account's concurrency counted across the nodes of a cluster, in the nodes' lock
 * sessions (store/lock-session.ts), which PostgreSQL frees with a node's session when it dies.
 *
 * - A function's reserved concurrency N is N slots of `concurrency.<account>.<function>`:
 *   each invocation holds one while it runs, so exactly N run at once in the cluster.
 * - The unreserved pool (the account limit less what functions reserved or provisioned)
 *   would cost a round trip per invocation the same way, on every function. So it is cut
 *   into blocks of `blockSize` units, slots of `unreserved.<account>`: a node holds a block
 *   while it runs up to that many invocations, takes another when those are all in use, and
 *   gives back a spare one after it stayed spare for `lingerMs` (so a steady load takes no
 *   lock at all). The cluster never runs more than the pool; it may refuse up to
 *   `blockSize - 1` units per node early (held spare by other nodes), and the pool's
 *   remainder of a block.
 */
import type { SharedLimits } from '../pool/pool.js';
import type { LockSession } from '../store/lock-session.js';

/** Units per block of the unreserved pool: a hundredth of the account limit, at least 1. */
export function blockSizeFor(accountLimit: number): number {
  return Math.max(1, Math.floor(accountLimit / 100));
}

export class UnreservedBlocks {
  /** Blocks this node holds, by slot number. */
  private readonly held = new Set<number>();
  private inUse = 0;
  /** The number of blocks the pool had at the last take: a block numbered at or past it no longer counts. */
  private blocks = 0;
  private trimming: NodeJS.Timeout | undefined;

  constructor(
    private readonly locks: LockSession,
    private readonly key: string,
    private readonly blockSize: number,
    private readonly lingerMs = 1_000,
  ) {
    // PostgreSQL freed every block with the session; invocations in flight stay counted, so
    // the next takes first win back blocks that cover them.
    locks.onLost(() => this.held.clear());
  }

  /** Takes one unit of an unreserved pool of `unreserved` units: its release, or undefined when the cluster has none free. */
  async take(unreserved: number): Promise<(() => void) | undefined> {
    this.blocks = Math.floor(unreserved / this.blockSize);
    while (this.inUse >= this.capacity()) {
      const block = await this.locks.tryLockFirst(this.key, this.blocks);
      if (block === undefined) return undefined;
      this.held.add(block);
    }
    this.inUse++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inUse--;
      this.trimLater();
    };
  }

  /** Units this node may run: its blocks that the pool still has. */
  private capacity(): number {
    let blocks = 0;
    for (const block of this.held) if (block < this.blocks) blocks++;
    return blocks * this.blockSize;
  }

  private trimLater(): void {
    if (this.trimming || this.capacity() - this.inUse < this.blockSize) return;
    this.trimming = setTimeout(() => {
      this.trimming = undefined;
      this.trim();
    }, this.lingerMs);
    this.trimming.unref();
  }

  /** Gives back the blocks the pool no longer has, and the spare ones, highest first. */
  private trim(): void {
    for (const block of [...this.held].sort((a, b) => b - a)) {
      const outside = block >= this.blocks;
      if (!outside && this.capacity() - this.inUse < this.blockSize) continue;
      this.held.delete(block);
      void this.locks.unlock(this.key, block);
    }
  }
}

/** The account's limits across the cluster, in `locks`. */
export function clusterLimits(locks: LockSession, accountId: string, accountLimit: number): SharedLimits {
  const unreserved = new UnreservedBlocks(locks, `unreserved.${accountId}`, blockSizeFor(accountLimit));
  return {
    async takeReserved(functionName, reserved) {
      const key = `concurrency.${accountId}.${functionName}`;
      const slot = await locks.tryLockFirst(key, reserved);
      return slot === undefined ? undefined : () => void locks.unlock(key, slot);
    },
    takeUnreserved: (units) => unreserved.take(units),
  };
}
