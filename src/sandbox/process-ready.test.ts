import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { ProcessDriver } from './process-driver.js';
import { startVariables } from './ready-pool.js';
import type { RuntimeFiles, RuntimeLayout, SandboxLayout, SandboxSpec } from './sandbox-driver.js';

/** A bootstrap that asks for its function only `ASK_AFTER_MS` after it started (the real ones ask once booted). */
const ASK_AFTER_MS = 800;
const LATE = `if (process.env._GUST_ASSIGNMENT) setTimeout(() => require('node:http').get({ socketPath: process.env._GUST_ASSIGNMENT, path: '/2018-06-01/runtime/gust/assignment' }).on('error', () => {}), ${ASK_AFTER_MS});
setInterval(() => {}, 1000);
`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let cleanup: (() => Promise<void>) | undefined;

afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

/** A process driver keeping `size` ready runtimes of a bootstrap that asks late, under `tmpRoot`, and a start of that runtime. */
function lateRuntime(root: string, tmpRoot: string, size: number, socketDirPrefix?: string): { driver: ProcessDriver; spec: SandboxSpec } {
  const runtimeDir = join(root, 'runtime');
  const codeDir = join(root, 'code');
  mkdirSync(runtimeDir);
  mkdirSync(codeDir);
  writeFileSync(join(runtimeDir, 'late.cjs'), LATE);
  const driver = new ProcessDriver({ tmpRoot, readySandboxes: size, ...(socketDirPrefix ? { socketDirPrefix } : {}) });
  cleanup = async () => {
    await driver.close();
    rmSync(root, { recursive: true, force: true });
  };
  const runtime: RuntimeFiles = { language: 'nodejs', version: '20', runtimeDir, bootstrap: 'late.cjs', interpreter: process.execPath };
  const layout = driver.layout({ codeDir, layerDirs: [], runtime }) as SandboxLayout & { runtime: RuntimeLayout };
  const spec: SandboxSpec = {
    codeDir,
    layerDirs: [],
    runtime,
    command: layout.runtime.command,
    args: layout.runtime.args,
    env: startVariables(runtime, layout),
    limits: { memoryMb: 128, ephemeralStorageMb: 512 },
    onOutput: () => undefined,
  };
  return { driver, spec };
}

it('counts a ready runtime as waiting once it asks for its function, not once it is spawned', { timeout: 30_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'gust-process-ready-'));
  const { driver, spec } = lateRuntime(root, root, 2);
  // The runtime's first start finds none and arms the pool.
  const first = await driver.start(spec);
  await first.stop(200);
  let bootingAt: number | undefined;
  let waitingAt: number | undefined;
  for (let i = 0; i < 400 && waitingAt === undefined; i++) {
    const [report] = driver.readySandboxes();
    if (report && report.booting + report.waiting > 0) bootingAt ??= performance.now();
    if (report && report.waiting > 0) waitingAt = performance.now();
    await sleep(20);
  }
  expect(bootingAt).toBeDefined();
  expect(waitingAt).toBeDefined();
  // Booting from its spawn until it asked, which it did only after its delay.
  expect(waitingAt! - bootingAt!).toBeGreaterThan(ASK_AFTER_MS - 200);
});

it('boots ready runtimes under a directory whose path is longer than a unix socket may be', { timeout: 30_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'gust-process-ready-'));
  const tmpRoot = join(root, 'd'.repeat(120));
  mkdirSync(tmpRoot);
  // Their sockets go to directories of the server's naming (env-tmp.ts sweeps a killed server's).
  const { driver, spec } = lateRuntime(root, tmpRoot, 2, join(root, 'sock-'));
  const socketDirs = () => readdirSync(root).filter((name) => name.startsWith('sock-'));
  const first = await driver.start(spec);
  await first.stop(200);
  for (let i = 0; i < 500 && (driver.readySandboxes()[0]?.waiting ?? 0) < 2; i++) await sleep(20);
  expect(driver.readySandboxes()[0]).toMatchObject({ waiting: 2 });
  expect(socketDirs()).toHaveLength(2);
  await driver.close();
  expect(socketDirs()).toEqual([]);
});
