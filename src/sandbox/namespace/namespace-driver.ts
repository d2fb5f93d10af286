/**
 * The `namespace` sandbox driver: each runtime runs in a bubblewrap sandbox, for code Gust
 * does not trust. See bwrap-args.ts for the filesystem, namespace-sandbox.ts for signals and
 * exits, seccomp-policy.ts for the system-call filter, runtime-api-relay.ts and
 * runtimes/sandbox/gust-init.c for the network, and docs/architecture.md for the reasons.
 *
 * bwrap runs as a dedicated unprivileged uid/gid (never host root: a user namespace made by
 * root maps uid 0 to host root, which owns every root-owned file it can see), so the sandbox
 * holds no capability on the host and only the permissions of a stranger. The start is a
 * chain of two execs in one process: gust-init's launch mode (as root: sets RLIMIT_NOFILE,
 * joins the environment's cgroups, so everything after starts inside them, and drops to the
 * sandbox uid), then bwrap. None of the host-side steps sees the function's environment (a
 * function's LD_PRELOAD must not run in a host process): it reaches the runtime through
 * bwrap's `--setenv`, and every bwrap argument travels through a pipe (`--args`), so that
 * no variable shows in the host's process list.
 */
import { spawn } from 'node:child_process';
import { accessSync, chownSync, closeSync, constants, mkdtempSync, openSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Writable } from 'node:stream';
import { LAMBDA_NOFILE, LAMBDA_PIDS_MAX, type CgroupHost, type EnvironmentCgroup } from '../cgroups/index.js';
import type { Sandbox, SandboxDriver, SandboxLayout, SandboxMounts, SandboxSpec } from '../sandbox-driver.js';
import { ARGS_FD, bwrapArgs, OPT_ROOT, RUNTIME_API_PORT, SOCKET_NAME, TASK_ROOT } from './bwrap-args.js';
import { NamespaceSandbox, type SandboxResources } from './namespace-sandbox.js';
import { planOptMounts } from './opt-layers.js';
import { RuntimeApiRelay } from './runtime-api-relay.js';
import type { SandboxHostFiles, SandboxIdentity } from './sandbox-host.js';

export interface NamespaceDriverOptions {
  /** Host files from prepareSandboxHost(). */
  host: SandboxHostFiles;
  /** The unprivileged uid/gid every sandbox runs as. */
  identity: SandboxIdentity;
  /** Directory under which each environment's socket directory is made. */
  workRoot: string;
  /** Gust's runtimes/ directory, bound read-only at the same path. */
  runtimesDir: string;
  bwrapPath?: string;
  /** Default grace between SIGTERM and SIGKILL in `stop()`. */
  stopGraceMs?: number;
  /** The server's cgroups; without them sandboxes are isolated but their resources only measured. */
  cgroups?: CgroupHost;
}

export class NamespaceDriver implements SandboxDriver {
  readonly name = 'namespace';

  constructor(private readonly options: NamespaceDriverOptions) {}

  /** Lambda's paths: code at /var/task, the merged layers at /opt. */
  layout(): SandboxLayout {
    return { taskRoot: TASK_ROOT, optRoots: [OPT_ROOT] };
  }

  async start(spec: SandboxSpec): Promise<Sandbox> {
    const { identity } = this.options;
    // A command that does not exist fails here as a spawn would, not as a runtime exit.
    accessSync(spec.command, constants.X_OK);
    this.options.host.etc.refresh();
    const socketDir = mkdtempSync(join(this.options.workRoot, 'gust-ns-'));
    let relay: RuntimeApiRelay | undefined;
    let cgroup: EnvironmentCgroup | undefined;
    const release = async () => {
      await relay?.close();
      // Kills what is left in the cgroup and removes it; a busy one stays for the sweep.
      await cgroup?.destroy().catch(() => undefined);
      rmSync(socketDir, { recursive: true, force: true });
    };
    try {
      chownSync(socketDir, identity.uid, identity.gid);
      const env: Record<string, string> = { ...spec.env, TMPDIR: '/tmp' };
      const target = parseHostPort(spec.env.AWS_LAMBDA_RUNTIME_API);
      const inside = (p: string) => this.insidePath(p, spec);
      if (env.LAMBDA_RUNTIME_DIR !== undefined) env.LAMBDA_RUNTIME_DIR = inside(env.LAMBDA_RUNTIME_DIR);
      const host = this.options.cgroups;
      const wantsCgroup = host && (host.support.memory || host.support.pids || host.support.cpu || host.support.freezer);
      // Both are a few file-system calls each: made side by side, not one after the other.
      const made = await Promise.allSettled([
        target ? RuntimeApiRelay.listen(join(socketDir, SOCKET_NAME), target, identity) : undefined,
        wantsCgroup ? host.create(basename(socketDir), { memoryMb: spec.limits.memoryMb, pidsMax: LAMBDA_PIDS_MAX }) : undefined,
      ]);
      if (made[0].status === 'fulfilled') relay = made[0].value;
      if (made[1].status === 'fulfilled') cgroup = made[1].value;
      for (const m of made) if (m.status === 'rejected') throw m.reason;
      if (target) env.AWS_LAMBDA_RUNTIME_API = `127.0.0.1:${RUNTIME_API_PORT}`;
      const args = bwrapArgs({
        host: this.options.host,
        env,
        codeDir: spec.codeDir,
        opt: planOptMounts(spec.layerDirs),
        runtimesDir: this.options.runtimesDir,
        socketDir,
        tmpBytes: spec.limits.ephemeralStorageMb * 1024 * 1024,
        command: inside(spec.command),
        args: spec.args,
      });
      const resources: SandboxResources = {
        cgroup,
        memoryFromCgroup: Boolean(cgroup && host?.support.memory),
        memoryMb: spec.limits.memoryMb,
        graceMs: this.options.stopGraceMs ?? 2000,
        release,
      };
      return await this.spawn(args, spec, resources);
    } catch (err) {
      await release();
      throw err;
    }
  }

  private async spawn(args: { options: string[]; command: string[] }, spec: SandboxSpec, resources: SandboxResources): Promise<Sandbox> {
    const { uid, gid } = this.options.identity;
    const bwrapPath = this.options.bwrapPath ?? '/usr/bin/bwrap';
    const procsFiles = resources.cgroup?.procsFiles ?? [];
    const launch = ['launch', String(LAMBDA_NOFILE), String(uid), String(gid), ...procsFiles, '--', bwrapPath, '--args', String(ARGS_FD), '--', ...args.command];
    const seccompFd = this.options.host.seccomp ? openSync(this.options.host.seccomp, 'r') : undefined;
    try {
      const spawnedAt = performance.now();
      const child = spawn(this.options.host.init, launch, {
        env: {},
        detached: true,
        // 3: the seccomp filter bwrap reads; 4: gust-init's status; 5: bwrap's arguments.
        stdio: ['ignore', 'pipe', 'pipe', seccompFd ?? 'ignore', 'pipe', 'pipe'],
      });
      return await new Promise((resolve, reject) => {
        child.once('error', reject);
        child.once('spawn', () => {
          child.off('error', reject);
          child.on('error', () => undefined);
          const argsPipe = (child.stdio as unknown[])[ARGS_FD] as Writable;
          // bwrap may die before reading them (a failed launcher); its exit says why.
          argsPipe.on('error', () => undefined);
          argsPipe.end(Buffer.from(args.options.map((a) => `${a}\0`).join('')));
          resolve(new NamespaceSandbox(child, spawnedAt, spec.onOutput, resources));
        });
      });
    } finally {
      if (seccompFd !== undefined) closeSync(seccompFd);
    }
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

/** `127.0.0.1:9002` → host and port; anything else (a socket path, nothing) → undefined. */
function parseHostPort(value: string | undefined): { host: string; port: number } | undefined {
  const m = value === undefined ? null : /^([\d.]+|localhost):(\d+)$/.exec(value);
  return m ? { host: m[1]!, port: Number(m[2]) } : undefined;
}
