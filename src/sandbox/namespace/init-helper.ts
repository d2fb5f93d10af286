/**
 * Host mounts through one long-lived `gust-init helper` (see gust-init.c): a ready sandbox's
 * code bound inside it (on its cold path), and a sandbox's /tmp disk made (on the cold path
 * of a start that finds none made ahead). Through the spawner, a `mount` per bind cost ~5 ms,
 * and a disk took a shell, `cp`, `losetup` and `mount` (~5 ms, with a burst's 100 disks
 * attached); a request to a process already running costs a write and a read, plus the
 * kernel's work (~1.2 ms a disk). Requests go one at a time, in order. The helper is started
 * (through the spawner, as any host process) at the first request and again after it ended;
 * it dies with the spawner (PDEATHSIG) and at `close()`.
 */
import { hostSpawner, type HostChild } from '../host-spawner.js';
import { LineSplitter } from '../line-splitter.js';
import type { Readable, Writable } from 'node:stream';

/** A request the kernel refused; `errno` is its number (ENOENT 2, EPERM 1, …). */
export class HelperError extends Error {
  constructor(
    message: string,
    readonly errno: number | undefined,
  ) {
    super(message);
    this.name = 'HelperError';
  }
}

interface Pending {
  resolve: () => void;
  reject: (err: Error) => void;
  what: string;
}

export class InitHelper {
  private child: Promise<HostChild> | undefined;
  private readonly pending: Pending[] = [];
  private closed = false;

  /**
   * `init` is the gust-init executable. With `background`, the helper runs at nice 19 and
   * joins that cgroup.procs ('' for none): what is made ahead yields to what starts now.
   */
  constructor(
    private readonly init: string,
    private readonly background?: string,
  ) {}

  /**
   * Binds the host's `src` (nosuid, nodev; read-only unless `writable`) on `dst` inside the
   * sandbox of the bubblewrap `bwrapPid` (its child's mount namespace). The mount lives in
   * that namespace alone, and ends with it.
   */
  bindInto(bwrapPid: number, src: string, dst: string, { writable = false } = {}): Promise<void> {
    return this.request([writable ? 'bindrw' : 'bind', src, String(bwrapPid), dst], `bind of ${src} on ${dst} in the sandbox of ${bwrapPid}`);
  }

  /** Copies `template` to the new `image`, attaches it to a loop device and mounts it at `mount` (an empty directory). */
  makeDisk(template: string, image: string, mount: string): Promise<void> {
    return this.request(['disk', template, image, mount], `disk ${image} on ${mount}`);
  }

  /** Ends the helper; requests in flight fail. */
  close(): void {
    this.closed = true;
    void this.child?.then((c) => (c.stdio[0] as Writable).end(), () => undefined);
  }

  private async request(fields: readonly [string, string, string, string], what: string): Promise<void> {
    if (this.closed) throw new HelperError(`${what}: the helper is closed`, undefined);
    const child = await this.start();
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ resolve, reject, what });
      (child.stdio[0] as Writable).write(fields.map((f) => `${f}\0`).join(''));
    });
  }

  private start(): Promise<HostChild> {
    const args = this.background === undefined ? ['helper'] : ['helper', this.background || '-'];
    this.child ??= hostSpawner()
      .spawn(this.init, args, { env: {}, stdio: ['pipe', 'pipe', 'ignore'] })
      .then((child) => {
        child.unref();
        for (const s of child.stdio) (s as { unref?: () => void } | null)?.unref?.();
        (child.stdio[0] as Writable).on('error', () => undefined);
        // Each helper's answers are lines of their own: a partial one dies with its helper.
        const answers = new LineSplitter((line) => this.onAnswer(line));
        (child.stdio[1] as Readable).on('data', (chunk: Buffer) => answers.push(chunk));
        child.once('exit', () => {
          this.child = undefined;
          for (const p of this.pending.splice(0)) p.reject(new HelperError(`${p.what}: the helper ended`, undefined));
        });
        return child;
      });
    this.child.catch(() => (this.child = undefined));
    return this.child;
  }

  /** One answer, `ok` or `error <errno>`, to the oldest request. */
  private onAnswer(line: string): void {
    const p = this.pending.shift();
    if (!p) return;
    if (line === 'ok') return p.resolve();
    const errno = Number(/^error (\d+)$/.exec(line)?.[1]);
    p.reject(new HelperError(`${p.what} failed: ${line}`, Number.isNaN(errno) ? undefined : errno));
  }
}
