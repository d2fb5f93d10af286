/**
 * The filesystem every namespace sandbox binds Gust's files from: an ext4 image on a loop
 * device, mounted under the data directory, holding the unpacked code trees, the merged /opt
 * trees, the bootstraps' copies, the sandbox's /etc and gust-init.
 *
 * Why a filesystem of its own: the 4th field of /proc/self/mountinfo ("root") of a bind
 * mount is the source's path from the root of its filesystem, so a bind of
 * `<data-dir>/blobs/code/<hash>` shows that path to the function, whatever it is bound as;
 * binding again, or from a bind, keeps it. Only a source on another filesystem whose root
 * is Gust's own tree shows a neutral path (`/code/<hash>`). Overlayfs would do it too but
 * prints its lowerdir= (host paths) in its mount options.
 *
 * The image is sparse (~5 MB until written to), with a journal (it persists: code trees
 * are kept across restarts), mounted with `discard` so that deleted trees give their
 * blocks back to the data disk. It may be larger than the free space of its disk: a write
 * the disk cannot hold fails only at writeback and aborts the journal (read-only from then
 * on), so the blob store refuses a tree larger than `room()` as a full disk. Mounting is
 * kept off the start-up path: `open()` runs in the background once the server listens,
 * and what needs the volume waits for `ready`. It needs what /tmp disks need (tmp-disks.ts
 * `tmpDiskGap`). A killed server leaves its mount in place; the next start finds and
 * keeps it.
 */
import { closeSync, existsSync, ftruncateSync, mkdirSync, openSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Deferred } from '../../core/primitives.js';
import { runHost } from '../host-commands.js';
import { mountPoints } from './mount-points.js';

/** Journalled (it persists), nothing reserved for root, inode tables and journal initialised lazily; owned by root and searchable by the sandbox uids. */
const MKFS = ['-q', '-F', '-m', '0', '-E', 'lazy_itable_init=1,lazy_journal_init=1,root_owner=0:0'];
const MOUNT_OPTIONS = 'loop,nosuid,nodev,noatime,discard';

export class SandboxVolume {
  private readonly opened = new Deferred<string>();
  private opening: Promise<string> | undefined;
  private mountedHere = false;

  /** `image` is the ext4 file, `root` where it is mounted; `sizeBytes` its (sparse) size. */
  constructor(
    readonly image: string,
    readonly root: string,
    private readonly sizeBytes: number,
  ) {
  }

  /**
   * The root, once `open()` has mounted it, or has failed to (then it is a plain directory
   * of the data disk: everything works, and the sandboxes see its host path).
   */
  get ready(): Promise<string> {
    return this.opened.promise;
  }

  /** Where code trees live in the volume. */
  get codeDir(): string {
    return join(this.root, 'code');
  }

  /** Where the sandbox driver's own files (etc, gust-init, bootstraps, /opt trees) live in the volume. */
  get stateDir(): string {
    return join(this.root, 'sandbox');
  }

  /** Bytes the disk holding the image can still take: what the volume can still grow by. */
  async room(): Promise<number> {
    const fs = await statfs(dirname(this.image));
    return fs.bavail * fs.bsize;
  }

  /** Makes the image (first start only) and mounts it, unless a killed server left it mounted; rejects with why it could not. */
  open(): Promise<string> {
    this.opening ??= this.mount().then(
      (root) => {
        this.opened.resolve(root);
        return root;
      },
      (err: unknown) => {
        try {
          mkdirSync(this.root, { recursive: true, mode: 0o755 });
          this.opened.resolve(this.root);
        } catch (cannot) {
          this.opened.reject(cannot);
        }
        throw err;
      },
    );
    return this.opening;
  }

  /** Unmounts what `open()` mounted (lazily: nothing of a stopped server should hold it, but a straggler must not keep the server from stopping). */
  async close(): Promise<void> {
    await this.opening?.catch(() => undefined);
    if (!this.mountedHere && !mountedAt(this.root)) return;
    await runHost('umount', ['-l', this.root]);
    this.mountedHere = false;
  }

  private async mount(): Promise<string> {
    if (mountedAt(this.root)) return this.root;
    mkdirSync(this.root, { recursive: true, mode: 0o755 });
    // Files under the mount point were written while no volume was mounted (a start
    // without loop devices): hidden by the mount, they would only take space.
    for (const name of readdirSync(this.root)) rmSync(join(this.root, name), { recursive: true, force: true });
    if (!existsSync(this.image)) await this.make();
    await runHost('mount', ['-t', 'ext4', '-o', MOUNT_OPTIONS, this.image, this.root]);
    this.mountedHere = true;
    rmSync(join(this.root, 'lost+found'), { recursive: true, force: true });
    return this.root;
  }

  /** A sparse image formatted beside its final name and renamed into place, so that a crash never leaves a half-made one. */
  private async make(): Promise<void> {
    const temp = `${this.image}.making`;
    rmSync(temp, { force: true });
    const fd = openSync(temp, 'wx', 0o600);
    try {
      ftruncateSync(fd, this.sizeBytes);
    } finally {
      closeSync(fd);
    }
    await runHost('mkfs.ext4', [...MKFS, temp]);
    renameSync(temp, this.image);
  }
}

/** Whether something is mounted at `path` in Gust's mount namespace. */
function mountedAt(path: string): boolean {
  return mountPoints().includes(path);
}
