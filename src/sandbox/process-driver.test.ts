import { ProcessDriver } from './process-driver.js';
import { runSandboxDriverContract } from './sandbox-driver.contract.js';
import { describe, expect, it } from 'vitest';

runSandboxDriverContract({ name: 'process', create: (tmpRoot) => new ProcessDriver({ tmpRoot }) });

describe('ProcessDriver.layout', () => {
  it('shows host paths: the code dir as task root, layers last-first as /opt', () => {
    const driver = new ProcessDriver({ tmpRoot: '/tmp' });
    expect(driver.layout({ codeDir: '/c', layerDirs: ['/l1', '/l2'] })).toEqual({ taskRoot: '/c', optRoots: ['/l2', '/l1'] });
  });
});
