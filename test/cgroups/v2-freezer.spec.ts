/**
 * The cgroup v2 code paths that this kind of host can run for real: on a hybrid host the
 * unified hierarchy holds no memory, cpu or pids controller (v1 has them), but its core
 * files — `cgroup.freeze`, `cgroup.events`, `cgroup.kill` — work in any v2 cgroup. With
 * the v1 freezer hidden from detection, the freezer is placed on v2, and freeze, thaw and
 * destroy (through cgroup.kill) run against the real kernel.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, expect, it } from 'vitest';
import { detectCgroups, launcherCommand } from '../../src/sandbox/cgroups/index.js';
import { cpuTicks } from './cgroup-helpers.js';
import { alive } from '../helpers/processes.js';
import { waitUntil } from '../helpers/wait.js';

const mountinfo = readFileSync('/proc/self/mountinfo', 'utf8');
const withoutV1Freezer = mountinfo
  .split('\n')
  .filter((l) => !/ - cgroup \S+ \S*\bfreezer\b/.test(l))
  .join('\n');
const host = await detectCgroups({ parentName: 'gust-test', proc: { mountinfo: withoutV1Freezer, cgroup: readFileSync('/proc/self/cgroup', 'utf8') } });
const v2Mounted = / - cgroup2 /.test(mountinfo);
const skip = !v2Mounted ? 'skipped: no cgroup2 mount on this host' : !host.support.freezer ? `skipped: the v2 freezer is not usable here (${host.support.warnings.join(' ')})` : undefined;
if (skip) console.log(skip);
afterAll(() => host.close());

it.skipIf(skip)('freezes a busy process through cgroup.freeze (no CPU while frozen), thaws it, and kills it through cgroup.kill', async () => {
  const cg = await host.create('busy', { memoryMb: 128, pidsMax: 64 });
  const v2Procs = cg.procsFiles.find((f) => existsSync(f.replace(/cgroup\.procs$/, 'cgroup.freeze')))!;
  expect(v2Procs).toBeDefined();
  const dir = v2Procs.replace(/\/cgroup\.procs$/, '');
  const l = launcherCommand({ command: '/bin/sh', args: ['-c', 'while :; do :; done'] }, { procsFiles: cg.procsFiles, env: {} });
  const child = spawn(l.command, l.args, { stdio: 'ignore' });
  await once(child, 'spawn');
  await waitUntil(() => cg.pids().includes(child.pid!));
  await cg.freeze();
  expect(readFileSync(`${dir}/cgroup.events`, 'utf8')).toMatch(/^frozen 1$/m);
  const before = cpuTicks(child.pid!);
  await sleep(300);
  expect(cpuTicks(child.pid!)).toBe(before);
  await cg.thaw();
  expect(readFileSync(`${dir}/cgroup.events`, 'utf8')).toMatch(/^frozen 0$/m);
  await waitUntil(() => cpuTicks(child.pid!) > before);
  await cg.destroy();
  expect(alive(child.pid!)).toBe(false);
  expect(existsSync(dir)).toBe(false);
});
