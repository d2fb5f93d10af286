/**
 * Each sandbox's /tmp as a disk of its own: a sparse file holding an ext4 filesystem of
 * EphemeralStorage's size, loop-mounted on the host and bound into the sandbox. A tmpfs
 * (what bwrap offers) keeps its pages in memory, charged to the function's memory cgroup
 * and never reclaimable without swap, so a 128 MB function writing 300 MB to /tmp died of
 * OutOfMemory where Lambda lets it write up to EphemeralStorage; a disk's pages are page
 * cache, written back and reclaimed under the cgroup's limit.
 *
 * Making one (a copy of a formatted image and a loop mount) is kept off the cold path: four
 * of each size last asked for wait ready, and once two are taken, two more are made in the
 * background. gust-init's helper mode makes them (init-helper.ts): a long-lived process that
 * copies the image's data ranges, attaches it to a loop device and mounts it with system
 * calls, ~1.2 ms a disk, where a shell with `cp`, `losetup` and `mount` took ~5 ms and
 * `mount -o loop` read every loop device's backing file first (6.6–7.0 ms with a burst's 100
 * disks attached); every process Node spawns costs its event loop a fork of the whole
 * server, which is why the spawner forks them, and why none is spawned per disk now. The
 * helper that makes them ahead runs at nice 19 in the server's background cgroup (the least
 * CPU weight, beside the environments'), so the runtimes booting meanwhile get the CPU
 * first: nice alone does not reach across cgroups; a start that finds none ready has its disk
 * made by a helper of normal priority. An image
 * costs ~400 KB of disk until written to. After its sandbox, a disk is unmounted (lazily,
 * should anything still hold it) and its image deleted; a server killed before that leaves
 * them to the sweep at the next start. A disk still mounted after its `umount` (the spawner
 * that ran it died, as its sandboxes did) is unmounted once more, and never deleted while
 * mounted: that left a mount on a deleted image per spawner crash.
 *
 * Each size's filesystem is formatted once, into a template that is already empty (no
 * lost+found) and sticky-writable by all, as Lambda's /tmp; a disk is a sparse copy of it.
 * Per disk that is a copy instead of mkfs, mkdir, rmdir and chmod: a burst of cold starts
 * runs the pool dry at once, and then makes a disk per start on its path (measured: a first
 * burst of 50 spent about a fifth of the machine's CPU making disks, when each was a mkfs).
 * Copies share the template's filesystem UUID, which nothing on the host reads.
 *
 * The directory the disks are mounted in is a mount of its own (a bind on itself, private),
 * so that a sandbox's launcher detaches every disk at once in its own mount namespace and
 * keeps only the sandbox's (sandbox-launcher.ts): bwrap's cost grows with the mounts it sees.
 */
import { randomBytes } from 'node:crypto';
import { accessSync, chmodSync, closeSync, constants, ftruncateSync, mkdirSync, openSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runHost } from '../host-commands.js';
import { InitHelper } from './init-helper.js';
import { mountPoints, unmountUnder } from './mount-points.js';

export interface TmpDisk {
  sizeMb: number;
  image: string;
  /** Where it is mounted on the host: what the sandbox gets as /tmp. */
  mount: string;
}

/** ext4's own share of a small filesystem (inode tables, bitmaps): the image is made this much larger, so that EphemeralStorage is what the function can write. */
const EXT4_OVERHEAD = 1.04;
const READY_PER_SIZE = 4;
const REFILL_DELAY_MS = 100;

/**
 * Formats the image named by its first argument: no journal (a crash loses the disk
 * anyway), nothing reserved for root, inode tables initialised lazily; then mounts it once
 * to leave its root empty (no lost+found) and sticky-writable by all. Whatever way it ends,
 * the template is not left mounted.
 */
const MAKE_TEMPLATE = `set -e
trap 'status=$?; set +e; umount "$1.d" 2>/dev/null; rmdir "$1.d" 2>/dev/null; exit $status' EXIT
mkfs.ext4 -q -F -m 0 -O ^has_journal -E lazy_itable_init=1,root_owner=0:0 "$1"
mkdir -m 0700 "$1.d"
mount -t ext4 -o loop,nosuid,nodev,noatime "$1" "$1.d"
rmdir "$1.d/lost+found"
chmod 1777 "$1.d"
umount "$1.d"
rmdir "$1.d"`;

/** Why this host cannot give sandboxes disk-backed /tmp (they then get a tmpfs), or undefined. */
export function tmpDiskGap(): string | undefined {
  for (const tool of ['/usr/sbin/mkfs.ext4', '/usr/bin/mount', '/usr/bin/umount', '/dev/loop-control']) {
    try {
      accessSync(tool, tool.startsWith('/dev') ? constants.R_OK : constants.X_OK);
    } catch {
      return `${tool} is missing (Debian/Ubuntu: apt-get install e2fsprogs mount; loop devices need the loop module)`;
    }
  }
  return undefined;
}

export class TmpDisks {
  private readonly ready = new Map<number, TmpDisk[]>();
  /** Refills in progress, by size. */
  private readonly making = new Map<number, Promise<void>>();
  private closed = false;
  private readonly releasing: TmpDisk[] = [];
  /** Each size's formatted template image, made at the first disk of that size. */
  private readonly templates = new Map<number, Promise<string>>();
  private releasingDone: Promise<void> | undefined;

  private constructor(
    /** Where the disks are mounted: a mount of its own (see above). */
    readonly dir: string,
    /** Makes the disks a start waits for. */
    private readonly helper: InitHelper,
    /** Makes the disks made ahead. */
    private readonly background: InitHelper,
  ) {}

  /**
   * Sweeps what a killed server left in `dir`, then makes the pool, through helpers of
   * `init` (gust-init). Refills join the `backgroundProcs` cgroup (the least CPU weight) when given.
   */
  static async open(dir: string, init: string, backgroundProcs?: string): Promise<TmpDisks> {
    // Searchable, not listable: bubblewrap, as the sandbox's uid, walks to the mount it binds.
    mkdirSync(dir, { recursive: true, mode: 0o711 });
    chmodSync(dir, 0o711);
    await sweep(dir);
    if (!mountPoints().includes(realpathSync(dir))) await runHost('sh', ['-c', 'mount --bind "$1" "$1" && mount --make-private "$1"', 'sh', dir]);
    return new TmpDisks(dir, new InitHelper(init), new InitHelper(init, backgroundProcs ?? ''));
  }

  /** A disk of `sizeMb`: a waiting one, else one made now; the pool of that size refills once half of it is gone. */
  async take(sizeMb: number): Promise<TmpDisk> {
    const disk = this.ready.get(sizeMb)?.shift() ?? (await this.make(sizeMb, 1))[0]!;
    if ((this.ready.get(sizeMb)?.length ?? 0) <= READY_PER_SIZE / 2) {
      // Not at once: the start that took this disk is mounting its sandbox now, and mounts contend in the kernel.
      setTimeout(() => this.refill(sizeMb), REFILL_DELAY_MS).unref();
    }
    return disk;
  }

  /** Makes up to `READY_PER_SIZE` disks of `sizeMb` wait ready, unless a refill of that size is on the way. */
  refill(sizeMb: number): void {
    if (this.closed || this.making.has(sizeMb)) return;
    const missing = READY_PER_SIZE - (this.ready.get(sizeMb)?.length ?? 0);
    if (missing <= 0) return;
    const refilling = this.make(sizeMb, missing, { background: true })
      .then(async (made) => {
        if (this.closed) await Promise.all(made.map((d) => this.release(d)));
        else this.ready.set(sizeMb, [...(this.ready.get(sizeMb) ?? []), ...made]);
      })
      // Made on demand at the next start instead, which reports why.
      .catch(() => undefined)
      .finally(() => this.making.delete(sizeMb));
    this.making.set(sizeMb, refilling);
  }

  /** Unmounts a disk its sandbox no longer uses and deletes it (with the others released at once, in one `umount`). */
  release(disk: TmpDisk): Promise<void> {
    this.releasing.push(disk);
    this.releasingDone ??= new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      const batch = this.releasing.splice(0);
      this.releasingDone = undefined;
      const unmount = (disks: TmpDisk[]) => runHost('umount', ['-l', ...disks.map((d) => d.mount)]).then(() => true, () => false);
      const mounted = (disks: TmpDisk[]) => {
        const points = new Set(mountPoints());
        return disks.filter((d) => points.has(d.mount));
      };
      let done = batch;
      if (!(await unmount(batch))) {
        // The spawner that ran `umount` may have died with the sandboxes that used these disks
        // (the next command starts another): once more for what is still mounted. Never `rm`
        // through a mounted disk: it would empty the filesystem, leave it mounted on a deleted
        // image and fail on the mount point. What is still mounted waits for the next start's sweep.
        const stuck = mounted(batch);
        const still = new Set(stuck.length > 0 && !(await unmount(stuck)) ? mounted(stuck) : []);
        done = batch.filter((d) => !still.has(d));
      }
      // By `rm`, not on the event loop: unlinking an image the sandbox wrote frees its blocks in
      // the kernel (~1 ms each), and a burst's environments end together (200 took the loop 1 s).
      if (done.length > 0) await runHost('rm', ['-rf', '--', ...done.flatMap((d) => [d.mount, d.image])]).catch(() => undefined);
    });
    return this.releasingDone;
  }

  /** Deletes the waiting disks and the templates, once the refills in progress have ended; none is made after. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.making.values());
    const waiting = [...this.ready.values()].flat();
    this.ready.clear();
    await Promise.all(waiting.map((d) => this.release(d)));
    const templates = await Promise.allSettled(this.templates.values());
    for (const t of templates) if (t.status === 'fulfilled') rmSync(t.value, { force: true });
    this.helper.close();
    this.background.close();
    await runHost('umount', ['-l', this.dir]).catch(() => undefined);
  }

  private async make(sizeMb: number, count: number, options: { background?: boolean } = {}): Promise<TmpDisk[]> {
    const template = await this.template(sizeMb);
    const disks: TmpDisk[] = [];
    try {
      for (let i = 0; i < count; i++) {
        const id = join(this.dir, randomBytes(6).toString('hex'));
        const disk = { sizeMb, image: `${id}.img`, mount: id };
        disks.push(disk);
        mkdirSync(disk.mount, { mode: 0o755 });
      }
      const helper = options.background ? this.background : this.helper;
      for (const d of disks) await helper.makeDisk(template, d.image, d.mount);
      return disks;
    } catch (err) {
      await Promise.all(disks.map((d) => this.release(d)));
      throw err;
    }
  }

  /** The template image of `sizeMb`, formatted at its first use; a failure is tried again at the next. */
  private template(sizeMb: number): Promise<string> {
    let made = this.templates.get(sizeMb);
    if (!made) {
      const image = join(this.dir, `template-${sizeMb}.img`);
      made = (async () => {
        const fd = openSync(image, 'w', 0o600);
        try {
          ftruncateSync(fd, Math.ceil(sizeMb * EXT4_OVERHEAD) * 1024 * 1024);
        } finally {
          closeSync(fd);
        }
        await runHost('sh', ['-c', MAKE_TEMPLATE, 'sh', image]);
        return image;
      })();
      made.catch(() => this.templates.delete(sizeMb));
      this.templates.set(sizeMb, made);
    }
    return made;
  }
}

/** Unmounts and deletes every disk under `dir`. */
async function sweep(dir: string): Promise<void> {
  await unmountUnder(dir);
  for (const name of readdirSync(dir)) rmSync(join(dir, name), { recursive: true, force: true });
}
