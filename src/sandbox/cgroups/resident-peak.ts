/**
 * The resident-memory side of an environment's peak: the sum of VmHWM over the processes
 * in its cgroup, reset through /proc/<pid>/clear_refs ("5", see proc(5)).
 *
 * Why next to the cgroup's own peak: the memory cgroup charges a shared file page to
 * whichever cgroup touched it first, so a runtime binary (node, python) that is already in
 * the host's page cache costs the environment nothing there — a node cold start reads as
 * ~10 MB. On Lambda every microVM loads it afresh, and AWS reports ~40 MB more. The
 * resident peak counts those pages; the cgroup's peak counts what it cannot (children that
 * exited, tmpfs, page cache). The environment reports the larger of the two.
 *
 * Why it keeps files open: this runs twice per warm invocation (read, then reset), and
 * opening, reading and closing `cgroup.procs` both times and each `/proc/<pid>/status` cost
 * ~60–80 µs of CPU per read-and-reset in a tight loop on the test host (more inside a busy
 * server), against ~19 µs now. Each process's status and clear_refs stay open (a read at
 * offset 0 regenerates a /proc file; the descriptor follows that process, never a reused
 * pid), and the pid list is re-read only when it may have changed: the cgroup's task count
 * (`pids.current`, threads included) moved, or a kept process is gone; a reset uses the
 * list as last read.
 */
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { readPids, type KeptFile } from './cgroupfs.js';

/**
 * Processes whose files stay open. A sandbox has one to three; a fork bomb has up to its
 * pids limit, and 2 descriptors each for those would put Gust's own descriptors at risk:
 * past this, the others' files are opened per use.
 */
const MAX_KEPT_PROCESSES = 16;
/** /proc/<pid>/status is ~1.4 KB; VmHWM comes after the Groups line, whose length varies. */
const STATUS_BYTES = 4096;
const VM_HWM = Buffer.from('VmHWM:', 'latin1');

export class ResidentPeak {
  private readonly buf = Buffer.alloc(STATUS_BYTES);
  private readonly processes = new Map<number, TrackedProcess>();
  /** `pids.current` when the pid list was last read; -1: read it at the next use. */
  private listedTasks = -1;

  /**
   * @param procsFile the memory cgroup's `cgroup.procs`. Read afresh each time: on v1 a
   *   kept descriptor replays the pid list it first built (for about a second after).
   * @param taskCount the cgroup's `pids.current`, when there is a pids controller; without
   *   one the pid list is read at every use.
   */
  constructor(
    private readonly procsFile: string,
    private readonly taskCount: KeptFile | undefined,
  ) {}

  /** Sum of VmHWM (bytes) over the cgroup's processes now. */
  read(): number {
    this.refreshIfChanged();
    let total = 0;
    let gone = false;
    for (const p of this.processes.values()) {
      const hwm = p.peakBytes(this.buf);
      if (hwm === undefined) gone = true;
      else total += hwm;
    }
    if (!gone) return total;
    // One process went, so others may have come with the task count unchanged (a child
    // replaced by another): read the list again and sum over that.
    this.refresh();
    total = 0;
    for (const p of this.processes.values()) total += p.peakBytes(this.buf) ?? 0;
    return total;
  }

  /**
   * Restarts each process's VmHWM from its current RSS: those of the list as last read
   * (each invocation's read comes just before). A process that came since starts its own
   * peak at its start, and the next read finds it.
   */
  reset(): void {
    for (const p of this.processes.values()) p.resetPeak();
  }

  close(): void {
    for (const p of this.processes.values()) p.close();
    this.processes.clear();
    this.taskCount?.close();
    this.listedTasks = -1;
  }

  private refreshIfChanged(): void {
    if (!this.taskCount || this.taskCount.readInt() !== this.listedTasks) this.refresh();
  }

  /** Reads the pid list; keeps the files of processes still listed, closes the others'. */
  private refresh(): void {
    // Counted before listing: a process that comes in between changes the count again,
    // and is found at the next use.
    this.listedTasks = this.taskCount?.readInt() ?? -1;
    const pids = readPids(this.procsFile);
    const listed = new Set(pids);
    for (const [pid, p] of this.processes) {
      if (listed.has(pid) && p.alive) continue;
      p.close();
      this.processes.delete(pid);
    }
    for (const pid of pids) {
      if (!this.processes.has(pid)) this.processes.set(pid, new TrackedProcess(pid, this.processes.size < MAX_KEPT_PROCESSES));
    }
  }
}

/** One process's /proc/<pid>/status and clear_refs: kept open, or opened per use past the cap. */
class TrackedProcess {
  alive = true;
  private status: number | undefined;
  private clearRefs: number | undefined;

  constructor(
    private readonly pid: number,
    private readonly keep: boolean,
  ) {}

  /** VmHWM in bytes; undefined once the process is gone (or a zombie, which has no memory left). */
  peakBytes(buf: Buffer): number | undefined {
    let n: number;
    try {
      this.status ??= openSync(`/proc/${this.pid}/status`, 'r');
      n = readSync(this.status, buf, 0, buf.length, 0);
    } catch {
      this.alive = false;
      return undefined;
    } finally {
      if (!this.keep) this.close();
    }
    const kb = parseField(buf.subarray(0, n), VM_HWM);
    if (kb === undefined) this.alive = false;
    return kb === undefined ? undefined : kb * 1024;
  }

  resetPeak(): void {
    try {
      this.clearRefs ??= openSync(`/proc/${this.pid}/clear_refs`, 'w');
      writeSync(this.clearRefs, '5', 0);
    } catch {
      // Gone, or a kernel without the feature: that process's peak stays cumulative.
    } finally {
      if (!this.keep) this.close();
    }
  }

  close(): void {
    for (const fd of [this.status, this.clearRefs]) if (fd !== undefined) closeSync(fd);
    this.status = undefined;
    this.clearRefs = undefined;
  }
}

/** The number after `name` in `name:   1234 kB` lines, parsed in the buffer (no string of the whole file). */
function parseField(text: Buffer, name: Buffer): number | undefined {
  let i = text.indexOf(name);
  if (i < 0) return undefined;
  i += name.length;
  while (text[i] === 0x20 || text[i] === 0x09) i++;
  let value = 0;
  const start = i;
  for (let c = text[i]; c !== undefined && c >= 0x30 && c <= 0x39; c = text[++i]) value = value * 10 + (c - 0x30);
  return i > start ? value : undefined;
}
