/**
 * `sweep()` against real cgroups: the leftovers of a server that died without closing (its
 * instance directory named after a pid that no longer runs, an environment in it with a
 * live process) are killed and removed; the directories of a live server are not touched.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { afterAll, expect, it } from 'vitest';
import { detectCgroups, launcherCommand, type CgroupHost, type EnvironmentCgroup } from '../../src/sandbox/cgroups/index.js';
import { alive } from '../helpers/processes.js';
import { waitUntil } from '../helpers/wait.js';

const PARENT = 'gust-test';
const probe = await detectCgroups({ parentName: PARENT });
const skip = probe.support.memory || probe.support.pids || probe.support.freezer ? undefined : `skipped: no cgroups on this host (${probe.support.warnings.join(' ')})`;
if (skip) console.log(skip);
const hosts: CgroupHost[] = [probe];
afterAll(async () => {
  for (const h of hosts) await h.close();
});

/** Starts `sleep` inside `cg`, the way drivers do (the launcher joins before exec). */
async function sleeper(cg: EnvironmentCgroup): Promise<number> {
  const l = launcherCommand({ command: '/bin/sleep', args: ['300'] }, { procsFiles: cg.procsFiles, env: {} });
  const child = spawn(l.command, l.args, { stdio: 'ignore', detached: true });
  child.unref();
  await once(child, 'spawn');
  await waitUntil(() => cg.pids().includes(child.pid!));
  return child.pid!;
}

it.skipIf(skip)("removes a dead server's cgroups and kills their processes, and leaves a live server's alone", async () => {
  // A server that is gone: its pid has exited (pids are not reused this fast).
  const gone = spawn('/bin/true');
  await once(gone, 'exit');
  const dead = await detectCgroups({ parentName: PARENT, instance: `${gone.pid}-1-dead` });
  const deadEnv = await dead.create('env-a', { memoryMb: 128, pidsMax: 64 });
  const orphan = await sleeper(deadEnv);
  const deadDirs = deadEnv.procsFiles.map((f) => f.replace(/\/env-a\/cgroup\.procs$/, ''));
  // A live server of this process, with a running environment.
  const live = await detectCgroups({ parentName: PARENT });
  hosts.push(live);
  const liveEnv = await live.create('env-b', { memoryMb: 128, pidsMax: 64 });
  const running = await sleeper(liveEnv);

  await probe.sweep();

  await waitUntil(() => !alive(orphan));
  expect(deadDirs.filter((d) => existsSync(d))).toEqual([]);
  expect(alive(running)).toBe(true);
  expect(liveEnv.procsFiles.every((f) => existsSync(f))).toBe(true);
  await live.close();
  expect(alive(running)).toBe(false);
  expect(liveEnv.procsFiles.filter((f) => existsSync(f))).toEqual([]);
});
