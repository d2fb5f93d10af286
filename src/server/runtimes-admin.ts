/**
 * `gust runtimes` on this machine, without a server: the runtime provider a server with the
 * same configuration would use (the same runtimes directory, registry and mirror), and
 * how much disk each installed part takes.
 */
import { lstatSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { languageRuntime, SUPPORTED_RUNTIMES, type Runtime } from '../core/limits.js';
import { namespaceHostGap } from '../sandbox/namespace/namespace-setup.js';
import { RuntimeProvider, type RuntimeStatus } from '../sandbox/runtimes/runtime-provider.js';
import { runtimesDirOf, type GustConfig } from './config.js';

export type { RuntimeStatus } from '../sandbox/runtimes/runtime-provider.js';

/** The Node.js and Python identifiers, in the order `gust runtimes` lists them. */
export const LANGUAGE_RUNTIMES: readonly Runtime[] = SUPPORTED_RUNTIMES.filter((r) => languageRuntime(r) !== undefined);

/** A provider over the configuration's runtimes directory. Python roots need the namespace sandbox, as the server would choose it. */
export function openRuntimes(config: Pick<GustConfig, 'dataDir' | 'runtimesDir' | 'npmRegistry' | 'debianMirror' | 'sandbox'>): RuntimeProvider {
  const systemRoots = config.sandbox !== 'process' && namespaceHostGap() === undefined;
  return new RuntimeProvider({ dir: resolve(runtimesDirOf(config)), npmRegistry: config.npmRegistry, debian: { mirror: config.debianMirror }, systemRoots });
}

/** Bytes on disk of the interpreter's own files (its tree or root; 0 for the host's) and of the SDK. */
export function diskUse(status: RuntimeStatus): { interpreterBytes: number; sdkBytes: number } {
  const { interpreterRoot, sdk } = status;
  return { interpreterBytes: interpreterRoot ? treeBytes(interpreterRoot) : 0, sdkBytes: sdk ? treeBytes(sdk) : 0 };
}

function treeBytes(path: string): number {
  const st = lstatSync(path);
  if (!st.isDirectory()) return st.size;
  return readdirSync(path).reduce((sum, name) => sum + treeBytes(join(path, name)), 0);
}
