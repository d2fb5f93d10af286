/**
 * Whether the namespace driver works on this host, decided once at start-up: Linux, running
 * as root (to launch sandboxes as another uid), bubblewrap present, user namespaces
 * allowed, gust-init built, and a trial sandbox that starts and exits cleanly. The answer is
 * a ready driver or a SandboxUnavailableError whose message says what is missing, which
 * `gust serve` logs when it falls back to the process driver.
 */
import { accessSync, constants, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import type { CgroupHost } from '../cgroups/index.js';
import { OptTrees } from './opt-trees.js';
import { SandboxNetwork, type SandboxNetworkOptions } from '../network/sandbox-network.js';
import { gustRuntimesDir } from '../runtimes/gust-runtimes.js';
import { DEFAULT_BWRAP } from './bwrap-args.js';
import { unmountUnder } from './mount-points.js';
import { NamespaceDriver, type DriverFiles } from './namespace-driver.js';
import { ensureTraversable, prepareSandboxHost, SandboxUnavailableError, type SandboxIdentity } from './sandbox-host.js';
import { TmpDisks, tmpDiskGap } from './tmp-disks.js';
import { UidLeases } from './uid-leases.js';

export interface NamespaceSetupOptions {
  /** Gust's data directory: the driver's files go under it, and it is made searchable for the sandbox uid. */
  dataDir: string;
  /** Where per-environment directories go (inside dataDir): this server's own, which no other server uses. */
  workRoot: string;
  /** The first host uid/gid of the sandboxes' range. */
  identity: SandboxIdentity;
  /** /tmp on a disk of its own where the host can (default), else a tmpfs. */
  tmpOnDisk?: boolean;
  /** How many uids the range has, one per environment at a time (1: every sandbox shares `identity`). */
  identities?: number;
  /** The most sandboxes booted ahead per language runtime (ready-sandboxes.ts); 0 or absent: none. */
  readySandboxes?: number;
  /** Free uids the ready sandboxes leave for environments that start the ordinary way (the concurrency limit). */
  readyUidsKept?: number;
  /** Told when a ready sandbox could not be given to a start (which then took the ordinary path). */
  onReadyFailure?: (err: unknown, what: string) => void;
  onBytecodeFailure?: (err: unknown) => void;
  /** Gust's runtimes/ directory (bootstraps, gust-init's source). */
  runtimesDir?: string;
  /** Directories of installed runtimes the sandboxes bind (the runtimes store); made searchable like the data directory. */
  bindRoots?: readonly string[];
  bwrapPath?: string;
  stopGraceMs?: number | undefined;
  /** Where the compiled gust-init is cached (default ~/.cache/gust). */
  buildCache?: string;
  /** The server's cgroups, for the environments' limits. */
  cgroups?: CgroupHost | undefined;
  /** Sandbox networking; without it each sandbox has loopback only (`--sandbox-network none`). */
  network?: SandboxNetworkOptions | undefined;
  /**
   * A directory on the sandbox volume (sandbox-volume.ts), ready some time after start-up:
   * the driver's files move there once it is, and starts wait for it. Without it they stay
   * under the data directory, whose path the sandboxes then see in their mount table.
   */
  volumeState?: Promise<string> | undefined;
}

/** What the host lacks for the namespace driver, without starting anything; undefined when nothing. */
export function namespaceHostGap(bwrapPath = DEFAULT_BWRAP): string | undefined {
  if (process.platform !== 'linux') return `needs Linux (this is ${process.platform})`;
  try {
    accessSync(bwrapPath, constants.X_OK);
  } catch {
    return `bubblewrap is not installed (${bwrapPath}; Debian/Ubuntu: apt-get install bubblewrap)`;
  }
  if (process.geteuid?.() !== 0) return 'Gust must run as root to start sandboxes as the unprivileged sandbox uid';
  const old = kernelGap(release());
  if (old) return old;
  try {
    if (Number(readFileSync('/proc/sys/user/max_user_namespaces', 'utf8')) === 0) return 'user namespaces are disabled (sysctl user.max_user_namespaces=0)';
  } catch {
    return 'the kernel has no user namespaces';
  }
  return undefined;
}

/**
 * Why a kernel of `release` (uname -r) cannot run the driver, or undefined. Every launch
 * detaches the host's per-sandbox mounts with the new mount API (`open_tree`, `move_mount`:
 * 5.2), and every /tmp disk is a loop device configured in one call (`LOOP_CONFIGURE`: 5.8).
 * Ready sandboxes also need `mount_setattr` (5.12); on 5.8 to 5.11 they fail to boot and
 * starts take the ordinary path.
 */
export function kernelGap(release: string): string | undefined {
  const m = /^(\d+)\.(\d+)/.exec(release);
  if (!m) return undefined;
  const [major, minor] = [Number(m[1]), Number(m[2])];
  return major < 5 || (major === 5 && minor < 8) ? `needs Linux 5.8 or later (the new mount API and LOOP_CONFIGURE); this host runs ${release}` : undefined;
}

/** A working NamespaceDriver, or a SandboxUnavailableError saying why not. */
export async function setUpNamespaceDriver(options: NamespaceSetupOptions): Promise<NamespaceDriver> {
  const bwrapPath = options.bwrapPath ?? DEFAULT_BWRAP;
  const gap = namespaceHostGap(bwrapPath);
  if (gap) throw new SandboxUnavailableError(gap);
  const runtimesDir = options.runtimesDir ?? gustRuntimesDir();
  const stateDir = join(options.dataDir, 'sandbox');
  mkdirSync(options.workRoot, { recursive: true });
  const network = options.network ? await setUpNetwork(options.network) : undefined;
  try {
    const host = await prepareSandboxHost(stateDir, runtimesDir, options.buildCache, network?.plan.gateway);
    for (const path of [options.workRoot, stateDir]) ensureTraversable(path, options.dataDir, options.identity);
    for (const path of options.bindRoots ?? []) ensureTraversable(path, options.dataDir, options.identity);
    const uids = new UidLeases(options.identity, options.identities ?? 1);
    const tmpDisks = options.tmpOnDisk !== false && tmpDiskGap() === undefined ? await TmpDisks.open(join(stateDir, 'tmp-disks'), host.init, options.cgroups?.backgroundProcs()) : undefined;
    const optTrees = OptTrees.open(join(stateDir, 'opt-trees'));
    const driver = new NamespaceDriver({ host, uids, tmpDisks, optTrees, workRoot: options.workRoot, bwrapPath, stopGraceMs: options.stopGraceMs, cgroups: options.cgroups, network, readySandboxes: options.readySandboxes, readyUidsKept: options.readyUidsKept, onReadyFailure: options.onReadyFailure, onBytecodeFailure: options.onBytecodeFailure });
    await trial(driver, stateDir).catch(async (err: unknown) => {
      await driver.close();
      throw err;
    });
    const gateway = network?.plan.gateway;
    if (options.volumeState) driver.useFiles(options.volumeState.then((dir) => prepareFiles(dir, runtimesDir, options.buildCache, gateway)));
    return driver;
  } catch (err) {
    await network?.close();
    throw err;
  }
}

/** The driver's files made again under `stateDir` (on the sandbox volume), with an empty socket root. */
async function prepareFiles(stateDir: string, runtimesDir: string, buildCache: string | undefined, nameserver: string | undefined): Promise<DriverFiles> {
  const host = await prepareSandboxHost(stateDir, runtimesDir, buildCache, nameserver);
  const socketRoot = join(stateDir, 'sockets');
  // A data dir of an earlier Gust, killed, keeps the slots it bound ready sandboxes' code on there.
  await unmountUnder(socketRoot);
  rmSync(socketRoot, { recursive: true, force: true });
  mkdirSync(socketRoot, { mode: 0o755 });
  return { host, optTrees: OptTrees.open(join(stateDir, 'opt-trees')), socketRoot };
}

async function setUpNetwork(options: SandboxNetworkOptions): Promise<SandboxNetwork> {
  for (const tool of ['/usr/sbin/ip', '/usr/sbin/nft']) {
    try {
      accessSync(tool, constants.X_OK);
    } catch {
      throw new SandboxUnavailableError(`sandbox networking needs ${tool} (Debian/Ubuntu: apt-get install iproute2 nftables), or --sandbox-network none`);
    }
  }
  try {
    return await SandboxNetwork.setUp(options);
  } catch (err) {
    throw new SandboxUnavailableError(`cannot set up the sandbox network (or start with --sandbox-network none): ${(err as Error).message}`);
  }
}

/** Starts `/usr/bin/true` in a sandbox; anything but a clean exit 0 is the reason it cannot work. */
async function trial(driver: NamespaceDriver, stateDir: string): Promise<void> {
  const codeDir = join(stateDir, 'trial');
  mkdirSync(codeDir, { recursive: true, mode: 0o755 });
  const output: string[] = [];
  const sandbox = await driver.start({
    command: '/usr/bin/true',
    args: [],
    env: {},
    codeDir,
    layerDirs: [],
    // Lambda's default /tmp: a disk of that size is then ready for the first function.
    limits: { memoryMb: 128, ephemeralStorageMb: 512 },
    onOutput: (line) => output.push(line),
  });
  const timer = setTimeout(() => sandbox.kill(), 10_000);
  const exit = await sandbox.exited;
  clearTimeout(timer);
  await sandbox.stop();
  if (exit.code !== 0) throw new SandboxUnavailableError(`a trial sandbox failed (${exit.signal ?? `exit ${exit.code}`}): ${output.join(' | ') || 'no output'}`);
}
