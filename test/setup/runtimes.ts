/**
 * Vitest global setup: installs the runtimes the suites use into the shared runtimes
 * directory (test/helpers/runtimes.ts) before any suite starts, so that no function waits
 * Pending on a download in the middle of a test. Already installed: nothing is fetched.
 * Python from its own Debian root needs the namespace sandbox; without it (not root, no
 * bubblewrap) only the host's Python is prepared.
 */
import { mkdirSync } from 'node:fs';
import { namespaceHostGap } from '../../src/sandbox/namespace/namespace-setup.js';
import { RuntimeProvider } from '../../src/sandbox/runtimes/runtime-provider.js';
import { TEST_RUNTIMES, testRuntimesDir } from '../helpers/runtimes.js';

export default async function setup(): Promise<void> {
  const dir = testRuntimesDir();
  process.env.GUST_RUNTIMES_DIR = dir;
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const systemRoots = namespaceHostGap() === undefined;
  const provider = new RuntimeProvider({ dir, npmRegistry: 'https://registry.npmjs.org/', debian: { mirror: 'http://deb.debian.org' }, systemRoots });
  for (const runtime of TEST_RUNTIMES) {
    if (provider.status(runtime).state === 'unavailable') continue;
    const started = Date.now();
    await provider.install(runtime);
    if (Date.now() - started > 1000) process.stdout.write(`installed ${runtime} into ${dir} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  }
}
