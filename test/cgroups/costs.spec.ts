/**
 * What the cgroups cost, measured on this host and printed (no timed assertions: the
 * numbers go into docs/sandbox.md; the assertions check that every run did what it
 * measured: a cold start was cold, a warm invoke with cgroups found its runtime frozen,
 * a freeze froze and a thaw thawed). Interleaved runs, medians:
 * - joining: Gust writing a running runtime's pid into each cgroup.procs after spawn,
 *   against the launcher joining before exec (and the launcher joining nothing);
 * - freeze and thaw of an idle runtime;
 * - a node cold start and a warm invoke after idle (frozen, then thawed) with and without cgroups.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { readFileSync } from 'node:fs';
import { afterAll, expect, it } from 'vitest';
import { detectCgroups, launcherCommand } from '../../src/sandbox/cgroups/index.js';
import { ProcessDriver } from '../../src/sandbox/process-driver.js';
import { invoke, startTestPool, testVersion, text, type TestPool } from '../pool/pool-helpers.js';
import { controllerDir, isFrozen, startCgroupPool, testCgroups } from './cgroup-helpers.js';

const cgroups = await testCgroups();
const skip = cgroups.support.memory && cgroups.support.freezer ? undefined : `skipped: needs the memory and freezer cgroups (${cgroups.support.warnings.join(' ')})`;
if (skip) console.log(skip);
// The same without the cpu hierarchy: a cgroup is one entity to the CFS scheduler, which
// shows on a loaded host as a slower cold start; this variant separates that from the rest.
const withoutCpu = await detectCgroups({
  parentName: 'gust-test',
  proc: {
    mountinfo: readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .filter((l) => !/ - cgroup \S+ \S*\bcpu\b/.test(l))
      .join('\n'),
    cgroup: readFileSync('/proc/self/cgroup', 'utf8'),
  },
});
afterAll(async () => {
  await cgroups.close();
  await withoutCpu.close();
});

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number) => `${x.toFixed(2)} ms`;
/** Idle between a cold start and the warm invoke measured after it. */
const IDLE_MS = 150;

/** Waits `ms`, moving the pool's manual clock (on which its freeze checks run) along with real time. */
async function idle(t: TestPool, ms: number): Promise<void> {
  for (let waited = 0; waited < ms; waited += 10) {
    await sleep(10);
    t.clock.advance(10);
  }
}

/** Spawn → exit of `/bin/true` (through the launcher when `procsFiles` is given). */
async function spawnToExit(procsFiles?: readonly string[]): Promise<number> {
  const target = { command: '/bin/true', args: [] };
  const l = procsFiles ? launcherCommand(target, { procsFiles, env: {} }) : target;
  const t0 = performance.now();
  const child = spawn(l.command, [...l.args], { stdio: 'ignore' });
  const [code] = (await once(child, 'exit')) as [number];
  expect(code).toBe(0);
  return performance.now() - t0;
}

it.skipIf(skip)('joining: launcher before exec vs Gust after spawn', async () => {
  const cg = await cgroups.create('join-cost', { memoryMb: 512, pidsMax: 64 });
  const direct: number[] = [];
  const launcherNone: number[] = [];
  const launcherJoin: number[] = [];
  const afterSpawn: number[] = [];
  for (let i = 0; i < 15; i++) {
    direct.push(await spawnToExit());
    launcherNone.push(await spawnToExit([]));
    launcherJoin.push(await spawnToExit(cg.procsFiles));
    // A running node runtime (threads started), moved by Gust as a driver without a launcher would.
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 5000)'], { stdio: 'ignore' });
    await once(child, 'spawn');
    await sleep(50);
    const t0 = performance.now();
    for (const f of cg.procsFiles) await writeFile(f, String(child.pid));
    afterSpawn.push(performance.now() - t0);
    expect(cg.pids()).toContain(child.pid);
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
  await cg.destroy();
  console.log(
    [
      `cgroup join (${cg.procsFiles.length} hierarchies), medians of 15:`,
      `  spawn→exit /bin/true, direct:                 ${ms(median(direct))}`,
      `  … through the launcher, joining nothing:      ${ms(median(launcherNone))}`,
      `  … through the launcher, joining every cgroup: ${ms(median(launcherJoin))}`,
      `  Gust moving a running node runtime after spawn: ${ms(median(afterSpawn))}`,
    ].join('\n'),
  );
});

it.skipIf(skip)('freeze and thaw of an idle runtime; cold start and warm-after-idle invoke with and without cgroups', async () => {
  const plain = await startTestPool();
  const limited = await startCgroupPool(cgroups);
  const noCpu = await startCgroupPool(withoutCpu);
  try {
    const files = { 'index.js': 'exports.handler = async () => ({ pid: process.pid });', 'app.py': 'import os\ndef handler(event, context):\n    return {"pid": os.getpid()}\n' };
    const codeA = plain.code(files);
    const codeB = limited.code(files);
    const codeC = noCpu.code(files);
    type Kind = 'plain' | 'cgroups' | 'noCpu' | 'pyPlain' | 'pyCgroups';
    const cold: Record<Kind, number[]> = { plain: [], cgroups: [], noCpu: [], pyPlain: [], pyCgroups: [] };
    const warm: Record<Kind, number[]> = { plain: [], cgroups: [], noCpu: [], pyPlain: [], pyCgroups: [] };
    const node = { runtime: 'nodejs20.x', handler: 'index.handler' } as const;
    const python = { runtime: 'python3.11', handler: 'app.handler' } as const;
    for (let i = 0; i < 8; i++) {
      const runs = [
        ['plain', plain, codeA, node],
        ['cgroups', limited, codeB, node],
        ['noCpu', noCpu, codeC, node],
        ['pyPlain', plain, codeA, python],
        ['pyCgroups', limited, codeB, python],
      ] as const;
      for (const [kind, t, code, runtime] of runs) {
        const v = testVersion(`cost-${kind}-${i}`, code, { ...runtime, memorySize: 1769 });
        let t0 = performance.now();
        const first = await invoke(t.pool, v, '{}', false);
        cold[kind].push(performance.now() - t0);
        expect(first.coldStart).toBe(true);
        // Idle past the pool's freeze grace (50 ms), then invoked again: with cgroups the
        // number includes the thaw only if the runtime was frozen by then.
        await idle(t, IDLE_MS);
        if (t !== plain) {
          const freezer = controllerDir((JSON.parse(text(first)) as { pid: number }).pid, 'freezer');
          // On a loaded machine the runtime may park late, or its freeze read FREEZING a moment longer: idle on.
          for (let waited = 0; !isFrozen(freezer) && waited < 2_000; waited += 10) await idle(t, 10);
          expect(isFrozen(freezer)).toBe(true);
        }
        t0 = performance.now();
        const second = await invoke(t.pool, v, '{}', false);
        warm[kind].push(performance.now() - t0);
        expect(second.coldStart).toBe(false);
        expect(text(second)).toBe(text(first));
      }
    }
    // Freeze and thaw, on the cgroup of a parked runtime, through the driver's own calls.
    const driver = new ProcessDriver({ tmpRoot: limited.root, cgroups });
    const sandbox = await driver.start({ command: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)'], env: {}, codeDir: limited.root, layerDirs: [], limits: { memoryMb: 128, ephemeralStorageMb: 512 }, onOutput: () => undefined });
    const freeze: number[] = [];
    const thaw: number[] = [];
    // Only once the launcher joined the environment's cgroup, just before it execs the
    // runtime: under the full suite that took longer than the 100 ms this once slept.
    for (let waited = 0; !controllerDir(sandbox.pid, 'freezer').includes('/gust-env-') && waited < 5_000; waited += 20) await sleep(20);
    const freezerDir = controllerDir(sandbox.pid, 'freezer');
    expect(freezerDir).toContain('/gust-env-');
    for (let i = 0; i < 20; i++) {
      let t0 = performance.now();
      await sandbox.freeze!();
      freeze.push(performance.now() - t0);
      expect(isFrozen(freezerDir)).toBe(true);
      t0 = performance.now();
      await sandbox.thaw!();
      thaw.push(performance.now() - t0);
      expect(isFrozen(freezerDir)).toBe(false);
    }
    await sandbox.stop(100);
    console.log(
      [
        'MemorySize 1769 (one full vCPU, so the CPU quota does not shape the numbers), medians of 8 interleaved:',
        `  node cold start (invoke → response), process driver:         ${ms(median(cold.plain))}`,
        `  node cold start, process driver with cgroups:                ${ms(median(cold.cgroups))}`,
        `  cold start, with cgroups but not the cpu hierarchy:          ${ms(median(cold.noCpu))}`,
        `  python cold start, process driver:                           ${ms(median(cold.pyPlain))}`,
        `  python cold start, process driver with cgroups:              ${ms(median(cold.pyCgroups))}`,
        `  python warm invoke after ${IDLE_MS} ms idle, without / with cgroups: ${ms(median(warm.pyPlain))} / ${ms(median(warm.pyCgroups))}`,
        `  warm invoke after ${IDLE_MS} ms idle, process driver:               ${ms(median(warm.plain))}`,
        `  warm invoke after ${IDLE_MS} ms idle, with cgroups (thaw included): ${ms(median(warm.cgroups))}`,
        `freeze of an idle node runtime (until the kernel says FROZEN), median of 20: ${ms(median(freeze))} (max ${ms(Math.max(...freeze))})`,
        `thaw, median of 20: ${ms(median(thaw))} (max ${ms(Math.max(...thaw))})`,
      ].join('\n'),
    );
  } finally {
    await plain.cleanup();
    await limited.cleanup();
    await noCpu.cleanup();
  }
});
