/**
 * The launcher: a tiny `/bin/sh` script that runs first in the new process and then execs
 * the runtime (or bubblewrap). Before the exec it sets Lambda's file-descriptor limit and
 * joins the environment's cgroups by writing `0` (itself) into each `cgroup.procs`:
 * - the runtime starts inside its cgroups, so every byte and every child it makes is
 *   counted and limited from the first instruction (joining after spawn leaves a window in
 *   which a fork escapes and early allocations are charged elsewhere);
 * - a single-threaded shell joins in a fraction of a millisecond, where moving the
 *   running, multi-threaded runtime from Gust took ~10 ms on the test host;
 * - Node has no setrlimit, and a `prlimit` exec would cost a second exec.
 * A failed step exits with 126 and says why on stderr, which lands in the function's log.
 */

/** Lambda's limit on open files (soft and hard), https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html */
export const LAMBDA_NOFILE = 1024;
/** Lambda's limit on processes and threads of one environment (same page). */
export const LAMBDA_PIDS_MAX = 1024;

/** Shell lines that set the open-files limit to `$1`, then join each `cgroup.procs` named up to `--`. */
export const LIMIT_AND_JOIN: readonly string[] = [
  'ulimit -n "$1" || { echo "gust launcher: cannot set the open-files limit to $1" >&2; exit 126; }',
  'shift',
  'while [ "$1" != -- ]; do',
  '  echo 0 > "$1" || { echo "gust launcher: cannot join $1" >&2; exit 126; }',
  '  shift',
  'done',
];

const SCRIPT = [
  // The shell exports a PWD of its own; the runtime gets only the environment it was given.
  '[ "$1" = keep-pwd ] || unset PWD',
  'shift',
  ...LIMIT_AND_JOIN,
  'shift',
  'exec "$@"',
].join('\n');

export interface LaunchTarget {
  command: string;
  args: readonly string[];
}

export interface LauncherOptions {
  /** The `cgroup.procs` files to join (EnvironmentCgroup.procsFiles); none joins nothing. */
  procsFiles: readonly string[];
  /** The environment the process is spawned with: a PWD in it is kept, else the shell's own is dropped. */
  env: Readonly<Record<string, string>>;
  /** RLIMIT_NOFILE, soft and hard (default Lambda's 1,024). */
  nofile?: number;
}

/** The command that sets the limit, joins the cgroups, then execs `target` with its arguments unchanged. */
export function launcherCommand(target: LaunchTarget, options: LauncherOptions): LaunchTarget {
  const pwd = 'PWD' in options.env ? 'keep-pwd' : 'drop-pwd';
  const nofile = String(options.nofile ?? LAMBDA_NOFILE);
  return { command: '/bin/sh', args: ['-c', SCRIPT, 'gust-launcher', pwd, nofile, ...options.procsFiles, '--', target.command, ...target.args] };
}
