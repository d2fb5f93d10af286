/**
 * What each hop of a namespace sandbox's start costs (not a test; run as root with
 * `npx vite-node test/sandbox/measure-hops.ts [runs]`): spawn → exit of `/usr/bin/true`
 * through a growing chain (plain spawn; a launcher, the shell one with setpriv as before or
 * gust-init's launch mode; its cgroup join; a minimal bwrap; the driver's full bwrap options
 * with gust-init), and the full chain without one option group at a time, so that each
 * option's price shows. Variants are interleaved and the median of `runs` starts is printed.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Writable } from 'node:stream';
import { detectCgroups, launcherCommand, type EnvironmentCgroup, type LaunchTarget } from '../../src/sandbox/cgroups/index.js';
import { ARGS_FD, bwrapArgs, COMMAND_FD, INIT_COMMAND } from '../../src/sandbox/namespace/bwrap-args.js';
import { gustRuntimesDir } from '../../src/sandbox/runtimes/gust-runtimes.js';
import { ensureTraversable, prepareSandboxHost } from '../../src/sandbox/namespace/sandbox-host.js';

const RUNS = Number(process.argv[2] ?? 20);
const identity = { uid: 65532, gid: 65532 };
const root = mkdtempSync(join(tmpdir(), 'gust-hops-'));
ensureTraversable(root, root, identity);
const host = await prepareSandboxHost(join(root, 'state'), gustRuntimesDir());
const cgroups = await detectCgroups({ parentName: 'gust-hops' });
const setpriv = ['/usr/bin/setpriv', `--reuid=${identity.uid}`, `--regid=${identity.gid}`, '--clear-groups', '--'];

interface Chain {
  /** none: spawn the command itself; sh: the shell launcher, then setpriv; init: gust-init's launch mode. */
  launcher: 'none' | 'sh' | 'init';
  join: boolean;
  /** bwrap options (through the args pipe), or none for no bwrap. */
  bwrap?: string[];
  /** The command bwrap (or the chain) runs. */
  command: string[];
  /** What gust-init reads on its command pipe, when it is the command. */
  runtime?: string[];
}

const full = bwrapArgs({ host, env: { A: 'b' }, codeDir: root, socketDir: root, tmpBytes: 1 << 20, command: '/usr/bin/true', args: [] });
// gust-init needs its socket only once a connection comes: none does here.
const minimal = ['--unshare-all', '--unshare-user', '--die-with-parent', '--ro-bind', '/usr', '/usr', '--symlink', 'usr/lib64', '/lib64', '--symlink', 'usr/lib', '/lib'];

/** Drops an option (with `n` operands) wherever it occurs. */
function without(opts: string[], name: string, n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < opts.length; i++) {
    if (opts[i] === name) i += n;
    else out.push(opts[i]!);
  }
  return out;
}
function withoutEtc(opts: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < opts.length; i++) {
    if ((opts[i] === '--ro-bind-try' || opts[i] === '--ro-bind') && opts[i + 2]!.startsWith('/etc/')) i += 2;
    else out.push(opts[i]!);
  }
  return out;
}

const variants: Record<string, Chain> = {
  'spawn true': { launcher: 'none', join: false, command: ['/usr/bin/true'] },
  'sh+setpriv': { launcher: 'sh', join: false, command: ['/usr/bin/true'] },
  'sh+join+setpriv': { launcher: 'sh', join: true, command: ['/usr/bin/true'] },
  'init launch': { launcher: 'init', join: false, command: ['/usr/bin/true'] },
  'init launch+join': { launcher: 'init', join: true, command: ['/usr/bin/true'] },
  'init launch+bwrap minimal': { launcher: 'init', join: false, bwrap: minimal, command: ['/usr/bin/true'] },
  'sh+setpriv+bwrap full': { launcher: 'sh', join: false, bwrap: full.options, command: INIT_COMMAND, runtime: full.runtime },
  'init launch+bwrap full': { launcher: 'init', join: false, bwrap: full.options, command: INIT_COMMAND, runtime: full.runtime },
  'full, with join': { launcher: 'init', join: true, bwrap: full.options, command: INIT_COMMAND, runtime: full.runtime },
  'full -net': { launcher: 'init', join: false, bwrap: ['--share-net', ...full.options], command: INIT_COMMAND, runtime: full.runtime },
  'full -etc binds': { launcher: 'init', join: false, bwrap: withoutEtc(full.options), command: INIT_COMMAND, runtime: full.runtime },
  'full -seccomp': { launcher: 'init', join: false, bwrap: without(full.options, '--seccomp', 1), command: INIT_COMMAND, runtime: full.runtime },
  'full -proc': { launcher: 'init', join: false, bwrap: without(full.options, '--proc', 1), command: INIT_COMMAND, runtime: full.runtime },
  'full -dev': { launcher: 'init', join: false, bwrap: without(full.options, '--dev', 1), command: INIT_COMMAND, runtime: full.runtime },
  'full -tmpfs': { launcher: 'init', join: false, bwrap: without(without(without(full.options, '--tmpfs', 1), '--size', 1), '--perms', 1), command: INIT_COMMAND, runtime: full.runtime },
  'full, true not init': { launcher: 'init', join: false, bwrap: full.options, command: ['/usr/bin/true'] },
};

async function once(name: string, chain: Chain, cgroup: EnvironmentCgroup | undefined): Promise<number> {
  let target = { command: chain.command[0]!, args: chain.command.slice(1) };
  if (chain.bwrap) target = { command: '/usr/bin/bwrap', args: ['--args', String(ARGS_FD), '--', ...chain.command] };
  const procsFiles = chain.join && cgroup ? cgroup.procsFiles : [];
  let launch: LaunchTarget = target;
  if (chain.launcher === 'sh') launch = launcherCommand({ command: setpriv[0]!, args: [...setpriv.slice(1), target.command, ...target.args] }, { procsFiles, env: {} });
  if (chain.launcher === 'init') launch = { command: host.init, args: ['launch', '1024', String(identity.uid), String(identity.gid), ...procsFiles, '--', target.command, ...target.args] };
  const seccomp = openSync(host.seccomp!, 'r');
  const t0 = performance.now();
  const child = spawn(launch.command, launch.args, { env: {}, stdio: ['ignore', 'ignore', 'pipe', seccomp, 'pipe', 'pipe', 'pipe'] });
  closeSync(seccomp);
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const argsPipe = (child.stdio as unknown[])[ARGS_FD] as Writable;
  // Without bwrap nothing reads them.
  argsPipe.on('error', () => undefined);
  argsPipe.end(Buffer.from((chain.bwrap ?? []).map((a) => `${a}\0`).join('')));
  const commandPipe = (child.stdio as unknown[])[COMMAND_FD] as Writable;
  commandPipe.on('error', () => undefined);
  commandPipe.end(Buffer.from((chain.runtime ?? []).map((a) => `${a}\0`).join('')));
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  const ms = performance.now() - t0;
  if (code !== 0) throw new Error(`${name}: exit ${code}: ${err}`);
  return ms;
}

const times = new Map<string, number[]>(Object.keys(variants).map((k) => [k, []]));
for (let r = 0; r < RUNS; r++) {
  for (const [name, chain] of Object.entries(variants)) {
    const cgroup = chain.join ? await cgroups.create(`hops-${r}-${times.get(name)!.length}`, { memoryMb: 1769, pidsMax: 1024 }) : undefined;
    // A join waits for an RCU grace period unless one just passed: let the last one age.
    await new Promise((r) => setTimeout(r, 30));
    times.get(name)!.push(await once(name, chain, cgroup));
    await cgroup?.destroy();
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const [name, xs] of times) console.log(`${name.padEnd(34)} ${median(xs).toFixed(2).padStart(7)} ms  (min ${Math.min(...xs).toFixed(2)})`);
await cgroups.close();
rmSync(root, { recursive: true, force: true });
