/**
 * Host uids (and gids) for sandboxes, one per environment from a configured range
 * (`--sandbox-uid`, `--sandbox-gid`, `--sandbox-uid-count`): the kernel keeps per-uid
 * quotas (inotify instances and watches, pipe buffer pages, processes, locked memory) that a
 * user namespace does not separate, so tenants sharing a uid share them, and one can use
 * them up for all. A uid comes back only once its environment is gone, and is used again
 * only after every other free one: fresh ones first, then the longest free.
 */
import type { SandboxIdentity } from './sandbox-host.js';

export class NoFreeUidError extends Error {
  constructor(count: number) {
    super(`all ${count} sandbox uids are in use (--sandbox-uid-count)`);
    this.name = 'NoFreeUidError';
  }
}

export class UidLeases {
  private next = 0;
  private readonly free: number[] = [];
  private readonly leased = new Set<number>();

  constructor(
    private readonly first: SandboxIdentity,
    private readonly count: number,
  ) {}

  lease(): SandboxIdentity {
    const offset = this.next < this.count ? this.next++ : this.free.shift();
    if (offset === undefined) throw new NoFreeUidError(this.count);
    this.leased.add(offset);
    return { uid: this.first.uid + offset, gid: this.first.gid + offset };
  }

  /** Uids that no environment or waiting sandbox holds. */
  get available(): number {
    return this.count - this.leased.size;
  }

  /** Gives a uid back once nothing of its environment runs any more; a second release is ignored. */
  release(id: SandboxIdentity): void {
    const offset = id.uid - this.first.uid;
    if (this.leased.delete(offset)) this.free.push(offset);
  }

  /** Whether `uid` is one of the range's (a sandbox's process, seen from the host). */
  owns(uid: number): boolean {
    return uid >= this.first.uid && uid < this.first.uid + this.count;
  }
}
