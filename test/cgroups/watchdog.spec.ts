/**
 * No runtime outlives its server: `gust serve` as users run it, a Node function left idle
 * until its environment is frozen, then the server killed with SIGKILL. A frozen process
 * does not act on the parent-death signal, so before the watchdog the runtime lived on,
 * frozen, until the next start; now it is gone within seconds.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { detectCgroups } from '../../src/sandbox/cgroups/index.js';
import { crashRig, serve } from '../helpers/gust-process.js';
import { createFunction, invoke } from '../helpers/lambda.js';
import { alive } from '../helpers/processes.js';
import { waitFor, waitUntil } from '../helpers/wait.js';

const host = await detectCgroups({ parentName: 'gust-test' });
const skip = host.support.freezer ? undefined : `test/cgroups/watchdog.spec.ts skipped: no usable freezer (${host.support.warnings.join(' ')})`;
await host.close();
if (skip) console.warn(skip);

/** Whether `pid`'s freezer cgroup (v1 `freezer.state`, or v2 `cgroup.events`) says it is frozen. */
function frozen(pid: number): boolean {
  for (const line of readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n')) {
    const [, controllers, path] = line.split(':');
    try {
      if (controllers === 'freezer') return readFileSync(`/sys/fs/cgroup/freezer${path}/freezer.state`, 'utf8').trim() === 'FROZEN';
      if (controllers === '' && /^frozen 1$/m.test(readFileSync(`/sys/fs/cgroup${path}/cgroup.events`, 'utf8'))) return true;
    } catch {
      // Not a cgroup of this hierarchy's layout: look at the next line.
    }
  }
  return false;
}

describe('the watchdog', () => {
  const rig = crashRig('gust-watchdog');

  it.skipIf(skip)('ends a frozen runtime within seconds of a SIGKILL of its server', { timeout: 90_000 }, async () => {
    rig.server = await serve(rig.dataDir, ['--sandbox', 'process', '--keep-alive', '10m']);
    await createFunction(rig.server.lambda, 'idle', { Handler: 'index.handler', files: { 'index.js': 'exports.handler = async () => process.pid;' } });
    const pid = Number((await invoke(rig.server.lambda, 'idle')).text);
    expect(alive(pid)).toBe(true);
    await waitFor('the idle runtime to be frozen', () => (frozen(pid) ? true : undefined), 20_000, 50);
    rig.server.child.kill('SIGKILL');
    await rig.server.exited;
    await waitUntil(() => !alive(pid), 10_000);
  });
});
