/**
 * The server's background cgroup against the real kernel: the least CPU weight, beside the
 * environments', a process that joins it counted there, and gone with the server's cgroups.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { expect, it } from 'vitest';
import { detectCgroups } from '../../src/sandbox/cgroups/index.js';
import { waitUntil } from '../helpers/wait.js';

const host = await detectCgroups({ parentName: 'gust-test' });
const skip = host.support.cpu ? undefined : `test/cgroups/background.spec.ts skipped: no cpu controller (${host.support.warnings.join(' ')})`;
if (skip) {
  console.warn(skip);
  await host.close();
}

it.skipIf(skip)('gives background work the least CPU weight, and removes its cgroup with the server\'s', async () => {
  const procs = host.backgroundProcs()!;
  expect(host.backgroundProcs()).toBe(procs);
  const dir = dirname(procs);
  const weight = existsSync(join(dir, 'cpu.weight')) ? readFileSync(join(dir, 'cpu.weight'), 'utf8').trim() : readFileSync(join(dir, 'cpu.shares'), 'utf8').trim();
  expect(['1', '2']).toContain(weight);
  const child = spawn('/bin/sh', ['-c', `echo 0 > "${procs}" && exec sleep 30`], { stdio: 'ignore' });
  await once(child, 'spawn');
  await waitUntil(() => readFileSync(procs, 'utf8').split('\n').includes(String(child.pid)));
  await host.close();
  expect(existsSync(dir)).toBe(false);
  await waitUntil(() => child.exitCode !== null || child.signalCode !== null);
});
