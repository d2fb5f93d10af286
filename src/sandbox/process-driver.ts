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
 * - peak memory of the process tree from /proc (Linux), reset per invocation.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Deferred } from '../core/primitives.js';
import { LineSplitter } from './line-splitter.js';
import { PeakMemoryMeter, processTree } from './process-tree.js';
import type { Sandbox, SandboxDriver, SandboxExit, SandboxLayout, SandboxMounts, SandboxSpec } from './sandbox-driver.js';

export interface ProcessDriverOptions {
  /** Directory under which each environment's private TMPDIR is created. */
  tmpRoot: string;
  /** Default grace between SIGTERM and SIGKILL in `stop()`. */
  stopGraceMs?: number;
}

/** Runs runtimes as child processes; see the module comment for what that does not isolate. */
export class ProcessDriver implements SandboxDriver {
  readonly name = 'process';

  constructor(private readonly options: ProcessDriverOptions) {}

  /** Host paths as they are: the code dir is the task root, layers are searched last-first. */
  layout(mounts: SandboxMounts): SandboxLayout {
    return { taskRoot: mounts.codeDir, optRoots: [...mounts.layerDirs].reverse() };
  }

  async start(spec: SandboxSpec): Promise<Sandbox> {
    const tmpDir = mkdtempSync(join(this.options.tmpRoot, 'gust-env-'));
    try {
      return await ProcessSandbox.spawn(spec, tmpDir, this.options.stopGraceMs ?? 2000);
    } catch (err) {
      rmSync(tmpDir, { recursive: true, force: true });
      throw err;
    }
  }
}

/** How long to wait for the output pipes to close after the runtime itself exited. */
const PIPE_CLOSE_WAIT_MS = 200;
/** Upper bound of event-loop turns `drainOutput` waits for data still in the pipes. */
const MAX_DRAIN_TURNS = 64;

class ProcessSandbox implements Sandbox {
  readonly exited: Promise<SandboxExit>;
  exit: SandboxExit | undefined;
  private readonly exitDeferred = new Deferred<SandboxExit>();
  private readonly splitters: LineSplitter[];
  /** Bytes received from both pipes; `drainOutput` waits until it stops moving. */
  private received = 0;
  private signalled = false;
  private stopping: Promise<SandboxExit> | undefined;
  /** Descendants seen while the runtime was alive; they outlive it only if they left the group. */
  private knownTree: number[] = [];
  private readonly meter: PeakMemoryMeter;

  private constructor(
    private readonly child: ChildProcess,
    readonly pid: number,
    readonly spawnedAt: number,
    private readonly tmpDir: string,
    private readonly graceMs: number,
    onOutput: SandboxSpec['onOutput'],
  ) {
    this.exited = this.exitDeferred.promise;
    this.meter = new PeakMemoryMeter(pid);
    const out = new LineSplitter((line) => onOutput(line, 'stdout'));
    const err = new LineSplitter((line) => onOutput(line, 'stderr'));
    this.splitters = [out, err];
    child.stdout!.on('data', (chunk: Buffer) => {
      this.received += chunk.length;
      out.push(chunk);
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      this.received += chunk.length;
      err.push(chunk);
    });
    child.once('exit', (code, signal) => this.onExit(code, signal));
  }

  static spawn(spec: SandboxSpec, tmpDir: string, graceMs: number): Promise<ProcessSandbox> {
    const spawnedAt = performance.now();
    const child = spawn(spec.command, [...spec.args], {
      cwd: spec.codeDir,
      // Only the spec's environment: nothing of Gust's own leaks into the function.
      env: { ...spec.env, TMPDIR: tmpDir },
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
        resolve(new ProcessSandbox(child, child.pid!, spawnedAt, tmpDir, graceMs, spec.onOutput));
      });
    });
  }

  peakMemoryBytes(): number {
    return this.exit ? 0 : this.meter.peakBytes();
  }

  resetPeakMemory(): void {
    if (!this.exit) this.meter.reset();
  }

  async drainOutput(): Promise<void> {
    // Data written before the runtime's last HTTP request is already in the pipes; it is
    // delivered within the same poll phase or a following one. Wait turns of the event loop
    // until a whole turn brings nothing new.
    for (let i = 0; i < MAX_DRAIN_TURNS; i++) {
      const before = this.received;
      await nextTurn();
      if (this.received === before) break;
    }
    for (const s of this.splitters) s.flush();
  }

  stop(graceMs = this.graceMs): Promise<SandboxExit> {
    this.stopping ??= (async () => {
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
      rmSync(this.tmpDir, { recursive: true, force: true });
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
  }

  private signal(sig: NodeJS.Signals): void {
    try {
      process.kill(-this.pid, sig);
    } catch {
      // ESRCH: the group is empty already.
    }
    if (sig !== 'SIGKILL') return;
    for (const p of this.knownTree) {
      if (p === this.pid) continue;
      try {
        process.kill(p, sig);
      } catch {
        // gone
      }
    }
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    const exit: SandboxExit = { code, signal, reason: this.signalled ? 'killed' : 'exit' };
    // The runtime is gone; its descendants go with it, as the environment does on Lambda.
    this.signal('SIGKILL');
    const settle = () => {
      if (this.exit) return;
      for (const s of this.splitters) s.flush();
      this.meter.close();
      this.exit = exit;
      this.exitDeferred.resolve(exit);
    };
    // 'close' comes once both pipes reached EOF, so every line has been delivered. A
    // descendant that escaped the group can hold the pipes open; do not wait for it forever.
    const timer = setTimeout(settle, PIPE_CLOSE_WAIT_MS);
    this.child.once('close', () => {
      clearTimeout(timer);
      settle();
    });
  }
}
