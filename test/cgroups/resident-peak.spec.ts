/**
 * The resident peak (summed VmHWM) through a real cgroup, with single-threaded processes
 * (sleep, perl) so that the cgroup's task count is known: it keeps each process's /proc
 * files open and re-reads the pid list only when the task count moved or a process it
 * kept is gone, so these check that it still sees every process — one that joins, one that
 * replaces another while the count stays the same — resets per window, keeps at most 16
 * processes' files open, and closes them all.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { launcherCommand, type EnvironmentCgroup } from '../../src/sandbox/cgroups/index.js';
import { KeptFile } from '../../src/sandbox/cgroups/cgroupfs.js';
import { ResidentPeak } from '../../src/sandbox/cgroups/resident-peak.js';
import { testCgroups } from './cgroup-helpers.js';
import { waitUntil } from '../helpers/wait.js';

const PERL = '/usr/bin/perl';
const cgroups = await testCgroups();
const skip = !cgroups.support.memory || !cgroups.support.pids
  ? `skipped: needs the memory and pids cgroups (${cgroups.support.warnings.join(' ')})`
  : !existsSync(PERL) ? `skipped: no ${PERL}` : undefined;
if (skip) console.log(skip);
afterAll(() => cgroups.close());

/** The directory (of the environment's, one per hierarchy) that holds `file`. */
function dirWith(cg: EnvironmentCgroup, file: string): string | undefined {
  return cg.procsFiles.map((f) => dirname(f)).find((d) => existsSync(join(d, file)));
}

/** A ResidentPeak as the environment builds it: the memory cgroup's pid list, the pids cgroup's task count. */
function residentPeakOf(cg: EnvironmentCgroup): ResidentPeak {
  const memory = dirWith(cg, 'memory.limit_in_bytes') ?? dirWith(cg, 'memory.max')!;
  const pids = dirWith(cg, 'pids.current')!;
  return new ResidentPeak(join(memory, 'cgroup.procs'), new KeptFile(join(pids, 'pids.current'), false));
}

/** Runs `body` with a fresh cgroup and the ResidentPeak over it, both closed afterwards. */
async function withResident(name: string, body: (cg: EnvironmentCgroup, resident: ResidentPeak) => Promise<void>): Promise<void> {
  const cg = await cgroups.create(name, { memoryMb: 1024, pidsMax: 64 });
  const resident = residentPeakOf(cg);
  try {
    await body(cg, resident);
  } finally {
    resident.close();
    await cg.destroy();
  }
}

/** Starts `command` inside the cgroup; resolves once the cgroup lists it, it has settled, and `ready` holds. */
async function startIn(cg: EnvironmentCgroup, command: string, args: string[], ready: (pid: number) => boolean = () => true): Promise<ChildProcess> {
  const l = launcherCommand({ command, args }, { procsFiles: cg.procsFiles, env: {} });
  const child = spawn(l.command, l.args, { stdio: 'ignore' });
  await waitUntil(() => cg.pids().includes(child.pid!) && settled(child.pid!, command) && ready(child.pid!));
  return child;
}

/** Whether `pid` runs `command` (past the launcher's exec) and sleeps, its memory settled. */
function settled(pid: number, command: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'latin1').startsWith(command) && /^State:\s+S/m.test(readFileSync(`/proc/${pid}/status`, 'latin1'));
  } catch {
    return false;
  }
}

function hwmBytes(pid: number): number {
  return Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'))![1]) * 1024;
}

/** This process's descriptors open on /proc/<pid>/… of the given processes. */
function procFilesOpenOn(pids: readonly number[]): string[] {
  const dir = '/proc/self/fd';
  const wanted = new RegExp(`^/proc/(${pids.join('|')})/`);
  return readdirSync(dir)
    .map((fd) => {
      try {
        return readlinkSync(join(dir, fd));
      } catch {
        return '';
      }
    })
    .filter((target) => wanted.test(target));
}

/** A perl that builds `mb` MB in 1 MB steps (RSS follows exactly) and keeps it, or frees it again. */
const perl = (mb: number, free: boolean) => ['-e', `my $x; $x .= "a" x 1e6 for 1..${mb}; ${free ? 'undef $x; ' : ''}sleep 300`];

it.skipIf(skip)('sums VmHWM over the processes that join, leave, and replace one another with the task count unchanged', () =>
  withResident('resident-follow', async (cg, resident) => {
    const small = await startIn(cg, '/usr/bin/sleep', ['300']);
    expect(resident.read()).toBe(hwmBytes(small.pid!));
    // One that joins: the task count moved.
    const big = await startIn(cg, PERL, perl(40, false));
    expect(resident.read()).toBe(hwmBytes(small.pid!) + hwmBytes(big.pid!));
    // One leaves and another joins: two tasks, as at the last reading. Only the kept
    // process that is gone tells that the list changed.
    small.kill('SIGKILL');
    await waitUntil(() => !cg.pids().includes(small.pid!));
    const other = await startIn(cg, PERL, perl(60, false));
    expect(cg.pids().sort()).toEqual([big.pid!, other.pid!].sort());
    expect(resident.read()).toBe(hwmBytes(big.pid!) + hwmBytes(other.pid!));
  }));

it.skipIf(skip)('restarts the peak per window from what each process holds now', () =>
  withResident('resident-reset', async (cg, resident) => {
    await startIn(cg, PERL, perl(60, true));
    const peak = resident.read();
    expect(peak).toBeGreaterThan(60e6);
    resident.reset();
    expect(resident.read()).toBeLessThan(peak - 50e6);
  }));

it.skipIf(skip)('keeps the files of at most 16 processes open, still counts every process, and closes them all', () =>
  withResident('resident-many', async (cg, resident) => {
    await startIn(cg, '/bin/sh', ['-c', 'for i in $(seq 24); do /usr/bin/sleep 300 & done; wait'], (shell) => {
      const now = cg.pids();
      return now.length === 25 && now.every((pid) => pid === shell || settled(pid, '/usr/bin/sleep'));
    });
    const pids = cg.pids();
    expect(resident.read()).toBe(pids.reduce((sum, pid) => sum + hwmBytes(pid), 0));
    resident.reset();
    // A status, a schedstat and a clear_refs descriptor for each of 16 processes.
    expect(procFilesOpenOn(pids)).toHaveLength(48);
    resident.close();
    expect(procFilesOpenOn(pids)).toEqual([]);
  }));
