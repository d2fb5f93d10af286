/**
 * One environment's cgroup: a directory in each hierarchy in use, each controller served
 * by the v1 or v2 files of its own hierarchy (a hybrid host mixes them). Limits are set at
 * creation, the CPU share later (after the runtime's first /next), peak memory is read
 * through a kept file, and `destroy` kills whatever is left before removing the directories.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { KeptFile, killPids, pollUntil, readPids, removeCgroupDir } from './cgroupfs.js';
import type { CgroupFiles, PeakMeter } from './cgroup-files.js';
import type { CgroupController, CgroupLimits, EnvironmentCgroup } from './cgroup-types.js';
import { ResidentPeak } from './resident-peak.js';

/** Where one controller lives: the server's instance directory in its hierarchy, and that hierarchy's files. */
export interface Placement {
  instanceDir: string;
  files: CgroupFiles;
}

export type Placements = Partial<Record<CgroupController, Placement>>;

/** Lambda gives a function one full vCPU at 1,769 MB, and CPU in proportion below and above. */
export const MB_PER_VCPU = 1769;
/** The CFS period; the quota is this times the function's share of a CPU. */
const CPU_PERIOD_US = 100_000;
/** The kernel refuses quotas under 1 ms. */
const MIN_CPU_QUOTA_US = 1000;
/** A task of nice 0, in cpu.shares units: what the group weighs once the runtime is ready. */
const TASK_SHARES = 1024;
/** How long `freeze` waits for the kernel to report frozen (a task in uninterruptible sleep delays it). */
const FREEZE_WAIT_MS = 1000;

interface Dir {
  path: string;
  files: CgroupFiles;
}

export class CgroupEnvironment implements EnvironmentCgroup {
  readonly procsFiles: readonly string[];
  frozen = false;
  private readonly dirs: Dir[];
  private readonly at: Partial<Record<CgroupController, Dir>> = {};
  private peak: PeakMeter | undefined;
  private resident: ResidentPeak | undefined;
  private memoryLimitBytes = Infinity;
  private destroying: Promise<void> | undefined;

  private constructor(
    readonly name: string,
    placements: Placements,
  ) {
    const byPath = new Map<string, Dir>();
    for (const [controller, p] of Object.entries(placements) as [CgroupController, Placement][]) {
      const path = join(p.instanceDir, name);
      const dir = byPath.get(path) ?? { path, files: p.files };
      byPath.set(path, dir);
      this.at[controller] = dir;
    }
    this.dirs = [...byPath.values()];
    this.procsFiles = this.dirs.map((d) => join(d.path, 'cgroup.procs'));
  }

  /**
   * Makes the directories and sets the memory and pids limits. On failure, removes what it
   * made. The directories are made off the event loop, all at once: a v1 memory cgroup's
   * `mkdir` alone took ~0.9 ms of the server's main thread per sandbox (a burst's profile).
   */
  static async create(name: string, placements: Placements, limits: CgroupLimits): Promise<CgroupEnvironment> {
    const env = new CgroupEnvironment(name, placements);
    try {
      const made = await Promise.allSettled(env.dirs.map((d) => mkdir(d.path)));
      for (const m of made) if (m.status === 'rejected') throw m.reason;
      const pids = env.at.pids;
      if (pids) pids.files.setPidsMax(pids.path, limits.pidsMax);
      const memory = env.at.memory;
      if (memory) {
        env.memoryLimitBytes = limits.memoryMb * 1024 * 1024;
        memory.files.setMemoryLimit(memory.path, env.memoryLimitBytes);
        env.peak = memory.files.openPeak(memory.path);
        // `pids.current` has the same name in v1 and v2.
        const taskCount = pids ? new KeptFile(join(pids.path, 'pids.current'), false) : undefined;
        env.resident = new ResidentPeak(join(memory.path, 'cgroup.procs'), taskCount);
      }
      // To the scheduler the whole cgroup weighs as much as one task, while a starting
      // runtime has several busy threads: on a loaded host that made a node cold start
      // ~25 ms slower. Until the first /next it weighs as many tasks as the host has CPUs.
      const cpu = env.at.cpu;
      if (cpu) cpu.files.setCpuShares(cpu.path, TASK_SHARES * availableParallelism());
    } catch (err) {
      await env.destroy().catch(() => undefined);
      throw err;
    }
    return env;
  }

  /** An environment cgroup left by an earlier server, to be destroyed. */
  static adopt(name: string, placements: Placements): CgroupEnvironment {
    return new CgroupEnvironment(name, placements);
  }

  setMemoryLimit(memoryMb: number): void {
    const memory = this.at.memory;
    if (!memory || this.memoryLimitBytes === memoryMb * 1024 * 1024) return;
    memory.files.setMemoryLimit(memory.path, memoryMb * 1024 * 1024);
    this.memoryLimitBytes = memoryMb * 1024 * 1024;
  }

  async join(pid: number): Promise<void> {
    // Asynchronous on purpose: moving a multi-threaded process takes the kernel ~10 ms,
    // which must not stall the event loop.
    for (const f of this.procsFiles) await writeFile(f, String(pid));
  }

  async applyCpuShare(memoryMb: number): Promise<void> {
    const cpu = this.at.cpu;
    if (!cpu) return;
    const quota = Math.max(MIN_CPU_QUOTA_US, Math.round((CPU_PERIOD_US * memoryMb) / MB_PER_VCPU));
    cpu.files.setCpuQuota(cpu.path, quota, CPU_PERIOD_US);
    cpu.files.setCpuShares(cpu.path, TASK_SHARES);
  }

  async freeze(): Promise<void> {
    const freezer = this.at.freezer;
    if (!freezer || this.destroying) return;
    freezer.files.requestFreeze(freezer.path);
    this.frozen = true;
    // A thaw may come while this waits; then there is nothing left to wait for.
    await pollUntil(() => !this.frozen || freezer.files.isFrozen(freezer.path), FREEZE_WAIT_MS);
  }

  async thaw(): Promise<void> {
    const freezer = this.at.freezer;
    if (!freezer || !this.frozen) return;
    this.frozen = false;
    freezer.files.thaw(freezer.path);
  }

  peakMemoryBytes(): number {
    if (this.destroying) return 0;
    // Summed VmHWM counts a page shared by several processes once per process; the limit
    // is what the environment can have used, as AWS never reports more than MemorySize.
    return Math.min(this.memoryLimitBytes, Math.max(this.peak?.read() ?? 0, this.resident?.read() ?? 0));
  }

  resetPeakMemory(): void {
    if (this.destroying) return;
    this.peak?.reset();
    this.resident?.reset();
  }

  oomKilled(): boolean {
    const memory = this.at.memory;
    return memory ? memory.files.oomKills(memory.path) > 0 : false;
  }

  pids(): number[] {
    const first = this.procsFiles[0];
    return first ? readPids(first) : [];
  }

  destroy(): Promise<void> {
    this.destroying ??= (async () => {
      this.peak?.close();
      this.resident?.close();
      await this.killAll();
      const left: string[] = [];
      for (const d of this.dirs) if (!(await removeCgroupDir(d.path))) left.push(d.path);
      if (left.length > 0) throw new Error(`Cgroup directories still busy after their processes were killed: ${left.join(', ')}`);
    })();
    return this.destroying;
  }

  /**
   * Kills every process, including ones forked while killing (a fork bomb): v2's
   * cgroup.kill does it in one write; otherwise freeze, kill each pid, thaw (a frozen
   * process cannot fork, and dies once thawed); without a freezer, repeat until empty.
   */
  private async killAll(): Promise<void> {
    const v2 = this.dirs.find((d) => d.files.version === 2);
    const freezer = this.at.freezer;
    if (v2 && v2.files.killAll(v2.path)) {
      // done in the kernel
    } else if (freezer) {
      // A directory an earlier server left half-removed refuses these writes; the loop below still runs.
      try {
        freezer.files.requestFreeze(freezer.path);
        await pollUntil(() => freezer.files.isFrozen(freezer.path), FREEZE_WAIT_MS);
        killPids(this.pids());
      } catch {
        // fall through to the loop
      }
      try {
        freezer.files.thaw(freezer.path);
      } catch {
        // gone already
      }
      this.frozen = false;
    }
    await pollUntil(() => {
      const pids = this.pids();
      killPids(pids);
      return pids.length === 0;
    }, 5000);
  }
}
