/**
 * Mount points that a running sandbox receives its function's code through. A sandbox booted
 * ahead of its function (ready-sandboxes.ts) binds two empty host directories as /var/task
 * and /opt; each is first made a mount of its own with shared propagation, and bubblewrap
 * makes the sandbox's copies its slaves, so a mount the host makes on the directory later
 * appears inside at once. Filling a slot is therefore one host mount at assignment.
 *
 * Only the bind itself propagates (a remount read-only afterwards does not reach the
 * sandbox), so the code's mount is made read-only before it is attached to the slot
 * (bind-helper.ts, with the new mount API).
 * Everything here lives on the sandbox volume beside the code trees: the mounts' root field
 * (mountinfo's 4th) then names `/code/<hash>`, never a host path of Gust.
 */
import { chmodSync, mkdirSync, realpathSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { runHost } from '../host-commands.js';
import type { BindHelper } from './bind-helper.js';
import { mountPoints } from './mount-points.js';

/** Makes `dir` a mount of its own with shared propagation, for each dir. */
const SHARE = 'for d; do mount --bind "$d" "$d" && mount --make-shared "$d" || exit 1; done';
/** Unmounts each dir with everything on it, lazily (a process may still hold it open). */
const UNMOUNT = 'for d; do umount -R -l "$d" 2>/dev/null; done; exit 0';

export class MountSlots {
  /** The host directory bound as /var/task. */
  readonly task: string;
  /** The host directory bound as /opt. */
  readonly opt: string;

  private constructor(
    private readonly dir: string,
    private readonly binds: BindHelper,
  ) {
    this.task = join(dir, 'task');
    this.opt = join(dir, 'opt');
  }

  /** Makes the slots under `dir` (a fresh directory name on the sandbox volume). */
  static async create(dir: string, binds: BindHelper): Promise<MountSlots> {
    const slots = new MountSlots(dir, binds);
    // bubblewrap, as the sandbox uid, walks through it to bind the slots.
    chmodSync(dir, 0o755);
    for (const d of [slots.task, slots.opt]) mkdirSync(d, { recursive: true, mode: 0o755 });
    try {
      await runHost('/bin/sh', ['-c', SHARE, 'sh', slots.task, slots.opt]);
    } catch (err) {
      await slots.remove();
      throw err;
    }
    return slots;
  }

  /** Binds `codeDir` on /var/task and, when given, `optDir` on /opt, both read-only. */
  async fill(codeDir: string, optDir: string | undefined): Promise<void> {
    await Promise.all([this.binds.bindReadOnly(codeDir, this.task), optDir ? this.binds.bindReadOnly(optDir, this.opt) : undefined]);
  }

  /** Unmounts the slots and removes their directory; only once the sandbox is gone (an unmount here would reach inside). */
  async remove(): Promise<void> {
    await runHost('/bin/sh', ['-c', UNMOUNT, 'sh', this.task, this.opt]).catch(() => undefined);
    // One by one and never recursive: a mount left on a slot must not have its files deleted.
    for (const d of [this.task, this.opt, this.dir]) {
      try {
        rmdirSync(d);
      } catch {
        // Gone already, or still a mount point: the next start's sweep of the directory takes it.
      }
    }
  }
}

/**
 * Unmounts whatever is mounted under `root`: slots a killed server left (its mounts outlive
 * it), before the directory is emptied. A recursive delete across a mount would delete the
 * mounted files.
 */
export async function unmountUnder(root: string): Promise<void> {
  let real: string;
  try {
    real = realpathSync(root);
  } catch {
    return;
  }
  const points = mountPoints().filter((p) => p.startsWith(`${real}/`));
  if (points.length > 0) await runHost('/bin/sh', ['-c', UNMOUNT, 'sh', ...points]);
}
