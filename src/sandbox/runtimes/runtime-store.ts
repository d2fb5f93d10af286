/**
 * The runtimes directory: installed interpreters, Python roots and SDKs, each in a
 * directory of its own named for what it holds (`node-22.23.5-linux-x64`,
 * `python3.13-trixie`, `node-sdk-<lock hash>`, `python-sdk-boto3-1.37.9`). An entry is
 * built in a staging directory and renamed into place, so it either exists whole or not at
 * all; several servers (or a server and `gust runtimes install`) may share the directory,
 * and the first to finish an entry wins. Entries are never changed after that.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const STAGING = '.staging';

export class RuntimeStore {
  private readonly building = new Map<string, Promise<string>>();

  constructor(readonly dir: string) {}

  /** The path of entry `name`, whether it exists or not. */
  path(name: string): string {
    return join(this.dir, name);
  }

  has(name: string): boolean {
    return existsSync(this.path(name));
  }

  /** Names of the complete entries that start with `prefix`. */
  list(prefix: string): string[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir).filter((n) => n.startsWith(prefix) && !n.startsWith('.'));
  }

  /**
   * Builds entry `name` with `build` (given an empty staging directory) unless it exists;
   * resolves with its path. Concurrent calls for one name in this process share one build.
   */
  ensure(name: string, build: (staging: string) => Promise<void>): Promise<string> {
    const final = this.path(name);
    if (existsSync(final)) return Promise.resolve(final);
    let running = this.building.get(name);
    if (!running) {
      running = this.build(name, build).finally(() => this.building.delete(name));
      this.building.set(name, running);
    }
    return running;
  }

  private async build(name: string, build: (staging: string) => Promise<void>): Promise<string> {
    const final = this.path(name);
    // Sandboxes read entries as another uid: directories must be searchable by all.
    mkdirSync(join(this.dir, STAGING), { recursive: true, mode: 0o755 });
    chmodSync(this.dir, 0o755);
    const staging = join(this.dir, STAGING, `${name}.${process.pid}.${randomBytes(4).toString('hex')}`);
    mkdirSync(staging, { mode: 0o755 });
    try {
      await build(staging);
      try {
        renameSync(staging, final);
      } catch (err) {
        // Another process finished the same entry first; theirs is as good.
        if (!existsSync(final)) throw err;
      }
      return final;
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  }
}
