/**
 * The bubblewrap command line of one sandbox. Pure: everything it needs is in its input.
 *
 * The root is an empty tmpfs that bwrap builds; into it go, all read-only: the host's /usr
 * or the runtime's own (with /bin, /lib, /lib64, /sbin as the usual links into it), an /etc
 * with only what name resolution, TLS and the loader read and a passwd/group with the
 * sandbox user (sandbox-etc.ts), the code at /var/task, the merged layers at /opt, the
 * language runtime at Lambda's /var/runtime and /var/lang (runtime-mounts.ts), gust-init at
 * /init, and the directory holding the Runtime API socket at /run/gust. Writable: a private
 * /tmp of EphemeralStorage's size, and nothing else: the root and /dev are remounted
 * read-only at the end. Plus a new /proc (own pid namespace) and a minimal /dev.
 */
import type { RuntimeFiles } from '../sandbox-driver.js';
import { runtimeMountArgs, usrSource } from './runtime-mounts.js';
import { ETC_DIRS } from './sandbox-etc.js';
import { INSIDE_IDENTITY, type SandboxHostFiles } from './sandbox-host.js';

/** Where bubblewrap is, unless the driver is told otherwise. */
export const DEFAULT_BWRAP = '/usr/bin/bwrap';

/** Fixed descriptor numbers of the spawned bwrap (0-2 are stdio). */
export const SECCOMP_FD = 3;
export const STATUS_FD = 4;
/** bwrap reads its arguments from here (`--args`): nothing of them shows in the host's process list. */
export const ARGS_FD = 5;
/** gust-init reads the runtime's command line from here, so that bwrap's own argv is the same for every sandbox. */
export const COMMAND_FD = 6;

/** Where the per-environment socket directory appears, and the socket in it. */
export const SOCKET_DIR_IN_SANDBOX = '/run/gust';
export const SOCKET_NAME = 'runtime-api.sock';

/**
 * The Runtime API as a runtime in a sandbox reaches it: AWS_LAMBDA_RUNTIME_API, gust-init's
 * port, for any client; and `_GUST_RUNTIME_API_SOCKET`, the unix socket behind that port,
 * which Gust's own bootstraps use instead (one hop fewer per request) and remove from their
 * environment before the function's code loads.
 */
export function runtimeApiVariables(): { AWS_LAMBDA_RUNTIME_API: string; _GUST_RUNTIME_API_SOCKET: string } {
  return { AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${RUNTIME_API_PORT}`, _GUST_RUNTIME_API_SOCKET: `${SOCKET_DIR_IN_SANDBOX}/${SOCKET_NAME}` };
}
/** Lambda's AWS_LAMBDA_RUNTIME_API inside the sandbox. */
export const RUNTIME_API_PORT = 9001;
export const TASK_ROOT = '/var/task';
export const OPT_ROOT = '/opt';


/** What bwrap starts in every sandbox: gust-init with its status and command pipes, the Runtime API port and socket. */
export const INIT_COMMAND = ['/init', String(STATUS_FD), String(COMMAND_FD), String(RUNTIME_API_PORT), `${SOCKET_DIR_IN_SANDBOX}/${SOCKET_NAME}`];

export interface BwrapInput {
  host: SandboxHostFiles;
  /** The runtime's complete environment; bwrap itself starts with none. */
  env: Readonly<Record<string, string>>;
  /** The host directory bound read-only as /var/task; none: an empty /var/task, for a sandbox booted ahead of its function (ready-sandboxes.ts). */
  codeDir?: string | undefined;
  /** The host directory bound read-only as /opt (one layer, or the merged tree of several: opt-trees.ts); none: an empty /opt. */
  optDir?: string | undefined;
  /** The language runtime's files (host paths); absent for provided runtimes. */
  runtime?: RuntimeFiles;
  /** Host directory that holds the Runtime API socket (owned by the sandbox uid). */
  socketDir: string;
  /** /tmp: a host directory bound writable (a disk of EphemeralStorage's size), else a tmpfs of `tmpBytes`. */
  tmpBytes: number;
  tmpDir?: string;
  /** Run in the network namespace gust-init entered (sandbox networking on), not a new empty one. */
  shareNet?: boolean;
  /** The runtime command, as seen inside the sandbox. */
  command: string;
  args: readonly string[];
}

/**
 * bwrap's options (read from the --args pipe: they hold the environment) and the runtime's
 * command line (which gust-init reads from its pipe). The command line after the options is
 * INIT_COMMAND, on bwrap's real argv: the same for every sandbox, so that one can be
 * launched before its function is known.
 */
export function bwrapArgs(input: BwrapInput): { options: string[]; runtime: string[] } {
  const args = ['--clearenv'];
  for (const [k, v] of Object.entries(input.env)) args.push('--setenv', k, v);
  args.push(
    // All namespaces, the user namespace explicitly (bwrap otherwise only tries), and none
    // for the code inside: --disable-userns caps nested user namespaces at zero.
    '--unshare-all',
    '--unshare-user',
    '--uid',
    String(INSIDE_IDENTITY.uid),
    '--gid',
    String(INSIDE_IDENTITY.gid),
    ...(input.shareNet ? ['--share-net'] : []),
    '--disable-userns',
    '--die-with-parent',
    '--new-session',
    '--cap-drop',
    'ALL',
    '--hostname',
    'sandbox',
    // gust-init is pid 1: it reaps, forwards signals, and reports the runtime's exit.
    '--as-pid-1',
    '--ro-bind',
    usrSource(input.runtime),
    '/usr',
    '--symlink',
    'usr/bin',
    '/bin',
    '--symlink',
    'usr/sbin',
    '/sbin',
    '--symlink',
    'usr/lib',
    '/lib',
    '--symlink',
    'usr/lib64',
    '/lib64',
    '--proc',
    '/proc',
    '--dev',
    '/dev',
  );
  args.push('--ro-bind', input.host.etc.dir, '/etc');
  for (const d of ETC_DIRS) args.push('--ro-bind-try', `/etc/${d}`, `/etc/${d}`);
  if (input.codeDir) args.push('--ro-bind', input.codeDir, TASK_ROOT);
  else args.push('--dir', TASK_ROOT);
  if (input.optDir) args.push('--ro-bind', input.optDir, OPT_ROOT);
  else args.push('--dir', OPT_ROOT);
  args.push(...runtimeMountArgs(input.runtime, input.host.runtimes, input.host.usr));
  args.push('--ro-bind', input.host.init, '/init');
  args.push('--ro-bind', input.socketDir, SOCKET_DIR_IN_SANDBOX);
  if (input.tmpDir) args.push('--bind', input.tmpDir, '/tmp');
  else args.push('--perms', '1777', '--size', String(input.tmpBytes), '--tmpfs', '/tmp');
  // Last, once every mount point exists: the root bwrap built (and /opt, /var, /run in it)
  // and /dev (with /dev/shm) become read-only, so /tmp, of EphemeralStorage's size, is the
  // only place a function writes. Lambda has no /dev/shm either; device nodes still work.
  args.push('--remount-ro', '/dev', '--remount-ro', '/');
  args.push('--chdir', TASK_ROOT);
  if (input.host.seccomp) args.push('--seccomp', String(SECCOMP_FD));
  return { options: args, runtime: [input.command, ...input.args] };
}
