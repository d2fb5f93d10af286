/** What /proc tells about a process: its CPU time and resident memory. */
import { readdirSync, readFileSync } from 'node:fs';

const TICK_MS = 10; // USER_HZ is 100 on Linux

/**
 * The fields of /proc/<pid>/stat after the command name (which may hold spaces and
 * parentheses): [0] is the state, [1] the parent pid, [11] and [12] user and system ticks.
 */
export function statFields(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** User plus system CPU time of `pid` so far, in ms (10 ms resolution). */
export function cpuMs(pid) {
  const fields = statFields(pid);
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

/**
 * CPU time so far (ms) of every process whose command is `comm` (`postgres`: the database
 * server and its backends on this machine), those that ended since not counted.
 */
export function cpuMsOfCommand(comm) {
  let sum = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === comm) sum += cpuMs(Number(entry));
    } catch {
      // Ended meanwhile.
    }
  }
  return sum;
}

/** Resident set size of `pid` in bytes; 0 when it has ended. */
export function rssOf(pid) {
  try {
    return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;
  } catch {
    return 0;
  }
}

/** The parent of `pid`, from /proc. */
export function parentOf(pid) {
  return Number(statFields(pid)[1]);
}

/** Each process's parent, from one reading of /proc. */
export function parents() {
  const parent = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      parent.set(Number(entry), parentOf(Number(entry)));
    } catch {
      // Ended meanwhile.
    }
  }
  return parent;
}

/** Every process below `root` (children, theirs, and so on), read from /proc. */
export function descendants(root) {
  const children = new Map();
  for (const [pid, ppid] of parents()) {
    if (!children.has(ppid)) children.set(ppid, []);
    children.get(ppid).push(pid);
  }
  const found = [];
  const walk = (pid) => {
    for (const c of children.get(pid) ?? []) {
      found.push(c);
      walk(c);
    }
  };
  walk(root);
  return found;
}

/**
 * Gust's spawner (src/sandbox/host-spawner.ts): the `node -e …` child that forks the
 * namespace driver's sandboxes and the host commands for it, so that their processes hang
 * below it; undefined before its first use. `parent` is a reading of `parents()`.
 */
export function spawnerOf(gustPid, parent = parents()) {
  for (const [pid, ppid] of parent) {
    if (ppid !== gustPid) continue;
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[1] === '-e') return pid;
    } catch {
      // Ended meanwhile.
    }
  }
  return undefined;
}

/** CPU time so far (ms) of Gust and its spawner, whose forks are Gust's work done elsewhere. */
export function gustCpuMs(gustPid) {
  const spawner = spawnerOf(gustPid);
  return cpuMs(gustPid) + (spawner === undefined ? 0 : cpuMs(spawner));
}
