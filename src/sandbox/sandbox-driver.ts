/**
 * The seam between an execution environment and the thing that actually runs a runtime
 * process. The pool speaks only this interface; `process-driver.ts` is the first driver
 * (a plain child process, trusted code only) and a `namespace` driver (bubblewrap +
 * cgroups) is meant to replace it without touching the pool.
 *
 * What differs between drivers is *where* things appear to the runtime: the process
 * driver shows the host paths, a namespace driver binds the code at `/var/task` and the
 * layers at `/opt`. That difference is captured by {@link SandboxLayout}: the pool asks
 * the driver for the layout first, builds Lambda's environment variables from it, and then
 * starts the sandbox with that environment.
 */
import type { Socket } from 'node:net';

/** Resource limits of one environment, from the function's configuration. */
export interface SandboxLimits {
  /** MemorySize in MB. Enforced where the driver has a memory cgroup; measured everywhere. */
  memoryMb: number;
  /** EphemeralStorage in MB: the size of the private /tmp, where the driver can limit it. */
  ephemeralStorageMb: number;
}

/**
 * A language runtime's own files, as host paths: what Lambda keeps in `/var/runtime` (the
 * runtime's bootstrap and its AWS SDK) and `/var/lang` (the interpreter). A namespace
 * sandbox shows them at those fixed paths, so nothing inside depends on where Gust or its
 * runtimes are installed; the process driver runs them where they are.
 */
export interface RuntimeFiles {
  language: 'nodejs' | 'python';
  /** The version the runtime identifier names: the major (`22`) or major.minor (`3.13`). */
  version: string;
  /** Gust's bootstrap directory for the language (`runtimes/node`, `runtimes/python`). */
  runtimeDir: string;
  /** The bootstrap's file name in runtimeDir. */
  bootstrap: string;
  /** The AWS SDK the runtime includes: a node_modules directory, or a directory of Python packages. */
  sdkDir?: string;
  /** The interpreter's executable. */
  interpreter: string;
  /** The interpreter's own tree (its `bin/` holds the interpreter), when it has one apart from the system. */
  langDir?: string;
  /**
   * A root whose `usr/` replaces the host's /usr in the sandbox, with the interpreter inside
   * it (an interpreter built for another C library, as Lambda has one base image per runtime).
   */
  systemRoot?: string;
}

/** Host-side inputs of a sandbox: the unpacked code and layers, as the BlobStore holds them. */
export interface SandboxMounts {
  /** Absolute host path of the unpacked function code (read-only, shared between versions). */
  codeDir: string;
  /**
   * Absolute host paths of the unpacked layers, in the function's layer order. Lambda
   * extracts them into /opt in that order, so a later layer's file wins over an earlier one.
   */
  layerDirs: readonly string[];
  /** The language runtime's files; absent for an OS-only runtime (`provided*`), which brings its own `bootstrap`. */
  runtime?: RuntimeFiles;
}

/** How a language runtime appears from inside the sandbox. */
export interface RuntimeLayout {
  /** LAMBDA_RUNTIME_DIR (`/var/runtime` on Lambda). */
  runtimeDir: string;
  /** The interpreter, as the driver starts it. */
  command: string;
  /** The bootstrap and anything else the interpreter is given. */
  args: string[];
  /** Where the runtime's AWS SDK appears, for NODE_PATH or PYTHONPATH. */
  sdkDir?: string;
  /** Directories first on PATH (`/var/lang/bin` on Lambda). */
  pathPrefix: string[];
}

/** How the code and layers appear from inside the sandbox. */
export interface SandboxLayout {
  /** LAMBDA_TASK_ROOT as the runtime sees it (`/var/task` on Lambda). */
  taskRoot: string;
  /**
   * The directories that play /opt, in *lookup* order: the first one wins. A driver that
   * merges layers into one /opt returns `['/opt']`; the process driver returns the layer
   * directories last-to-first, which gives the same precedence as Lambda's extraction order.
   */
  optRoots: readonly string[];
  /** Where the language runtime's files appear; absent when the mounts have none. */
  runtime?: RuntimeLayout;
  /** LAMBDA_RUNTIME_DIR of an OS-only runtime, where the driver has a fixed one (`/var/runtime`). */
  runtimeDir?: string;
  /** Gust's API as the sandbox reaches it (AWS_ENDPOINT_URL), where the driver gives it a road of its own. */
  endpointUrl?: string;
  /**
   * AWS_LAMBDA_RUNTIME_API as the runtime sees it, where the driver serves every Runtime API
   * connection through `SandboxSpec.runtimeApi`: the endpoint then needs no listener of its own.
   */
  runtimeApi?: string;
}

/** What to start: the command, its clean environment, and where it runs. */
export interface SandboxSpec extends SandboxMounts {
  /** Absolute path of the executable, as the sandbox sees it (never looked up through PATH). */
  command: string;
  args: readonly string[];
  /**
   * The complete environment of the runtime. Drivers add only what they own (TMPDIR for a
   * private temporary directory) and never pass anything of Gust's own environment.
   */
  env: Readonly<Record<string, string>>;
  limits: SandboxLimits;
  /** Named host networks the sandbox may reach (VpcConfig's SubnetIds); drivers on the host's network ignore them. */
  networks?: readonly string[];
  /** Called for every line the runtime writes, without its trailing newline. */
  onOutput: (line: string, stream: 'stdout' | 'stderr') => void;
  /**
   * Waits for this start's turn among the runtimes booting (the pool's init permits: two
   * hundred interpreters booting at once each got a sliver of the CPU). A driver calls it
   * before it launches a runtime, not when it gives the start a ready sandbox, whose runtime
   * booted already. Rejects when the start is given up meanwhile.
   */
  bootTurn?: () => Promise<void>;
  /**
   * Whether this start makes a driver that boots sandboxes ahead keep some of its runtime
   * (default true). False for the runtime probe's start of a runtime no function uses: it
   * takes a ready sandbox if the runtime has any, and arms nothing. `at-once` for the probe
   * that arms a runtime for its first function (server/runtime-arming.ts): its refill boots
   * now, not after the delay that keeps a burst's refills from its starts.
   */
  stockReady?: boolean | 'at-once';
  /**
   * The Runtime API that `env.AWS_LAMBDA_RUNTIME_API` names, as connections can be handed
   * to it (the environment's endpoint). A driver that gives the sandbox a socket of its
   * own hands it each connection the runtime makes, with no hop through that address.
   */
  runtimeApi?: RuntimeApiConnections;
}

/** Takes a connection a runtime made to its Runtime API, as if it had accepted it itself. */
export interface RuntimeApiConnections {
  accept(socket: Socket): void;
}

/**
 * Why a sandbox ended: `exit` when the runtime ended on its own (including a signal that
 * Gust did not send), `oom` when a memory limit killed it, `killed` when Gust stopped it.
 */
export type SandboxExitReason = 'exit' | 'oom' | 'killed';

export interface SandboxExit {
  /** Exit status, or null when a signal ended the process. */
  code: number | null;
  /** The signal that ended the process, or null. */
  signal: NodeJS.Signals | null;
  reason: SandboxExitReason;
}

/** One running runtime process (and everything it started). */
export interface Sandbox {
  /** Host pid of the runtime process; it leads its own process group. */
  readonly pid: number;
  /** High-resolution time (performance.now()) just before the process was spawned. */
  readonly spawnedAt: number;
  /**
   * Settles once, when the runtime process has exited and its output pipes are drained.
   * Never rejects. Owners must watch it: an exit is an event, not an error to wait for.
   */
  readonly exited: Promise<SandboxExit>;
  /** The exit once it happened; undefined while the runtime runs. */
  readonly exit: SandboxExit | undefined;
  /**
   * Peak resident memory of the whole process tree in bytes since the last
   * {@link resetPeakMemory} (or since start). Best effort: 0 when nothing can be read.
   */
  peakMemoryBytes(): number;
  /** Starts a new peak-memory window; called between invocations. Must be cheap. */
  resetPeakMemory(): void;
  /**
   * Resolves when every byte the runtime wrote *before this call* has been delivered to
   * `onOutput`. A partial last line is delivered too. Used before END so that a handler's
   * output lands inside its invocation.
   */
  drainOutput(): Promise<void>;
  /**
   * Stops the whole process tree: SIGTERM, then SIGKILL after `graceMs` (default 2000),
   * then releases what the driver created (temporary directory). Idempotent; resolves
   * with the exit.
   */
  stop(graceMs?: number): Promise<SandboxExit>;
  /** SIGKILL to the whole process tree, at once. Cleanup still happens through `stop`. */
  kill(): void;
  /**
   * Called once, after the runtime's first /next: the driver may now apply what would
   * slow a cold start (Lambda's CPU share). Optional; drivers without limits omit it.
   */
  runtimeReady?(): Promise<void>;
  /**
   * Stops every process of the sandbox while it is idle (cgroup freezer), so that an idle
   * function uses no CPU, as on Lambda between invocations. Optional; drivers that cannot
   * freeze omit it. `stop` and `kill` work on a frozen sandbox (the driver thaws it).
   */
  freeze?(): Promise<void>;
  /** Lets a frozen sandbox run again; a no-op when it is not frozen. */
  thaw?(): Promise<void>;
}

/** A way of running runtime processes. One instance serves every environment. */
export interface SandboxDriver {
  /** Short name for logs and configuration (`process`, `namespace`). */
  readonly name: string;
  /**
   * Where the mounts will appear inside a sandbox of this driver. Pure; no I/O. Throws
   * InvalidRuntimeException for a runtime this driver cannot run.
   */
  layout(mounts: SandboxMounts): SandboxLayout;
  /**
   * Starts the runtime. Resolves once the process is spawned (not once it is ready: the
   * Runtime API's first /next says that). Rejects when the process cannot be spawned at all.
   */
  start(spec: SandboxSpec): Promise<Sandbox>;
  /** Releases what the driver holds beyond its sandboxes (a sandbox launched ahead, the sandbox network). */
  close?(): void | Promise<void>;
  /** The sandboxes it keeps booted ahead, per language runtime, where it keeps any. */
  readySandboxes?(): ReadySandboxesReport[];
}

/** One language runtime's sandboxes booted ahead of their function (the namespace driver's ready-sandboxes.ts). */
export interface ReadySandboxesReport {
  /** `nodejs22.x`, `python3.12`. */
  runtime: string;
  waiting: number;
  booting: number;
  /** How many it keeps now: grown by demand, halved when idle. */
  target: number;
  /** The waiting sandboxes' cgroup memory at its peak, summed (0 without a memory controller). */
  memoryBytes: number;
}

/**
 * Go's `os.ProcessState.String()` wording for signals, which is what Lambda prints in
 * "Runtime exited with error: signal: killed".
 */
const SIGNAL_WORDS: Partial<Record<NodeJS.Signals, string>> = {
  SIGKILL: 'killed',
  SIGTERM: 'terminated',
  SIGSEGV: 'segmentation fault',
  SIGABRT: 'aborted',
  SIGINT: 'interrupt',
  SIGHUP: 'hangup',
  SIGQUIT: 'quit',
  SIGILL: 'illegal instruction',
  SIGTRAP: 'trace/breakpoint trap',
  SIGBUS: 'bus error',
  SIGFPE: 'floating point exception',
  SIGPIPE: 'broken pipe',
  SIGALRM: 'alarm clock',
  SIGUSR1: 'user defined signal 1',
  SIGUSR2: 'user defined signal 2',
  SIGSYS: 'bad system call',
  SIGXCPU: 'CPU time limit exceeded',
  SIGXFSZ: 'file size limit exceeded',
};

/** `exit status 3` or `signal: killed`, as Lambda's Runtime.ExitError message words it. */
export function describeExit(exit: Pick<SandboxExit, 'code' | 'signal'>): string {
  if (exit.signal) return `signal: ${SIGNAL_WORDS[exit.signal] ?? exit.signal}`;
  return `exit status ${exit.code ?? 0}`;
}
