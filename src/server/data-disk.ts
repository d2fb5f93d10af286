/**
 * Watches the data disk once it is found full. Every part that writes (the Lambda API, the
 * log store, the async queue) reports its disk-full errors here; the first one of an
 * episode logs ONE line that says what is happening and what to do, and starts checking
 * the free space; once there is room again the reserve is filled back and one more line
 * says so. Other errors pass through untouched.
 */
import { statfs } from 'node:fs/promises';
import type { Logger } from 'pino';
import { causedByFullDisk } from '../core/errors.js';
import type { DiskReserve } from '../store/disk-reserve.js';

export interface DataDiskOptions {
  dir: string;
  logger: Logger;
  reserve: DiskReserve;
  /** Log lines the log store dropped so far (reported when the disk has room again). */
  droppedLogLines: () => number;
  /** How often the free space is checked while the disk is full (default 2 s). */
  checkEveryMs?: number;
}

export class DataDisk {
  private full = false;
  private timer: NodeJS.Timeout | undefined;
  private checking = false;
  private readonly checkEveryMs: number;

  constructor(private readonly options: DataDiskOptions) {
    this.checkEveryMs = options.checkEveryMs ?? 2000;
  }

  /** Fills the reserve; a disk already full at start-up is reported as such. */
  async start(): Promise<void> {
    if (!(await this.options.reserve.fill())) this.reportFull('filling the disk reserve');
  }

  /** Takes any error; a disk-full one is reported (logged once per episode). Returns whether it was one. */
  report(err: unknown, where: string): boolean {
    if (!causedByFullDisk(err)) return false;
    this.reportFull(where);
    return true;
  }

  /** Stops watching (server shutdown). */
  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private reportFull(where: string): void {
    if (this.full) return;
    this.full = true;
    void this.space().then((space) =>
      this.options.logger.error(
        { dataDir: this.options.dir, ...space, where },
        `data disk full: no space left under ${this.options.dir}. Creates, updates, async events and new log lines fail ` +
          '(API answers: ServiceException or CodeStorageExceededException, "no space left on Gust\'s data disk") until space is freed; ' +
          'invokes, reads and deletes go on. Delete unused functions, versions or layers, or free the disk.',
      ),
    );
    this.timer = setInterval(() => void this.check(), this.checkEveryMs);
    this.timer.unref();
  }

  /** While full: once the disk has room for the reserve and as much again, refill it and clear the alarm. */
  private async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      const space = await this.space();
      if (space.freeBytes === undefined || space.freeBytes < 2 * this.options.reserve.bytes + 1024 * 1024) return;
      if (!(await this.options.reserve.fill())) return;
      clearInterval(this.timer);
      this.timer = undefined;
      this.full = false;
      const droppedLogLines = this.options.droppedLogLines();
      this.options.logger.info({ dataDir: this.options.dir, ...(await this.space()), droppedLogLines }, `data disk has space again (${droppedLogLines} function log lines were dropped since start-up)`);
    } catch (err) {
      this.options.logger.warn({ err }, 'checking the data disk');
    } finally {
      this.checking = false;
    }
  }

  private async space(): Promise<{ freeBytes?: number; totalBytes?: number }> {
    try {
      const s = await statfs(this.options.dir);
      return { freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize };
    } catch {
      return {};
    }
  }
}
