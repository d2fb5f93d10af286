/**
 * Cgroup limits through real cgroups, real runtimes and the real pool: memory (OOM kill →
 * Runtime.OutOfMemory, Max Memory Used from the cgroup's peak, reset per invocation), the
 * pids limit against a fork bomb, Lambda's open-files limit, the CPU share after the first
 * /next, the freezer between invocations, and no cgroup or process left behind. Each part
 * is skipped, with the reason printed, where this host lacks the controller.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseReportLine } from '../../src/logs/log-format.js';
import { FREEZE_CHECK_FIRST_MS } from '../../src/pool/idle-keeper.js';
import type { CgroupHost } from '../../src/sandbox/cgroups/index.js';
import { MB_PER_VCPU } from '../../src/sandbox/cgroups/index.js';
import { invoke, testVersion, text, type TestPool } from '../pool/pool-helpers.js';
import { cgroupDirsOf, controllerDir, cpuTicks, environmentDirs, instanceDirs, isFrozen, limitOf, startCgroupPool, testCgroups } from './cgroup-helpers.js';
import { alive } from '../helpers/processes.js';
import { waitUntil } from '../helpers/wait.js';

const HANDLER = `
const { readFileSync } = require('node:fs');
const { spawn, execFileSync } = require('node:child_process');
function cgroupFile(controller, file) {
  const lines = readFileSync('/proc/self/cgroup', 'utf8').trim().split('\\n');
  const v1 = lines.find((l) => l.split(':')[1].split(',').includes(controller));
  const path = v1 ? '/sys/fs/cgroup/' + controller + v1.split(':')[2] : '/sys/fs/cgroup' + lines.find((l) => l.startsWith('0::')).slice(3);
  try { return readFileSync(path + '/' + file, 'utf8').trim(); } catch (e) { return e.code; }
}
const quotaAtInit = cgroupFile('cpu', 'cpu.cfs_quota_us') === 'ENOENT' ? cgroupFile('cpu', 'cpu.max') : cgroupFile('cpu', 'cpu.cfs_quota_us');
let busy;
exports.handler = async (event) => {
  switch (event.action) {
    case 'pid': return { pid: process.pid };
    case 'alloc': { const b = Buffer.alloc(event.mb * 1024 * 1024, 1); return b.length; }
    case 'child-alloc':
      // A child that allocates and exits: only the cgroup's peak still remembers it.
      execFileSync(process.execPath, ['-e', 'Buffer.alloc(' + event.mb + ' * 1024 * 1024, 1)']);
      return 'done';
    case 'grow': { const keep = []; for (;;) keep.push(Buffer.alloc(16 * 1024 * 1024, 1)); }
    case 'quota': return { atInit: quotaAtInit, now: cgroupFile('cpu', 'cpu.cfs_quota_us') === 'ENOENT' ? cgroupFile('cpu', 'cpu.max') : cgroupFile('cpu', 'cpu.cfs_quota_us') };
    case 'busy':
      // Work left running after the response: a timer that spins for 5 ms every 10 ms.
      busy ??= setInterval(() => { const end = Date.now() + 5; while (Date.now() < end); }, 10);
      return { pid: process.pid };
    case 'fork-bomb':
      spawn('/bin/sh', ['-c', 'b() { b | b & }; b'], { stdio: 'ignore' });
      return new Promise(() => { setInterval(() => {}, 1000); });
    default: return event;
  }
};
`;

const cgroups: CgroupHost = await testCgroups();
const support = cgroups.support;
function skipReason(controller: 'memory' | 'pids' | 'cpu' | 'freezer'): string | undefined {
  if (support[controller]) return undefined;
  const reason = `skipped: no ${controller} cgroup on this host (${support.warnings.join(' ')})`;
  console.log(reason);
  return reason;
}

afterAll(async () => {
  await cgroups.close();
  // Nothing of these suites is left: no environment directory, no instance directory.
  expect(environmentDirs()).toEqual([]);
  expect(instanceDirs()).toEqual([]);
});

describe(`cgroup limits (${support.mode})`, () => {
  let t: TestPool;
  let code: string;
  beforeAll(async () => {
    t = await startCgroupPool(cgroups);
    code = t.code({ 'index.js': HANDLER });
  });
  afterAll(async () => {
    await t.cleanup();
  });

  const node = (name: string, over: Parameters<typeof testVersion>[2] = {}) => testVersion(name, code, { runtime: 'nodejs20.x', handler: 'index.handler', ...over });
  const call = (v: ReturnType<typeof node>, event: unknown) => invoke(t.pool, v, JSON.stringify(event));
  /** Whether the cgroup is frozen yet; the freeze checks run on the pool's manual clock, which each poll moves on. */
  const frozenOnClock = (dir: string) => () => {
    t.clock.advance(FREEZE_CHECK_FIRST_MS);
    return isFrozen(dir);
  };
  async function reports(fn: string) {
    const page = await t.logs.query({ logGroup: `/aws/lambda/${fn}` });
    return page.events.map((e) => parseReportLine(e.message)).filter((r) => r !== undefined);
  }

  it.skipIf(skipReason('memory'))('allocating past MemorySize is an OOM kill: Runtime.OutOfMemory in AWS\'s shape, the environment is replaced, the next invoke works', async () => {
    // A long timeout: on a loaded host reclaim before the OOM kill can take seconds.
    const v = node('oom', { memorySize: 128, timeout: 30 });
    const first = await call(v, { action: 'pid' });
    const { pid } = JSON.parse(text(first)) as { pid: number };
    const dirsBefore = [...cgroupDirsOf(pid).values()].filter((d) => d.includes('/gust-env-'));
    expect(dirsBefore.length).toBeGreaterThan(0);
    const r = await call(v, { action: 'grow' });
    expect(r.outcome).toBe('error');
    expect(r.errorType).toBe('Runtime.OutOfMemory');
    const doc = JSON.parse(text(r)) as { errorType: string; errorMessage: string };
    expect(doc.errorType).toBe('Runtime.OutOfMemory');
    expect(doc.errorMessage).toMatch(/^RequestId: [0-9a-f-]{36} Error: Runtime exited with error: signal: killed$/);
    expect(r.logTail).toContain('Runtime.OutOfMemory');
    // The peak of an OOM-killed environment is its limit, as AWS reports it.
    const report = (await reports('oom')).at(-1)!;
    expect(report.maxMemoryUsedMb).toBeGreaterThanOrEqual(120);
    expect(report.maxMemoryUsedMb).toBeLessThanOrEqual(128);
    expect(alive(pid)).toBe(false);
    await waitUntil(() => environmentDirs().every((d) => !dirsBefore.includes(d)));
    const next = await call(v, { action: 'pid' });
    expect(next.outcome).toBe('success');
    expect(next.coldStart).toBe(true);
  });

  it.skipIf(skipReason('memory'))('the same for Python: allocating past MemorySize is Runtime.OutOfMemory, and the next invoke starts fresh', async () => {
    const py = t.code({ 'app.py': 'import os\nkeep = []\ndef handler(event, context):\n    if event.get("grow"):\n        while True:\n            keep.append(b"\\x01" * (16 * 1024 * 1024))\n    return {"pid": os.getpid()}\n' });
    const v = testVersion('oom-py', py, { runtime: 'python3.11', handler: 'app.handler', memorySize: 128, timeout: 30 });
    const r = await invoke(t.pool, v, JSON.stringify({ grow: true }));
    expect(r.errorType).toBe('Runtime.OutOfMemory');
    expect((JSON.parse(text(r)) as { errorMessage: string }).errorMessage).toMatch(/ Error: Runtime exited with error: signal: killed$/);
    const next = await invoke(t.pool, v, '{}');
    expect(next.outcome).toBe('success');
    expect(next.coldStart).toBe(true);
  });

  it.skipIf(skipReason('memory'))("Max Memory Used takes the cgroup's peak (a child that exited counts), reset per invocation", async () => {
    const v = node('peak', { memorySize: 512 });
    await call(v, { action: 'pid' });
    await call(v, { action: 'child-alloc', mb: 150 });
    await call(v, { action: 'pid' });
    const [, withChild, after] = await reports('peak');
    // /proc would have lost the child; the cgroup kept its 150 MB.
    expect(withChild!.maxMemoryUsedMb).toBeGreaterThan(150);
    expect(after!.maxMemoryUsedMb).toBeLessThan(withChild!.maxMemoryUsedMb - 100);
    expect(after!.maxMemoryUsedMb).toBeGreaterThan(0);
  });

  it('the runtime runs with Lambda\'s open-files limit (1,024 soft and hard)', async () => {
    const v = node('nofile');
    const { pid } = JSON.parse(text(await call(v, { action: 'pid' }))) as { pid: number };
    expect(limitOf(pid, 'Max open files')).toEqual({ soft: '1024', hard: '1024' });
  });

  it.skipIf(skipReason('cpu'))('the CPU share (1,769 MB = one vCPU) is applied after the first /next, not during init', async () => {
    const v = node('quota', { memorySize: 256 });
    const r = JSON.parse(text(await call(v, { action: 'quota' }))) as { atInit: string; now: string };
    const expected = Math.round((100_000 * 256) / MB_PER_VCPU);
    expect(['-1', 'max 100000']).toContain(r.atInit);
    expect(r.now === String(expected) || r.now === `${expected} 100000`).toBe(true);
  });

  it.skipIf(skipReason('freezer'))('an idle environment is frozen (its busy timer uses no CPU), thawed for the next invoke', async () => {
    const v = node('freeze', { memorySize: MB_PER_VCPU });
    const { pid } = JSON.parse(text(await call(v, { action: 'busy' }))) as { pid: number };
    const freezerDir = controllerDir(pid, 'freezer');
    const frozen = frozenOnClock(freezerDir);
    await waitUntil(frozen);
    const before = cpuTicks(pid);
    await sleep(500);
    expect(cpuTicks(pid)).toBe(before);
    const again = await call(v, { action: 'pid' });
    expect(JSON.parse(text(again))).toEqual({ pid });
    expect(again.coldStart).toBe(false);
    // Thawed, the timer runs again until the runtime parks and is frozen once more.
    await waitUntil(frozen);
  });

  it.skipIf(skipReason('freezer'))('reaping a frozen environment after the keep-alive ends it and removes its cgroup', async () => {
    const v = node('frozen-reap');
    const { pid } = JSON.parse(text(await call(v, { action: 'busy' }))) as { pid: number };
    const dir = controllerDir(pid, 'freezer');
    await waitUntil(frozenOnClock(dir));
    // The pool's default keep-alive is 10 minutes, on its (manual) clock.
    t.clock.advance(11 * 60 * 1000);
    await waitUntil(() => !alive(pid) && !existsSync(dir));
  });

  it.skipIf(skipReason('freezer'))('stopping a frozen environment ends it and removes its cgroup', async () => {
    const v = node('frozen-stop');
    const { pid } = JSON.parse(text(await call(v, { action: 'pid' }))) as { pid: number };
    const dir = controllerDir(pid, 'freezer');
    await waitUntil(frozenOnClock(dir));
    await t.pool.stopAll();
    expect(alive(pid)).toBe(false);
    expect(existsSync(dir)).toBe(false);
  });
});

describe(`the pids limit (${support.mode})`, () => {
  let t: TestPool;
  beforeAll(async () => {
    t = await startCgroupPool(cgroups, 64);
  });
  afterAll(async () => {
    await t.cleanup();
  });

  it.skipIf(skipReason('pids'))('contains a fork bomb: the invoke times out cleanly, the host can still fork, nothing is left', async () => {
    const v = testVersion('bomb', t.code({ 'index.js': HANDLER }), { runtime: 'nodejs20.x', handler: 'index.handler', timeout: 3 });
    const { pid } = JSON.parse(text(await invoke(t.pool, v, JSON.stringify({ action: 'pid' })))) as { pid: number };
    const pidsDir = controllerDir(pid, 'pids');
    const bomb = invoke(t.pool, v, JSON.stringify({ action: 'fork-bomb' }));
    // The limit is reached: the kernel refused forks beyond it.
    await waitUntil(() => /^max [1-9]/m.test(readFileSync(`${pidsDir}/pids.events`, 'utf8')));
    expect(Number(readFileSync(`${pidsDir}/pids.current`, 'utf8'))).toBeLessThanOrEqual(64);
    // The host is unaffected: Gust's side still forks.
    expect(execFileSync('/bin/echo', ['host ok'], { encoding: 'utf8' })).toBe('host ok\n');
    const r = await bomb;
    expect(r.errorType).toBe('Sandbox.Timedout');
    expect(alive(pid)).toBe(false);
    expect(existsSync(pidsDir)).toBe(false);
    await t.pool.stopAll();
    // The launcher waiting ahead (process-spare.ts) is the driver's, and goes with it.
    await t.driver.close?.();
    expect(environmentDirs()).toEqual([]);
  });
});
