/**
 * Ready sandboxes, whatever the driver: runtimes booted ahead of any function, waiting for
 * one. A cold start spent most of its time booting the interpreter and Gust's bootstrap
 * (Node ~45 ms, Python ~32 ms here); a ready sandbox did that ahead, and its bootstrap waits
 * on its assignment channel (assignment-channel.ts). How a driver boots one and gives it a
 * function is its {@link ReadyBooter} (namespace/ready-sandboxes.ts, process-ready.ts); this
 * pool keeps each runtime stocked, hands them out and lets them go.
 *
 * Isolation is as for any sandbox of the driver: a ready sandbox is booted for no function,
 * with only the variables every function of its runtime starts with (no code, no secrets),
 * is given to exactly one environment and dies with it. What a function needs before its
 * interpreter starts cannot be given later: the booter's `fits` refuses it, and the start
 * takes the ordinary path.
 *
 * Sizing, by demand (demand-target.ts): each runtime keeps as many as its largest recent
 * burst of cold starts, plus one, up to `size`; a minute without a start halves the count (the
 * extra sandboxes are killed), down to one. Refills start shortly after the last take of a
 * burst (not during it: a boot competes with the starts for the CPU), boot on half the
 * machine's cores, and stop while the booter has no room or memory runs short: a refill
 * leaves a quarter of the machine's memory to the environments that start the ordinary way.
 * A ready sandbox whose runtime dies while waiting is replaced, three times in a row at most
 * before the runtime's next start.
 */
import { availableParallelism, freemem, totalmem } from 'node:os';
import { LIMITS, type Runtime } from '../core/limits.js';
import { once } from '../core/primitives.js';
import type { AssignmentChannel } from './assignment-channel.js';
import type { HostChild } from './host-spawner.js';
import { DemandTarget } from './demand-target.js';
import { buildLambdaEnvironment } from './lambda-environment.js';
import type { ReadySandboxesReport, RuntimeFiles, RuntimeLayout, Sandbox, SandboxLayout, SandboxSpec } from './sandbox-driver.js';

/**
 * Variables an interpreter (or the C library, or Lambda's exec wrapper) reads when it
 * starts: a function that sets one, beyond those the driver sets, takes the ordinary path.
 */
export const START_VARIABLE = /^(NODE_|PYTHON|LD_|LC_|AWS_LAMBDA_EXEC_WRAPPER$|GLIBC_TUNABLES$|MALLOC_|UV_|OPENSSL_|GCONV_PATH$|LOCPATH$|TMPDIR$)/;
/** Replacements of a runtime that keeps dying while it waits, before its next start. */
const MAX_REPLACEMENTS = 3;
/**
 * Delay between the last take of a burst and the refill: a boot takes as much CPU as an
 * ordinary cold start, and refills that began during a burst of 50 took the CPU from its
 * starts (bench: the burst took 4.4 s from a full pool; see docs/sandbox.md).
 */
const REFILL_DELAY_MS = 250;
/** The longest a refill waits for a burst to end (a stream of cold starts refills sooner: see `inStream`). */
const REFILL_WAIT_MAX_MS = 1_000;
/** Ready sandboxes a runtime keeps during a stream of cold starts, each booted again soon after it is taken. */
const STREAM_RESERVE = 2;
/**
 * How long a stream's refill waits after a take: until the start it served is answered
 * (~5–10 ms), which a boot beside it slowed by ~2.5 ms (Init Duration ~4.3 → ~6 ms) when
 * the boot began at the take itself.
 */
const STREAM_REFILL_DELAY_MS = 25;
/** Boots under way at once, over all runtimes: half the cores, the rest left to the environments a burst started. */
const BOOT_PARALLELISM = Math.max(1, Math.floor(availableParallelism() / 2));
/** Time without a cold start of a runtime, after which its count halves. */
const SHRINK_AFTER_MS = 60_000;
/** The share of the machine's memory a refill leaves available. */
const KEPT_MEMORY_SHARE = 0.25;

/**
 * How one driver boots ready sandboxes (`R`) and gives them to functions; `C` is what its
 * start hands on to the assignment besides the spec.
 */
export interface ReadyBooter<R, C> {
  /** Boots a sandbox of `runtime` whose bootstrap then waits for its assignment. */
  boot(runtime: RuntimeFiles): Promise<R>;
  /** The runtime process of `ready`: its exit while waiting discards it. */
  child(ready: R): HostChild;
  /** The variables `spec`'s runtime would get from a ready sandbox, or undefined when no ready sandbox can ever take it. */
  assignedEnv(spec: SandboxSpec): Record<string, string> | undefined;
  /** Whether `spec`, with the variables `env`, can run in `ready`. */
  fits(ready: R, spec: SandboxSpec, env: Readonly<Record<string, string>>): boolean;
  /** Gives `ready` (alive when this is called) to `spec`'s function; throws when it cannot, and the pool discards it. */
  assign(ready: R, spec: SandboxSpec, env: Record<string, string>, context: C): Promise<Sandbox>;
  /** Releases what `ready` holds, its process gone or killed. */
  release(ready: R): Promise<void>;
  /** Memory `ready` holds now. */
  memoryBytes(ready: R): number;
  /** Whether another boot leaves what the environments need (uids, for the namespace driver). */
  roomToBoot(): boolean;
}

export interface ReadyPoolOptions {
  /** The most ready sandboxes per runtime; 0: none. */
  size: number;
  /** Told when a ready sandbox could not be given to a start (which then took the ordinary path), booted or released. */
  onFailure?: ((err: unknown, what: string) => void) | undefined;
}

/** A start under way (see {@link ReadyPool.start}). */
export interface PoolStart {
  /** The ready sandbox it was given; undefined: it boots one the ordinary way, its turn come. */
  sandbox: Sandbox | undefined;
  /** To call at its runtime's first /next, and at its exit (once counts). */
  booted: () => void;
}

/** One booted sandbox waiting for its function. */
interface Waiting<R> {
  key: string;
  ready: R;
  onExit: () => void;
}

interface RuntimeEntry<R> {
  runtime: RuntimeFiles;
  /** `nodejs22.x`, `python3.12`: the metrics' label. */
  name: string;
  waiting: Waiting<R>[];
  booting: number;
  replacements: number;
  /** How many it keeps: grown by demand, halved when idle. */
  target: DemandTarget;
  /** A boot failed: no more until the runtime's next start, rather than failing again at once. */
  stalled: boolean;
  refill: NodeJS.Timeout | undefined;
  /** When the pending refill starts at the latest (epoch ms). */
  refillBy: number | undefined;
}

export class ReadyPool<R, C> {
  private readonly runtimes = new Map<string, RuntimeEntry<R>>();
  private closed = false;
  /** Boots under way (with the discard of one that ends after the close): how many run at once, and what the close waits for. */
  private readonly boots = new Set<Promise<void>>();
  /** Starts under way (a ready sandbox's or not) whose runtime has not asked for work yet: a burst's, when there are many. */
  private startsBooting = 0;

  constructor(
    private readonly options: ReadyPoolOptions,
    private readonly booter: ReadyBooter<R, C>,
  ) {}

  /**
   * Begins a driver's start of `spec`: a ready sandbox given to it when one fits (`context`
   * makes what the booter's assignment needs, from the start's `booted`), else its turn to
   * boot one the ordinary way (`spec.bootTurn`: a ready one needs none). The start counts as
   * booting until `booted` is called, or here when this fails; `then` runs at that moment too.
   */
  async start(spec: SandboxSpec, context: (booted: () => void) => C, then?: () => void): Promise<PoolStart> {
    this.startsBooting++;
    const booted = once(() => {
      this.startsBooting--;
      then?.();
    });
    try {
      const sandbox = await this.take(spec, context(booted));
      if (!sandbox) await spec.bootTurn?.();
      return { sandbox, booted };
    } catch (err) {
      booted();
      throw err;
    }
  }

  /**
   * A ready sandbox given to `spec` (its runtime starting), or undefined when none fits:
   * the caller then starts one the ordinary way. Keeps `spec`'s runtime stocked either way.
   */
  private async take(spec: SandboxSpec, context: C): Promise<Sandbox | undefined> {
    if (this.options.size === 0 || !spec.runtime || this.closed) return undefined;
    const key = runtimeKey(spec.runtime);
    if (spec.stockReady === false && !this.runtimes.has(key)) return undefined;
    const entry = this.entry(key, spec.runtime);
    entry.replacements = 0;
    entry.stalled = false;
    const env = this.booter.assignedEnv(spec);
    if (env) entry.target.started();
    const i = env ? entry.waiting.findIndex((w) => this.booter.fits(w.ready, spec, env)) : -1;
    if (i < 0) {
      if (spec.stockReady === 'at-once') entry.refillBy = Date.now();
      this.scheduleRefill(entry, key);
      return undefined;
    }
    const taken = entry.waiting.splice(i, 1)[0]!;
    this.scheduleRefill(entry, key);
    const child = this.booter.child(taken.ready);
    child.off('exit', taken.onExit);
    try {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error('the ready sandbox has exited');
      return await this.booter.assign(taken.ready, spec, env!, context);
    } catch (err) {
      this.options.onFailure?.(err, 'could not be given to a cold start, which took the ordinary path');
      // The ordinary path still works: this sandbox is given up, not the start.
      this.discard(taken).catch((cannot: unknown) => this.options.onFailure?.(cannot, 'could not be released'));
      return undefined;
    }
  }

  /** Each runtime's ready sandboxes now. */
  report(): ReadySandboxesReport[] {
    return [...this.runtimes.values()].map((e) => ({
      runtime: e.name,
      waiting: e.waiting.length,
      booting: e.booting,
      target: e.target.value,
      memoryBytes: e.waiting.reduce((sum, w) => sum + this.booter.memoryBytes(w.ready), 0),
    }));
  }

  /** Kills every waiting sandbox and boots none after. */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.runtimes.values()].flatMap((e) => {
      clearTimeout(e.refill);
      e.target.stop();
      return e.waiting.splice(0);
    });
    // Boots still running end here too, so that nothing of theirs outlives the driver's files.
    await Promise.all([...all.map((w) => this.discard(w)), ...this.boots]);
  }

  private entry(key: string, runtime: RuntimeFiles): RuntimeEntry<R> {
    let entry = this.runtimes.get(key);
    if (!entry) {
      const waiting: Waiting<R>[] = [];
      const target = new DemandTarget(
        this.options.size,
        (count) => {
          for (const extra of waiting.splice(count)) this.discard(extra).catch((err: unknown) => this.options.onFailure?.(err, 'could not be released'));
        },
        SHRINK_AFTER_MS,
      );
      entry = { runtime, name: runtimeName(runtime), target, waiting, booting: 0, replacements: 0, stalled: false, refill: undefined, refillBy: undefined };
      this.runtimes.set(key, entry);
    }
    return entry;
  }

  /** Refills `STREAM_REFILL_DELAY_MS` after a take in a stream (`inStream`); else `REFILL_DELAY_MS` after the last take of a burst, and at most `REFILL_WAIT_MAX_MS` after its first. */
  private scheduleRefill(entry: RuntimeEntry<R>, key: string): void {
    if (this.closed) return;
    let delay = STREAM_REFILL_DELAY_MS;
    if (!this.inStream(entry)) {
      const now = Date.now();
      entry.refillBy ??= now + REFILL_WAIT_MAX_MS;
      delay = Math.max(0, Math.min(REFILL_DELAY_MS, entry.refillBy - now));
    }
    clearTimeout(entry.refill);
    entry.refill = setTimeout(() => this.refillWhenCalm(entry, key), delay);
    entry.refill.unref();
  }

  /**
   * Refills once the starts booting the ordinary way are few: a burst's starts all ask at
   * once (they wait for their turn to boot afterwards), so its last take says nothing of
   * its end, and refills booting beside its starts took the CPU from them (a first burst of
   * 50 took 3.0 s instead of 1.3 s).
   */
  private refillWhenCalm(entry: RuntimeEntry<R>, key: string): void {
    if (!this.closed && this.busy()) {
      entry.refill = setTimeout(() => this.refillWhenCalm(entry, key), REFILL_DELAY_MS);
      entry.refill.unref();
      return;
    }
    entry.refill = undefined;
    entry.refillBy = undefined;
    this.refill(entry, key);
  }

  /**
   * Whether `entry` is in a stream, which refills without waiting for its end: cold starts
   * that come one after another (this start followed another), the runtime down to its last
   * sandboxes, and few enough starts booting to leave room for a boot. A stream's takes came
   * ~100 ms apart, so each one put the burst delay off again, up to a second: 20 starts found
   * a ready sandbox for 2. A burst is not one: its many starts boot at once, and one from a
   * full pool leaves plenty waiting (boots during it took CPU from its starts). Nor is a
   * runtime's lone first start (`gust serve`'s probe): booting at once there pushed the probes
   * into a first burst that came right after start-up, which took 0.5 s longer.
   */
  private inStream(entry: RuntimeEntry<R>): boolean {
    return entry.target.following() && entry.waiting.length + entry.booting < STREAM_RESERVE && !this.busy();
  }

  /** Whether more starts boot than the pool boots at once: a burst's, whose CPU a refill would take. */
  private busy(): boolean {
    return this.startsBooting > BOOT_PARALLELISM;
  }

  /** Whether another boot leaves the memory (and whatever the booter counts) that environments need. */
  private roomToBoot(): boolean {
    return this.boots.size < BOOT_PARALLELISM && this.booter.roomToBoot() && freemem() > totalmem() * KEPT_MEMORY_SHARE;
  }

  private refill(entry: RuntimeEntry<R>, key: string): void {
    while (!this.closed && !entry.stalled && entry.waiting.length + entry.booting < entry.target.value && this.roomToBoot()) {
      entry.booting++;
      const booted: Promise<void> = this.booter.boot(entry.runtime).then(
        async (ready) => {
          entry.booting--;
          const waiting: Waiting<R> = { key, ready, onExit: () => this.onWaitingExit(waiting) };
          this.booter.child(ready).once('exit', waiting.onExit);
          // Closed, or shrunk while it booted.
          if (this.closed || entry.waiting.length >= entry.target.value) await this.discard(waiting);
          else entry.waiting.push(waiting);
        },
        (err: unknown) => {
          entry.booting--;
          if (this.closed) return;
          entry.stalled = true;
          this.options.onFailure?.(err, 'could not boot');
        },
      );
      this.boots.add(booted);
      const settled = () => {
        this.boots.delete(booted);
        // A stream's refill goes on while it lasts; a burst's waits for its delay.
        if (this.inStream(entry)) this.refill(entry, key);
        this.refillAll();
      };
      booted.then(settled, settled);
    }
  }

  /** Goes on with the refills that waited for a boot to end (none waits for its delay). */
  private refillAll(): void {
    for (const [key, entry] of this.runtimes) if (!entry.refill) this.refill(entry, key);
  }

  private onWaitingExit(waiting: Waiting<R>): void {
    const entry = this.runtimes.get(waiting.key);
    const i = entry?.waiting.indexOf(waiting) ?? -1;
    if (i >= 0) entry!.waiting.splice(i, 1);
    this.booter.release(waiting.ready).catch((err: unknown) => this.options.onFailure?.(err, 'could not be released'));
    if (!entry || this.closed || entry.replacements >= MAX_REPLACEMENTS) return;
    entry.replacements++;
    this.scheduleRefill(entry, waiting.key);
  }

  private async discard(waiting: Waiting<R>): Promise<void> {
    const child = this.booter.child(waiting.ready);
    child.off('exit', waiting.onExit);
    killGroup(child);
    await this.booter.release(waiting.ready);
  }
}

/** Sandboxes of one key run the same interpreter, bootstrap and SDK. */
function runtimeKey(r: RuntimeFiles): string {
  return JSON.stringify([r.language, r.version, r.interpreter, r.runtimeDir, r.bootstrap, r.sdkDir ?? '', r.langDir ?? '', r.systemRoot ?? '']);
}

/** The Lambda runtime identifier of `r`'s language and version. */
export function runtimeName(r: RuntimeFiles): Runtime {
  return (r.language === 'nodejs' ? `nodejs${r.version}.x` : `python${r.version}`) as Runtime;
}

/** The variables of a function's environment that its layout sets, not the function: what a runtime reads as it starts. */
const LAYOUT_VARIABLES = ['LANG', 'TZ', 'PATH', 'LD_LIBRARY_PATH', 'NODE_PATH', 'PYTHONPATH', 'LAMBDA_TASK_ROOT', 'LAMBDA_RUNTIME_DIR'];

/**
 * What a function of `r` starts with before its own variables, with its code and layers where
 * `layout` puts them: what a ready sandbox boots with.
 */
export function startVariables(r: RuntimeFiles, layout: SandboxLayout & { runtime: RuntimeLayout }): Record<string, string> {
  const full = buildLambdaEnvironment({
    version: { functionName: '', version: '', memorySize: 0, runtime: runtimeName(r), environment: {}, loggingConfig: { logFormat: 'Text', logGroup: '' } },
    runtimeApi: '',
    layout,
    runtimeDir: layout.runtime.runtimeDir,
    ...(layout.runtime.sdkDir === undefined ? {} : { sdkDir: layout.runtime.sdkDir }),
    region: '',
    logGroupName: '',
    logStreamName: '',
    pathPrefix: layout.runtime.pathPrefix,
  });
  const env: Record<string, string> = {};
  for (const k of LAYOUT_VARIABLES) if (full[k] !== undefined) env[k] = full[k];
  return env;
}

/**
 * Resolves once the runtime of `child` asks `channel` for its function; rejects when the
 * process exits first or the boot takes longer than Lambda's init limit. A boot ends then,
 * not at the spawn: the pool boots {@link BOOT_PARALLELISM} at a time, and sandboxes counted
 * as waiting while their interpreters still booted put a burst given them beside dozens of
 * booting runtimes (the process driver's next burst of 50: 0.9-1.1 s where 0.4 s).
 */
export function untilAsking(channel: AssignmentChannel, child: HostChild): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onExit = () => settle(new Error('the runtime exited before it asked for its function'));
    const timer = setTimeout(() => settle(new Error(`the runtime did not ask for its function within ${LIMITS.initTimeoutMs / 1000} s`)), LIMITS.initTimeoutMs);
    timer.unref();
    const settle = (err?: Error) => {
      clearTimeout(timer);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve();
    };
    if (child.exitCode !== null || child.signalCode !== null) return onExit();
    child.once('exit', onExit);
    channel.asked().then(() => settle(), settle);
  });
}

/** Kills the process group of `child`: what its launcher or bootstrap started goes too. */
export function killGroup(child: HostChild): void {
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    // gone already
  }
}
