import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Deferred } from '../core/primitives.js';
import { ChosenDriver } from './chosen-driver.js';
import { ProcessDriver } from './process-driver.js';
import type { SandboxDriver } from './sandbox-driver.js';

const root = mkdtempSync(join(tmpdir(), 'gust-chosen-driver-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('ChosenDriver', () => {
  it('holds a start until the driver is chosen, then starts in it; its name and layout are the chosen one’s', async () => {
    const choice = new Deferred<SandboxDriver>();
    const driver = new ChosenDriver(choice.promise);
    expect(() => driver.name).toThrow(/before the server has chosen it/);

    let started = false;
    const starting = driver
      .start({ command: '/bin/sh', args: ['-c', 'exit 7'], env: {}, codeDir: root, layerDirs: [], limits: { memoryMb: 128, ephemeralStorageMb: 512 }, onOutput: () => undefined })
      .then((sandbox) => {
        started = true;
        return sandbox;
      });
    await new Promise((r) => setTimeout(r, 20));
    expect(started).toBe(false);

    choice.resolve(new ProcessDriver({ tmpRoot: root }));
    const sandbox = await starting;
    expect((await sandbox.exited).code).toBe(7);
    await sandbox.stop();
    expect(driver.name).toBe('process');
    expect(driver.layout({ codeDir: '/c', layerDirs: ['/l1'] })).toEqual({ taskRoot: '/c', optRoots: ['/l1'] });
  });

  it('rejects a start as the choice failed, and closes with nothing to close', async () => {
    const driver = new ChosenDriver(Promise.reject(new Error('no namespaces here')));
    await expect(driver.chosen).rejects.toThrow('no namespaces here');
    await expect(driver.start({ command: '/bin/true', args: [], env: {}, codeDir: root, layerDirs: [], limits: { memoryMb: 128, ephemeralStorageMb: 512 }, onOutput: () => undefined })).rejects.toThrow('no namespaces here');
    await expect(driver.close()).resolves.toBeUndefined();
  });
});
