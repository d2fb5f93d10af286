/**
 * The process driver's ready sandboxes (see ready-pool.ts for the pool): a runtime launched
 * as any other (its launcher joins a fresh environment cgroup, then execs the interpreter),
 * whose bootstrap waits on its assignment channel, a unix socket in the sandbox's own
 * directory under the driver's tmpRoot. Giving it a function then takes: the memory limit
 * written to its cgroup, two links made in its directory, and the function's variables sent
 * to the bootstrap, which takes them as its own, enters the code directory, imports the
 * handler and goes on as any runtime. Init Duration counts from the take.
 *
 * Why links: an ordinary process start names the code and layer directories in the
 * variables the runtime starts with, and the C library reads LD_LIBRARY_PATH once, at exec,
 * for every library the function loads later. A ready runtime boots with its own directory's
 * `task` and `opt-0` … `opt-4` in their place, empty directories with an empty `lib/` (the C
 * library marks a search directory it does not find as missing, for good); at assignment
 * `task` becomes a link to the code and each `opt-N` to the layer in that place of the lookup
 * order, so that a library in the code's `lib/` or a layer's is found as on the ordinary path. The variables the function
 * gets (and passes to what it runs) name the real directories, as on the ordinary path, and
 * the bootstraps take their module paths from those (NODE_PATH, PYTHONPATH) at assignment.
 *
 * A function takes the ordinary path when it sets one of the start variables itself (PATH,
 * LD_LIBRARY_PATH, NODE_PATH, …) or a variable an interpreter reads as it starts (NODE_OPTIONS,
 * PYTHON*, AWS_LAMBDA_EXEC_WRAPPER, …), runs another command (an exec wrapper), or has more
 * layers than Lambda allows. Each waits with its cgroup at {@link READY_MEMORY_MB}.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { LIMITS } from '../core/limits.js';
import { AssignmentChannel } from './assignment-channel.js';
import { launcherCommand, type CgroupHost, type EnvironmentCgroup } from './cgroups/index.js';
import { hostSpawner, setReferenced, type HostChild } from './host-spawner.js';
import { ProcessSandbox } from './process-sandbox.js';
import { killGroup, START_VARIABLE, startVariables, untilAsking, type ReadyBooter } from './ready-pool.js';
import type { RuntimeFiles, RuntimeLayout, Sandbox, SandboxLayout, SandboxMounts, SandboxSpec } from './sandbox-driver.js';

/** The memory limit a ready runtime boots under: Lambda's default MemorySize, which most functions keep. */
export const READY_MEMORY_MB = LIMITS.memoryMbDefault;
/** Layers a function may have (Lambda's limit): one link each. */
const MAX_LAYERS = 5;
const ASSIGNMENT_SOCKET = 'assignment.sock';
/** The longest path a unix socket can be bound at (sun_path's 108 bytes, with its NUL). */
const MAX_SOCKET_PATH_BYTES = 107;

export interface ProcessBooterOptions {
  /** Where each ready sandbox's directory (its TMPDIR, links and assignment socket) is made. */
  tmpRoot: string;
  /** The prefix of the directory its assignment socket gets when the sandbox's own path is too long for one (default `<system tmpdir>/gust-ready-`). */
  socketDirPrefix?: string | undefined;
  /** The server's cgroups, when they limit anything; else ready runtimes are only measured, as any. */
  cgroups: CgroupHost | undefined;
  pidsMax: number;
  graceMs: number;
  /** The driver's layout of a function's code, layers and runtime. */
  layout(mounts: SandboxMounts): SandboxLayout;
}

/** One booted runtime waiting for its function. */
interface Ready {
  child: HostChild;
  /** Its own directory: the TMPDIR and the links; removed with it. */
  dir: string;
  /** Where its assignment socket is: `dir`, or a directory of its own when that path is too long; removed with it. */
  socketDir: string;
  channel: AssignmentChannel;
  cgroup: EnvironmentCgroup | undefined;
  command: string;
  args: readonly string[];
}

/** Boots process sandboxes ahead and gives them to functions; see the module comment. */
export class ProcessReadyBooter implements ReadyBooter<Ready, () => void> {
  constructor(private readonly options: ProcessBooterOptions) {}

  async boot(runtime: RuntimeFiles): Promise<Ready> {
    const dir = mkdtempSync(join(this.options.tmpRoot, 'gust-ready-'));
    // A unix socket's path has at most 107 bytes (beyond, libuv binds a cut one and Python
    // refuses it), which a long data dir's passes: the socket then lies in a directory of
    // its own under the system's temporary directory, private (0700) as the other.
    const socketDir = Buffer.byteLength(join(dir, ASSIGNMENT_SOCKET)) <= MAX_SOCKET_PATH_BYTES ? dir : mkdtempSync(this.options.socketDirPrefix ?? join(tmpdir(), 'gust-ready-'));
    let cgroup: EnvironmentCgroup | undefined;
    let channel: AssignmentChannel | undefined;
    let child: HostChild | undefined;
    try {
      mkdirSync(join(dir, 'tmp'));
      // The C library marks a search directory missing at its first search, for good.
      for (const stand of [join(dir, 'task'), ...links(dir)]) mkdirSync(join(stand, 'lib'), { recursive: true });
      const layout = this.options.layout({ codeDir: join(dir, 'task'), layerDirs: links(dir).reverse(), runtime }) as SandboxLayout & { runtime: RuntimeLayout };
      const env = { ...startVariables(runtime, layout), TMPDIR: join(dir, 'tmp'), _GUST_ASSIGNMENT: join(socketDir, ASSIGNMENT_SOCKET) };
      cgroup = await this.options.cgroups?.create(basename(dir), { memoryMb: READY_MEMORY_MB, pidsMax: this.options.pidsMax });
      channel = await AssignmentChannel.listen(join(socketDir, ASSIGNMENT_SOCKET));
      const launch = launcherCommand(layout.runtime, { procsFiles: cgroup?.procsFiles ?? [], env });
      child = await hostSpawner().spawn(launch.command, launch.args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      // Waiting keeps nothing of Gust alive; the take references it again.
      setReferenced(child, false);
      // One killed while it waits cuts its pipes; that is no error of the server's.
      for (const pipe of child.stdio) pipe?.on('error', () => undefined);
      await untilAsking(channel, child);
      return { child, dir, socketDir, channel, cgroup, command: layout.runtime.command, args: layout.runtime.args };
    } catch (err) {
      if (child) killGroup(child);
      await this.release({ dir, socketDir, channel, cgroup });
      throw err;
    }
  }

  child(ready: Ready): HostChild {
    return ready.child;
  }

  assignedEnv(spec: SandboxSpec): Record<string, string> | undefined {
    if (!spec.runtime || spec.layerDirs.length > MAX_LAYERS) return undefined;
    const layout = this.options.layout(spec) as SandboxLayout & { runtime: RuntimeLayout };
    const gusts = startVariables(spec.runtime, layout);
    for (const [k, v] of Object.entries(gusts)) if (spec.env[k] !== v) return undefined;
    // The driver sets TMPDIR whatever the function says.
    if (Object.keys(spec.env).some((k) => START_VARIABLE.test(k) && !(k in gusts) && k !== 'TMPDIR')) return undefined;
    return { ...spec.env };
  }

  fits(ready: Ready, spec: SandboxSpec): boolean {
    return spec.command === ready.command && spec.args.length === ready.args.length && spec.args.every((a, i) => a === ready.args[i]);
  }

  async assign(ready: Ready, spec: SandboxSpec, env: Record<string, string>, booted: () => void): Promise<Sandbox> {
    link(spec.codeDir, join(ready.dir, 'task'));
    const opt = links(ready.dir);
    this.options.layout(spec).optRoots.forEach((root, i) => link(root, opt[i]!));
    ready.cgroup?.setMemoryLimit(spec.limits.memoryMb);
    const spawnedAt = performance.now();
    ready.channel.assign({ ...env, TMPDIR: join(ready.dir, 'tmp') });
    setReferenced(ready.child, true);
    const release = () => {
      ready.channel.close();
      rmSync(ready.socketDir, { recursive: true, force: true });
    };
    const resources = { tmpDir: ready.dir, graceMs: this.options.graceMs, cgroup: ready.cgroup, memoryFromCgroup: Boolean(ready.cgroup && this.options.cgroups?.support.memory), release };
    return new ProcessSandbox(ready.child, ready.child.pid!, spawnedAt, resources, spec, booted);
  }

  async release(ready: { dir: string; socketDir: string; channel?: AssignmentChannel | undefined; cgroup?: EnvironmentCgroup | undefined }): Promise<void> {
    ready.channel?.close();
    // Kills what is left in the cgroup and removes it; a busy one stays for the server's sweep.
    await ready.cgroup?.destroy().catch(() => undefined);
    for (const d of [ready.dir, ready.socketDir]) rmSync(d, { recursive: true, force: true });
  }

  memoryBytes(ready: Ready): number {
    return ready.cgroup?.peakMemoryBytes() ?? 0;
  }

  roomToBoot(): boolean {
    return true;
  }
}

/** Replaces the empty directory `at` stood for `target` with a link to it. */
function link(target: string, at: string): void {
  rmSync(at, { recursive: true });
  symlinkSync(target, at);
}

/** The directories that stand for the layers in `dir`, in lookup order. */
function links(dir: string): string[] {
  return Array.from({ length: MAX_LAYERS }, (_, i) => join(dir, `opt-${i}`));
}
