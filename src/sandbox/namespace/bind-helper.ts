/**
 * Read-only binds into running sandboxes through one long-lived `gust-init binds` (see
 * gust-init.c): the bind of a function's code into a ready sandbox is on its cold path, and
 * a `mount` process per bind through the spawner cost ~5 ms each, where a request to a
 * process already running costs a write and a read. Requests go one at a time, in order.
 * The helper is started (through the spawner, as any host process) at the first request
 * and again after it ended; it dies with the spawner (PDEATHSIG) and at `close()`.
 */
import { hostSpawner, type HostChild } from '../host-spawner.js';
import { LineSplitter } from '../line-splitter.js';
import type { Readable, Writable } from 'node:stream';

/** A bind the kernel refused; `errno` is its number (ENOENT 2, EPERM 1, …). */
export class BindError extends Error {
  constructor(
    message: string,
    readonly errno: number | undefined,
  ) {
    super(message);
    this.name = 'BindError';
  }
}

interface Pending {
  resolve: () => void;
  reject: (err: Error) => void;
  what: string;
}

export class BindHelper {
  private child: Promise<HostChild> | undefined;
  private readonly pending: Pending[] = [];
  private closed = false;

  /** `init` is the gust-init executable. */
  constructor(private readonly init: string) {}

  /**
   * Binds the host's `src` read-only (nosuid, nodev) on `dst` inside the sandbox of the
   * bubblewrap `bwrapPid` (its child's mount namespace). The mount lives in that namespace
   * alone, and ends with it.
   */
  async bindInto(bwrapPid: number, src: string, dst: string): Promise<void> {
    if (this.closed) throw new BindError('the bind helper is closed', undefined);
    const child = await this.start();
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ resolve, reject, what: `${src} on ${dst} in the sandbox of ${bwrapPid}` });
      (child.stdio[0] as Writable).write(`${src}\0${bwrapPid}\0${dst}\0`);
    });
  }

  /** Ends the helper; requests in flight fail. */
  close(): void {
    this.closed = true;
    void this.child?.then((c) => (c.stdio[0] as Writable).end(), () => undefined);
  }

  private start(): Promise<HostChild> {
    this.child ??= hostSpawner()
      .spawn(this.init, ['binds'], { env: {}, stdio: ['pipe', 'pipe', 'ignore'] })
      .then((child) => {
        child.unref();
        for (const s of child.stdio) (s as { unref?: () => void } | null)?.unref?.();
        (child.stdio[0] as Writable).on('error', () => undefined);
        // Each helper's answers are lines of their own: a partial one dies with its helper.
        const answers = new LineSplitter((line) => this.onAnswer(line));
        (child.stdio[1] as Readable).on('data', (chunk: Buffer) => answers.push(chunk));
        child.once('exit', () => {
          this.child = undefined;
          for (const p of this.pending.splice(0)) p.reject(new BindError(`bind of ${p.what}: the bind helper ended`, undefined));
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
    p.reject(new BindError(`bind of ${p.what} failed: ${line}`, Number.isNaN(errno) ? undefined : errno));
  }
}
