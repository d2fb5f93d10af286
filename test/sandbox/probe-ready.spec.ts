/**
 * The runtime probe (which `gust serve` runs once the server has started) and the ready
 * runtimes: the probe starts every installed runtime, but only a runtime that a function
 * uses keeps runtimes booted ahead for it (each a booted interpreter: ~40 MB of Node); a
 * runtime whose first function is created while the server runs is armed once that
 * function is Active, so that its first invoke is given one too. Process driver, as a user
 * without root runs it.
 */
import { afterAll, expect, it } from 'vitest';
import { newDataDir, removeDataDir, startTestGust, type TestGust } from '../helpers/gust.js';
import { createFunction, invoke } from '../helpers/lambda.js';
import { waitingRuntimes } from '../helpers/ready-runtimes.js';
import { waitFor } from '../helpers/wait.js';

const FLAGS = { sandbox: 'process', readySandboxes: '4' };
/** A handler that says whether its runtime was booted ahead: its start environment names the assignment socket. */
const READY_MARK = "def handler(e, c):\n    return '_GUST_ASSIGNMENT=' in open('/proc/self/environ').read()\n";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const dataDir = newDataDir();
let t: TestGust | undefined;
afterAll(async () => {
  await t?.stop();
  await removeDataDir(dataDir);
});

/** Expects no runtime of `bootstraps` waiting for 3 s (a pool refills within a second of a start). */
async function noneWaiting(...bootstraps: string[]): Promise<void> {
  for (let i = 0; i < 15; i++, await sleep(200)) expect(bootstraps.flatMap((b) => waitingRuntimes(b))).toEqual([]);
}

it('arms only the runtimes that functions use, and a new one once its first function is Active', { timeout: 180_000 }, async () => {
  t = await startTestGust({ dataDir, keepDataDir: true, flags: FLAGS });
  const first = (await t.gust.probeRuntimes()).filter((r) => r.ok).map((r) => r.runtime);
  expect(first).toContain('nodejs20.x');
  const python = first.find((r) => r.startsWith('python'));
  expect(python).toBeDefined();
  // No function yet: the probe's starts leave nothing booted ahead.
  await noneWaiting('bootstrap.mjs', 'bootstrap.py');

  await createFunction(t.lambda, 'py', { Runtime: python as 'python3.11', Handler: 'app.handler', files: { 'app.py': READY_MARK } });
  await waitFor('a ready Python runtime once its first function is Active', () => (waitingRuntimes('bootstrap.py').length > 0 ? true : undefined), 20_000, 100);
  await noneWaiting('bootstrap.mjs');
  // The function's first start is given one.
  expect((await invoke(t.lambda, 'py')).json).toBe(true);
  await t.stop();

  t = await startTestGust({ dataDir, keepDataDir: true, flags: FLAGS });
  await t.gust.probeRuntimes();
  await waitFor('a ready Python runtime', () => (waitingRuntimes('bootstrap.py').length > 0 ? true : undefined), 20_000, 100);
  await noneWaiting('bootstrap.mjs');
  // Its first start after the restart is given one.
  expect((await invoke(t.lambda, 'py')).json).toBe(true);
});
