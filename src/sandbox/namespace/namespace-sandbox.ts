/**
 * One running namespace sandbox: the process Gust spawned (its `pid`: gust-init's launch
 * mode, which execs into bwrap), gust-init as pid 1 inside, the runtime as its child.
 *
 * Signals: SIGTERM goes to gust-init's host pid (bwrap itself would just die of it and take
 * the sandbox down at once), and init passes it to every process in the namespace, so a
 * runtime gets its graceful stop as with the process driver. It is sent only once init
 * said "ready" on the status pipe: before its handlers exist, pid 1 ignores SIGTERM.
 * SIGKILL goes to bwrap's group, to init and to the cgroup's processes: either death
 * empties the pid namespace (the kernel kills everything in it when its pid 1 ends;
 * --die-with-parent kills init when bwrap ends).
 *
 * The exit: init writes the runtime's exact end ("exit N" / "signal N") to a status pipe,
 * because bwrap can only pass on an exit code, which would make `exit 137` and SIGKILL look
 * the same. Without a status line, init itself was killed, and bwrap's own end (or its
 * 128+N for a signal) is what happened.
 */
import type { HostChild } from '../host-spawner.js';
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import type { Readable } from 'node:stream';
import { Deferred } from '../../core/primitives.js';
import { HookedSandbox } from '../hooked-sandbox.js';
import { RuntimeOutput } from '../runtime-output.js';
import { SandboxCgroupHooks } from '../sandbox-cgroup-hooks.js';
import type { EnvironmentCgroup } from '../cgroups/index.js';
import type { Sandbox, SandboxExit, SandboxSpec } from '../sandbox-driver.js';

/** What the driver made for one sandbox. */
export interface SandboxResources {
  /** The environment's cgroup, if the server has cgroups. */
  cgroup: EnvironmentCgroup | undefined;
  /** Whether the cgroup measures memory (else /proc does, from gust-init down). */
  memoryFromCgroup: boolean;
  /** MemorySize, for the CPU share applied once the runtime is ready. */
  memoryMb: number;
  /** Default grace between SIGTERM and SIGKILL in `stop()`. */
  graceMs: number;
  /** Releases the relay, the cgroup and the socket directory; run once the sandbox exited, before `stop()` resolves. */
  release: () => Promise<void>;
  /** Told when the runtime's boot is over: at its first /next (`runtimeReady`) and at its exit, both when both come (the driver counts the first). */
  booted?: (() => void) | undefined;
}

const SIGNAL_NAMES = new Map<number, NodeJS.Signals>(Object.entries(constants.signals).map(([name, n]) => [n, name as NodeJS.Signals]));

export class NamespaceSandbox extends HookedSandbox implements Sandbox {
  readonly exited: Promise<SandboxExit>;
  exit: SandboxExit | undefined;
  private readonly exitDeferred = new Deferred<SandboxExit>();
  private readonly initReady = new Deferred<void>();
  protected readonly output: RuntimeOutput;
  private status = '';
  private signalled = false;
  private stopping: Promise<SandboxExit> | undefined;
  private initPid: number | undefined;
  protected readonly hooks: SandboxCgroupHooks;

  constructor(
    private readonly child: HostChild,
    readonly spawnedAt: number,
    onOutput: SandboxSpec['onOutput'],
    private readonly resources: SandboxResources,
  ) {
    super();
    this.hooks = new SandboxCgroupHooks({
      cgroup: resources.cgroup,
      memoryFromCgroup: resources.memoryFromCgroup,
      // Measures from gust-init down: the sandbox's processes, not bwrap's own.
      meterRoot: () => this.findInit(),
      memoryMb: resources.memoryMb,
      phase: () => (this.exit ? 'exited' : this.stopping ? 'stopping' : 'running'),
    });
    this.exited = this.exitDeferred.promise;
    this.output = new RuntimeOutput(child, onOutput);
    (child.stdio[4] as Readable).on('data', (chunk: Buffer) => {
      this.status += chunk.toString('latin1');
      if (this.status.startsWith('ready\n')) this.initReady.resolve();
    });
    child.once('exit', (code, signal) => this.onExit(code, signal));
  }

  override runtimeReady(): Promise<void> {
    this.resources.booted?.();
    return super.runtimeReady();
  }

  /** Host pid of bwrap, the process Gust spawned; it leads its own process group. */
  get pid(): number {
    return this.child.pid!;
  }

  stop(graceMs = this.resources.graceMs): Promise<SandboxExit> {
    this.stopping ??= (async () => {
      // A frozen process takes no signal until thawed; SIGTERM must find it running.
      await this.resources.cgroup?.thaw();
      if (!this.exit) {
        this.signalled = true;
        const timer = setTimeout(() => this.killAll(), graceMs);
        try {
          await Promise.race([this.initReady.promise, this.exited]);
          if (!this.exit) {
            const init = this.findInit();
            if (init !== undefined) this.signalPid(init, 'SIGTERM');
            else this.killAll();
          }
          await this.exited;
        } finally {
          clearTimeout(timer);
        }
      }
      await this.resources.release();
      return this.exit!;
    })();
    return this.stopping;
  }

  kill(): void {
    if (!this.exit) this.signalled = true;
    this.killAll();
    // A frozen process dies of the SIGKILL only once thawed.
    void this.resources.cgroup?.thaw();
  }

  private killAll(): void {
    const init = this.findInit();
    try {
      process.kill(-this.pid, 'SIGKILL');
    } catch {
      // ESRCH: bwrap is gone already.
    }
    for (const p of [...(init === undefined ? [] : [init]), ...(this.resources.cgroup?.pids() ?? [])]) this.signalPid(p, 'SIGKILL');
  }

  private signalPid(pid: number, sig: NodeJS.Signals): void {
    try {
      process.kill(pid, sig);
    } catch {
      // gone
    }
  }

  /** gust-init's host pid: bwrap's only child once the namespaces exist. */
  private findInit(): number | undefined {
    if (this.initPid !== undefined || this.exit) return this.initPid;
    try {
      const first = readFileSync(`/proc/${this.pid}/task/${this.pid}/children`, 'latin1').trim().split(' ')[0];
      if (first) this.initPid = Number(first);
    } catch {
      // Not yet (or no longer) there.
    }
    return this.initPid;
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.resources.booted?.();
    // Nothing to kill: bwrap ends after init, and init's end empties the pid namespace.
    this.output.settleAfterClose(this.child, () => {
      this.hooks.close();
      // The kernel counts an OOM kill before the killed process is reaped, so the count is final here.
      const reason = this.signalled ? 'killed' : this.resources.cgroup?.oomKilled() ? 'oom' : 'exit';
      const exit: SandboxExit = { ...this.runtimeEnd(code, signal), reason };
      this.exit = exit;
      this.exitDeferred.resolve(exit);
    });
  }

  private runtimeEnd(code: number | null, signal: NodeJS.Signals | null): Pick<SandboxExit, 'code' | 'signal'> {
    const m = /^(exit|signal) (\d+)$/m.exec(this.status);
    if (m?.[1] === 'exit') return { code: Number(m[2]), signal: null };
    if (m?.[1] === 'signal') return { code: null, signal: SIGNAL_NAMES.get(Number(m[2])) ?? 'SIGKILL' };
    // No status: init was killed, and bwrap reports a child's death by signal as 128+N.
    if (signal) return { code: null, signal };
    if (code !== null && code > 128 && SIGNAL_NAMES.has(code - 128)) return { code: null, signal: SIGNAL_NAMES.get(code - 128)! };
    return { code, signal: null };
  }
}
