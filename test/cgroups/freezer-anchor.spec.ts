/**
 * The v1 freezer's anchor against the real kernel: a server on a v1 freezer keeps one empty
 * cgroup frozen while it runs (so that no environment's thaw is the one that switches the
 * kernel's freezing checks off), environments still freeze and thaw beside it, and it goes
 * with the server's other directories at close and in a later server's sweep.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { detectCgroups, launcherCommand, type CgroupHost, type DetectOptions } from '../../src/sandbox/cgroups/index.js';
import { FREEZER_ANCHOR } from '../../src/sandbox/cgroups/cgroup-host.js';
import { cpuTicks, instanceDirs, isFrozen, PARENT } from './cgroup-helpers.js';
import { alive } from '../helpers/processes.js';
import { waitUntil } from '../helpers/wait.js';

const hosts: CgroupHost[] = [];

/** Detects a server's cgroups, and finds its instance directory in the v1 freezer hierarchy (when the freezer is there). */
async function serverOn(options: DetectOptions): Promise<{ host: CgroupHost; freezerInstance: string | undefined }> {
  const v1Freezer = () => instanceDirs().filter((d) => existsSync(join(d, 'freezer.state')));
  const before = new Set(v1Freezer());
  const host = await detectCgroups(options);
  hosts.push(host);
  return { host, freezerInstance: v1Freezer().find((d) => !before.has(d)) };
}

const { host, freezerInstance } = await serverOn({ parentName: PARENT });
const skip = !host.support.freezer ? `skipped: no freezer here (${host.support.warnings.join(' ')})` : !freezerInstance ? 'skipped: the freezer is on cgroup v2 here, which has no anchor' : undefined;
if (skip) console.log(skip);
afterAll(async () => {
  for (const h of hosts) await h.close();
});

it.skipIf(skip)('keeps an empty cgroup frozen beside the environments, which still freeze and thaw', async () => {
  const anchor = join(freezerInstance!, FREEZER_ANCHOR);
  expect(isFrozen(anchor)).toBe(true);
  expect(readFileSync(join(anchor, 'cgroup.procs'), 'utf8')).toBe('');

  const cg = await host.create('busy', { memoryMb: 128, pidsMax: 64 });
  const l = launcherCommand({ command: '/bin/sh', args: ['-c', 'while :; do :; done'] }, { procsFiles: cg.procsFiles, env: {} });
  const child = spawn(l.command, l.args, { stdio: 'ignore' });
  await once(child, 'spawn');
  await waitUntil(() => cg.pids().includes(child.pid!));
  await cg.freeze();
  const before = cpuTicks(child.pid!);
  await new Promise((r) => setTimeout(r, 300));
  expect(cpuTicks(child.pid!)).toBe(before);
  await cg.thaw();
  await waitUntil(() => cpuTicks(child.pid!) > before, 5000, 'the thawed loop to run again');
  expect(isFrozen(anchor)).toBe(true);
  await cg.destroy();
  expect(alive(child.pid!)).toBe(false);
  expect(isFrozen(anchor)).toBe(true);
});

it.skipIf(skip)("goes at close, and with a dead server's leftovers in a sweep", async () => {
  const closing = await serverOn({ parentName: PARENT });
  const closingAnchor = join(closing.freezerInstance!, FREEZER_ANCHOR);
  expect(isFrozen(closingAnchor)).toBe(true);
  await closing.host.close();
  expect(existsSync(closingAnchor)).toBe(false);

  // A server that is gone: its pid has exited (pids are not reused this fast).
  const gone = spawn('/bin/true');
  await once(gone, 'exit');
  const deadInstance = join(freezerInstance!, '..', `${gone.pid}-1-dead`);
  await detectCgroups({ parentName: PARENT, instance: `${gone.pid}-1-dead` });
  expect(isFrozen(join(deadInstance, FREEZER_ANCHOR))).toBe(true);
  await host.sweep();
  expect(existsSync(deadInstance)).toBe(false);
});
