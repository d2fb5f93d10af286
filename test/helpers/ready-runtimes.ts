/** What the ready-sandbox suites share: finding this server's runtimes booted ahead, and waiting for one. */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { ourProcesses } from './processes.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The pids of this server's runtimes of `bootstrap` booted ahead: their start environment
 * names the assignment socket (which /proc keeps after the bootstrap took its function's),
 * and `waiting` (when given) says they still wait.
 */
export function waitingRuntimes(bootstrap: string, waiting: (pid: number) => boolean = () => true): number[] {
  return ourProcesses()
    .filter((p) => {
      try {
        return readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').includes(bootstrap) && readFileSync(`/proc/${p.pid}/environ`, 'utf8').includes('_GUST_ASSIGNMENT=') && waiting(p.pid);
      } catch {
        return false;
      }
    })
    .map((p) => p.pid);
}

/** Waits until a runtime of `bootstrap` waits ready, and a little more, so that a start given it shows an old runtime. */
export async function readyFor(bootstrap: string, waiting?: (pid: number) => boolean): Promise<void> {
  for (let i = 0; i < 200 && waitingRuntimes(bootstrap, waiting).length === 0; i++) await sleep(50);
  expect(waitingRuntimes(bootstrap, waiting).length, `no ready ${bootstrap} runtime`).toBeGreaterThan(0);
  await sleep(1200);
}

/**
 * Kills this server's runtimes of `bootstrap` waiting now, and resolves with those waiting
 * in their place once the pool replaced them (empty if it did not within 10 s).
 */
export async function killWaitingAndAwaitReplacement(bootstrap: string, waiting?: (pid: number) => boolean): Promise<number[]> {
  const killed = waitingRuntimes(bootstrap, waiting);
  for (const pid of killed) process.kill(pid, 'SIGKILL');
  for (let i = 0; i < 200; i++) {
    const replaced = waitingRuntimes(bootstrap, waiting).filter((p) => !killed.includes(p));
    if (replaced.length > 0) return replaced;
    await sleep(50);
  }
  return [];
}

/** The Init Duration of a REPORT line in `log`, if it has one. */
export function initDuration(log: string | undefined): number | undefined {
  const m = /Init Duration: ([\d.]+) ms/.exec(log ?? '');
  return m ? Number(m[1]) : undefined;
}
