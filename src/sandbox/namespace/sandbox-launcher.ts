/**
 * Launches sandboxes, and keeps one launched ahead. A launched sandbox is the process chain
 * up to bubblewrap waiting on its `--args` pipe: gust-init's launch mode has set
 * RLIMIT_NOFILE, entered the sandbox's network namespace, moved to a mount namespace of its
 * own that shows its /tmp disk and no other sandbox's (see `launch`), joined the sandbox's
 * cgroups and dropped to the sandbox uid. Nothing in it is specific to a function but the
 * memory limit of its cgroup and the size of its disk, so the one launched after each start
 * waits for the next start of the same MemorySize and EphemeralStorage, which then only
 * writes its options. That takes off the cold path the spawn's round trip through the spawner
 * (host-spawner.ts, which forks so that the server never does), both execs and the cgroup's
 * creation.
 *
 * A spare that waits holds one idle bwrap (~1 MB), a cgroup and, with networking, its
 * network namespace (taken from the prepared ones when it is launched), and keeps nothing of Gust
 * alive (unreferenced). It dies with Gust (the launch mode sets PDEATHSIG against the spawner,
which ends with the server), with the server's
 * cgroups (`CgroupHost.close()` kills what is in them), or with `close()`.
 */
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import { hostSpawner, setReferenced, type HostChild } from '../host-spawner.js';
import { LAMBDA_NOFILE, LAMBDA_PIDS_MAX, type CgroupHost, type EnvironmentCgroup } from '../cgroups/index.js';
import { ARGS_FD, INIT_COMMAND } from './bwrap-args.js';
import type { SandboxNetns } from '../network/netns-pool.js';
import type { SandboxNetwork } from '../network/sandbox-network.js';
import type { SandboxIdentity } from './sandbox-host.js';
import type { TmpDisk, TmpDisks } from './tmp-disks.js';
import type { UidLeases } from './uid-leases.js';

/** A sandbox up to bwrap, waiting for its options on `ARGS_FD` and gust-init's command on `COMMAND_FD`. */
export interface LaunchedSandbox {
  child: HostChild;
  cgroup: EnvironmentCgroup | undefined;
  /** The network namespace it runs in, when sandboxes have networking. */
  netns: SandboxNetns | undefined;
  /** Its /tmp disk, when sandboxes have them: the one disk its launcher kept in view (see `launch`). */
  tmp: TmpDisk | undefined;
  /** The host uid and gid it runs as, leased for this environment. */
  identity: SandboxIdentity;
  /** When it was launched, or, for a spare, when it was taken: the start of its Init Duration. */
  spawnedAt: number;
}

export interface SandboxLauncherOptions {
  /** gust-init, whose launch mode starts the chain. */
  init: string;
  seccomp: string | undefined;
  uids: UidLeases;
  bwrapPath: string;
  cgroups: CgroupHost | undefined;
  network: SandboxNetwork | undefined;
  tmpDisks: TmpDisks | undefined;
}

interface Spare {
  memoryMb: number;
  tmpMb: number;
  launched: Promise<LaunchedSandbox | undefined>;
  /** Removes the cgroup of a spare that died waiting; unhooked when it is taken. */
  onExit: () => void;
}

export class SandboxLauncher {
  private spare: Spare | undefined;
  private closed = false;

  constructor(private readonly options: SandboxLauncherOptions) {}

  /** A launched sandbox for `memoryMb` and a /tmp of `tmpMb`: the spare when it fits and lives, else a new one. Then launches the next spare. */
  async take(memoryMb: number, tmpMb: number): Promise<LaunchedSandbox> {
    const spare = this.spare;
    this.spare = undefined;
    let launched: LaunchedSandbox | undefined;
    if (spare?.memoryMb === memoryMb && spare.tmpMb === tmpMb) {
      // Still launching (starts in quick succession): it is ready sooner than a new one.
      const waiting = await spare.launched;
      waiting?.child.off('exit', spare.onExit);
      if (waiting && waiting.child.exitCode === null && waiting.child.signalCode === null) {
        launched = waiting;
        setReferenced(launched.child, true);
        launched.spawnedAt = performance.now();
      } else if (waiting) {
        discard(waiting, this.options);
      }
    } else if (spare) {
      void spare.launched.then((s) => s && discard(s, this.options));
    }
    launched ??= await this.launch(memoryMb, tmpMb);
    // Launched now, while this sandbox's runtime starts and the event loop mostly waits for its first /next.
    setImmediate(() => this.launchSpare(memoryMb, tmpMb));
    return launched;
  }

  /** Kills the spare, and launches none after. */
  close(): void {
    this.closed = true;
    const spare = this.spare;
    this.spare = undefined;
    void spare?.launched.then((s) => s && discard(s, this.options));
  }

  private launchSpare(memoryMb: number, tmpMb: number): void {
    if (this.spare || this.closed) return;
    const spare: Spare = { memoryMb, tmpMb, launched: Promise.resolve(undefined), onExit: () => undefined };
    spare.launched = this.launch(memoryMb, tmpMb).then(
      (s) => {
        setReferenced(s.child, false);
        spare.onExit = () => void free(s, this.options);
        s.child.once('exit', spare.onExit);
        return s;
      },
      () => undefined,
    );
    this.spare = spare;
  }

  /**
   * Launches a sandbox for `memoryMb` and a /tmp of `tmpMb` now, apart from the spare (a ready
   * sandbox's: ready-sandboxes.ts). Its launcher takes every sandbox's disk and every network
   * namespace's name out of its mount namespace but its own disk (gust-init's --detach), so
   * that what bwrap copies and reads stays the same size however many sandboxes run.
   */
  async launch(memoryMb: number, tmpMb: number): Promise<LaunchedSandbox> {
    const { cgroups, tmpDisks } = this.options;
    const identity = this.options.uids.lease();
    const withCgroup = cgroups && (cgroups.support.memory || cgroups.support.pids || cgroups.support.cpu || cgroups.support.freezer);
    // Random, not counted: several drivers (tests) may share one cgroup host.
    const [made, netns, disk] = await Promise.allSettled([
      withCgroup ? cgroups.create(`gust-ns-${randomBytes(6).toString('hex')}`, { memoryMb, pidsMax: LAMBDA_PIDS_MAX }) : undefined,
      this.options.network?.take(),
      tmpDisks?.take(tmpMb),
    ]);
    const cgroup = made.status === 'fulfilled' ? made.value : undefined;
    const ns = netns.status === 'fulfilled' ? netns.value : undefined;
    const tmp = disk.status === 'fulfilled' ? disk.value : undefined;
    const failed = [made, netns, disk].find((r) => r.status === 'rejected');
    if (failed) {
      await free({ cgroup, identity, netns: ns, tmp }, this.options);
      throw failed.reason;
    }
    const detach = [...(tmpDisks ? [tmpDisks.dir] : []), ...(ns ? [dirname(ns.path)] : [])].flatMap((d) => ['--detach', d]);
    const launch = ['launch', String(LAMBDA_NOFILE), String(identity.uid), String(identity.gid), ...(ns ? ['--net', ns.path, ns.address, ns.gateway] : []), ...(tmp ? ['--keep', tmp.mount] : []), ...detach, ...(cgroup?.procsFiles ?? []), '--', this.options.bwrapPath, '--args', String(ARGS_FD), '--', ...INIT_COMMAND];
    try {
      const spawnedAt = performance.now();
      const child = await hostSpawner().spawn(this.options.init, launch, {
        env: {},
        detached: true,
        // 3: the seccomp filter bwrap reads; 4: gust-init's status; 5: bwrap's arguments; 6: gust-init's command.
        stdio: ['ignore', 'pipe', 'pipe', this.options.seccomp ? { file: this.options.seccomp } : 'ignore', 'pipe', 'pipe', 'pipe'],
      });
      return { child, cgroup, netns: ns, tmp, identity, spawnedAt };
    } catch (err) {
      await free({ cgroup, identity, netns: ns, tmp }, this.options);
      throw err;
    }
  }
}

function discard(launched: LaunchedSandbox, owner: Pick<SandboxLauncherOptions, 'network' | 'uids' | 'tmpDisks'>): void {
  try {
    process.kill(-launched.child.pid!, 'SIGKILL');
  } catch {
    // gone already
  }
  void free(launched, owner);
}

/** Sandboxes given back already: a discarded spare is freed by its discarder and again by its exit. */
const freed = new WeakSet<object>();

/**
 * Gives back what a sandbox that never ran held, once: its cgroup, its network namespace, its
 * /tmp disk (once its processes are gone), and its uid, which only when the cgroup (with
 * everything that ran in it) is gone.
 */
async function free(held: Pick<LaunchedSandbox, 'cgroup' | 'netns' | 'tmp' | 'identity'>, owner: Pick<SandboxLauncherOptions, 'network' | 'uids' | 'tmpDisks'>): Promise<void> {
  if (freed.has(held)) return;
  freed.add(held);
  const [gone] = await Promise.all([held.cgroup ? held.cgroup.destroy().then(() => true, () => false) : true, held.netns && owner.network?.release(held.netns).catch(() => undefined)]);
  if (held.tmp) await owner.tmpDisks?.release(held.tmp);
  if (gone) owner.uids.release(held.identity);
}
