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
 * - runtimes booted ahead, waiting for a function, as the namespace driver's ready
 *   sandboxes (process-ready.ts): a start that finds one skips the interpreter's boot;
 * - peak memory, reset per invocation: from the memory cgroup where there is one (see
 *   cgroups/resident-peak.ts for what it counts), else of the process tree from /proc.
 */
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { InvalidRuntimeException } from '../core/errors.js';
import { LAMBDA_PIDS_MAX, type CgroupHost, type EnvironmentCgroup } from './cgroups/index.js';
import { SpareLauncher } from './process-spare.js';
import { ProcessReadyBooter } from './process-ready.js';
import { ProcessSandbox } from './process-sandbox.js';
import { ReadyPool } from './ready-pool.js';
import type { ReadySandboxesReport, Sandbox, SandboxDriver, SandboxLayout, SandboxMounts, SandboxSpec } from './sandbox-driver.js';

export interface ProcessDriverOptions {
  /** Directory under which each environment's private TMPDIR is created. */
  tmpRoot: string;
  /** See ProcessBooterOptions.socketDirPrefix. */
  socketDirPrefix?: string;
  /** Default grace between SIGTERM and SIGKILL in `stop()`. */
  stopGraceMs?: number;
  /** The server's cgroups (`detectCgroups()`); without them environments are only measured, not limited. */
  cgroups?: CgroupHost;
  /** Processes and threads per environment when the pids controller is there (default Lambda's 1,024). */
  pidsMax?: number;
  /** The most runtimes kept booted ahead per language runtime (process-ready.ts); 0 or absent: none. */
  readySandboxes?: number | undefined;
  /** Told when a ready sandbox could not be given to a start (which then took the ordinary path). */
  onReadyFailure?: ((err: unknown, what: string) => void) | undefined;
}

/** Runs runtimes as child processes; see the module comment for what that does not isolate. */
export class ProcessDriver implements SandboxDriver {
  readonly name = 'process';

  /** A launcher waiting ahead in its cgroup, where there are cgroups (process-spare.ts). */
  private readonly spares: SpareLauncher | undefined;
  /** Runtimes booted ahead, waiting for a function (process-ready.ts). */
  private readonly ready: ReadyPool<unknown, () => void>;

  constructor(private readonly options: ProcessDriverOptions) {
    const host = options.cgroups;
    const cgroups = host && limits(host) ? host : undefined;
    const pidsMax = options.pidsMax ?? LAMBDA_PIDS_MAX;
    if (cgroups) this.spares = new SpareLauncher({ tmpRoot: options.tmpRoot, cgroups, pidsMax });
    const booter = new ProcessReadyBooter({ tmpRoot: options.tmpRoot, socketDirPrefix: options.socketDirPrefix, cgroups, pidsMax, graceMs: options.stopGraceMs ?? 2000, layout: (mounts) => this.layout(mounts) });
    this.ready = new ReadyPool({ size: options.readySandboxes ?? 0, onFailure: options.onReadyFailure }, booter);
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
    // The spare launcher is made again once this start's runtime asks for work or exits (see process-spare.ts).
    const { sandbox: ready, booted } = await this.ready.start(spec, (started) => started, () => this.spares?.refill());
    if (ready) return ready;
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
      booted();
      throw err;
    }
  }

  readySandboxes(): ReadySandboxesReport[] {
    return this.ready.report();
  }

  /** Kills the waiting launcher and ready runtimes, and removes their cgroups (server shutdown). */
  async close(): Promise<void> {
    await Promise.all([this.spares?.close(), this.ready.close()]);
  }
}

/** Whether the host's cgroups limit anything an environment does. */
function limits(host: CgroupHost): boolean {
  return host.support.memory || host.support.pids || host.support.cpu || host.support.freezer;
}
