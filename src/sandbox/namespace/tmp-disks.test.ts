/**
 * TmpDisks on this host (real mkfs, loop mounts, the real spawner): a disk released while
 * the spawner dies, as when a spawner's death takes its sandboxes with it, is unmounted
 * still, and its image deleted; nothing is left mounted on a deleted image.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hostSpawner } from '../host-spawner.js';
import { gustRuntimesDir } from '../runtimes/gust-runtimes.js';
import { mountPoints } from './mount-points.js';
import { prepareSandboxHost } from './sandbox-host.js';
import { tmpDiskGap, TmpDisks } from './tmp-disks.js';

const gap = process.getuid?.() !== 0 ? 'it needs root (mount)' : tmpDiskGap();
if (gap) console.warn(`skipping the TmpDisks suite: ${gap}`);

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) {
    // What a failing case left mounted, so that the machine is clean either way.
    for (const m of mountPoints().filter((p) => p.startsWith(`${dir}/`))) spawnSync('umount', ['-l', m]);
    rmSync(dir, { recursive: true, force: true });
  }
});

describe.skipIf(gap !== undefined)('TmpDisks', () => {
  it('unmounts and deletes disks released while the spawner that would run umount dies', async () => {
    const root = mkdtempSync(join(tmpdir(), 'gust-tmpdisks-'));
    dirs.push(root);
    const dir = join(root, 'disks');
    const { init } = await prepareSandboxHost(join(root, 'state'), gustRuntimesDir());
    const disks = await TmpDisks.open(dir, init);
    const taken = await Promise.all([disks.take(16), disks.take(16), disks.take(16)]);
    expect(taken.every((d) => mountPoints().includes(d.mount))).toBe(true);
    // Killed, not yet seen dead: the release's umount goes to it first.
    hostSpawner().close();
    await Promise.all(taken.map((d) => disks.release(d)));
    await disks.close();
    const left = mountPoints().filter((m) => m.startsWith(`${dir}/`));
    expect(left).toEqual([]);
  });
});
