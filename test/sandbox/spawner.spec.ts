/**
 * Cold starts never fork the server: every sandbox's chain (gust-init's launcher, then
 * bwrap) and every host command is started by the spawner, a small process of Gust's, so a
 * burst of cold starts does not stall the server's event loop with forks of itself (a
 * 200-start burst spent 17 s of it in `spawn`). If the spawner dies, the sandboxes it
 * started die with it and the next invoke starts a new one.
 */
import { realpathSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { namespaceHostGap } from '../../src/sandbox/namespace/namespace-setup.js';
import { crashRig, serve } from '../helpers/gust-process.js';
import { allProcesses, type ProcInfo } from '../helpers/processes.js';
import { createFunction, invoke } from '../helpers/lambda.js';
import { testRuntimesDir } from '../helpers/runtimes.js';

const gap = namespaceHostGap();
if (gap) console.warn(`test/sandbox/spawner.spec.ts skipped: ${gap}`);

/** Answers its environment's own id (pids repeat: each sandbox has its own pid namespace). */
const SLOW = `const id = require('crypto').randomUUID(); exports.handler = async () => { await new Promise((r) => setTimeout(r, 400)); return id; };`;

function childrenOf(pid: number): ProcInfo[] {
  return allProcesses().filter((p) => p.ppid === pid);
}

/**
 * A process's name, `node` for Node.js whatever its command name: Node.js 24 names its main
 * thread "MainThread", and that is what /proc gives as the process's.
 */
function nameOf(p: ProcInfo): string {
  try {
    if (realpathSync(`/proc/${p.pid}/exe`) === realpathSync(process.execPath)) return 'node';
  } catch {
    // Gone meanwhile: its command name is all there is.
  }
  return p.name;
}

describe.skipIf(gap !== undefined)('the spawner', () => {
  const rig = crashRig('gust-spawner');

  it('starts every sandbox of a burst of cold starts, so that none is a child of the server', async () => {
    rig.server = await serve(rig.dataDir, ['--sandbox', 'namespace', '--runtimes-dir', testRuntimesDir()]);
    const gust = rig.server.child.pid!;
    // Six cold starts at once on a machine busy with other suites: the default 3 s would time some out.
    await createFunction(rig.server.lambda, 'slow', { files: { 'index.js': SLOW }, Timeout: 30 });
    const seen = new Set<string>();
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        for (const p of childrenOf(gust)) seen.add(nameOf(p));
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const results = await Promise.all(Array.from({ length: 6 }, () => invoke(rig.server!.lambda, 'slow')));
    sampling = false;
    await sampler;
    expect(results.filter((r) => r.functionError).map((r) => r.text)).toEqual([]);
    // Six environments ran at once.
    expect(new Set(results.map((r) => r.text)).size).toBe(6);
    // What the server itself started: the spawner (node) and the no-orphans watchdog (sh), nothing per cold start.
    expect([...seen].filter((n) => n !== 'node' && n !== 'sh')).toEqual([]);
    const spawners = childrenOf(gust).filter((p) => nameOf(p) === 'node').map((p) => p.pid);
    expect(spawners).toHaveLength(1);
    const spawner = spawners[0]!;
    // The six warm environments, and the one launched ahead for the next start.
    expect(childrenOf(spawner).filter((p) => p.name === 'bwrap').length).toBeGreaterThanOrEqual(6);

    // The spawner killed: its sandboxes go with it, and Gust starts new ones through a new spawner.
    process.kill(spawner, 'SIGKILL');
    // An environment picked before Gust saw its end fails as a crashed runtime does; none survives.
    let again = await invoke(rig.server.lambda, 'slow');
    for (let i = 0; i < 6 && again.functionError; i++) {
      expect(again.json).toMatchObject({ errorType: 'Runtime.ExitError' });
      again = await invoke(rig.server.lambda, 'slow');
    }
    expect(again.functionError, again.text).toBeUndefined();
    expect(results.map((r) => r.text)).not.toContain(again.text);
    expect(childrenOf(gust).map((p) => p.pid)).not.toContain(spawner);
  });
});
