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
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { readPids } from './cgroupfs.js';

export class ResidentPeak {
  constructor(private readonly procsFile: string) {}

  /** Sum of VmHWM (bytes) over the cgroup's processes now. */
  read(): number {
    let total = 0;
    for (const pid of readPids(this.procsFile)) {
      let status: string;
      try {
        status = readFileSync(`/proc/${pid}/status`, 'latin1');
      } catch {
        continue; // gone meanwhile
      }
      const m = /VmHWM:\s+(\d+) kB/.exec(status);
      if (m) total += Number(m[1]) * 1024;
    }
    return total;
  }

  /** Restarts each process's VmHWM from its current RSS. */
  reset(): void {
    for (const pid of readPids(this.procsFile)) {
      try {
        writeFileSync(`/proc/${pid}/clear_refs`, '5');
      } catch {
        // Gone, or a kernel without the feature: that process's peak stays cumulative.
      }
    }
  }
}
