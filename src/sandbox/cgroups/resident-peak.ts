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
 *
 * Why a process that has not run is not read again: an environment's cgroup holds Gust's
 * own helpers beside the runtime (bwrap and gust-init, which sleep while it works), and
 * their status reads and resets were two thirds of this meter's system calls per
 * invocation. A process's resident set grows only by its own page faults, so one that has
 * not run since its last status read still has the VmRSS that read found, and after the
 * reset that followed, that is its VmHWM too: it is reported without reading `status`, and
 * not reset again until it runs. Whether it ran is told by its CPU time in
 * `/proc/<pid>/schedstat` (a few numbers, several times cheaper to read than `status`),
 * which is its main thread's alone: so only a process that had one thread at that read
 * qualifies (another thread would have to be made by that one, which then ran). A process
 * that had more (a Node.js runtime always does) is read in full without asking, since no
 * answer could spare that: one schedstat read fewer per Node.js invocation.
 */
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { readPids, type KeptFile } from './cgroupfs.js';

/**
 * Processes whose files stay open. A sandbox has one to three; a fork bomb has up to its
 * pids limit, and 3 descriptors each for those would put Gust's own descriptors at risk:
 * past this, the others' files are opened per use.
 */
const MAX_KEPT_PROCESSES = 16;
/** /proc/<pid>/status is ~1.4 KB; VmHWM comes after the Groups line, whose length varies. */
const STATUS_BYTES = 4096;
const VM_HWM = Buffer.from('VmHWM:', 'latin1');
const VM_RSS = Buffer.from('VmRSS:', 'latin1');
const THREADS = Buffer.from('Threads:', 'latin1');

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

/** One process's /proc/<pid>/status, schedstat and clear_refs: kept open, or opened per use past the cap. */
class TrackedProcess {
  alive = true;
  private status: number | undefined;
  private schedstat: number | undefined;
  private clearRefs: number | undefined;
  /** CPU time (schedstat's first field, as text) read just before the last status read, and VmRSS in that read. */
  private ranAtStatus = '';
  private residentAtStatus = 0;
  /** Whether that read found one thread, and a reset followed it. */
  private settled = false;
  /** Threads at the last status read; 0 before the first. */
  private threads = 0;
  /** Whether the last read found the process as it was then: no status read, and no reset due. */
  private quiet = false;

  constructor(
    private readonly pid: number,
    private readonly keep: boolean,
  ) {}

  /** VmHWM in bytes; undefined once the process is gone (or a zombie, which has no memory left). */
  peakBytes(buf: Buffer): number | undefined {
    // Only kept processes are checked: the others' files are opened per use, which costs more than the read saves.
    const ran = this.keep && this.threads <= 1 ? this.cpuTime(buf) : '';
    this.quiet = this.settled && ran !== '' && ran === this.ranAtStatus;
    if (this.quiet) return this.residentAtStatus;
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
    const text = buf.subarray(0, n);
    const kb = parseField(text, VM_HWM);
    if (kb === undefined) {
      this.alive = false;
      return undefined;
    }
    this.ranAtStatus = ran;
    this.residentAtStatus = (parseField(text, VM_RSS) ?? kb) * 1024;
    this.threads = parseField(text, THREADS) ?? 0;
    this.settled = false;
    return kb * 1024;
  }

  resetPeak(): void {
    if (this.quiet) return;
    try {
      this.clearRefs ??= openSync(`/proc/${this.pid}/clear_refs`, 'w');
      writeSync(this.clearRefs, '5', 0);
      this.settled = this.threads === 1;
    } catch {
      // Gone, or a kernel without the feature: that process's peak stays cumulative.
    } finally {
      if (!this.keep) this.close();
    }
  }

  close(): void {
    for (const fd of [this.status, this.schedstat, this.clearRefs]) if (fd !== undefined) closeSync(fd);
    this.status = undefined;
    this.schedstat = undefined;
    this.clearRefs = undefined;
  }

  /** The CPU time the process has run, as schedstat gives it; '' where it cannot be read (a kernel without schedstats). */
  private cpuTime(buf: Buffer): string {
    try {
      this.schedstat ??= openSync(`/proc/${this.pid}/schedstat`, 'r');
      const n = readSync(this.schedstat, buf, 0, buf.length, 0);
      const space = buf.indexOf(0x20);
      return buf.toString('latin1', 0, space > 0 && space < n ? space : 0);
    } catch {
      return '';
    }
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
