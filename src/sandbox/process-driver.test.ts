import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

describe.skipIf(!existsSync('/proc/self/stat'))('ProcessDriver.start (needs /proc)', () => {
  it("forks in the spawner, not in the server: the runtime's parent is another process", async () => {
    const root = mkdtempSync(join(tmpdir(), 'gust-process-parent-'));
    const driver = new ProcessDriver({ tmpRoot: root });
    const sandbox = await driver.start({
      command: '/bin/sleep',
      args: ['30'],
      env: { PATH: '/usr/bin:/bin' },
      codeDir: root,
      layerDirs: [],
      limits: { memoryMb: 128, ephemeralStorageMb: 512 },
      onOutput: () => undefined,
    });
    try {
      // Field 4 of /proc/<pid>/stat, after the parenthesised command name.
      const parent = Number(readFileSync(`/proc/${sandbox.pid}/stat`, 'latin1').split(') ')[1]!.split(' ')[1]);
      expect(parent).toBeGreaterThan(1);
      expect(parent).not.toBe(process.pid);
      expect(readFileSync(`/proc/${parent}/cmdline`, 'latin1')).toContain('spawn');
    } finally {
      await sandbox.stop(100);
      rmSync(root, { recursive: true, force: true });
    }
  });
});
