/**
 * The runtime probe of `gust serve` and the ready runtimes: the probe starts every
 * installed runtime, but only a runtime that a function uses keeps runtimes booted ahead
 * for it (each a booted interpreter: ~40 MB of Node). Process driver, as a user without
 * root runs it.
 */
import { describe, expect, it } from 'vitest';
import { crashRig, serve, stopServer, type ServerProcess } from '../helpers/gust-process.js';
import { createFunction, invoke } from '../helpers/lambda.js';
import { waitingRuntimes } from '../helpers/ready-runtimes.js';
import { waitFor } from '../helpers/wait.js';

const SERVE_ARGS = ['--sandbox', 'process', '--ready-sandboxes', '4'];
/** A handler that says whether its runtime was booted ahead: its start environment names the assignment socket. */
const READY_MARK = "def handler(e, c):\n    return '_GUST_ASSIGNMENT=' in open('/proc/self/environ').read()\n";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The runtimes the server's probe reported starting, once it has reported every one it tried. */
async function probed(server: ServerProcess): Promise<string[]> {
  const lines = () => server.lines().filter((l) => l.includes('runtime probe:'));
  await waitFor('the runtime probe', () => (lines().length > 0 && lines().length === new Set(lines()).size ? true : undefined), 60_000, 200);
  // Every runtime probed in turn: wait until no new line came for a while.
  let seen = -1;
  while (seen !== lines().length) {
    seen = lines().length;
    await sleep(1500);
  }
  return lines().map((l) => (JSON.parse(l) as { runtime?: string }).runtime ?? '');
}

describe('the runtime probe and ready runtimes', () => {
  const rig = crashRig('gust-probe-ready');

  it('arms only the runtimes that functions use', { timeout: 180_000 }, async () => {
    rig.server = await serve(rig.dataDir, SERVE_ARGS);
    const first = await probed(rig.server);
    expect(first).toContain('nodejs20.x');
    expect(first.some((r) => r.startsWith('python'))).toBe(true);
    // No function yet: the probe's starts leave nothing booted ahead (a pool refills within a second).
    for (let i = 0; i < 15; i++, await sleep(200)) expect([...waitingRuntimes('bootstrap.mjs'), ...waitingRuntimes('bootstrap.py')]).toEqual([]);

    const python = first.find((r) => r.startsWith('python'))!;
    await createFunction(rig.server.lambda, 'py', { Runtime: python as 'python3.11', Handler: 'app.handler', files: { 'app.py': READY_MARK } });
    expect((await invoke(rig.server.lambda, 'py')).json).toBe(false);
    await stopServer(rig.server);

    rig.server = await serve(rig.dataDir, SERVE_ARGS);
    await probed(rig.server);
    await waitFor('a ready Python runtime', () => (waitingRuntimes('bootstrap.py').length > 0 ? true : undefined), 20_000, 100);
    expect(waitingRuntimes('bootstrap.mjs')).toEqual([]);
    for (let i = 0; i < 15; i++, await sleep(200)) expect(waitingRuntimes('bootstrap.mjs')).toEqual([]);
    // Its first start after the restart is given one.
    expect((await invoke(rig.server.lambda, 'py')).json).toBe(true);
  });
});
