/**
 * Where a language runtime's files appear in a namespace sandbox: Lambda's fixed paths,
 * whatever the host paths are.
 * - `/var/runtime` (LAMBDA_RUNTIME_DIR): Gust's bootstrap for the language, from the copy
 *   the driver keeps in its state directory (so a Gust installed under /root or /tmp, which
 *   the sandbox uid cannot reach or the sandbox's own /tmp hides, works the same); Node.js
 *   has its AWS SDK at `/var/runtime/node_modules`, as on Lambda.
 * - `/var/lang`: the interpreter. Node.js: its tree (or the host's single binary) with
 *   `bin/node`; Python: `bin/python3` and `bin/python3.X` as links to the interpreter, and
 *   the runtime's boto3 in `lib/python3.X/site-packages`, as on Lambda's newer images.
 * - `/usr`: the host's, or the runtime's own Debian root for a Python built on another C
 *   library (`systemRoot`), as Lambda has one base image per runtime.
 */
import { join } from 'node:path';
import type { RuntimeFiles, RuntimeLayout } from '../sandbox-driver.js';

export const RUNTIME_DIR_IN_SANDBOX = '/var/runtime';
export const LANG_DIR_IN_SANDBOX = '/var/lang';

/** The driver's copies of Gust's bootstraps (host paths), made by prepareSandboxHost. */
export interface RuntimeCopies {
  nodejs: string;
  python: string;
}

/** What of the host's /usr a runtime should not see or should see differently. */
export interface HostUsrAdjustments {
  /** Bind /usr/bin/bash over /usr/bin/sh: Amazon Linux's /bin/sh is bash (Debian's is dash). */
  bashAsSh: boolean;
  /** The host's Python package directories, hidden from Python runtimes on the host's /usr. */
  pythonPackageDirs: readonly string[];
  /** An empty read-only directory to hide them with. */
  emptyDir: string;
}

/** The interpreter's path inside the sandbox. */
function interpreterInside(r: RuntimeFiles): string {
  if (r.systemRoot) return r.interpreter.slice(r.systemRoot.length);
  if (r.language === 'nodejs') return `${LANG_DIR_IN_SANDBOX}/bin/node`;
  // A host python lives under /usr, which the sandbox shares.
  return r.interpreter;
}

/** How `r` appears in a namespace sandbox. */
export function namespaceRuntimeLayout(r: RuntimeFiles): RuntimeLayout {
  const sdkDir = r.sdkDir === undefined ? undefined : sdkInside(r);
  return {
    runtimeDir: RUNTIME_DIR_IN_SANDBOX,
    command: interpreterInside(r),
    args: [`${RUNTIME_DIR_IN_SANDBOX}/${r.bootstrap}`],
    pathPrefix: [`${LANG_DIR_IN_SANDBOX}/bin`],
    ...(sdkDir ? { sdkDir } : {}),
  };
}

function sdkInside(r: RuntimeFiles): string {
  return r.language === 'nodejs' ? `${RUNTIME_DIR_IN_SANDBOX}/node_modules` : `${LANG_DIR_IN_SANDBOX}/lib/python${r.version}/site-packages`;
}

/** The host directory bound as the sandbox's /usr. */
export function usrSource(r: RuntimeFiles | undefined): string {
  return r?.systemRoot ? join(r.systemRoot, 'usr') : '/usr';
}

/** bwrap options that put `r` in place (after /usr is bound), and adjust the host's /usr. */
export function runtimeMountArgs(r: RuntimeFiles | undefined, copies: RuntimeCopies, host: HostUsrAdjustments): string[] {
  const args: string[] = [];
  if (!r?.systemRoot) {
    if (host.bashAsSh) args.push('--ro-bind', '/usr/bin/bash', '/usr/bin/sh');
    if (r?.language === 'python') for (const d of host.pythonPackageDirs) args.push('--ro-bind', host.emptyDir, d);
  }
  if (!r) return args;
  args.push('--ro-bind', copies[r.language], RUNTIME_DIR_IN_SANDBOX);
  if (r.sdkDir !== undefined) args.push('--ro-bind', r.sdkDir, sdkInside(r));
  if (r.language === 'nodejs') {
    if (r.langDir) args.push('--ro-bind', r.langDir, LANG_DIR_IN_SANDBOX);
    else args.push('--ro-bind', r.interpreter, `${LANG_DIR_IN_SANDBOX}/bin/node`);
  } else {
    const python = interpreterInside(r);
    args.push('--symlink', python, `${LANG_DIR_IN_SANDBOX}/bin/python3`, '--symlink', python, `${LANG_DIR_IN_SANDBOX}/bin/python${r.version}`);
  }
  return args;
}
