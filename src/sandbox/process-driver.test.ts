import { afterAll, describe, expect, it } from 'vitest';
import { detectCgroups } from './cgroups/index.js';
import { ProcessDriver } from './process-driver.js';
import { runSandboxDriverContract } from './sandbox-driver.contract.js';

runSandboxDriverContract({ name: 'process', create: (tmpRoot) => new ProcessDriver({ tmpRoot }) });

// The same contract with the environment in cgroups, wherever this host has any.
const cgroups = await detectCgroups({ parentName: 'gust-test' });
const limited = cgroups.support.memory || cgroups.support.pids || cgroups.support.cpu || cgroups.support.freezer;
if (limited) {
  runSandboxDriverContract({ name: `process with cgroups (${cgroups.support.mode})`, create: (tmpRoot) => new ProcessDriver({ tmpRoot, cgroups }) });
} else {
  describe.skip(`process with cgroups: skipped, this host gives none (${cgroups.support.warnings.join(' ')})`, () => {
    it('needs cgroups', () => undefined);
  });
}
afterAll(() => cgroups.close());

describe('ProcessDriver.layout', () => {
  it('shows host paths: the code dir as task root, layers last-first as /opt', () => {
    const driver = new ProcessDriver({ tmpRoot: '/tmp' });
    expect(driver.layout({ codeDir: '/c', layerDirs: ['/l1', '/l2'] })).toEqual({ taskRoot: '/c', optRoots: ['/l2', '/l1'] });
  });
});
