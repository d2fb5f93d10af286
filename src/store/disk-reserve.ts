/**
 * A file of zeros kept on the data disk so that deletes still work when it is full: SQLite
 * needs free pages for the write-ahead log even to delete a row. Releasing it frees its
 * space at once (synchronously, so a store can release and retry within one call); it is
 * filled again once the disk has room.
 */
import { unlinkSync } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';

const CHUNK = 1024 * 1024;

export class DiskReserve {
  constructor(
    /** Where the reserve lives, on the disk it protects. */
    readonly path: string,
    /** Its size in bytes (0 keeps none). */
    readonly bytes: number,
  ) {}

  /**
   * Creates the reserve if it is missing or short. Resolves false (leaving nothing behind)
   * when the disk has no room for it; other errors reject.
   */
  async fill(): Promise<boolean> {
    if (this.bytes === 0) return true;
    if ((await stat(this.path).catch(() => undefined))?.size === this.bytes) return true;
    const part = `${this.path}.part`;
    const handle = await open(part, 'w', 0o600);
    try {
      // Real zeros, not a sparse file: only written blocks are taken from the disk.
      const zeros = Buffer.alloc(Math.min(CHUNK, this.bytes));
      // No fsync: blocks are allocated by the writes, and a reserve lost to a power cut is
      // written again at the next start.
      for (let written = 0; written < this.bytes; written += zeros.length) {
        await handle.write(zeros, 0, Math.min(zeros.length, this.bytes - written));
      }
    } catch (err) {
      await handle.close();
      await rm(part, { force: true });
      if ((err as NodeJS.ErrnoException).code === 'ENOSPC') return false;
      throw err;
    }
    await handle.close();
    await rename(part, this.path);
    return true;
  }

  /** Frees the reserve's space; true when there was one to free. */
  release(): boolean {
    try {
      unlinkSync(this.path);
      return true;
    } catch {
      return false;
    }
  }
}
