/**
 * The operations that differ between cgroup v1 and v2, on one cgroup directory. `v1.ts`
 * and `v2.ts` implement them; `environment-cgroup.ts` picks the right one per controller,
 * which is what lets a hybrid host use both at once.
 */

/** A peak-memory reading kept open for the environment's life. */
export interface PeakMeter {
  /** False where the kernel cannot restart the peak (v2 before Linux 6.12): it is then lifetime. */
  readonly resettable: boolean;
  read(): number;
  reset(): void;
  close(): void;
}

export interface CgroupFiles {
  readonly version: 1 | 2;
  setMemoryLimit(dir: string, bytes: number): void;
  /** Undefined where the kernel keeps no peak (v2 before 5.19). */
  openPeak(dir: string): PeakMeter | undefined;
  /** How many processes the OOM killer killed in this cgroup. */
  oomKills(dir: string): number;
  /** Whether CPU bandwidth control (CFS quota) exists. */
  canLimitCpu(dir: string): boolean;
  setCpuQuota(dir: string, quotaUs: number, periodUs: number): void;
  /** The group's CPU weight against its siblings, in v1 `cpu.shares` units (1024 = one task of nice 0). */
  setCpuShares(dir: string, shares: number): void;
  setPidsMax(dir: string, max: number): void;
  /** Asks for a freeze; the kernel settles it asynchronously (see isFrozen). */
  requestFreeze(dir: string): void;
  isFrozen(dir: string): boolean;
  thaw(dir: string): void;
  /** Kills every process of the cgroup in one write (v2 `cgroup.kill`); false where that does not exist. */
  killAll(dir: string): boolean;
}
