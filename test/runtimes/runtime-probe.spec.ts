/**
 * The runtime probe: a real cold start per ready language runtime, in the sandbox driver
 * functions run in. Every installed test runtime starts; a runtime whose interpreter cannot
 * start is reported with the platform's error, before any function of it is invoked.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/core/limits.js';
import { ProcessDriver } from '../../src/sandbox/process-driver.js';
import { RuntimeProvider } from '../../src/sandbox/runtimes/runtime-provider.js';
import { probeRuntimes } from '../../src/server/runtime-probe.js';
import { startTestGust, type TestGust } from '../helpers/gust.js';
import { TEST_RUNTIMES, testRuntimesDir } from '../helpers/runtimes.js';

let t: TestGust;
let work: string;
beforeAll(async () => {
  t = await startTestGust();
  work = mkdtempSync(join(tmpdir(), 'gust-probe-'));
}, 60_000);
afterAll(async () => {
  await t?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('runtime probe', () => {
  it('cold-starts a hello world in every ready runtime, in the server’s own sandbox driver', async () => {
    const results = await t.gust.probeRuntimes();
    for (const runtime of TEST_RUNTIMES) {
      expect(results.find((r) => r.runtime === runtime), runtime).toMatchObject({ ok: true, initMs: expect.any(Number) });
    }
    expect(results.every((r) => r.ok)).toBe(true);
  }, 120_000);

  it('reports a runtime whose interpreter does not start, with the platform’s error', async () => {
    const provider = new RuntimeProvider({ dir: testRuntimesDir(), npmRegistry: 'https://registry.npmjs.org/', debian: { mirror: 'http://deb.debian.org' }, systemRoots: false });
    const broken = join(work, 'broken-node');
    writeFileSync(broken, '#!/bin/sh\necho "cannot load libnode" >&2\nexit 127\n');
    chmodSync(broken, 0o755);
    const images = { files: (runtime: Runtime) => ({ ...provider.files(runtime), ...(runtime === 'nodejs20.x' ? { interpreter: broken } : {}) }) };
    const driver = new ProcessDriver({ tmpRoot: work });
    const results = await probeRuntimes({ driver, images, region: 'us-east-1', workDir: join(work, 'code'), endpointUrl: () => t.url }, ['nodejs20.x', 'python3.11']);
    expect(results).toHaveLength(2);
    expect(results[0]).toMatchObject({ runtime: 'nodejs20.x', ok: false, problem: expect.stringMatching(/^Runtime\.ExitError: .*exit status 127.*cannot load libnode/) });
    expect(results[1]).toMatchObject({ runtime: 'python3.11', ok: true });
  }, 60_000);
});
