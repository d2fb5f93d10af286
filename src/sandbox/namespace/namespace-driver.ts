/**
 * The `namespace` sandbox driver: each runtime runs in a bubblewrap sandbox, for code Gust
 * does not trust. See bwrap-args.ts for the filesystem, namespace-sandbox.ts for signals and
 * exits, seccomp-policy.ts for the system-call filter, runtime-api-relay.ts and
 * runtimes/sandbox/gust-init.c for the network, and docs/sandbox.md for the reasons.
 *
 * bwrap runs as an unprivileged uid/gid leased per environment (uid-leases.ts; never host root: a user namespace made by
 * root maps uid 0 to host root, which owns every root-owned file it can see), so the sandbox
 * holds no capability on the host and only the permissions of a stranger. The start is a
 * chain of two execs in one process: gust-init's launch mode (as root: sets RLIMIT_NOFILE,
 * joins the environment's cgroups, so everything after starts inside them, and drops to the
 * sandbox uid), then bwrap. None of the host-side steps sees the function's environment (a
 * function's LD_PRELOAD must not run in a host process): it reaches the runtime through
 * bwrap's `--setenv`, and every bwrap argument travels through a pipe (`--args`), so that
 * no variable shows in the host's process list. The chain is launched ahead of the start
 * that uses it (sandbox-launcher.ts): a start mostly writes the options into it.
 */
import { accessSync, chownSync, closeSync, constants, mkdtempSync, openSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Writable } from 'node:stream';
import type { CgroupHost } from '../cgroups/index.js';
import type { ReadySandboxesReport, Sandbox, SandboxDriver, SandboxLayout, SandboxMounts, SandboxSpec } from '../sandbox-driver.js';
import { ARGS_FD, bwrapArgs, COMMAND_FD, DEFAULT_BWRAP, OPT_ROOT, RUNTIME_API_PORT, runtimeApiVariables, SOCKET_NAME, TASK_ROOT } from './bwrap-args.js';
import { NamespaceSandbox, type SandboxResources } from './namespace-sandbox.js';
import type { OptTrees } from './opt-trees.js';
import type { SandboxNetwork } from '../network/sandbox-network.js';
import { BootstrapBytecode } from './bootstrap-bytecode.js';
import { InitHelper } from './init-helper.js';
import { listenRuntimeApi, parseHostPort, type RuntimeApiListener } from './runtime-api-relay.js';
import { namespaceRuntimeLayout, RUNTIME_DIR_IN_SANDBOX } from './runtime-mounts.js';
import type { SandboxHostFiles } from './sandbox-host.js';
import type { TmpDisks } from './tmp-disks.js';
import type { UidLeases } from './uid-leases.js';
import { ReadyPool } from '../ready-pool.js';
import { NamespaceReadyBooter, type NamespaceAssignment } from './ready-sandboxes.js';
import { SandboxLauncher, type LaunchedSandbox } from './sandbox-launcher.js';

export interface NamespaceDriverOptions {
  /** Host files from prepareSandboxHost(). */
  host: SandboxHostFiles;
  /** The unprivileged host uids/gids sandboxes run as, one leased per environment. */
  uids: UidLeases;
  /** Directory under which each environment's socket directory is made. */
  workRoot: string;
  bwrapPath?: string;
  /** Default grace between SIGTERM and SIGKILL in `stop()`. */
  stopGraceMs?: number | undefined;
  /** The server's cgroups; without them sandboxes are isolated but their resources only measured. */
  cgroups?: CgroupHost | undefined;
  /** Disks for /tmp; without them /tmp is a tmpfs, charged to the function's memory. */
  tmpDisks?: TmpDisks | undefined;
  /** Where several layers are merged into one /opt. */
  optTrees: OptTrees;
  /** Sandbox networking (its own namespace with outbound access); without it a sandbox has loopback only. */
  network?: SandboxNetwork | undefined;
  /** The most sandboxes kept booted ahead per language runtime (ready-sandboxes.ts); 0 or absent: none. */
  readySandboxes?: number | undefined;
  /** Free uids the ready sandboxes leave for environments that start the ordinary way (the concurrency limit). */
  readyUidsKept?: number | undefined;
  /** Told when a ready sandbox could not be given to a start (which then took the ordinary path). */
  onReadyFailure?: ((err: unknown, what: string) => void) | undefined;
  /** Told when the Python bootstrap could not be byte-compiled (Python starts then compile it themselves). */
  onBytecodeFailure?: ((err: unknown) => void) | undefined;
}

/** What sandboxes bind from the host: the driver's files, and where each environment's socket directory is made. */
export interface DriverFiles {
  host: SandboxHostFiles;
  optTrees: OptTrees;
  socketRoot: string;
}

/** DriverFiles with `socketRoot` open: sockets are named through it (see socketPath). */
interface OpenFiles extends DriverFiles {
  socketRootFd: number;
}

export class NamespaceDriver implements SandboxDriver {
  readonly name = 'namespace';

  private readonly launcher: SandboxLauncher;
  /** Binds into ready sandboxes at assignment (started at its first request). */
  private readonly binds: InitHelper;
  private files: Promise<OpenFiles>;
  /** Sandboxes whose runtime booted ahead of its function. */
  readonly ready: ReadyPool<unknown, NamespaceAssignment>;
  private readonly bytecode: BootstrapBytecode;

  /** Whether /tmp is a disk (else a tmpfs, charged to memory). */
  get tmpOnDisk(): boolean {
    return this.options.tmpDisks !== undefined;
  }

  /** The sandbox network, when sandboxes have one. */
  get network(): SandboxNetwork | undefined {
    return this.options.network;
  }

  constructor(private readonly options: NamespaceDriverOptions) {
    this.launcher = new SandboxLauncher({ init: options.host.init, seccomp: options.host.seccomp, uids: options.uids, bwrapPath: options.bwrapPath ?? DEFAULT_BWRAP, cgroups: options.cgroups, network: options.network, tmpDisks: options.tmpDisks });
    this.binds = new InitHelper(options.host.init);
    this.bytecode = new BootstrapBytecode(options.onBytecodeFailure);
    this.files = Promise.resolve(openFiles({ host: options.host, optTrees: options.optTrees, socketRoot: options.workRoot }));
    const booter = new NamespaceReadyBooter({
      uidsKept: options.readyUidsKept ?? 0,
      launcher: this.launcher,
      binds: this.binds,
      files: () => this.files.then((f) => ({ ...f, socketPath: (dir: string, name: string) => socketPath(f, dir, name) })),
      uids: options.uids,
      cgroups: options.cgroups,
      tmpDisks: options.tmpDisks,
      network: options.network,
      graceMs: options.stopGraceMs ?? 2000,
    });
    this.ready = new ReadyPool({ size: options.readySandboxes ?? 0, onFailure: options.onReadyFailure }, booter);
  }

  /**
   * Binds from `files` from now on (the sandbox volume's, which hide where Gust keeps
   * them: sandbox-volume.ts): starts wait until they are ready. When they cannot be made,
   * sandboxes keep the files they had.
   */
  useFiles(files: Promise<DriverFiles>): void {
    const before = this.files;
    this.files = files.then(openFiles, () => before);
    void Promise.all([before, this.files]).then(([old, now]) => {
      if (old !== now) closeSync(old.socketRootFd);
    });
  }

  /** Lambda's paths: code at /var/task, the merged layers at /opt, the runtime at /var/runtime and /var/lang, the Runtime API at 127.0.0.1:9001. */
  layout(mounts: SandboxMounts): SandboxLayout {
    const layout: SandboxLayout = {
      taskRoot: TASK_ROOT,
      optRoots: [OPT_ROOT],
      runtimeDir: RUNTIME_DIR_IN_SANDBOX,
      runtimeApi: `127.0.0.1:${RUNTIME_API_PORT}`,
      ...(this.options.network ? { endpointUrl: this.options.network.endpointUrl } : {}),
    };
    return mounts.runtime ? { ...layout, runtime: namespaceRuntimeLayout(mounts.runtime) } : layout;
  }

  async start(spec: SandboxSpec): Promise<Sandbox> {
    // A command that does not exist fails here as a spawn would, not as a runtime exit.
    accessSync(spec.runtime ? spec.runtime.interpreter : spec.command, constants.X_OK);
    const files = await this.files;
    files.host.etc.refresh();
    this.bytecode.prepare(spec.runtime, files.host.runtimes.python);
    const { sandbox: ready, booted } = await this.ready.start(spec, (started) => ({ optDir: () => files.optTrees.treeFor(spec.layerDirs), booted: started }));
    if (ready) return ready;
    const socketDir = mkdtempSync(join(files.socketRoot, 'gust-ns-'));
    let relay: RuntimeApiListener | undefined;
    let launched: LaunchedSandbox | undefined;
    const network = this.options.network;
    const tmpDisks = this.options.tmpDisks;
    const release = async () => {
      await relay?.close();
      // Kills what is left in the cgroup and removes it; a busy one stays for the sweep.
      const gone = launched?.cgroup ? await launched.cgroup.destroy().then(() => true, () => false) : true;
      if (launched?.netns) await network?.release(launched.netns).catch(() => undefined);
      if (launched?.tmp) await tmpDisks?.release(launched.tmp);
      rmSync(socketDir, { recursive: true, force: true });
      // Its uid comes back only once nothing that ran as it is left.
      if (launched && gone) this.options.uids.release(launched.identity);
    };
    try {
      const env: Record<string, string> = { ...spec.env, TMPDIR: '/tmp' };
      const target = parseHostPort(spec.env.AWS_LAMBDA_RUNTIME_API);
      const inside = (p: string) => this.insidePath(p, spec);
      const made = await Promise.allSettled([
        target ? listenRuntimeApi(socketPath(files, socketDir, SOCKET_NAME), spec) : undefined,
        this.launcher.take(spec.limits.memoryMb, spec.limits.ephemeralStorageMb),
      ] as const);
      if (made[0].status === 'fulfilled') relay = made[0].value;
      if (made[1].status === 'fulfilled') launched = made[1].value;
      for (const m of made) if (m.status === 'rejected') throw m.reason;
      const { uid, gid } = launched!.identity;
      chownSync(socketDir, uid, gid);
      if (relay) chownSync(join(socketDir, SOCKET_NAME), uid, gid);
      if (launched!.netns && spec.networks?.length) await network!.attach(launched!.netns, spec.networks);
      if (target) Object.assign(env, runtimeApiVariables());
      const args = bwrapArgs({
        host: files.host,
        env,
        codeDir: spec.codeDir,
        optDir: await files.optTrees.treeFor(spec.layerDirs),
        ...(spec.runtime ? { runtime: spec.runtime } : {}),
        socketDir,
        tmpBytes: spec.limits.ephemeralStorageMb * 1024 * 1024,
        ...(launched!.tmp ? { tmpDir: launched!.tmp.mount } : {}),
        shareNet: launched!.netns !== undefined,
        command: inside(spec.command),
        args: spec.args,
      });
      const { child, cgroup, spawnedAt } = launched!;
      // bwrap may die before reading them (a failed launcher); its exit says why.
      const write = (fd: number, words: string[]) => {
        const pipe = (child.stdio as unknown[])[fd] as Writable;
        pipe.on('error', () => undefined);
        pipe.end(Buffer.from(words.map((a) => `${a}\0`).join('')));
      };
      write(ARGS_FD, args.options);
      write(COMMAND_FD, args.runtime);
      const resources: SandboxResources = {
        cgroup,
        memoryFromCgroup: Boolean(cgroup && this.options.cgroups?.support.memory),
        memoryMb: spec.limits.memoryMb,
        graceMs: this.options.stopGraceMs ?? 2000,
        release,
        booted,
      };
      return new NamespaceSandbox(child, spawnedAt, spec.onOutput, resources);
    } catch (err) {
      booted();
      try {
        if (launched) process.kill(-launched.child.pid!, 'SIGKILL');
      } catch {
        // gone already
      }
      await release();
      throw err;
    }
  }

  readySandboxes(): ReadySandboxesReport[] {
    return this.ready.report();
  }

  /** Kills the sandboxes launched or booted ahead and takes the sandbox network down; running sandboxes are the pool's to stop first. */
  async close(): Promise<void> {
    await this.ready.close();
    this.binds.close();
    this.launcher.close();
    closeSync((await this.files).socketRootFd);
    await this.options.tmpDisks?.close();
    await this.options.network?.close();
  }

  /** A host path of the code or a layer as the sandbox sees it; other paths are bound as they are. */
  private insidePath(path: string, mounts: SandboxMounts): string {
    if (path === mounts.codeDir || path.startsWith(`${mounts.codeDir}/`)) return TASK_ROOT + path.slice(mounts.codeDir.length);
    for (const layer of mounts.layerDirs) {
      if (path === layer || path.startsWith(`${layer}/`)) return OPT_ROOT + path.slice(layer.length);
    }
    return path;
  }
}

function openFiles(files: DriverFiles): OpenFiles {
  return { ...files, socketRootFd: openSync(files.socketRoot, 'r') };
}

/**
 * The name the Runtime API socket is bound with. A unix socket's name is the path string
 * given to bind(), and the sandbox sees it in /proc/net/unix (the connection's accepted end
 * lives in the sandbox's network namespace), so it is given through the open socket root
 * (`/proc/self/fd/<n>/gust-ns-…/runtime-api.sock`): nothing of the host's layout, and a
 * name short enough for any data directory (sun_path holds 108 bytes).
 */
function socketPath(files: OpenFiles, socketDir: string, name: string): string {
  return `/proc/self/fd/${files.socketRootFd}/${basename(socketDir)}/${name}`;
}
