import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { detectCgroups, type CgroupHost, type EnvironmentCgroup } from './cgroups/index.js';
import { ProcessDriver } from './process-driver.js';
import { runSandboxDriverContract, waitFor } from './sandbox-driver.contract.js';

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

/** A driver whose launcher already waits: the first start of each contract test takes it. */
async function withSpare(tmpRoot: string, cgroups: CgroupHost): Promise<ProcessDriver> {
  const driver = new ProcessDriver({ tmpRoot, cgroups });
  const first = await driver.start({ command: '/bin/true', args: [], env: {}, codeDir: tmpRoot, layerDirs: [], limits: { memoryMb: 128, ephemeralStorageMb: 512 }, onOutput: () => undefined });
  // Its exit makes the next launcher, which the next start waits for if it is not there yet.
  await first.exited;
  await first.stop();
  return driver;
}

if (limited) {
  runSandboxDriverContract({ name: `process with cgroups (${cgroups.support.mode}), every start on a launcher started ahead`, create: (tmpRoot) => withSpare(tmpRoot, cgroups) });
}

describe.skipIf(!limited)('ProcessDriver with cgroups: the launcher started ahead', () => {
  const roots: string[] = [];
  afterAll(() => {
    for (const r of roots) rmSync(r, { recursive: true, force: true });
  });

  /** When `pid` started, in ms on Date.now()'s clock (to the kernel's tick). */
  function startedAt(pid: number): number {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    const uptime = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
    return Date.now() - (uptime - ticks / 100) * 1000;
  }

  it('runs the runtime in the same process, started before the start, inside its cgroup from the first instruction, with exactly its variables', async () => {
    const root = mkdtempSync(join(tmpdir(), 'gust-spare-'));
    roots.push(root);
    // The cgroups the driver makes, to see when the launcher it starts ahead has joined its own.
    const made: EnvironmentCgroup[] = [];
    const watched: CgroupHost = {
      support: cgroups.support,
      create: async (name, limits) => {
        const cgroup = await cgroups.create(name, limits);
        made.push(cgroup);
        return cgroup;
      },
      sweep: () => cgroups.sweep(),
      backgroundProcs: () => cgroups.backgroundProcs(),
      close: () => cgroups.close(),
    };
    const driver = await withSpare(root, watched);
    try {
      // The first start's cgroup, then the launcher's, which holds it once it has joined (on a busy host that takes a while).
      await waitFor(() => made.length >= 2 && readFileSync(made.at(-1)!.procsFiles[0]!, 'utf8').trim() !== '', 10_000);
      await new Promise((r) => setTimeout(r, 200));
      const tricky = `it's "quoted" $HOME \`x\` \\ \n second line`;
      const lines: string[] = [];
      const t0 = Date.now();
      const sandbox = await driver.start({
        command: '/bin/sh',
        // The exec'd shell's own environ, as it was given: NULs to lines, its newlines to |. It then
        // waits for the test to have read its start time, so that its pid is still its own.
        args: ['-c', 'cat /proc/$$/cgroup; echo ---; tr "\\000\\n" "\\n|" < /proc/$$/environ; echo ===; while [ ! -e "$TMPDIR/go" ]; do sleep 0.01; done'],
        env: { PATH: '/usr/bin:/bin', TRICKY: tricky },
        codeDir: root,
        layerDirs: [],
        limits: { memoryMb: 192, ephemeralStorageMb: 512 },
        onOutput: (line) => lines.push(line),
      });
      const launched = startedAt(sandbox.pid);
      await waitFor(() => lines.includes('==='));
      const environ = lines.slice(lines.indexOf('---') + 1, lines.indexOf('===')).filter((l) => l !== '');
      writeFileSync(join(environ.find((e) => e.startsWith('TMPDIR='))!.slice('TMPDIR='.length), 'go'), '');
      expect(await sandbox.exited).toEqual({ code: 0, signal: null, reason: 'exit' });
      // Exec'd in the process that waited: it began before the start was asked for.
      expect(launched).toBeLessThan(t0 - 100);
      const cut = lines.indexOf('---');
      // In the environment's cgroup in every hierarchy: its memory limit was set at the start.
      const cgroupLines = lines.slice(0, cut).filter((l) => /:(memory|pids)[,:]/.test(l) || (cgroups.support.mode === 'v2' && /^0::/.test(l)));
      expect(cgroupLines.length).toBeGreaterThan(0);
      for (const l of cgroupLines) expect(l).toMatch(/\/gust-env-[0-9a-f]{12}$/);
      expect(environ.map((e) => e.split('=')[0]).sort()).toEqual(['PATH', 'TMPDIR', 'TRICKY']);
      expect(environ).toContain(`TRICKY=${tricky.replaceAll('\n', '|')}`);
      await sandbox.stop();
    } finally {
      await driver.close();
    }
  });
});

describe('ProcessDriver.layout', () => {
  it('shows host paths: the code dir as task root, layers last-first as /opt', () => {
    const driver = new ProcessDriver({ tmpRoot: '/tmp' });
    expect(driver.layout({ codeDir: '/c', layerDirs: ['/l1', '/l2'] })).toEqual({ taskRoot: '/c', optRoots: ['/l2', '/l1'] });
  });
});
