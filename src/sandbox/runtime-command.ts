/**
 * Which command starts a function's runtime, and with which files:
 * - `nodejs*` and `python3.*`: the interpreter of exactly the version the identifier names
 *   and Gust's bootstrap for the language, both from {@link RuntimeImages}; where they
 *   appear (Lambda's `/var/lang` and `/var/runtime` in a namespace sandbox, host paths
 *   for the process driver) is the driver's layout;
 * - `provided*`: the function's own `bootstrap`, else a layer's, as Lambda looks in
 *   /var/task and then /opt.
 */
import { accessSync, constants } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Runtime } from '../core/limits.js';
import type { RuntimeFiles, SandboxDriver, SandboxLayout, SandboxMounts } from './sandbox-driver.js';

export interface RuntimeCommand {
  /** The executable, as the driver starts it (a sandbox path for the namespace driver). */
  command: string;
  args: string[];
  /** LAMBDA_RUNTIME_DIR, as the runtime sees it. */
  runtimeDir: string;
  /** Directories to put first on PATH (the interpreter's own bin dir). */
  pathPrefix: string[];
  /** The mounts to start the sandbox with: the code and layers, and the runtime's files. */
  mounts: SandboxMounts;
  /** Where the driver shows them. */
  layout: SandboxLayout;
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

/** Where a language runtime's files come from: the host's interpreters, or installed ones. */
export interface RuntimeImages {
  /**
   * The files of a `nodejs*` or `python3.*` runtime, ready to run. Throws
   * InvalidRuntimeException saying why when this host cannot run it (yet).
   */
  files(runtime: Runtime): RuntimeFiles;
}

/** Resolves runtime commands. One instance per server. */
export class RuntimeCommandResolver {
  constructor(private readonly images: RuntimeImages) {}

  /**
   * The command for `runtime` under `driver`. Throws InvalidRuntimeException when the runtime
   * cannot run here, and InvalidEntrypointError when a provided runtime has no bootstrap.
   */
  resolve(runtime: Runtime | undefined, code: SandboxMounts, driver: Pick<SandboxDriver, 'layout'>): RuntimeCommand {
    if (runtime === undefined || runtime.startsWith('provided')) return this.provided(code, driver);
    const mounts: SandboxMounts = { codeDir: code.codeDir, layerDirs: code.layerDirs, runtime: this.images.files(runtime) };
    const layout = driver.layout(mounts);
    const r = layout.runtime!;
    return { command: r.command, args: r.args, runtimeDir: r.runtimeDir, pathPrefix: r.pathPrefix, mounts, layout };
  }

  private provided(code: SandboxMounts, driver: Pick<SandboxDriver, 'layout'>): RuntimeCommand {
    const mounts: SandboxMounts = { codeDir: code.codeDir, layerDirs: code.layerDirs };
    const layout = driver.layout(mounts);
    // Lambda looks in /var/task, then /opt; with layers kept apart, the last layer wins.
    const candidates = [mounts.codeDir, ...[...mounts.layerDirs].reverse()].map((d) => join(d, 'bootstrap'));
    for (const c of candidates) {
      if (isExecutable(c)) return { command: c, args: [], runtimeDir: layout.runtimeDir ?? dirname(c), pathPrefix: [], mounts, layout };
    }
    throw new InvalidEntrypointError("Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]");
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
