/**
 * The `process` sandbox driver: the runtime runs as a plain child process of Gust.
 *
 * **Trusted code only.** This driver isolates nothing beyond the operating-system user
 * Gust runs as: the function can read and write whatever Gust can, reach the network and
 * see other processes. It exists for development, CI and macOS; use the namespace driver
 * for code you do not trust.
 *
 * What it does give each environment, so that functions behave as on Lambda:
 * - its own process group (and session), so that stop and kill reach everything the
 *   runtime started;
 * - cwd = the unpacked code directory (LAMBDA_TASK_ROOT);
 * - a private temporary directory as TMPDIR, removed when the environment stops;
 * - layers where Lambda's /opt conventions would find them, through the search-path
 *   variables that `lambda-environment.ts` builds from {@link ProcessDriver.layout};
 * - Lambda's open-files limit (1,024), set by the launcher before the runtime starts;
 * - where the server found cgroups (see `cgroups/`): its own cgroup with MemorySize as
 *   memory limit (an OOM kill is reported as such), a pids limit, Lambda's CPU share once
 *   the runtime is ready, and the freezer between invocations; the launcher joins it
 *   before exec, so the runtime and everything it forks are inside from the start (one
 *   launcher waits ahead, already joined, so that a start skips the join: process-spare.ts);
 * - peak memory, reset per invocation: from the memory cgroup where there is one (see
 *   cgroups/resident-peak.ts for what it counts), else of the process tree from /proc.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { InvalidRuntimeException } from '../core/errors.js';
import { Deferred, once } from '../core/primitives.js';
import { LAMBDA_PIDS_MAX, launcherCommand, type CgroupHost, type EnvironmentCgroup } from './cgroups/index.js';
import type { HostChild } from './host-spawner.js';
import { SpareLauncher } from './process-spare.js';
import { HookedSandbox } from './hooked-sandbox.js';
import { RuntimeOutput } from './runtime-output.js';
import { processTree } from './process-tree.js';
import { SandboxCgroupHooks } from './sandbox-cgroup-hooks.js';
import type { Sandbox, SandboxDriver, SandboxExit, SandboxLayout, SandboxMounts, SandboxSpec } from './sandbox-driver.js';

export interface ProcessDriverOptions {
  /** Directory under which each environment's private TMPDIR is created. */
  tmpRoot: string;
  /** Default grace between SIGTERM and SIGKILL in `stop()`. */
  stopGraceMs?: number;
  /** The server's cgroups (`detectCgroups()`); without them environments are only measured, not limited. */
  cgroups?: CgroupHost;
  /** Processes and threads per environment when the pids controller is there (default Lambda's 1,024). */
  pidsMax?: number;
}

/** Runs runtimes as child processes; see the module comment for what that does not isolate. */
export class ProcessDriver implements SandboxDriver {
  readonly name = 'process';

  /** A launcher waiting ahead in its cgroup, where there are cgroups (process-spare.ts). */
  private readonly spares: SpareLauncher | undefined;

  constructor(private readonly options: ProcessDriverOptions) {
    const host = options.cgroups;
    if (host && limits(host)) this.spares = new SpareLauncher({ tmpRoot: options.tmpRoot, cgroups: host, pidsMax: options.pidsMax ?? LAMBDA_PIDS_MAX });
  }

  /**
   * Host paths as they are: the code dir is the task root, layers are searched last-first,
   * the runtime's files run where they are installed. A runtime that needs its own system
   * root cannot run here.
   */
  layout(mounts: SandboxMounts): SandboxLayout {
    const layout: SandboxLayout = { taskRoot: mounts.codeDir, optRoots: [...mounts.layerDirs].reverse() };
    const r = mounts.runtime;
    if (!r) return layout;
    if (r.systemRoot) {
      throw new InvalidRuntimeException(`The ${r.language} ${r.version} of this host runs on its own system root (${r.systemRoot}), which only the namespace sandbox gives it; the process driver cannot run it.`);
    }
    const runtime = { runtimeDir: r.runtimeDir, command: r.interpreter, args: [join(r.runtimeDir, r.bootstrap)], pathPrefix: [dirname(r.interpreter)], ...(r.sdkDir ? { sdkDir: r.sdkDir } : {}) };
    return { ...layout, runtime };
  }

  async start(spec: SandboxSpec): Promise<Sandbox> {
    // The launcher (/bin/sh) always spawns; a missing runtime must still fail here, as a spawn would.
    accessSync(spec.command, constants.X_OK);
    const host = this.options.cgroups;
    const graceMs = this.options.stopGraceMs ?? 2000;
    // Made again once this start's runtime asks for work or exits (see process-spare.ts).
    const booted = () => this.spares?.refill();
    const taken = await this.spares?.take(spec);
    if (taken) {
      const resources = { tmpDir: taken.tmpDir, graceMs, cgroup: taken.cgroup, memoryFromCgroup: Boolean(host?.support.memory) };
      return new ProcessSandbox(taken.child, taken.child.pid!, taken.spawnedAt, resources, spec, () => {
        taken.forgetStartFile();
        booted();
      });
    }
    const tmpDir = mkdtempSync(join(this.options.tmpRoot, 'gust-env-'));
    let cgroup: EnvironmentCgroup | undefined;
    try {
      if (host && limits(host)) cgroup = await host.create(basename(tmpDir), { memoryMb: spec.limits.memoryMb, pidsMax: this.options.pidsMax ?? LAMBDA_PIDS_MAX });
      const memoryFromCgroup = Boolean(cgroup && host?.support.memory);
      return await ProcessSandbox.spawn(spec, { tmpDir, graceMs, cgroup, memoryFromCgroup }, booted);
    } catch (err) {
      await cgroup?.destroy().catch(() => undefined);
      rmSync(tmpDir, { recursive: true, force: true });
      throw err;
    }
  }

  /** Kills the waiting launcher and removes its cgroup (server shutdown). */
  async close(): Promise<void> {
    await this.spares?.close();
  }
}

/** Whether the host's cgroups limit anything an environment does. */
function limits(host: CgroupHost): boolean {
  return host.support.memory || host.support.pids || host.support.cpu || host.support.freezer;
}

interface SandboxResources {
  /** The private TMPDIR, removed by stop. */
  tmpDir: string;
  graceMs: number;
  /** The environment's cgroup, destroyed by stop. */
  cgroup: EnvironmentCgroup | undefined;
  /** Whether the cgroup measures memory (else /proc does). */
  memoryFromCgroup: boolean;
}

class ProcessSandbox extends HookedSandbox implements Sandbox {
  readonly exited: Promise<SandboxExit>;
  exit: SandboxExit | undefined;
  private readonly exitDeferred = new Deferred<SandboxExit>();
  protected readonly output: RuntimeOutput;
  private signalled = false;
  private readonly booted: () => void;
  private stopping: Promise<SandboxExit> | undefined;
  /** Descendants seen while the runtime was alive; they outlive it only if they left the group. */
  private knownTree: number[] = [];
  protected readonly hooks: SandboxCgroupHooks;
  private readonly cgroup: EnvironmentCgroup | undefined;

  /** `booted` is told once, at the runtime's first /next or its exit. */
  constructor(
    private readonly child: HostChild,
    readonly pid: number,
    readonly spawnedAt: number,
    private readonly resources: SandboxResources,
    spec: Pick<SandboxSpec, 'limits' | 'onOutput'>,
    booted: () => void,
  ) {
    super();
    this.exited = this.exitDeferred.promise;
    this.cgroup = resources.cgroup;
    this.hooks = new SandboxCgroupHooks({
      cgroup: resources.cgroup,
      memoryFromCgroup: resources.memoryFromCgroup,
      meterRoot: () => pid,
      memoryMb: spec.limits.memoryMb,
      phase: () => (this.exit ? 'exited' : this.stopping ? 'stopping' : 'running'),
    });
    this.output = new RuntimeOutput(child, spec.onOutput);
    this.booted = once(booted);
    child.once('exit', (code: number | null, signal: NodeJS.Signals | null) => this.onExit(code, signal));
  }

  override runtimeReady(): Promise<void> {
    this.booted();
    return super.runtimeReady();
  }

  static spawn(spec: SandboxSpec, resources: SandboxResources, booted: () => void): Promise<ProcessSandbox> {
    const launch = launcherCommand(spec, { procsFiles: resources.cgroup?.procsFiles ?? [], env: spec.env });
    const spawnedAt = performance.now();
    const child = spawn(launch.command, [...launch.args], {
      cwd: spec.codeDir,
      // Only the spec's environment: nothing of Gust's own leaks into the function.
      env: { ...spec.env, TMPDIR: resources.tmpDir },
      // A new session and process group, so that a signal to -pid reaches the whole tree.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('spawn', () => {
        child.off('error', reject);
        // After spawn, an 'error' can only come from a failed kill; the exit event reports the rest.
        child.on('error', () => undefined);
        resolve(new ProcessSandbox(child, child.pid!, spawnedAt, resources, spec, booted));
      });
    });
  }

  stop(graceMs = this.resources.graceMs): Promise<SandboxExit> {
    this.stopping ??= (async () => {
      // A frozen process takes no signal until thawed; SIGTERM must find it running.
      await this.cgroup?.thaw();
      if (!this.exit) {
        this.knownTree = processTree(this.pid);
        this.signalled = true;
        this.signal('SIGTERM');
        const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
        try {
          await this.exited;
        } finally {
          clearTimeout(timer);
        }
      }
      // Whatever ignored SIGTERM while the runtime went down goes now.
      this.signal('SIGKILL');
      // Kills what is left in the cgroup (also what left the process group) and removes it.
      // A directory still busy stays for the server's close() and the next start's sweep.
      await this.cgroup?.destroy().catch(() => undefined);
      rmSync(this.resources.tmpDir, { recursive: true, force: true });
      return this.exit!;
    })();
    return this.stopping;
  }

  kill(): void {
    if (!this.exit) {
      this.knownTree = processTree(this.pid);
      this.signalled = true;
    }
    this.signal('SIGKILL');
    // A frozen process dies of the SIGKILL only once thawed.
    void this.cgroup?.thaw();
  }

  private signal(sig: NodeJS.Signals): void {
    try {
      process.kill(-this.pid, sig);
    } catch {
      // ESRCH: the group is empty already.
    }
    if (sig !== 'SIGKILL') return;
    for (const p of [...this.knownTree, ...(this.cgroup?.pids() ?? [])]) {
      if (p === this.pid) continue;
      try {
        process.kill(p, sig);
      } catch {
        // gone
      }
    }
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.booted();
    // The kernel counts an OOM kill before the killed process is reaped, so the count is final here.
    const reason = this.signalled ? 'killed' : this.cgroup?.oomKilled() ? 'oom' : 'exit';
    const exit: SandboxExit = { code, signal, reason };
    // The runtime is gone; its descendants go with it, as the environment does on Lambda.
    this.signal('SIGKILL');
    this.output.settleAfterClose(this.child, () => {
      this.hooks.close();
      this.exit = exit;
      this.exitDeferred.resolve(exit);
    });
  }
}
