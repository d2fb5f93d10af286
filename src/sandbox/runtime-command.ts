/**
 * Which command starts a function's runtime on this host:
 * - `nodejs*`: the node running Gust (absolute `process.execPath`) with Gust's
 *   `runtimes/node/bootstrap.mjs`;
 * - `python3.*`: an absolute python3 (never a pyenv shim: a shim is a shell script that
 *   multiplies start-up time) with `runtimes/python/bootstrap.py`;
 * - `provided*`: the function's own `bootstrap`, else a layer's, as Lambda looks in
 *   /var/task and then /opt.
 *
 * The host's node and python serve every declared version of their language (a
 * `python3.12` function runs on the host's python3, whatever its minor version); the
 * namespace driver with real runtime images is where versions will match exactly.
 */
import { accessSync, constants, closeSync, openSync, readSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidRuntimeException } from '../core/errors.js';
import type { Runtime } from '../core/limits.js';
import type { SandboxMounts } from './sandbox-driver.js';

export interface RuntimeCommand {
  /** Absolute host path of the executable. */
  command: string;
  args: string[];
  /** LAMBDA_RUNTIME_DIR: the directory of the bootstrap that runs the handler. */
  runtimeDir: string;
  /** Directories to put first on PATH (the interpreter's own bin dir). */
  pathPrefix: string[];
}

/**
 * A `provided*` function with no `bootstrap` anywhere. Lambda reports this as a function
 * error of type `Runtime.InvalidEntrypoint`, so it is one here too, not a service error.
 */
export class InvalidEntrypointError extends Error {
  readonly errorType = 'Runtime.InvalidEntrypoint';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidEntrypointError';
  }
}

export interface RuntimeCommandResolverOptions {
  /** Gust's `runtimes/` directory; found relative to this module when not given. */
  runtimesDir?: string;
  /** The node executable for nodejs runtimes (default: the one running Gust). */
  nodeExecutable?: string;
  /** Absolute python3 paths to try, in order. */
  pythonCandidates?: readonly string[];
}

const DEFAULT_PYTHONS = ['/usr/bin/python3', '/usr/local/bin/python3', '/bin/python3'];

/**
 * Resolves runtime commands. One instance per server: what it learns about the host
 * (which python3 to use) is looked up once and kept.
 */
export class RuntimeCommandResolver {
  private readonly runtimesDir: string;
  private readonly nodeExecutable: string;
  private readonly pythonCandidates: readonly string[];
  private python: string | null | undefined;

  constructor(options: RuntimeCommandResolverOptions = {}) {
    this.runtimesDir = options.runtimesDir ?? defaultRuntimesDir();
    this.nodeExecutable = options.nodeExecutable ?? process.execPath;
    this.pythonCandidates = options.pythonCandidates ?? DEFAULT_PYTHONS;
  }

  /**
   * The command for `runtime`. Throws InvalidRuntimeException when the host cannot run the
   * runtime at all, and InvalidEntrypointError when a provided runtime has no bootstrap.
   */
  resolve(runtime: Runtime | undefined, mounts: SandboxMounts): RuntimeCommand {
    if (runtime === undefined || runtime.startsWith('provided')) return this.provided(mounts);
    if (runtime.startsWith('nodejs')) {
      const bootstrap = join(this.runtimesDir, 'node', 'bootstrap.mjs');
      requireFile(bootstrap, runtime);
      return { command: this.nodeExecutable, args: [bootstrap], runtimeDir: dirname(bootstrap), pathPrefix: [dirname(this.nodeExecutable)] };
    }
    if (runtime.startsWith('python')) {
      const python = this.findPython();
      if (!python) {
        throw new InvalidRuntimeException(`The runtime ${runtime} is not available on this host: no python3 at ${this.pythonCandidates.join(', ')} (pyenv shims are not used).`);
      }
      const bootstrap = join(this.runtimesDir, 'python', 'bootstrap.py');
      requireFile(bootstrap, runtime);
      return { command: python, args: [bootstrap], runtimeDir: dirname(bootstrap), pathPrefix: [] };
    }
    throw new InvalidRuntimeException(`The runtime ${String(runtime)} is not available on this host.`);
  }

  private provided(mounts: SandboxMounts): RuntimeCommand {
    // Lambda looks in /var/task, then /opt; with layers kept apart, the last layer wins.
    const candidates = [mounts.codeDir, ...[...mounts.layerDirs].reverse()].map((d) => join(d, 'bootstrap'));
    for (const c of candidates) {
      if (isExecutable(c)) return { command: c, args: [], runtimeDir: dirname(c), pathPrefix: [] };
    }
    throw new InvalidEntrypointError("Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]");
  }

  private findPython(): string | null {
    if (this.python === undefined) this.python = this.pythonCandidates.find(isRealPython) ?? null;
    return this.python;
  }
}

/** `runtimes/` of the package, which sits two levels above both src/sandbox/ and dist/sandbox/. */
function defaultRuntimesDir(): string {
  return fileURLToPath(new URL('../../runtimes/', import.meta.url));
}

function requireFile(path: string, runtime: string): void {
  try {
    accessSync(path, constants.R_OK);
  } catch {
    throw new InvalidRuntimeException(`The runtime ${runtime} is not available on this host: ${path} is missing.`);
  }
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** An executable python3 that is a binary, not a shim script (pyenv, asdf). */
function isRealPython(path: string): boolean {
  if (!isExecutable(path)) return false;
  try {
    if (realpathSync(path).includes('/shims/')) return false;
    const fd = openSync(path, 'r');
    try {
      const head = Buffer.alloc(2);
      readSync(fd, head, 0, 2, 0);
      return head.toString('latin1') !== '#!';
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}
