/**
 * Starts host processes without forking the server. Node's `spawn` forks the calling process
 * on its event loop: for a server of a few hundred MB that is 3–6 ms of page-table copying
 * on a quiet machine and ~45 ms under a burst of cold starts, during which no request is
 * answered (a 200-start burst spent 17 s of the event loop in `spawn`). The spawner is a
 * small Node process started once (spawner-process.ts); it forks instead, and hands the
 * child's pipes back over its IPC channel, so the server owns them as if it had spawned the
 * child itself.
 *
 * A child started here is a {@link HostChild}: the parts of `ChildProcess` the sandbox
 * drivers use. Its pid is a real host pid (signals go straight to it); its `exit` comes from
 * the spawner. If the spawner dies, its launchers die with it (PDEATHSIG), every other child
 * that was still running is killed, and each is reported as killed; the next spawn starts a
 * new spawner.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { SPAWNER_SOURCE } from './spawner-process.js';

/** What the drivers need of a started process: `ChildProcess` has all of it. */
export interface HostChild extends EventEmitter {
  readonly pid?: number | undefined;
  readonly stdio: ReadonlyArray<Readable | Writable | null | undefined>;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  readonly exitCode: number | null;
  readonly signalCode: NodeJS.Signals | null;
  ref(): void;
  unref(): void;
}

export type SpawnStdio = 'ignore' | 'pipe' | { file: string };

type Ref = { ref?(): void; unref?(): void } | null | undefined;

/** Whether the child (and each of its pipes) keeps Gust's event loop alive. */
export function setReferenced(child: HostChild, on: boolean): void {
  for (const handle of [child, ...(child.stdio as Ref[])] as Ref[]) {
    if (on) handle?.ref?.();
    else handle?.unref?.();
  }
}

export interface HostSpawnOptions {
  env: Record<string, string>;
  detached?: boolean;
  /** Per descriptor from 0: ignored, a pipe to the server, or a file opened read-only for the child. */
  stdio: readonly SpawnStdio[];
}

export interface HostRunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export class HostSpawnError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = 'HostSpawnError';
  }
}

type Reply =
  | { op: 'pipe'; id: number; fd: number }
  | { op: 'spawn' | 'started'; id: number; pid: number }
  | { op: 'exit'; id: number; code: number | null; signal: NodeJS.Signals | null }
  | ({ op: 'ran'; id: number } & HostRunResult)
  | { op: 'error'; id: number; message: string; code?: string };

interface Pending {
  onReply(reply: Reply, handle: unknown): void;
  onSpawnerGone(): void;
}

/** A child the spawner started, seen from the server. */
class SpawnedChild extends EventEmitter implements HostChild {
  pid: number | undefined;
  readonly stdio: (Readable | Writable | null)[];
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  private referenced = true;

  constructor(
    stdioCount: number,
    private readonly holder: { hold(on: boolean): void },
  ) {
    super();
    this.stdio = Array.from({ length: stdioCount }, () => null);
    holder.hold(true);
  }

  get stdout(): Readable | null {
    return this.stdio[1] as Readable | null;
  }

  get stderr(): Readable | null {
    return this.stdio[2] as Readable | null;
  }

  ref(): void {
    if (!this.referenced && this.exitCode === null && this.signalCode === null) {
      this.referenced = true;
      this.holder.hold(true);
    }
  }

  unref(): void {
    if (this.referenced) {
      this.referenced = false;
      this.holder.hold(false);
    }
  }

  /** The end, as ChildProcess reports it: `exit`, then `close` once every pipe has closed. */
  ended(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.exitCode !== null || this.signalCode !== null) return;
    this.exitCode = code;
    this.signalCode = signal;
    this.unref();
    this.emit('exit', code, signal);
    const open = this.stdio.filter((s): s is Readable | Writable => s !== null && !s.closed);
    // As ChildProcess does at exit: a pipe nobody reads would never reach its end and close.
    for (const s of open) if ('readableFlowing' in s && s.readableFlowing === null) s.resume();
    let left = open.length;
    if (left === 0) return void this.emit('close', code, signal);
    for (const s of open) {
      s.once('close', () => {
        if (--left === 0) this.emit('close', code, signal);
      });
    }
  }
}

export class HostSpawner {
  private process: ChildProcess | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** Children and requests that keep the server's event loop alive, as their own processes would. */
  private holds = 0;

  /** Starts `command` and resolves once it runs, with its pipes; rejects as `spawn`'s 'error' would. */
  spawn(command: string, args: readonly string[], options: HostSpawnOptions): Promise<HostChild> {
    const id = this.nextId++;
    const child = new SpawnedChild(options.stdio.length, this);
    return new Promise<HostChild>((resolve, reject) => {
      this.pending.set(id, {
        onReply: (reply, handle) => {
          // A handle that did not cross (its process gone meanwhile) leaves the slot empty.
          if (reply.op === 'pipe') child.stdio[reply.fd] = (handle as Readable | Writable | undefined) ?? null;
          else if (reply.op === 'spawn') {
            child.pid = reply.pid;
            resolve(child);
          } else if (reply.op === 'exit') {
            this.pending.delete(id);
            // Messages read together are dispatched in one go: the spawn's awaiter must see the child before its end.
            setImmediate(() => child.ended(reply.code, reply.signal));
          } else if (reply.op === 'error') {
            this.pending.delete(id);
            child.unref();
            reject(new HostSpawnError(reply.message, reply.code));
          }
        },
        onSpawnerGone: () => {
          this.pending.delete(id);
          if (child.pid === undefined) {
            child.unref();
            reject(new HostSpawnError(`${command}: the spawner process ended`, undefined));
            return;
          }
          // Launchers die with the spawner (PDEATHSIG); anything else is killed here, so that what is reported is true.
          if (options.detached) killGroup(child.pid);
          else kill(child.pid);
          child.ended(null, 'SIGKILL');
        },
      });
      this.send({ op: 'spawn', id, command, args, env: options.env, detached: options.detached ?? false, stdio: options.stdio });
    });
  }

  /** Runs `command` to its end, with `input` on its stdin when given, and resolves with what it printed. */
  run(command: string, args: readonly string[], options: { env: Record<string, string>; input?: string | undefined }): Promise<HostRunResult> {
    const id = this.nextId++;
    this.hold(true);
    let pid: number | undefined;
    return new Promise<HostRunResult>((resolve, reject) => {
      const done = () => {
        this.pending.delete(id);
        this.hold(false);
      };
      this.pending.set(id, {
        onReply: (reply) => {
          if (reply.op === 'started') pid = reply.pid;
          else if (reply.op === 'ran') {
            done();
            resolve({ code: reply.code, signal: reply.signal, stdout: reply.stdout, stderr: reply.stderr });
          } else if (reply.op === 'error') {
            done();
            reject(new HostSpawnError(reply.message, reply.code));
          }
        },
        onSpawnerGone: () => {
          done();
          // Not left to finish unseen: a mount made after its caller gave up would be nobody's.
          if (pid !== undefined) killGroup(pid);
          reject(new HostSpawnError(`${command}: the spawner process ended`, undefined));
        },
      });
      this.send({ op: 'run', id, command, args, env: options.env, input: options.input });
    });
  }

  /** Stops the spawner (its running launchers die with it); a later spawn starts a new one. */
  close(): void {
    this.process?.kill('SIGKILL');
  }

  hold(on: boolean): void {
    this.holds += on ? 1 : -1;
    const channel = this.process?.channel;
    if (this.holds > 0) channel?.ref();
    else channel?.unref();
  }

  private send(message: object): void {
    const spawner = (this.process ??= this.start());
    spawner.send(message);
  }

  private start(): ChildProcess {
    // Its own stderr goes to the server's, so a crash of the spawner is seen.
    const spawner = spawn(process.execPath, ['-e', SPAWNER_SOURCE], { env: {}, stdio: ['ignore', 'ignore', 'inherit', 'ipc'], serialization: 'json' });
    spawner.on('message', (reply: Reply, handle: unknown) => this.pending.get(reply.id)?.onReply(reply, handle));
    spawner.on('error', () => undefined);
    spawner.once('exit', () => {
      if (this.process === spawner) this.process = undefined;
      for (const p of [...this.pending.values()]) p.onSpawnerGone();
    });
    spawner.unref();
    if (this.holds === 0) spawner.channel?.unref();
    return spawner;
  }
}

function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone already
  }
}

function killGroup(leader: number): void {
  kill(-leader);
}

let shared: HostSpawner | undefined;

/** The process's one spawner, started at its first use. */
export function hostSpawner(): HostSpawner {
  return (shared ??= new HostSpawner());
}
