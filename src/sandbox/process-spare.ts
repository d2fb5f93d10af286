/**
 * The process driver's launcher started ahead: a `/bin/sh` that has already set Lambda's
 * open-files limit and joined a fresh environment cgroup, waiting on its stdin for the
 * path of a start file. A start writes that file (the directory to enter, each variable,
 * the command: nothing of the function exists in the spare before) and sends its path;
 * the shell sources it, so the runtime is exec'd in the same process, already inside its
 * cgroup.
 *
 * Why: on cgroup v1 the first write to `cgroup.procs` waits for an RCU grace period
 * (~10 ms on the bench host, measured with `strace -T`; the next ones take µs), and an
 * ordinary start pays it between spawn and exec. A spare pays it before its start. It is
 * spawned through the host spawner (host-spawner.ts), so the server never forks for it.
 *
 * One spare per driver, made again once the runtime that took the last one asked for
 * work or exited: a cgroup join also holds up every fork on the host while it waits, and
 * a runtime creates its threads as it boots. A spare is any function's: its cgroup gets
 * the function's memory limit when it is taken. It holds an idle shell (~1 MB), a cgroup
 * and no directory (the TMPDIR is made at the start); it dies with the server (`close`, and
 * the spawner's end).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Writable } from 'node:stream';
import type { CgroupHost, EnvironmentCgroup } from './cgroups/index.js';
import { LAMBDA_NOFILE, LIMIT_AND_JOIN } from './cgroups/index.js';
import { hostSpawner, setReferenced, type HostChild } from './host-spawner.js';
import type { SandboxSpec } from './sandbox-driver.js';

/** Sets the limit, joins each `cgroup.procs` given before `--`, then sources the file whose path comes on stdin. */
const SCRIPT = [
  ...LIMIT_AND_JOIN,
  // No line: the spare was let go without a start.
  'IFS= read -r start || exit 0',
  'exec </dev/null',
  '. "$start"',
].join('\n');

/** A name the start file can `export` as it is; anything else takes the ordinary launcher. */
const PLAIN_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface SpareOptions {
  /** Where each environment's TMPDIR (and its start file, beside it) is made at the start. */
  tmpRoot: string;
  cgroups: CgroupHost;
  pidsMax: number;
}

/** A spare given to a start: its process (the runtime once the file is sourced), cgroup and TMPDIR. */
export interface TakenSpare {
  child: HostChild;
  cgroup: EnvironmentCgroup;
  tmpDir: string;
  /** When the start was sent: the start of the runtime's Init Duration. */
  spawnedAt: number;
  /** Removes the start file (it names the function's variables); the runtime has read it once it asked for work. */
  forgetStartFile(): void;
}

interface Spare {
  child: HostChild;
  cgroup: EnvironmentCgroup;
  /** Releases a spare that died waiting; unhooked when it is taken. */
  onExit?: () => void;
}

export class SpareLauncher {
  private spare: Promise<Spare | undefined> | undefined;
  private closed = false;

  constructor(private readonly options: SpareOptions) {}

  /**
   * The waiting spare, started with `spec`, or undefined when there is none alive (or the
   * spec has a variable name a shell cannot export): the caller launches the ordinary way.
   */
  async take(spec: SandboxSpec): Promise<TakenSpare | undefined> {
    if (!Object.keys(spec.env).every((k) => PLAIN_NAME.test(k))) return undefined;
    const waiting = this.spare;
    this.spare = undefined;
    const spare = await waiting;
    if (!spare || spare.child.exitCode !== null || spare.child.signalCode !== null) return undefined;
    if (spare.onExit) spare.child.off('exit', spare.onExit);
    let tmpDir: string | undefined;
    try {
      spare.cgroup.setMemoryLimit(spec.limits.memoryMb);
      tmpDir = mkdtempSync(join(this.options.tmpRoot, 'gust-env-'));
      const startFile = `${tmpDir}.start`;
      writeFileSync(startFile, startScript(spec, tmpDir), { mode: 0o600 });
      setReferenced(spare.child, true);
      const spawnedAt = performance.now();
      (spare.child.stdio[0] as Writable).end(`${startFile}\n`);
      return { child: spare.child, cgroup: spare.cgroup, tmpDir, spawnedAt, forgetStartFile: () => rmSync(startFile, { force: true }) };
    } catch {
      if (tmpDir) rmSync(tmpDir, { recursive: true, force: true });
      void discard(spare);
      return undefined;
    }
  }

  /** Starts the next spare unless one waits or is starting. */
  refill(): void {
    if (this.spare || this.closed) return;
    const made = this.launch();
    this.spare = made;
    // One that could not be made, or that dies waiting (its cgroup removed), makes room for the next.
    void made.then((s) => {
      if (!s && this.spare === made) this.spare = undefined;
      if (!s) return;
      s.onExit = () => {
        if (this.spare === made) this.spare = undefined;
        void release(s);
      };
      s.child.once('exit', s.onExit);
    });
  }

  /** Kills the waiting spare and removes its cgroup; starts none after. */
  async close(): Promise<void> {
    this.closed = true;
    const spare = await this.spare;
    this.spare = undefined;
    if (spare) await discard(spare);
  }

  private async launch(): Promise<Spare | undefined> {
    let cgroup: EnvironmentCgroup | undefined;
    try {
      // The smallest function's limit until a start sets its own: a shell needs far less.
      cgroup = await this.options.cgroups.create(`gust-env-${randomBytes(6).toString('hex')}`, { memoryMb: 128, pidsMax: this.options.pidsMax });
      const child = await hostSpawner().spawn('/bin/sh', ['-c', SCRIPT, 'gust-launcher', String(LAMBDA_NOFILE), ...cgroup.procsFiles, '--'], {
        env: {},
        detached: true,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      setReferenced(child, false);
      // A spare killed while it waits cuts its pipes; that is no error of the server's.
      for (const pipe of child.stdio) pipe?.on('error', () => undefined);
      return { child, cgroup };
    } catch {
      await cgroup?.destroy().catch(() => undefined);
      return undefined;
    }
  }
}

/** The file a spare sources: the code directory, exactly `spec.env` with TMPDIR, then the runtime. */
function startScript(spec: Pick<SandboxSpec, 'codeDir' | 'env' | 'command' | 'args'>, tmpDir: string): string {
  const lines = [
    `cd ${quote(spec.codeDir)} || { echo "gust launcher: cannot enter the code directory" >&2; exit 126; }`,
    // The shell's own PWD and OLDPWD: the runtime gets only the variables it was given.
    'unset PWD OLDPWD',
    ...Object.entries({ ...spec.env, TMPDIR: tmpDir }).map(([k, v]) => `export ${k}=${quote(v)}`),
    `exec ${[spec.command, ...spec.args].map(quote).join(' ')}`,
  ];
  return `${lines.join('\n')}\n`;
}

function quote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

function discard(spare: Spare): Promise<void> {
  try {
    process.kill(-spare.child.pid!, 'SIGKILL');
  } catch {
    // gone already
  }
  return release(spare);
}

/** Removes the cgroup (killing what is left in it); a busy one stays for the server's sweep. */
function release(spare: Spare): Promise<void> {
  return spare.cgroup.destroy().catch(() => undefined);
}
