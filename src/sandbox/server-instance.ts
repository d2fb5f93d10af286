/**
 * Names of server instances, in the cgroup tree and in the data dir's env-tmp:
 * `<pid>-<start time>-<random>`, the start time being field 22 of /proc/<pid>/stat (clock
 * ticks since boot), the random part telling apart two servers of one process (test suites
 * start several). A directory whose pid is dead, or alive with another start time (a
 * reused pid), belongs to a server that is gone and may be removed. A live server's
 * directory is never touched.
 */
import { readFileSync } from 'node:fs';
import { randomHex } from '../core/ids.js';

const INSTANCE_NAME = /^(\d+)-(\d+)-[0-9a-f]+$/;

/** The process's start time in clock ticks since boot, or undefined when it does not exist. */
export function processStartTime(pid: number): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses; count from its closing one.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[19];
}

/** A new instance name for a server of this process. */
export function newInstanceName(): string {
  return `${process.pid}-${processStartTime(process.pid) ?? '0'}-${randomHex(4)}`;
}

/** Whether `name` is an instance directory of a server that no longer runs. */
export function isLeftover(name: string): boolean {
  const m = INSTANCE_NAME.exec(name);
  if (!m) return false;
  const pid = Number(m[1]);
  // Named without /proc (macOS): only a dead pid tells, and a reused one passes for alive.
  if (m[2] === '0') return !alive(pid);
  return processStartTime(pid) !== m[2];
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: alive, someone else's.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
