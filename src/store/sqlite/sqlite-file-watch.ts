/**
 * A ChangeWatch on a SQLite database in WAL mode: every commit, from any process (the server
 * itself, or `gust keys` run by an operator), appends to the database's `-wal` file, and
 * inotify (`fs.watch`) says so. Reads never write the file (their marks live in the
 * memory-mapped `-shm`, which raises no events), so a cache in front of the database is asked
 * again only after a write.
 *
 * The word arrives as an event, a moment after the commit, as a PostgreSQL notification
 * does. A watch that fails, or whose file is removed or replaced (the last connection closed
 * it, or someone swapped the database), is no longer live, and caches read through from then on.
 */
import { watch, type FSWatcher } from 'node:fs';
import type { ChangeWatch } from '../change-watch.js';

export class SqliteFileWatch implements ChangeWatch {
  private heard = 0;
  private watcher: FSWatcher | undefined;

  private constructor(report: (err: Error, context: string) => void, walPath: string) {
    try {
      // Not persistent: a watch alone must not keep the process running.
      this.watcher = watch(walPath, { persistent: false }, (event) => {
        this.heard++;
        if (event === 'rename') this.stop(report, new Error(`${walPath} was removed or replaced`), walPath);
      });
      this.watcher.on('error', (err) => this.stop(report, err, walPath));
    } catch (err) {
      report(err as Error, `cannot watch ${walPath}; reading through`);
    }
  }

  /** A watch of the database at `dbPath`, which must be open in WAL mode; never throws (a watch that cannot start is not live). */
  static open(dbPath: string, report: (err: Error, context: string) => void): SqliteFileWatch {
    return new SqliteFileWatch(report, `${dbPath}-wal`);
  }

  get live(): boolean {
    return this.watcher !== undefined;
  }

  get generation(): number {
    return this.heard;
  }

  async close(): Promise<void> {
    this.watcher?.close();
    this.watcher = undefined;
  }

  private stop(report: (err: Error, context: string) => void, err: Error, walPath: string): void {
    if (!this.watcher) return;
    this.watcher.close();
    this.watcher = undefined;
    this.heard++;
    report(err, `watch of ${walPath} lost; reading through`);
  }
}
