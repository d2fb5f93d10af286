/**
 * The namespace driver's ready sandboxes (see ready-pool.ts for the pool): a sandbox
 * launched as any other, whose bootstrap waits on its assignment channel. Giving it a
 * function then takes: the memory limit written to its cgroup, the function's code bound on
 * its empty /var/task and its layers on its empty /opt, inside its mount namespace
 * (init-helper.ts), its Runtime API socket (listening since the boot) pointed at the
 * environment's endpoint, and the function's variables sent to the bootstrap, which takes
 * them as its own, imports the handler and goes on as any runtime. Init Duration counts from
 * the take.
 *
 * A function takes the ordinary path when it sets an interpreter's start-up variable
 * (NODE_OPTIONS, PYTHON*, LD_*, AWS_LAMBDA_EXEC_WRAPPER, …) or any of the start variables
 * differently; and, where /tmp is a tmpfs rather than a disk, when it asks for another /tmp
 * size than Lambda's default. With disks, a function of another size gets a disk of its size
 * mounted over the sandbox's /tmp at assignment; a function attached to host networks gets
 * its sandbox's address into their sets then, as an ordinary start does before its runtime.
 * Refills stop while uids run short: they leave `uidsKept` uids to the environments that
 * start the ordinary way. Each waits with its cgroup at {@link READY_MEMORY_MB}, and holds
 * its interpreter's memory (measured in docs/sandbox.md), a /tmp disk and a network
 * namespace.
 */
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Writable } from 'node:stream';
import { LIMITS } from '../../core/limits.js';
import { AssignmentChannel } from '../assignment-channel.js';
import type { CgroupHost } from '../cgroups/index.js';
import type { SandboxNetwork } from '../network/sandbox-network.js';
import type { HostChild } from '../host-spawner.js';
import { killGroup, START_VARIABLE, startVariables, untilAsking, type ReadyBooter } from '../ready-pool.js';
import type { RuntimeFiles, Sandbox, SandboxSpec } from '../sandbox-driver.js';
import type { InitHelper } from './init-helper.js';
import { ARGS_FD, bwrapArgs, COMMAND_FD, OPT_ROOT, runtimeApiVariables, SOCKET_DIR_IN_SANDBOX, SOCKET_NAME, TASK_ROOT } from './bwrap-args.js';
import { NamespaceSandbox } from './namespace-sandbox.js';
import type { OptTrees } from './opt-trees.js';
import { listenRuntimeApiLater, type PendingRuntimeApi } from './runtime-api-relay.js';
import { namespaceRuntimeLayout, RUNTIME_DIR_IN_SANDBOX } from './runtime-mounts.js';
import type { SandboxHostFiles } from './sandbox-host.js';
import { setReferenced } from '../host-spawner.js';
import type { LaunchedSandbox, SandboxLauncher } from './sandbox-launcher.js';
import type { TmpDisk, TmpDisks } from './tmp-disks.js';
import type { UidLeases } from './uid-leases.js';

/**
 * The memory limit a ready sandbox boots under: Lambda's default MemorySize (a runtime boots
 * in a fraction of it), so that a function of that size, the most common, needs no write to
 * the cgroup at assignment; any other writes its own (a v1 limit write cost ~0.5 ms there).
 */
export const READY_MEMORY_MB = LIMITS.memoryMbDefault;
/** The /tmp a ready sandbox has: Lambda's default EphemeralStorage. */
export const READY_TMP_MB = 512;
/** The assignment socket's name in the sandbox's socket directory. */
const ASSIGNMENT_SOCKET = 'assignment.sock';
/** The driver's files a ready sandbox uses, with the socket root open (see namespace-driver.ts). */
export interface ReadyFiles {
  host: SandboxHostFiles;
  optTrees: OptTrees;
  socketRoot: string;
  /** The name a socket in `socketDir` is bound with (not a host path). */
  socketPath(socketDir: string, name: string): string;
}

export interface NamespaceBooterOptions {
  /** Free uids a refill leaves for environments that start the ordinary way (the concurrency limit). */
  uidsKept: number;
  launcher: SandboxLauncher;
  /** Binds a function's code (and a /tmp of its size) into the sandbox given to it. */
  binds: InitHelper;
  /** The files sandboxes bind now (they move to the sandbox volume once it is mounted). */
  files: () => Promise<ReadyFiles>;
  uids: UidLeases;
  cgroups: CgroupHost | undefined;
  tmpDisks: TmpDisks | undefined;
  network: SandboxNetwork | undefined;
  graceMs: number;
}

/** What a namespace start hands on to an assignment: its merged layers, made on demand, and its boot count's callback. */
export interface NamespaceAssignment {
  optDir: () => Promise<string | undefined>;
  booted?: (() => void) | undefined;
}

/** One booted sandbox waiting for its function. */
interface Ready {
  launched: LaunchedSandbox;
  socketDir: string;
  channel: AssignmentChannel;
  /** The variables it booted with; an assigned function must agree on each. */
  bootEnv: Readonly<Record<string, string>>;
  command: string;
  args: readonly string[];
  runtimeApi: PendingRuntimeApi;
  release: () => Promise<void>;
}

/** Boots namespace sandboxes ahead and gives them to functions; see the module comment. */
export class NamespaceReadyBooter implements ReadyBooter<Ready, NamespaceAssignment> {
  constructor(private readonly options: NamespaceBooterOptions) {}

  child(ready: Ready): HostChild {
    return ready.launched.child;
  }

  assignedEnv(spec: SandboxSpec): Record<string, string> | undefined {
    return eligible(spec, this.options.tmpDisks !== undefined) ? assignedEnv(spec.env) : undefined;
  }

  fits(ready: Ready, spec: SandboxSpec, env: Readonly<Record<string, string>>): boolean {
    return fits(ready, spec, env);
  }

  release(ready: Ready): Promise<void> {
    return ready.release();
  }

  memoryBytes(ready: Ready): number {
    return ready.launched.cgroup?.peakMemoryBytes() ?? 0;
  }

  roomToBoot(): boolean {
    return this.options.uids.available > this.options.uidsKept;
  }

  /** Launches a sandbox for `runtime` and starts its bootstrap, which then waits for its assignment. */
  async boot(runtime: RuntimeFiles): Promise<Ready> {
    const { launcher, tmpDisks, uids } = this.options;
    const files = await this.options.files();
    const socketDir = mkdtempSync(join(files.socketRoot, 'gust-ns-'));
    let launched: LaunchedSandbox | undefined;
    let channel: AssignmentChannel | undefined;
    let runtimeApi: PendingRuntimeApi | undefined;
    const release = async () => {
      channel?.close();
      await runtimeApi?.close();
      const gone = launched?.cgroup ? await launched.cgroup.destroy().then(() => true, () => false) : true;
      if (launched?.netns) await this.options.network?.release(launched.netns).catch(() => undefined);
      if (launched?.tmp) await tmpDisks?.release(launched.tmp);
      rmSync(socketDir, { recursive: true, force: true });
      if (launched && gone) uids.release(launched.identity);
    };
    try {
      const made = await Promise.allSettled([
        launcher.launch(READY_MEMORY_MB, READY_TMP_MB),
        AssignmentChannel.listen(files.socketPath(socketDir, ASSIGNMENT_SOCKET)),
        listenRuntimeApiLater(files.socketPath(socketDir, SOCKET_NAME)),
      ] as const);
      if (made[0].status === 'fulfilled') launched = made[0].value;
      if (made[1].status === 'fulfilled') channel = made[1].value;
      if (made[2].status === 'fulfilled') runtimeApi = made[2].value;
      for (const m of made) if (m.status === 'rejected') throw m.reason;
      const { uid, gid } = launched!.identity;
      chownSync(socketDir, uid, gid);
      chownSync(join(socketDir, ASSIGNMENT_SOCKET), uid, gid);
      chownSync(join(socketDir, SOCKET_NAME), uid, gid);
      const layout = namespaceRuntimeLayout(runtime);
      const bootEnv = startEnvironment(runtime);
      const args = bwrapArgs({
        host: files.host,
        env: { ...bootEnv, _GUST_ASSIGNMENT: `${SOCKET_DIR_IN_SANDBOX}/${ASSIGNMENT_SOCKET}` },
        runtime,
        socketDir,
        tmpBytes: READY_TMP_MB * 1024 * 1024,
        ...(launched!.tmp ? { tmpDir: launched!.tmp.mount } : {}),
        shareNet: launched!.netns !== undefined,
        command: layout.command,
        args: layout.args,
      });
      const child = launched!.child;
      // Waiting keeps nothing of Gust alive; the take references it again.
      setReferenced(child, false);
      writeWords(child, ARGS_FD, args.options);
      writeWords(child, COMMAND_FD, args.runtime);
      await untilAsking(channel!, child);
      return { launched: launched!, socketDir, channel: channel!, bootEnv, command: layout.command, args: layout.args, runtimeApi: runtimeApi!, release };
    } catch (err) {
      if (launched) killGroup(launched.child);
      await release();
      throw err;
    }
  }

  /** Gives `ready` to the function of `spec`: memory limit, code, Runtime API, variables. */
  async assign(ready: Ready, spec: SandboxSpec, env: Record<string, string>, { optDir, booted }: NamespaceAssignment): Promise<Sandbox> {
    const { launched } = ready;
    const spawnedAt = performance.now();
    launched.cgroup?.setMemoryLimit(spec.limits.memoryMb);
    ready.runtimeApi.to(spec.runtimeApi!);
    const opt = await optDir();
    const pid = launched.child.pid!;
    const tmp = await this.tmpOfSize(ready, spec.limits.ephemeralStorageMb);
    const release = tmp ? () => ready.release().finally(() => this.options.tmpDisks!.release(tmp)) : ready.release;
    try {
      await Promise.all([
        this.options.binds.bindInto(pid, spec.codeDir, TASK_ROOT),
        opt ? this.options.binds.bindInto(pid, opt, OPT_ROOT) : undefined,
        tmp ? this.options.binds.bindInto(pid, tmp.mount, '/tmp', { writable: true }) : undefined,
        // Released with the namespace (SandboxNetwork.release), as an ordinary start's.
        launched.netns && spec.networks?.length ? this.options.network?.attach(launched.netns, spec.networks) : undefined,
      ]);
    } catch (err) {
      // The sandbox is discarded (take() releases it); the disk made for it goes now.
      if (tmp) await this.options.tmpDisks!.release(tmp);
      throw err;
    }
    ready.channel.assign(env);
    setReferenced(launched.child, true);
    return new NamespaceSandbox(launched.child, spawnedAt, spec.onOutput, {
      cgroup: launched.cgroup,
      memoryFromCgroup: Boolean(launched.cgroup && this.options.cgroups?.support.memory),
      memoryMb: spec.limits.memoryMb,
      graceMs: this.options.graceMs,
      release,
      booted,
    });
  }

  /**
   * The disk a function of `sizeMb` of /tmp needs over the one `ready` booted with, or
   * undefined when that one fits. It is mounted over the sandbox's /tmp, which nothing has
   * written yet (the bootstrap only waited), and released after the sandbox.
   */
  private async tmpOfSize(ready: Ready, sizeMb: number): Promise<TmpDisk | undefined> {
    if (ready.launched.tmp?.sizeMb === sizeMb || !this.options.tmpDisks) return undefined;
    return this.options.tmpDisks.take(sizeMb);
  }
}

/** What a function of `r` starts with before its own variables: what a ready sandbox boots with. */
export function startEnvironment(r: RuntimeFiles): Record<string, string> {
  const runtime = namespaceRuntimeLayout(r);
  const layout = { taskRoot: TASK_ROOT, optRoots: [OPT_ROOT], runtime, runtimeDir: RUNTIME_DIR_IN_SANDBOX };
  return { TMPDIR: '/tmp', ...runtimeApiVariables(), ...startVariables(r, layout) };
}

/** The variables the runtime gets at assignment, as the driver gives them to any sandbox. */
function assignedEnv(env: Readonly<Record<string, string>>): Record<string, string> {
  return { ...env, TMPDIR: '/tmp', ...runtimeApiVariables() };
}

/**
 * What of a start a ready sandbox can never give: a Runtime API only relayed to (a test's own
 * server), and, without disks (`withDisks` false), another /tmp size.
 */
function eligible(spec: SandboxSpec, withDisks: boolean): boolean {
  return (withDisks || spec.limits.ephemeralStorageMb === READY_TMP_MB) && spec.runtimeApi !== undefined;
}

/** Whether `spec`, with the variables `env`, can run in `ready`: same command, same start variables, none of its own. */
export function fits(ready: Pick<Ready, 'command' | 'args' | 'bootEnv'>, spec: Pick<SandboxSpec, 'command' | 'args'>, env: Readonly<Record<string, string>>): boolean {
  if (spec.command !== ready.command || spec.args.length !== ready.args.length || spec.args.some((a, i) => a !== ready.args[i])) return false;
  for (const [k, v] of Object.entries(ready.bootEnv)) if (env[k] !== v) return false;
  return !Object.keys(env).some((k) => START_VARIABLE.test(k) && !(k in ready.bootEnv));
}

function writeWords(child: LaunchedSandbox['child'], fd: number, words: readonly string[]): void {
  const pipe = (child.stdio as unknown[])[fd] as Writable;
  // bwrap may die before reading them; its exit says why.
  pipe.on('error', () => undefined);
  pipe.end(Buffer.from(words.map((a) => `${a}\0`).join('')));
}
