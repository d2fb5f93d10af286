/**
 * The host side of runtime-mounts.ts, prepared once per server: copies of Gust's bootstraps
 * in the driver's state directory (sandboxes must not depend on where Gust is installed:
 * the sandbox uid cannot reach a checkout under /root, and a sandbox's own /tmp hides one
 * under /tmp), and what of the host's /usr a sandbox sees differently.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { BOOTSTRAPS } from '../runtimes/gust-runtimes.js';
import type { HostUsrAdjustments, RuntimeCopies } from './runtime-mounts.js';

/**
 * Copies runtimes/node and runtimes/python under `stateDir`, in a directory named by their
 * content (a server that runs a newer Gust gets its own), with `node_modules/` as the
 * mount point of the Node.js SDK.
 */
export function prepareRuntimeCopies(stateDir: string, runtimesDir: string): RuntimeCopies {
  const hash = createHash('sha256');
  for (const { dir } of Object.values(BOOTSTRAPS)) hashTree(hash, join(runtimesDir, dir), dir);
  const root = join(stateDir, `runtime-${hash.digest('hex').slice(0, 16)}`);
  const copies = { nodejs: join(root, BOOTSTRAPS.nodejs.dir), python: join(root, BOOTSTRAPS.python.dir) };
  if (existsSync(root)) return copies;
  const tmp = `${root}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  for (const { dir } of Object.values(BOOTSTRAPS)) {
    cpSync(join(runtimesDir, dir), join(tmp, dir), { recursive: true, filter: (src) => !src.includes('__pycache__') });
  }
  mkdirSync(join(tmp, BOOTSTRAPS.nodejs.dir, 'node_modules'));
  try {
    renameSync(tmp, root);
  } catch (err) {
    // Another server sharing the state directory made the same copy first.
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(root)) throw err;
  }
  return copies;
}

function hashTree(hash: ReturnType<typeof createHash>, dir: string, rel: string): void {
  for (const name of readdirSync(dir).sort()) {
    if (name === '__pycache__') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) hashTree(hash, path, `${rel}/${name}`);
    else hash.update(`${rel}/${name}\0`).update(readFileSync(path));
  }
}

/** Python package directories of the host that a host python would add to sys.path. */
const HOST_PYTHON_PACKAGE_DIRS = /^python3(\.\d+)?$/;

/** What differs between the host's /usr and the one a sandbox should see; `emptyDir` is made under `stateDir`. */
export function hostUsrAdjustments(stateDir: string): HostUsrAdjustments {
  const emptyDir = join(stateDir, 'empty');
  mkdirSync(emptyDir, { recursive: true, mode: 0o555 });
  const pythonPackageDirs: string[] = [];
  for (const lib of ['/usr/lib', '/usr/local/lib']) {
    const names = existsSync(lib) ? readdirSync(lib).filter((n) => HOST_PYTHON_PACKAGE_DIRS.test(n)) : [];
    for (const n of names) {
      for (const sub of ['dist-packages', 'site-packages']) {
        const dir = join(lib, n, sub);
        if (existsSync(dir)) pythonPackageDirs.push(dir);
      }
    }
  }
  return { bashAsSh: bashAsSh(), pythonPackageDirs, emptyDir };
}

function bashAsSh(): boolean {
  try {
    return existsSync('/usr/bin/bash') && !realpathSync('/usr/bin/sh').endsWith('/bash');
  } catch {
    return false;
  }
}
