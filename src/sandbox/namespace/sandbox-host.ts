/**
 * What the namespace driver needs on the host before its first sandbox, prepared once per
 * server in a state directory: the gust-init binary (built from runtimes/sandbox/gust-init.c
 * with the host's `cc`, cached by the source's hash and architecture), the seccomp filter, and the
 * /etc the sandbox sees (sandbox-etc.ts), with a passwd and group of one unprivileged user, as
 * Lambda's `sbx_user1051`.
 *
 * Also the one permission fix the driver makes: bubblewrap runs as the sandbox uid, so it
 * must be able to walk to what it binds (code, layers, its own files). Directories Gust owns
 * on that path (the data directory, made 0700 by some tools) get the search bit for others
 * (`o+x`: walking through, not listing); any other closed directory is reported.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { hostUsrAdjustments, prepareRuntimeCopies } from './runtime-copies.js';
import type { HostUsrAdjustments, RuntimeCopies } from './runtime-mounts.js';
import { SandboxEtc } from './sandbox-etc.js';
import { hostSeccompArch, seccompFilter } from './seccomp-policy.js';

export interface SandboxIdentity {
  uid: number;
  gid: number;
}

export interface SandboxHostFiles {
  /** The gust-init executable. */
  init: string;
  /** The encoded seccomp filter, or undefined when this architecture has no policy. */
  seccomp: string | undefined;
  /** The sandbox's /etc: `dir` is bound, `refresh()` (cheap) runs before each start. */
  etc: Pick<SandboxEtc, 'dir' | 'refresh'>;
  /** The copies of Gust's bootstraps that sandboxes see at /var/runtime. */
  runtimes: RuntimeCopies;
  /** What a sandbox on the host's /usr sees differently. */
  usr: HostUsrAdjustments;
}

/** The name the sandbox user has in the sandbox's /etc/passwd (Lambda's, for familiarity). */
export const SANDBOX_USER = 'sbx_user1051';
/**
 * Who the function is inside every sandbox (Lambda's uid and gid of sbx_user1051), whatever
 * host uid its environment leased: bwrap maps this one to that one.
 */
export const INSIDE_IDENTITY: SandboxIdentity = { uid: 993, gid: 990 };

/** Why the namespace driver cannot work here; the message says what the host lacks. */
export class SandboxUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SandboxUnavailableError';
  }
}

/**
 * Prepares the host files under `stateDir`. gust-init is compiled into `buildCache` (kept
 * across data directories: a build takes ~150 ms) and copied into `stateDir`, where the
 * sandbox uid can reach it. Throws SandboxUnavailableError when it cannot.
 */
export async function prepareSandboxHost(stateDir: string, runtimesDir: string, buildCache = defaultBuildCache(), nameserver?: string): Promise<SandboxHostFiles> {
  mkdirSync(stateDir, { recursive: true, mode: 0o755 });
  const source = join(runtimesDir, 'sandbox', 'gust-init.c');
  // A home without a writable cache (no HOME, read-only) builds into the state directory.
  const built = await buildInit(buildCache, source).catch((err: unknown) => {
    if (err instanceof SandboxUnavailableError) throw err;
    return buildInit(stateDir, source);
  });
  const init = join(stateDir, basename(built));
  if (!existsSync(init)) copyFileSync(built, init);
  chmodSync(init, 0o755);
  const arch = hostSeccompArch();
  let seccomp: string | undefined;
  if (arch) {
    seccomp = join(stateDir, `seccomp-${arch}.bpf`);
    writeFileSync(seccomp, seccompFilter(arch), { mode: 0o644 });
  }
  const etc = new SandboxEtc(join(stateDir, 'etc'), {
    passwd: `${SANDBOX_USER}:x:${INSIDE_IDENTITY.uid}:${INSIDE_IDENTITY.gid}::/tmp:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n`,
    group: `${SANDBOX_USER}:x:${INSIDE_IDENTITY.gid}:\nnogroup:x:65534:\n`,
  }, '/etc', nameserver ? { 'resolv.conf': (host) => resolvConfVia(host, nameserver) } : {});
  return { init, seccomp, etc, runtimes: prepareRuntimeCopies(stateDir, runtimesDir), usr: hostUsrAdjustments(stateDir) };
}

/** The host's resolv.conf with its nameservers replaced by `nameserver` (search domains and options kept). */
export function resolvConfVia(host: string, nameserver: string): string {
  const kept = host.split('\n').filter((l) => l.trim() !== '' && !/^\s*nameserver\s/.test(l));
  return [`nameserver ${nameserver}`, ...kept].join('\n') + '\n';
}

/** `~/.cache/gust`: where the compiled gust-init is kept between data directories. */
export function defaultBuildCache(): string {
  return join(homedir(), '.cache', 'gust');
}

async function buildInit(cacheDir: string, source: string): Promise<string> {
  let code: Buffer;
  try {
    code = readFileSync(source);
  } catch {
    throw new SandboxUnavailableError(`${source} is missing`);
  }
  const hash = createHash('sha256').update(code).update(process.arch).update('static').digest('hex').slice(0, 16);
  const out = join(cacheDir, `gust-init-${hash}`);
  if (existsSync(out)) return out;
  mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
  const tmp = `${out}.${process.pid}.tmp`;
  // Static where the C library allows it: a runtime with its own, older system root
  // (python3.9 on Debian 11's) runs gust-init against that root's libc.
  const cc = (flags: string[]) => promisify(execFile)('cc', ['-O2', ...flags, '-o', tmp, source], { timeout: 60_000 });
  try {
    await cc(['-static']).catch(() => cc([]));
  } catch (err) {
    throw new SandboxUnavailableError(`cannot build gust-init with cc (a C compiler is needed once): ${(err as Error).message.split('\n')[0]}`);
  }
  chmodSync(tmp, 0o755);
  renameSync(tmp, out);
  return out;
}

/**
 * Makes `path` reachable by the sandbox identity: the directories from `ownedRoot` down get
 * `o+x` where they lack it; a closed directory above `ownedRoot` is an error.
 */
export function ensureTraversable(path: string, ownedRoot: string, id: SandboxIdentity): void {
  const root = resolve(ownedRoot);
  for (let dir = resolve(path); ; dir = dirname(dir)) {
    const st = statSync(dir);
    const inside = dir === root || dir.startsWith(`${root}/`);
    if (st.isDirectory() && !searchable(st, id)) {
      if (!inside) throw new SandboxUnavailableError(`${dir} is not searchable by the sandbox uid ${id.uid} (needs o+x, or --data-dir elsewhere)`);
      chmodSync(dir, (st.mode & 0o7777) | 0o001);
    }
    if (dir === '/') return;
  }
}

function searchable(st: { mode: number; uid: number; gid: number }, id: SandboxIdentity): boolean {
  if (st.uid === id.uid) return (st.mode & 0o100) !== 0;
  if (st.gid === id.gid) return (st.mode & 0o010) !== 0;
  return (st.mode & 0o001) !== 0;
}
