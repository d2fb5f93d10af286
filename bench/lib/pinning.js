/**
 * A server alone on a core: its CPU time per invoke measured without the contention of
 * two cores shared by the server, its runtimes and the client, which moves the unpinned
 * figure by tens of percent from run to run on a shared machine. The server (every thread)
 * gets CPU 0; its descendants (the runtimes) and the bench itself get the others.
 */
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { readdirSync } from 'node:fs';
import { statFields } from './proc.js';

function hasTaskset() {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Why pinning cannot run here, or undefined when it can. */
export const pinningUnavailable = availableParallelism() < 2 ? 'one core' : hasTaskset() ? undefined : 'no taskset (util-linux)';

/** Every process below `pid`, read from /proc. */
function descendants(pid) {
  const children = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = Number(statFields(Number(entry))[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(entry));
    } catch {
      // Ended meanwhile.
    }
  }
  const found = [];
  const walk = (p) => {
    for (const c of children.get(p) ?? []) {
      found.push(c);
      walk(c);
    }
  };
  walk(pid);
  return found;
}

function setAffinity(pid, cpus) {
  try {
    execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
  } catch {
    // Ended meanwhile.
  }
}

/** Runs `fn` with `serverPid` alone on CPU 0, restoring every affinity after. */
export async function pinned(serverPid, fn) {
  const last = availableParallelism() - 1;
  const rest = last === 1 ? '1' : `1-${last}`;
  const others = [...descendants(serverPid), process.pid];
  setAffinity(serverPid, '0');
  for (const p of others) setAffinity(p, rest);
  try {
    return await fn();
  } finally {
    for (const p of [serverPid, ...others]) setAffinity(p, `0-${last}`);
  }
}
