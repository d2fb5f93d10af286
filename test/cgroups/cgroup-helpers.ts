/**
 * Shared set-up for the cgroup suites: the server's cgroups under a test-only parent
 * (`gust-test`), a pool whose process driver uses them, and ways to look at the real
 * cgroup tree (an environment's directories from its runtime's pid, the instance
 * directories that must be gone after a suite).
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectCgroups, type CgroupHost } from '../../src/sandbox/cgroups/index.js';
import { FREEZER_ANCHOR } from '../../src/sandbox/cgroups/cgroup-host.js';
import { findHierarchies } from '../../src/sandbox/cgroups/hierarchies.js';
import { ProcessDriver } from '../../src/sandbox/process-driver.js';
import { startTestPool, type TestPool } from '../pool/pool-helpers.js';

export const PARENT = 'gust-test';

export async function testCgroups(): Promise<CgroupHost> {
  return detectCgroups({ parentName: PARENT });
}

/** A test pool whose environments live in `cgroups` (their TMPDIRs under the system temp dir). */
export function startCgroupPool(cgroups: CgroupHost, pidsMax?: number): Promise<TestPool> {
  return startTestPool({ driver: new ProcessDriver({ tmpRoot: tmpdir(), cgroups, ...(pidsMax === undefined ? {} : { pidsMax }) }) });
}

/** `controller → absolute cgroup directory` of a live process, for the v1 controllers and v2 (`''`). */
export function cgroupDirsOf(pid: number): Map<string, string> {
  const mountinfo = readFileSync('/proc/self/mountinfo', 'utf8');
  const own = readFileSync(`/proc/${pid}/cgroup`, 'utf8');
  const out = new Map<string, string>();
  for (const h of findHierarchies(mountinfo, own)) {
    if (h.version === 2) out.set('', h.ownDir);
    for (const c of h.controllers) out.set(c, h.ownDir);
  }
  return out;
}

/** The directory serving `controller` for a process (v2 when it is not a v1 controller here). */
export function controllerDir(pid: number, controller: string): string {
  const dirs = cgroupDirsOf(pid);
  return dirs.get(controller) ?? dirs.get('')!;
}

/** Whether the kernel reports the cgroup at `dir` frozen (v1 freezer.state, v2 cgroup.events). */
export function isFrozen(dir: string): boolean {
  if (existsSync(`${dir}/freezer.state`)) return readFileSync(`${dir}/freezer.state`, 'utf8').trim() === 'FROZEN';
  return /^frozen 1$/m.test(readFileSync(`${dir}/cgroup.events`, 'utf8'));
}

/** The instance directories of this process's servers under the test parent, in every hierarchy. */
export function instanceDirs(): string[] {
  const mountinfo = readFileSync('/proc/self/mountinfo', 'utf8');
  const own = readFileSync('/proc/self/cgroup', 'utf8');
  return findHierarchies(mountinfo, own)
    .map((h) => join(h.ownDir, PARENT))
    .filter((d) => existsSync(d))
    .flatMap((d) => readdirSync(d).filter((n) => n.startsWith(`${process.pid}-`)).map((n) => join(d, n)));
}

/** The environment directories that exist now under this process's instances. */
export function environmentDirs(): string[] {
  return instanceDirs().flatMap((d) =>
    readdirSync(d)
      .filter((n) => n !== FREEZER_ANCHOR && statSync(join(d, n)).isDirectory())
      .map((n) => join(d, n)),
  );
}

/** The parsed lines of /proc/<pid>/limits for one limit. */
export function limitOf(pid: number, name: string): { soft: string; hard: string } {
  const line = readFileSync(`/proc/${pid}/limits`, 'utf8').split('\n').find((l) => l.startsWith(name))!;
  const [soft, hard] = line.slice(name.length).trim().split(/\s+/);
  return { soft: soft!, hard: hard! };
}

/** utime + stime of a process in clock ticks. */
export function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}
