/**
 * The file operations of cgroupfs, for both versions: small synchronous reads and writes
 * (cgroupfs is not a disk; each is a few microseconds), reading a file in place through a
 * kept file descriptor, and the slower, asynchronous waits (a freeze to settle, a cgroup
 * to empty). Anything that can vanish under us (a process, a directory) is not an error.
 */
import { closeSync, openSync, readFileSync, readSync, rmdirSync, writeFileSync, writeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export function readText(path: string): string {
  return readFileSync(path, 'utf8');
}

/** Writes one value; the error names the file, which the kernel's EINVAL does not. */
export function writeValue(path: string, value: string): void {
  try {
    writeFileSync(path, value);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw Object.assign(new Error(`Cannot write "${value}" to ${path}: ${e.code ?? e.message}`), { code: e.code, cause: err });
  }
}

/** Like writeValue, for optional knobs: false when the file is missing or refuses. */
export function tryWriteValue(path: string, value: string): boolean {
  try {
    writeFileSync(path, value);
    return true;
  } catch {
    return false;
  }
}

/** `key value` lines (memory.events, memory.oom_control, cgroup.events, cpu.stat) → one value, 0 when absent. */
export function readKeyed(path: string, key: string): number {
  let text: string;
  try {
    text = readText(path);
  } catch {
    return 0;
  }
  const m = new RegExp(`^${key} (\\d+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

/** The pids in a `cgroup.procs` file; empty when the cgroup is gone. */
export function readPids(procsFile: string): number[] {
  let text: string;
  try {
    text = readText(procsFile);
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map(Number);
}

/** SIGKILL to each pid; a pid that is gone already is fine. */
export function killPids(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

/**
 * A cgroup file kept open and re-read in place: a read at offset 0 regenerates a cgroupfs
 * file, so a per-invocation read is one pread instead of open-read-close.
 */
export class KeptFile {
  private readonly buf = Buffer.alloc(64);
  private fd: number | undefined;

  constructor(path: string, writable: boolean) {
    this.fd = openSync(path, writable ? 'r+' : 'r');
  }

  /** The file's leading integer; 0 once closed or unreadable. */
  readInt(): number {
    if (this.fd === undefined) return 0;
    try {
      const n = readSync(this.fd, this.buf, 0, this.buf.length, 0);
      return Number.parseInt(this.buf.toString('latin1', 0, n), 10) || 0;
    } catch {
      return 0;
    }
  }

  /** Writes `value` at offset 0; false when the kernel refuses. */
  write(value: string): boolean {
    if (this.fd === undefined) return false;
    try {
      writeSync(this.fd, value, 0);
      return true;
    } catch {
      return false;
    }
  }

  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Polls `done` with a short, growing interval, at most `limitMs`; returns its last answer. */
export async function pollUntil(done: () => boolean, limitMs: number): Promise<boolean> {
  const until = performance.now() + limitMs;
  for (let wait = 0.2; ; wait = Math.min(wait * 2, 20)) {
    if (done()) return true;
    if (performance.now() >= until) return false;
    await sleep(wait);
  }
}

/**
 * Removes a cgroup directory. A cgroup stays busy for a moment after its last process was
 * killed (until the parent reaps it), so EBUSY is retried for up to `limitMs`. Returns false
 * if it is still there then; a missing directory counts as removed.
 */
export async function removeCgroupDir(dir: string, limitMs = 2000): Promise<boolean> {
  return pollUntil(() => {
    try {
      rmdirSync(dir);
      return true;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      return code === 'ENOENT';
    }
  }, limitMs);
}
