/**
 * The verifier's view of the access keys, kept in memory while a ChangeWatch hears every
 * write of them (PostgreSQL: store/postgres/pg-channel-watch.ts; SQLite:
 * store/sqlite/sqlite-file-watch.ts). Without it, every request asked the database whether
 * any key exists and then for its key: on PostgreSQL two round trips per invoke, which cost
 * a cluster node a third of its warm throughput and PostgreSQL three quarters of its CPU per
 * invoke (docs/architecture.md, "Shared key files"); on SQLite a query and two file locks,
 * about 10 µs of a warm invoke's ~350 and of a 429's ~150.
 *
 * An entry counts only under the generation it was read in, while the watch is live: a key
 * removed anywhere stops verifying on every node as soon as its notification arrives, and a
 * node that may have missed one (its watch lost) reads through to the store until it listens
 * again. Only keys that exist are kept, up to MAX_KEPT, so unknown key ids sent by anyone
 * cannot grow the map.
 */
import type { ChangeWatch } from '../store/change-watch.js';

interface Keys {
  lookup(accessKeyId: string): Promise<{ accountId: string; secretAccessKey: string } | undefined>;
  any(): Promise<boolean>;
}

const MAX_KEPT = 10_000;

export class CachedKeys implements Keys {
  private anyKey: { value: boolean; generation: number } | undefined;
  private readonly kept = new Map<string, { value: { accountId: string; secretAccessKey: string }; generation: number }>();

  constructor(
    private readonly keys: Keys,
    private readonly watch: ChangeWatch,
  ) {}

  async any(): Promise<boolean> {
    const generation = this.watch.generation;
    if (this.watch.live && this.anyKey?.generation === generation) return this.anyKey.value;
    const value = await this.keys.any();
    this.anyKey = { value, generation };
    return value;
  }

  async lookup(accessKeyId: string): Promise<{ accountId: string; secretAccessKey: string } | undefined> {
    const generation = this.watch.generation;
    const entry = this.kept.get(accessKeyId);
    if (this.watch.live && entry?.generation === generation) return entry.value;
    const value = await this.keys.lookup(accessKeyId);
    if (value === undefined) this.kept.delete(accessKeyId);
    else {
      if (this.kept.size >= MAX_KEPT) this.kept.clear();
      this.kept.set(accessKeyId, { value, generation });
    }
    return value;
  }
}
