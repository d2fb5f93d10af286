/**
 * Ends a server's sandboxes when the server dies, however it dies. Runtimes get a
 * parent-death signal, but a frozen process does not act on signals until it is thawed, so
 * after a `kill -9` of the server its idle, frozen runtimes lived on (holding memory, uids,
 * disks) until the next start swept them. The watchdog is a tiny shell in a session of its
 * own that blocks reading a pipe whose other end only the server holds: the kernel closes
 * that end when the server exits, the read returns, and the shell kills every process in the
 * server's cgroups (v2: one write to the instance's `cgroup.kill`, which frozen tasks obey;
 * v1: SIGKILL to each, then thaw so that they act on it). After a clean stop the
 * directories are gone already and it just exits.
 */
import { spawn } from 'node:child_process';

const WATCH = `read -r _ || true
for dir in "$@"; do
  if [ -w "$dir/cgroup.kill" ]; then echo 1 > "$dir/cgroup.kill" 2>/dev/null; continue; fi
  for env in "$dir"/*/; do
    [ -f "$env/cgroup.procs" ] || continue
    for pid in $(cat "$env/cgroup.procs" 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done
    [ -f "$env/freezer.state" ] && echo THAWED > "$env/freezer.state" 2>/dev/null
  done
done
exit 0`;

export interface Watchdog {
  /** The server is stopping cleanly: the watchdog exits without killing anything. */
  dismiss(): void;
}

/** Starts the watchdog over the server's instance directories (one per cgroup hierarchy). */
export function startWatchdog(instanceDirs: readonly string[]): Watchdog {
  const child = spawn('/bin/sh', ['-c', WATCH, 'gust-watchdog', ...instanceDirs], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
  // A watchdog that could not start leaves things as they were (the next start sweeps).
  child.on('error', () => undefined);
  child.stdin!.on('error', () => undefined);
  // Neither the child nor its pipe keeps the server's event loop alive.
  child.unref();
  (child.stdin as unknown as { unref?: () => void }).unref?.();
  return {
    dismiss() {
      child.kill('SIGTERM');
      child.stdin!.destroy();
    },
  };
}
