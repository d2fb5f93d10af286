/**
 * The host's own interpreters, used for a runtime identifier exactly when their version is
 * the one it names: the node running Gust for `nodejs<its major>.x`, and a real
 * `python3.<minor>` binary (never a pyenv or asdf shim: a shim is a shell script that
 * multiplies start-up time) for `python3.<minor>`. Nothing is downloaded for these.
 */
import { accessSync, closeSync, constants, openSync, readSync, realpathSync } from 'node:fs';
import { join } from 'node:path';

/** Where a host python3.X is looked for, in order. */
export const HOST_PYTHON_DIRS: readonly string[] = ['/usr/bin', '/usr/local/bin'];

export interface HostInterpreterOptions {
  /** The node executable (default: the one running Gust). */
  nodeExecutable?: string;
  /** Its version (default: `process.version`). */
  nodeVersion?: string;
  /** Directories searched for `python3.<minor>`. */
  pythonDirs?: readonly string[];
}

/** The host's interpreters, looked up once each and kept. */
export class HostInterpreters {
  private readonly nodeExecutable: string;
  private readonly nodeVersion: string;
  private readonly pythonDirs: readonly string[];
  private readonly pythons = new Map<string, string | null>();

  constructor(options: HostInterpreterOptions = {}) {
    this.nodeExecutable = options.nodeExecutable ?? process.execPath;
    this.nodeVersion = options.nodeVersion ?? process.version;
    this.pythonDirs = options.pythonDirs ?? HOST_PYTHON_DIRS;
  }

  /** The host node when its major is `major`, with its full version (`v20.20.2`). */
  node(major: string): { path: string; version: string } | undefined {
    return this.nodeVersion.replace(/^v/, '').split('.')[0] === major ? { path: this.nodeExecutable, version: this.nodeVersion } : undefined;
  }

  /** A real python binary named `python<version>` (`python3.11`), or undefined. */
  python(version: string): string | undefined {
    let found = this.pythons.get(version);
    if (found === undefined) {
      found = this.pythonDirs.map((d) => join(d, `python${version}`)).find(isRealBinary) ?? null;
      this.pythons.set(version, found);
    }
    return found ?? undefined;
  }
}

/** An executable that is a binary, not a shim script (pyenv, asdf). */
export function isRealBinary(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
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
