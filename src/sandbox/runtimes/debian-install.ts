/**
 * Packages from Debian's archive, through apt-get itself with a private configuration:
 * its own sources list, package lists, cache and an empty dpkg status, so that nothing of
 * the host's apt setup is read or changed, and apt does what it always does: checks the
 * release's signature against Debian's keyring and every package's SHA-256. `dpkg-deb -x`
 * unpacks the packages into a plain directory; nothing is installed on the host.
 *
 * A Python root is python3.X with everything it depends on, down to that release's C
 * library, plus bash and coreutils (`PYTHON_ROOT_EXTRAS`), unpacked into one tree whose
 * `usr/` a sandbox takes as its /usr. Debian releases before 12 put /bin, /lib and /sbin
 * beside /usr; those are merged into usr/, as the sandbox links /bin and /lib into it.
 */
import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DebianSuite } from './catalog.js';
import { RuntimeInstallError, runTool } from './run-tool.js';

/** Debian's archive keyring, which apt checks the releases' signatures against. */
export const DEBIAN_KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';

export interface DebianArchive {
  /** Base URL of the mirror (`http://deb.debian.org`); `/debian` and `/debian-security` are under it. */
  mirror: string;
  keyring?: string;
}

/** apt-get with a private state under `work` for one Debian release. */
export class PrivateApt {
  private readonly options: string[];

  constructor(
    private readonly work: string,
    suite: DebianSuite,
    archive: DebianArchive,
  ) {
    const keyring = archive.keyring ?? DEBIAN_KEYRING;
    if (!existsSync(keyring)) throw new RuntimeInstallError(`Debian's archive keyring ${keyring} is missing (apt-get install debian-archive-keyring)`);
    const empty = join(work, 'empty');
    for (const d of ['lists/partial', 'archives/partial', 'empty']) mkdirSync(join(work, d), { recursive: true });
    writeFileSync(join(work, 'status'), '');
    const base = archive.mirror.replace(/\/$/, '');
    const lines = [`deb [signed-by=${keyring}] ${base}/debian ${suite.suite} main`];
    if (suite.security) lines.push(`deb [signed-by=${keyring}] ${base}/debian-security ${suite.suite}-security main`);
    writeFileSync(join(work, 'sources.list'), `${lines.join('\n')}\n`);
    const arch = process.arch === 'arm64' ? 'arm64' : 'amd64';
    this.options = [
      `-oDir::State=${work}`,
      `-oDir::State::Lists=${join(work, 'lists')}`,
      `-oDir::State::status=${join(work, 'status')}`,
      `-oDir::Cache=${work}`,
      `-oDir::Cache::Archives=${join(work, 'archives')}`,
      `-oDir::Etc::SourceList=${join(work, 'sources.list')}`,
      `-oDir::Etc::SourceParts=${empty}`,
      `-oDir::Etc::Preferences=${join(empty, 'preferences')}`,
      `-oDir::Etc::PreferencesParts=${empty}`,
      `-oDir::Etc::Trusted=${join(empty, 'trusted.gpg')}`,
      `-oDir::Etc::TrustedParts=${empty}`,
      `-oAPT::Architecture=${arch}`,
      `-oAPT::Architectures::=${arch}`,
      '-oDebug::NoLocking=1',
      '-oAPT::Sandbox::User=root',
      '-oAPT::Install-Recommends=0',
      '-q',
    ];
  }

  async update(): Promise<void> {
    await runTool('apt-get', [...this.options, 'update']);
  }

  /** Downloads `packages` and everything they depend on (the dpkg status is empty: nothing counts as installed). */
  async downloadWithDependencies(packages: readonly string[]): Promise<string[]> {
    await runTool('apt-get', [...this.options, '-y', '--download-only', 'install', ...packages]);
    return this.debs(join(this.work, 'archives'));
  }

  /** Downloads exactly `packages`, without their dependencies. */
  async download(packages: readonly string[]): Promise<string[]> {
    const dir = join(this.work, 'download');
    mkdirSync(dir, { recursive: true });
    await runTool('apt-get', [...this.options, 'download', ...packages], { cwd: dir });
    return this.debs(dir);
  }

  private debs(dir: string): string[] {
    return readdirSync(dir).filter((n) => n.endsWith('.deb')).map((n) => join(dir, n));
  }
}

/** Unpacks each .deb into `dest`. */
export async function unpackDebs(debs: readonly string[], dest: string): Promise<void> {
  for (const deb of debs) await runTool('dpkg-deb', ['-x', deb, dest]);
}

/** `name_1.26.27+dfsg-1_all.deb` → its upstream version, `1.26.27`. */
export function upstreamVersion(deb: string): string {
  const version = (deb.split('/').pop() ?? '').split('_')[1] ?? '';
  return version.replace(/^\d+:/, '').replace(/-[^-]*$/, '').replace(/[+~].*$/, '');
}

/**
 * Builds a root for python`version` from `suite` in `dest`: `dest/usr` holds the
 * interpreter, its libraries and C library, bash (also as `sh`, Amazon Linux's /bin/sh)
 * and coreutils. Resolves with the interpreter's version (`3.13.5`).
 */
export async function buildPythonRoot(dest: string, version: string, suite: DebianSuite, archive: DebianArchive, extras: readonly string[]): Promise<string> {
  const work = join(dest, '.apt');
  const apt = new PrivateApt(work, suite, archive);
  await apt.update();
  const debs = await apt.downloadWithDependencies([`python${version}`, ...extras]);
  const minimal = debs.find((d) => (d.split('/').pop() ?? '').startsWith(`python${version}-minimal_`));
  await unpackDebs(debs, dest);
  rmSync(work, { recursive: true, force: true });
  mergeUsr(dest);
  const sh = join(dest, 'usr', 'bin', 'sh');
  rmSync(sh, { force: true });
  symlinkSync('bash', sh);
  if (!existsSync(join(dest, 'usr', 'bin', `python${version}`))) {
    throw new RuntimeInstallError(`Debian ${suite.suite}'s python${version} has no usr/bin/python${version}`);
  }
  // dpkg would have compiled the standard library in a postinst; without its .pyc files (a
  // read-only /usr cannot take them later) every cold start compiles each module again.
  await compilePython(rootPython(dest, version), [join(dest, 'usr', 'lib', `python${version}`)]);
  return minimal ? upstreamVersion(minimal) : 'unknown';
}

/**
 * The command that runs a root's python on the host, through the root's own dynamic loader
 * and libraries (its C library may be newer than the host's).
 */
export function rootPython(root: string, version: string): string[] {
  const triplet = process.arch === 'arm64' ? 'aarch64-linux-gnu' : 'x86_64-linux-gnu';
  // In the multiarch directory in every release (/lib64's entry is an absolute link in some).
  const libs = join(root, 'usr', 'lib', triplet);
  const loader = join(libs, process.arch === 'arm64' ? 'ld-linux-aarch64.so.1' : 'ld-linux-x86-64.so.2');
  return [loader, '--library-path', `${libs}:${join(root, 'usr', 'lib')}`, join(root, 'usr', 'bin', `python${version}`)];
}

/**
 * Byte-compiles `dirs` with `python` (a command line), as dpkg's py3compile does. In one
 * process: compileall's workers (`-j`) would exec the interpreter directly, without the
 * root's loader. A module that does not compile (a test fixture with bad syntax) makes
 * compileall exit 1 but only costs its own compile at import; an interpreter that did not
 * run at all leaves no `__pycache__` and fails the install.
 */
export async function compilePython(python: readonly string[], dirs: readonly string[]): Promise<void> {
  const failure = await runTool(python[0]!, [...python.slice(1), '-m', 'compileall', '-q', ...dirs]).then(
    () => undefined,
    (err: unknown) => err,
  );
  if (failure && !existsSync(join(dirs[0]!, '__pycache__'))) throw failure;
}

/** Moves /bin, /sbin, /lib* of a pre-usrmerge tree into usr/, as the sandbox links them there. */
function mergeUsr(root: string): void {
  for (const dir of ['bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32']) {
    const from = join(root, dir);
    if (!existsSync(from)) continue;
    // A merged-/usr release ships these as links into usr/ already.
    if (lstatSync(from).isSymbolicLink()) {
      rmSync(from);
      continue;
    }
    const to = join(root, 'usr', dir);
    if (!existsSync(to)) {
      renameSync(from, to);
      continue;
    }
    cpSync(from, to, { recursive: true, force: true, verbatimSymlinks: true });
    rmSync(from, { recursive: true, force: true });
  }
}
