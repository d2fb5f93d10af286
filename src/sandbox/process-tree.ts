/**
 * Reading a process tree from Linux's /proc: which processes descend from a runtime, how
 * much memory they used at peak, and resetting that peak. Everything here is best effort
 * and synchronous: /proc is not a disk, each read is a few microseconds, and a process can
 * vanish between two reads, which is never an error.
 */
import { closeSync, openSync, readdirSync, readFileSync, readSync, writeSync } from 'node:fs';

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

/**
 * Peak memory of a runtime's process tree, read on every invocation, so built for speed:
 * the /proc files of each process are opened once and re-read in place (a `pread` at 0
 * regenerates a /proc file), which is several times cheaper than open-read-close. The
 * tree is followed through each process's *main thread* children, which is where node,
 * python and shell runtimes fork: a child forked by another thread is not counted (reading
 * every thread's list would multiply the cost by the thread count). Best effort
 * throughout: a process that vanished reads as nothing.
 */
export class PeakMemoryMeter {
  private readonly files = new Map<number, { status: number; children: number; clearRefs?: number }>();
  private readonly buf = Buffer.alloc(8192);
  private tree: number[];

  constructor(private readonly root: number) {
    this.tree = [root];
  }

  /** Sum of VmHWM (bytes) over the tree as it is now. */
  peakBytes(): number {
    const seen: number[] = [];
    let total = 0;
    const queue = [this.root];
    while (queue.length > 0) {
      const pid = queue.pop()!;
      if (seen.includes(pid)) continue;
      const f = this.open(pid);
      if (!f) continue;
      const status = this.read(pid, f.status);
      const children = status === undefined ? undefined : this.read(pid, f.children);
      if (status === undefined || children === undefined) continue;
      seen.push(pid);
      const m = /VmHWM:\s+(\d+) kB/.exec(status);
      if (m) total += Number(m[1]) * 1024;
      for (const c of children.split(/\s+/)) if (c !== '') queue.push(Number(c));
    }
    for (const pid of this.files.keys()) if (!seen.includes(pid)) this.drop(pid);
    this.tree = seen;
    return total;
  }

  /** Resets VmHWM to the current RSS ("5" in clear_refs, see proc(5)) for the tree last read. */
  reset(): void {
    for (const pid of this.tree) {
      const f = this.files.get(pid);
      if (!f) continue;
      try {
        f.clearRefs ??= openSync(`/proc/${pid}/clear_refs`, 'w');
        writeSync(f.clearRefs, '5');
      } catch {
        // Gone, or a kernel without the feature: the peak stays cumulative.
      }
    }
  }

  /** Closes every file it holds. */
  close(): void {
    for (const pid of [...this.files.keys()]) this.drop(pid);
    this.tree = [];
  }

  private open(pid: number): { status: number; children: number; clearRefs?: number } | undefined {
    let f = this.files.get(pid);
    if (f) return f;
    let status: number | undefined;
    try {
      status = openSync(`/proc/${pid}/status`, 'r');
      f = { status, children: openSync(`/proc/${pid}/task/${pid}/children`, 'r') };
    } catch {
      if (status !== undefined) closeSync(status);
      return undefined;
    }
    this.files.set(pid, f);
    return f;
  }

  /** The whole file at `fd`, or undefined (and the process forgotten) when it is gone. */
  private read(pid: number, fd: number): string | undefined {
    try {
      let text = '';
      for (let pos = 0; ; ) {
        const n = readSync(fd, this.buf, 0, this.buf.length, pos);
        text += this.buf.toString('latin1', 0, n);
        if (n < this.buf.length) return text;
        pos += n;
      }
    } catch {
      this.drop(pid);
      return undefined;
    }
  }

  private drop(pid: number): void {
    const f = this.files.get(pid);
    if (!f) return;
    this.files.delete(pid);
    for (const fd of [f.status, f.children, f.clearRefs]) {
      if (fd === undefined) continue;
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
    }
  }
}
