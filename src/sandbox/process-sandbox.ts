/**
 * A process driver's sandbox (process-driver.ts): the runtime as a child process in its own
 * process group, with its private TMPDIR and, where the server has cgroups, its cgroup.
 * Started by the driver, from its waiting launcher, or from a ready sandbox (process-ready.ts).
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Deferred, once } from '../core/primitives.js';
import { launcherCommand, type EnvironmentCgroup } from './cgroups/index.js';
import type { HostChild } from './host-spawner.js';
import { HookedSandbox } from './hooked-sandbox.js';
import { RuntimeOutput } from './runtime-output.js';
import { processTree } from './process-tree.js';
import { SandboxCgroupHooks } from './sandbox-cgroup-hooks.js';
import type { Sandbox, SandboxExit, SandboxSpec } from './sandbox-driver.js';

export interface SandboxResources {
  /** The private TMPDIR, removed by stop. */
  tmpDir: string;
  graceMs: number;
  /** The environment's cgroup, destroyed by stop. */
  cgroup: EnvironmentCgroup | undefined;
  /** Whether the cgroup measures memory (else /proc does). */
  memoryFromCgroup: boolean;
  /** Releases what else the sandbox holds, once it stopped. */
  release?: (() => void) | undefined;
}

export class ProcessSandbox extends HookedSandbox implements Sandbox {
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
      this.resources.release?.();
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
