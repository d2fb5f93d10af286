/**
 * A server alone on a core: its CPU time per invoke measured without the contention of
 * two cores shared by the server, its runtimes and the client, which moves the unpinned
 * figure by tens of percent from run to run on a shared machine. The server (every thread)
 * gets CPU 0; its descendants (the runtimes) and the bench itself get the others.
 */
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { descendants } from './proc.js';

function hasTaskset() {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Whether pinning can run here: two cores or more, and taskset (util-linux). */
const canPin = availableParallelism() >= 2 && hasTaskset();

function setAffinity(pid, cpus) {
  try {
    execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
  } catch {
    // Ended meanwhile.
  }
}

/** What `fn` gives with `serverPid` alone on CPU 0, restoring every affinity after; undefined where pinning cannot run. */
export async function pinned(serverPid, fn) {
  if (!canPin) return undefined;
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
