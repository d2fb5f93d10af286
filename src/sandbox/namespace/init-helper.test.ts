/**
 * gust-init's helper mode on this host (root, real loop devices): a disk it makes is an ext4
 * mount on a loop device of its own, which goes with the mount; a disk that cannot be
 * mounted fails with the kernel's errno and leaves no loop device behind.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gustRuntimesDir } from '../runtimes/gust-runtimes.js';
import { HelperError, InitHelper } from './init-helper.js';
import { mountPoints } from './mount-points.js';
import { prepareSandboxHost } from './sandbox-host.js';
import { tmpDiskGap } from './tmp-disks.js';

const gap = process.getuid?.() !== 0 ? 'it needs root (loop devices, mount)' : tmpDiskGap();
if (gap) console.warn(`skipping the InitHelper suite: ${gap}`);

/** Loop devices backed by a file under `dir`, once any detach under way has ended (autoclear runs in a kernel worker since 5.17). */
async function settledLoopsUnder(dir: string): Promise<string[]> {
  for (let i = 0; i < 100 && loopsUnder(dir).length > 0; i++) await new Promise((r) => setTimeout(r, 20));
  return loopsUnder(dir);
}

/** Loop devices backed by a file under `dir`. */
function loopsUnder(dir: string): string[] {
  return execFileSync('losetup', ['--list', '--noheadings', '--output', 'BACK-FILE'], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.trim())
    .filter((f) => f.startsWith(dir));
}

describe.skipIf(gap !== undefined)('InitHelper disks', () => {
  let root: string;
  let helper: InitHelper;
  let template: string;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'gust-init-helper-'));
    const { init } = await prepareSandboxHost(join(root, 'state'), gustRuntimesDir());
    helper = new InitHelper(init);
    template = join(root, 'template.img');
    execFileSync('truncate', ['-s', '16M', template]);
    execFileSync('mkfs.ext4', ['-q', '-F', '-O', '^has_journal', template]);
  }, 60_000);

  afterAll(() => {
    helper?.close();
    for (const m of mountPoints().filter((p) => p.startsWith(`${root}/`))) spawnSync('umount', ['-l', m]);
    rmSync(root, { recursive: true, force: true });
  });

  it('mounts a copy of the template on a loop device that goes with its mount', async () => {
    const mount = join(root, 'disk');
    mkdirSync(mount);
    await helper.makeDisk(template, join(root, 'disk.img'), mount);
    const line = execFileSync('findmnt', ['--noheadings', '--output', 'FSTYPE,OPTIONS', mount], { encoding: 'utf8' });
    expect(line).toMatch(/^ext4 .*nosuid.*nodev.*noatime/);
    expect(loopsUnder(root)).toEqual([join(root, 'disk.img')]);
    execFileSync('umount', [mount]);
    expect(await settledLoopsUnder(root)).toEqual([]);
  });

  it('fails with the kernel errno on a missing mount point, and leaves no loop device', async () => {
    const failed = await helper.makeDisk(template, join(root, 'lost.img'), join(root, 'missing')).catch((err: unknown) => err);
    expect(failed).toBeInstanceOf(HelperError);
    expect((failed as HelperError).errno).toBe(2);
    expect(await settledLoopsUnder(root)).toEqual([]);
  });

  it('refuses to write over an image that exists', async () => {
    const mount = join(root, 'again');
    mkdirSync(mount);
    const failed = await helper.makeDisk(template, template, mount).catch((err: unknown) => err);
    expect((failed as HelperError).errno).toBe(17);
    expect(await settledLoopsUnder(root)).toEqual([]);
  });
});
