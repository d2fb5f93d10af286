/**
 * Reading a process tree from Linux's /proc: which processes descend from a runtime, how
 * much memory they used at peak, and resetting that peak. Everything here is best effort
 * and synchronous: /proc is not a disk, each read is a few microseconds, and a process can
 * vanish between two reads, which is never an error.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

/** `pid` and every live descendant, found through /proc/<pid>/task/<tid>/children. */
export function processTree(pid: number): number[] {
  const out: number[] = [];
  const queue = [pid];
  const seen = new Set<number>();
  while (queue.length > 0) {
    const p = queue.shift()!;
    if (seen.has(p)) continue;
    seen.add(p);
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${p}/task`);
    } catch {
      continue; // gone, or no /proc (macOS)
    }
    out.push(p);
    // A child is listed under the thread that forked it, so every thread is read.
    for (const tid of tids) {
      let text: string;
      try {
        text = readFileSync(`/proc/${p}/task/${tid}/children`, 'utf8');
      } catch {
        continue;
      }
      for (const c of text.split(' ')) {
        const n = Number(c);
        if (c !== '' && Number.isInteger(n)) queue.push(n);
      }
    }
  }
  return out;
}

/** VmHWM (peak resident set) of one process in bytes; 0 when unreadable. */
export function peakRssBytes(pid: number): number {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return 0;
  }
  const m = /^VmHWM:\s+(\d+) kB$/m.exec(status);
  return m ? Number(m[1]) * 1024 : 0;
}

/** Sum of the peaks of every process in the tree. An upper bound: peaks need not coincide. */
export function treePeakRssBytes(pid: number): number {
  let total = 0;
  for (const p of processTree(pid)) total += peakRssBytes(p);
  return total;
}

/**
 * Resets VmHWM to the current RSS for every process in the tree ("5" in clear_refs, see
 * proc(5)), so that the next reading covers one invocation only.
 */
export function resetTreePeakRss(pid: number): void {
  for (const p of processTree(pid)) {
    try {
      writeFileSync(`/proc/${p}/clear_refs`, '5');
    } catch {
      // Not ours, already gone, or a kernel without the feature: the peak stays cumulative.
    }
  }
}
