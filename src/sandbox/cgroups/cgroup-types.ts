/**
 * What the cgroup module offers its drivers: one {@link CgroupHost} per server, found by
 * `detectCgroups()`, and one {@link EnvironmentCgroup} per execution environment. The
 * drivers speak only these interfaces; whether a limit lives in a cgroup v1 hierarchy or
 * in the unified (v2) one is the module's business.
 */

/** The cgroup controllers Gust uses. `freezer` is the v1 controller or v2's `cgroup.freeze`. */
export type CgroupController = 'memory' | 'cpu' | 'pids' | 'freezer';

/** `hybrid`: v1 controller hierarchies and a cgroup2 mount side by side (Debian 10-11, many VMs). */
export type CgroupMode = 'v1' | 'v2' | 'hybrid' | 'none';

/** What this host lets Gust enforce, decided once at start-up. */
export interface CgroupSupport {
  mode: CgroupMode;
  memory: boolean;
  cpu: boolean;
  pids: boolean;
  freezer: boolean;
  /** One sentence per missing piece, for the start-up log ("pids: … so a fork bomb is not contained"). */
  warnings: string[];
}

/** The limits of one environment. */
export interface CgroupLimits {
  /** MemorySize in MB: the memory limit (no swap beyond it) and, later, the CPU share. */
  memoryMb: number;
  /** Most processes and threads at once (Lambda: 1,024). */
  pidsMax: number;
}

/** The cgroup of one execution environment, one directory per hierarchy in use. */
export interface EnvironmentCgroup {
  /** Directory name under the server's instance directory. */
  readonly name: string;
  /**
   * The `cgroup.procs` files a process writes `0` into to join (one per v1 hierarchy in use,
   * one on v2). A launcher does it before exec, while it is single-threaded: joining is then
   * a fraction of a millisecond, against ~10 ms for a running multi-threaded runtime.
   */
  readonly procsFiles: readonly string[];
  /**
   * Sets the memory limit (and, where swap is accounted, memory+swap's) to `memoryMb`: for a
   * sandbox booted ahead of its function, whose MemorySize is known only at assignment.
   * Throws when the kernel refuses it (v1 refuses a limit below what it cannot reclaim).
   */
  setMemoryLimit(memoryMb: number): void;
  /** Moves a running process into every hierarchy (slower than a launcher; see procsFiles). */
  join(pid: number): Promise<void>;
  /** Lambda's CPU share: `memoryMb / 1769` of one CPU. Applied after the first /next. */
  applyCpuShare(memoryMb: number): Promise<void>;
  /** Stops every process of the environment; resolves once the kernel says frozen (or after a bounded wait). */
  freeze(): Promise<void>;
  /** Lets them run again. */
  thaw(): Promise<void>;
  /** Whether the environment is frozen or freezing (as Gust last asked). */
  readonly frozen: boolean;
  /**
   * Peak memory since the last reset (or since creation), in bytes; 0 without a memory
   * controller. The larger of the cgroup's peak and the summed peak RSS of its processes
   * (see resident-peak.ts for why both). Cheap enough to call per invocation.
   */
  peakMemoryBytes(): number;
  /** Starts a new peak window. */
  resetPeakMemory(): void;
  /** Whether the kernel's OOM killer killed a process of this environment. */
  oomKilled(): boolean;
  /** Processes in the environment now. */
  pids(): number[];
  /** Kills every process left and removes the directories. Idempotent. */
  destroy(): Promise<void>;
}

/** The cgroups of one Gust server: `<Gust's own cgroup>/gust/<instance>/<environment>` in each hierarchy. */
export interface CgroupHost {
  readonly support: CgroupSupport;
  /** Creates an environment's cgroup with its memory and pids limits. */
  create(name: string, limits: CgroupLimits): Promise<EnvironmentCgroup>;
  /** Removes what servers that are no longer running left behind (kills their processes, removes the directories). */
  sweep(): Promise<void>;
  /**
   * The `cgroup.procs` file of a cgroup with the least CPU weight, beside the environments',
   * for the server's background work (making /tmp disks): it then runs on CPU the
   * environments leave unused. Undefined without a cpu controller.
   */
  backgroundProcs(): string | undefined;
  /** Destroys this server's remaining environment cgroups and its instance directory. */
  close(): Promise<void>;
}
