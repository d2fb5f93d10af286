/**
 * Every Node.js and Python runtime identifier, on the interpreter of exactly its version
 * and with the AWS SDK it includes on Lambda: the host's interpreter where its version
 * matches (nothing downloaded), else one installed in the runtimes directory, else one it
 * can install (catalog.ts says from where), else unavailable, with the reason.
 *
 * What a server asks: `files()` at a cold start (synchronous: the store's directories are
 * looked up, nothing is built), `readiness()` and `prepare()` when a function is created
 * or changed (the control plane keeps it Pending while `prepare` installs); `gust runtimes`
 * asks `status()` and `install()`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidRuntimeException } from '../../core/errors.js';
import { languageRuntime, type LanguageRuntime, type Runtime } from '../../core/limits.js';
import type { RuntimeImages } from '../runtime-command.js';
import type { RuntimeFiles } from '../sandbox-driver.js';
import { nodePackage, PYTHON_ROOT_EXTRAS, PYTHON_SUITES, pythonGap } from './catalog.js';
import { buildPythonRoot, compilePython, rootPython, type DebianArchive } from './debian-install.js';
import { BOOTSTRAPS, gustRuntimesDir } from './gust-runtimes.js';
import { HostInterpreters } from './host-interpreters.js';
import { compareVersions, installNodeRelease, newestNodeRelease } from './node-install.js';
import { RuntimeStore } from './runtime-store.js';
import { installNodeSdk, installPythonSdk, nodeSdkEntry, pythonSdkEntry } from './sdk-install.js';

export interface RuntimeProviderOptions {
  /** The runtimes directory. */
  dir: string;
  /** npm registry for Node binaries and the Node.js SDK. */
  npmRegistry: string;
  debian: DebianArchive;
  /** Whether the sandbox driver can give a runtime its own /usr (the namespace driver can). */
  systemRoots: boolean;
  host?: HostInterpreters;
  /** Gust's runtimes/ (bootstraps and the SDK lockfile). */
  gustRuntimes?: string;
}

/** Where a runtime stands on this host. */
export interface RuntimeStatus {
  runtime: Runtime;
  state: 'installed' | 'host' | 'missing' | 'unavailable';
  /** The interpreter's executable, once there is one. */
  interpreter?: string;
  /** The directory installed for it (its tree or its root); absent for the host's. */
  interpreterRoot?: string;
  /** Its version (`v22.23.5`, `3.13.5`). */
  version?: string;
  /** Where the runtime's AWS SDK is, once installed. */
  sdk?: string;
  /** For `missing`: what an install would fetch; for `unavailable`: why it cannot run here. */
  note?: string;
}

/** What the control plane asks before a function may become Active. */
export type RuntimeReadiness = { kind: 'ready' } | { kind: 'installing'; reason: string } | { kind: 'unavailable'; reason: string };

interface Interpreter {
  path: string;
  version: string;
  host: boolean;
  langDir?: string;
  systemRoot?: string;
}

type Plan = { interpreter: Interpreter | undefined; sdk: string | undefined; source?: string; gap?: string };

const VERSION_FILE = '.version';
const COMPILED_MARKER = '.compiled-';

export class RuntimeProvider implements RuntimeImages {
  readonly store: RuntimeStore;
  private readonly host: HostInterpreters;
  private readonly gustRuntimes: string;
  /** The Node.js SDK's entry, named by its lockfile's hash: read once, not at every cold start. */
  private readonly nodeSdk: string;
  private readonly installs = new Map<Runtime, Promise<RuntimeFiles>>();

  constructor(private readonly options: RuntimeProviderOptions) {
    this.store = new RuntimeStore(options.dir);
    this.host = options.host ?? new HostInterpreters();
    this.gustRuntimes = options.gustRuntimes ?? gustRuntimesDir();
    this.nodeSdk = nodeSdkEntry(this.nodeSdkSource());
  }

  /** The files of an installed runtime; InvalidRuntimeException otherwise (and an install starts). */
  files(runtime: Runtime): RuntimeFiles {
    const lang = this.language(runtime);
    const plan = this.plan(lang);
    if (plan.gap) throw new InvalidRuntimeException(`The runtime ${runtime} is not available on this host: ${plan.gap}`);
    if (!plan.interpreter || !plan.sdk) {
      void this.prepare(runtime).catch(() => undefined);
      throw new InvalidRuntimeException(`The runtime ${runtime} is not installed in ${this.store.dir}; Gust is installing it now (${plan.source}). Try again once it is, or run gust runtimes install ${runtime}.`);
    }
    const boot = BOOTSTRAPS[lang.language];
    const i = plan.interpreter;
    return {
      ...lang,
      runtimeDir: join(this.gustRuntimes, boot.dir),
      bootstrap: boot.file,
      interpreter: i.path,
      sdkDir: plan.sdk,
      ...(i.langDir ? { langDir: i.langDir } : {}),
      ...(i.systemRoot ? { systemRoot: i.systemRoot } : {}),
    };
  }

  readiness(runtime: Runtime): RuntimeReadiness {
    const lang = languageRuntime(runtime);
    if (!lang) return { kind: 'ready' };
    const plan = this.plan(lang);
    if (plan.gap) return { kind: 'unavailable', reason: `The runtime ${runtime} is not available on this host: ${plan.gap}` };
    if (plan.interpreter && plan.sdk) return { kind: 'ready' };
    return { kind: 'installing', reason: `Gust is installing the runtime ${runtime}: ${plan.source}.` };
  }

  /** Installs what `runtime` lacks; resolves once it can run. Concurrent calls share one install. */
  prepare(runtime: Runtime): Promise<void> {
    return this.install(runtime).then(() => undefined);
  }

  /** Like prepare, resolving with the runtime's files. */
  install(runtime: Runtime): Promise<RuntimeFiles> {
    let running = this.installs.get(runtime);
    if (!running) {
      running = this.doInstall(runtime).finally(() => this.installs.delete(runtime));
      this.installs.set(runtime, running);
    }
    return running;
  }

  status(runtime: Runtime): RuntimeStatus {
    const lang = this.language(runtime);
    const plan = this.plan(lang);
    const i = plan.interpreter;
    const version = i && (i.version || hostPythonVersion(i.path));
    const root = i?.langDir ?? i?.systemRoot;
    const found = { ...(i ? { interpreter: i.path } : {}), ...(version ? { version } : {}), ...(root ? { interpreterRoot: root } : {}), ...(plan.sdk ? { sdk: plan.sdk } : {}) };
    if (plan.gap) return { runtime, state: 'unavailable', note: plan.gap, ...found };
    if (!i || !plan.sdk) return { runtime, state: 'missing', ...(plan.source ? { note: plan.source } : {}), ...found };
    return { runtime, state: i.host ? 'host' : 'installed', ...found };
  }

  private async doInstall(runtime: Runtime): Promise<RuntimeFiles> {
    const lang = this.language(runtime);
    const plan = this.plan(lang);
    if (plan.gap) throw new InvalidRuntimeException(`The runtime ${runtime} is not available on this host: ${plan.gap}`);
    const steps: Promise<unknown>[] = [];
    if (lang.language === 'nodejs') {
      if (!plan.interpreter) steps.push(this.installNode(lang.version));
      if (!plan.sdk) steps.push(this.store.ensure(this.nodeSdk, (dir) => installNodeSdk(this.nodeSdkSource(), dir, this.options.npmRegistry)));
    } else {
      if (!plan.interpreter) steps.push(this.installPython(lang.version));
      if (!plan.sdk) steps.push(this.store.ensure(pythonSdkEntry(), (dir) => installPythonSdk(dir, this.options.debian)));
    }
    await Promise.all(steps);
    if (lang.language === 'python') await this.compileSdk(lang.version);
    return this.files(runtime);
  }

  /**
   * Byte-compiles the shared boto3 for this Python version, once (a marker file records it):
   * the sandbox sees it read-only, and compiling botocore at every cold start is slow.
   */
  private async compileSdk(version: string): Promise<void> {
    const sdk = this.store.path(pythonSdkEntry());
    const marker = join(sdk, `${COMPILED_MARKER}${version}`);
    if (existsSync(marker)) return;
    const i = this.plan({ language: 'python', version }).interpreter!;
    await compilePython(i.systemRoot ? rootPython(i.systemRoot, version) : [i.path], [sdk]);
    writeFileSync(marker, '');
  }

  private async installNode(major: string): Promise<void> {
    const pkg = nodePackage()!;
    const release = await newestNodeRelease(this.options.npmRegistry, pkg, major);
    await this.store.ensure(`node-${release.version}-linux-${process.arch}`, (dir) => installNodeRelease(release, dir));
  }

  private async installPython(version: string): Promise<void> {
    const suite = PYTHON_SUITES[version]!;
    await this.store.ensure(`python${version}-${suite.suite}`, async (dir) => {
      const built = await buildPythonRoot(dir, version, suite, this.options.debian, PYTHON_ROOT_EXTRAS);
      writeFileSync(join(dir, VERSION_FILE), `${built}\n`);
    });
  }

  private nodeSdkSource(): string {
    return join(this.gustRuntimes, 'sdk', 'nodejs');
  }

  private language(runtime: Runtime): LanguageRuntime {
    const lang = languageRuntime(runtime);
    if (!lang) throw new InvalidRuntimeException(`The runtime ${runtime} brings its own bootstrap; it has no interpreter to install.`);
    return lang;
  }

  /** What this host has for `lang`, and where the rest would come from. */
  private plan(lang: LanguageRuntime): Plan {
    if (lang.language === 'nodejs') {
      const sdk = this.installedEntry(this.nodeSdk, 'node_modules');
      const host = this.host.node(lang.version);
      if (host) return { interpreter: { ...host, host: true }, sdk, source: 'the AWS SDK for JavaScript from the npm registry' };
      const pkg = nodePackage();
      if (!pkg) return { interpreter: undefined, sdk, gap: `the npm registry has no Node.js binary for ${process.arch}` };
      return { interpreter: this.installedNode(lang.version), sdk, source: `Node.js ${lang.version} from the npm registry (${pkg}) and the AWS SDK for JavaScript` };
    }
    // The shared boto3 counts as installed for a version once it is compiled for it.
    const sdkDir = this.installedEntry(pythonSdkEntry());
    const sdk = sdkDir && existsSync(join(sdkDir, `${COMPILED_MARKER}${lang.version}`)) ? sdkDir : undefined;
    const host = this.host.python(lang.version);
    // Its version is asked of it only for status(): a cold start must not wait for an exec.
    if (host) return { interpreter: { path: host, version: '', host: true }, sdk, source: "boto3 from Debian's archive" };
    const suite = PYTHON_SUITES[lang.version];
    if (!suite) return { interpreter: undefined, sdk, gap: pythonGap(lang.version) };
    if (!this.options.systemRoots) {
      return { interpreter: undefined, sdk, gap: `its Python ${lang.version} comes from Debian ${suite.suite} with that release's own C library, which only the namespace sandbox can give it (this server runs functions as plain processes)` };
    }
    const root = this.installedEntry(`python${lang.version}-${suite.suite}`);
    const interpreter = root ? { path: join(root, 'usr', 'bin', `python${lang.version}`), version: readVersion(root), host: false, systemRoot: root } : undefined;
    return { interpreter, sdk, source: `Python ${lang.version} from Debian ${suite.suite} and boto3 from Debian's archive` };
  }

  private installedNode(major: string): Interpreter | undefined {
    const suffix = `-linux-${process.arch}`;
    const versions = this.store
      .list(`node-${major}.`)
      .filter((n) => n.endsWith(suffix))
      .map((n) => n.slice('node-'.length, -suffix.length))
      .sort((a, b) => compareVersions(b, a));
    const newest = versions[0];
    if (newest === undefined) return undefined;
    const langDir = this.store.path(`node-${newest}${suffix}`);
    return { path: join(langDir, 'bin', 'node'), version: `v${newest}`, host: false, langDir };
  }

  private installedEntry(name: string, sub?: string): string | undefined {
    if (!this.store.has(name)) return undefined;
    return sub ? join(this.store.path(name), sub) : this.store.path(name);
  }
}

function readVersion(root: string): string {
  const file = join(root, VERSION_FILE);
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : 'unknown';
}

const hostPythonVersions = new Map<string, string>();

/** `3.11.2`: asked of the interpreter once per process. */
function hostPythonVersion(path: string): string {
  let version = hostPythonVersions.get(path);
  if (version === undefined) {
    try {
      version = execFileSync(path, ['-c', 'import platform; print(platform.python_version())'], { encoding: 'utf8', timeout: 10_000 }).trim();
    } catch {
      version = 'unknown';
    }
    hostPythonVersions.set(path, version);
  }
  return version;
}
