/**
 * Ready sandboxes: namespace sandboxes whose language runtime has already booted, waiting for
 * a function. A cold start spent most of its time booting the interpreter and Gust's
 * bootstrap (Node ~45 ms, Python ~32 ms here); a ready sandbox did that ahead, and its
 * bootstrap waits on its assignment channel (assignment-channel.ts). Giving it a function
 * then takes: the memory limit written to its cgroup, the function's code bound on its empty
 * /var/task and its layers on its empty /opt, inside its mount namespace (init-helper.ts),
 * its Runtime API socket (listening since the boot) pointed at the environment's endpoint,
 * and the function's variables sent to the bootstrap, which takes them as its own, imports
 * the handler and goes on as any runtime. Init Duration counts from the take.
 *
 * Isolation is as for any sandbox: a ready sandbox is booted for no function, with only the
 * variables every function of its runtime starts with (no code, no secrets), is given to
 * exactly one environment and dies with it. What a function needs before its interpreter
 * starts cannot be given later, so {@link ReadySandboxes.take} refuses, and the start takes
 * the ordinary path, when the function sets an interpreter's start-up variable
 * (NODE_OPTIONS, PYTHON*, LD_*, AWS_LAMBDA_EXEC_WRAPPER, …) or any of the start variables
 * differently; and, where /tmp is a tmpfs rather than a disk, when it asks for another /tmp
 * size than Lambda's default. With disks, a function of another size gets a disk of its size
 * mounted over the sandbox's /tmp at assignment; a function attached to host networks gets
 * its sandbox's address into their sets then, as an ordinary start does before its runtime.
 *
 * Sizing, by demand (demand-target.ts): each runtime keeps as many as its largest recent
 * burst of cold starts, plus one, up to `size`; a minute without a start halves the count (the
 * extra sandboxes are killed), down to one. Refills start shortly after the last take of a
 * burst (not during it: a boot competes with the starts for the CPU), boot on half the
 * machine's cores, and stop while uids or memory run short: a refill leaves `uidsKept` uids and a
 * quarter of the machine's memory to the environments that start the ordinary way. A ready
 * sandbox whose runtime dies while waiting is replaced, three times in a row at most before
 * the runtime's next start. Each waits with its cgroup at {@link READY_MEMORY_MB}, and holds
 * its interpreter's memory (measured in docs/sandbox.md), a /tmp disk and a network
 * namespace.
 */
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, freemem, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Writable } from 'node:stream';
import { LIMITS, type Runtime } from '../../core/limits.js';
import type { CgroupHost } from '../cgroups/index.js';
import type { SandboxNetwork } from '../network/sandbox-network.js';
import { buildLambdaEnvironment } from '../lambda-environment.js';
import type { ReadySandboxesReport, RuntimeFiles, Sandbox, SandboxSpec } from '../sandbox-driver.js';
import { AssignmentChannel } from './assignment-channel.js';
import type { InitHelper } from './init-helper.js';
import { DemandTarget } from './demand-target.js';
import { ARGS_FD, bwrapArgs, COMMAND_FD, OPT_ROOT, runtimeApiVariables, SOCKET_DIR_IN_SANDBOX, SOCKET_NAME, TASK_ROOT } from './bwrap-args.js';
import { NamespaceSandbox } from './namespace-sandbox.js';
import type { OptTrees } from './opt-trees.js';
import { listenRuntimeApiLater, type PendingRuntimeApi } from './runtime-api-relay.js';
import { namespaceRuntimeLayout, RUNTIME_DIR_IN_SANDBOX } from './runtime-mounts.js';
import type { SandboxHostFiles } from './sandbox-host.js';
import { setReferenced } from '../host-spawner.js';
import type { LaunchedSandbox, SandboxLauncher } from './sandbox-launcher.js';
import type { TmpDisk, TmpDisks } from './tmp-disks.js';
import type { UidLeases } from './uid-leases.js';

/**
 * The memory limit a ready sandbox boots under: Lambda's default MemorySize (a runtime boots
 * in a fraction of it), so that a function of that size, the most common, needs no write to
 * the cgroup at assignment; any other writes its own (a v1 limit write cost ~0.5 ms there).
 */
export const READY_MEMORY_MB = LIMITS.memoryMbDefault;
/** The /tmp a ready sandbox has: Lambda's default EphemeralStorage. */
export const READY_TMP_MB = 512;
/** The assignment socket's name in the sandbox's socket directory. */
const ASSIGNMENT_SOCKET = 'assignment.sock';
/** Variables an interpreter (or the C library, or Lambda's exec wrapper) reads when it starts: a function that sets one takes the ordinary path. */
const START_VARIABLE = /^(NODE_|PYTHON|LD_|LC_|AWS_LAMBDA_EXEC_WRAPPER$|GLIBC_TUNABLES$|MALLOC_|UV_|OPENSSL_|GCONV_PATH$|LOCPATH$|TMPDIR$)/;
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

/** The driver's files a ready sandbox uses, with the socket root open (see namespace-driver.ts). */
export interface ReadyFiles {
  host: SandboxHostFiles;
  optTrees: OptTrees;
  socketRoot: string;
  /** The name a socket in `socketDir` is bound with (not a host path). */
  socketPath(socketDir: string, name: string): string;
}

export interface ReadySandboxesOptions {
  /** The most ready sandboxes per runtime; 0: none. */
  size: number;
  /** Free uids a refill leaves for environments that start the ordinary way (the concurrency limit). */
  uidsKept: number;
  launcher: SandboxLauncher;
  /** Binds a function's code (and a /tmp of its size) into the sandbox given to it. */
  binds: InitHelper;
  /** The files sandboxes bind now (they move to the sandbox volume once it is mounted). */
  files: () => Promise<ReadyFiles>;
  uids: UidLeases;
  cgroups: CgroupHost | undefined;
  tmpDisks: TmpDisks | undefined;
  network: SandboxNetwork | undefined;
  graceMs: number;
  /** Told when a ready sandbox could not be given to a start (which then took the ordinary path), or not released. */
  onFailure?: ((err: unknown, what: string) => void) | undefined;
  /** Starts under way (a ready sandbox's or not) whose runtime has not asked for work yet: a burst's, when there are many. */
  startsBooting?: (() => number) | undefined;
}

/** One booted sandbox waiting for its function. */
interface Ready {
  key: string;
  launched: LaunchedSandbox;
  socketDir: string;
  channel: AssignmentChannel;
  /** The variables it booted with; an assigned function must agree on each. */
  bootEnv: Readonly<Record<string, string>>;
  command: string;
  args: readonly string[];
  runtimeApi: PendingRuntimeApi;
  release: () => Promise<void>;
  onExit: () => void;
}

interface RuntimeEntry {
  runtime: RuntimeFiles;
  /** `nodejs22.x`, `python3.12`: the metrics' label. */
  name: string;
  ready: Ready[];
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

export class ReadySandboxes {
  private readonly runtimes = new Map<string, RuntimeEntry>();
  private closed = false;
  /** Boots under way (with the discard of one that ends after the close): how many run at once, and what the close waits for. */
  private readonly boots = new Set<Promise<void>>();

  constructor(private readonly options: ReadySandboxesOptions) {}

  /**
   * A ready sandbox given to `spec` (its runtime starting), or undefined when none fits:
   * the caller then starts one the ordinary way. Keeps `spec`'s runtime stocked either way.
   */
  async take(spec: SandboxSpec, optDir: () => Promise<string | undefined>, booted?: () => void): Promise<Sandbox | undefined> {
    if (this.options.size === 0 || !spec.runtime || this.closed) return undefined;
    const key = runtimeKey(spec.runtime);
    const entry = this.entry(key, spec.runtime);
    entry.replacements = 0;
    entry.stalled = false;
    const env = eligible(spec, this.options.tmpDisks !== undefined) ? assignedEnv(spec.env) : undefined;
    if (env) entry.target.started();
    const i = env ? entry.ready.findIndex((r) => fits(r, spec, env)) : -1;
    if (i < 0) {
      this.scheduleRefill(entry, key);
      return undefined;
    }
    const [ready] = entry.ready.splice(i, 1);
    this.scheduleRefill(entry, key);
    try {
      return await this.assign(ready!, spec, env!, optDir, booted);
    } catch (err) {
      this.options.onFailure?.(err, 'could not be given to a cold start, which took the ordinary path');
      // The ordinary path still works: this sandbox is given up, not the start.
      this.discard(ready!).catch((cannot: unknown) => this.options.onFailure?.(cannot, 'could not be released'));
      return undefined;
    }
  }

  /** Each runtime's ready sandboxes now. */
  report(): ReadySandboxesReport[] {
    return [...this.runtimes.values()].map((e) => ({
      runtime: e.name,
      waiting: e.ready.length,
      booting: e.booting,
      target: e.target.value,
      memoryBytes: e.ready.reduce((sum, r) => sum + (r.launched.cgroup?.peakMemoryBytes() ?? 0), 0),
    }));
  }

  /** Kills every waiting sandbox and boots none after. */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.runtimes.values()].flatMap((e) => {
      clearTimeout(e.refill);
      e.target.stop();
      return e.ready.splice(0);
    });
    // Boots still running end here too, so that nothing of theirs outlives the driver's files.
    await Promise.all([...all.map((r) => this.discard(r)), ...this.boots]);
  }

  private entry(key: string, runtime: RuntimeFiles): RuntimeEntry {
    let entry = this.runtimes.get(key);
    if (!entry) {
      const ready: Ready[] = [];
      const target = new DemandTarget(
        this.options.size,
        (count) => {
          for (const extra of ready.splice(count)) this.discard(extra).catch((err: unknown) => this.options.onFailure?.(err, 'could not be released'));
        },
        SHRINK_AFTER_MS,
      );
      entry = { runtime, name: runtimeName(runtime), target, ready, booting: 0, replacements: 0, stalled: false, refill: undefined, refillBy: undefined };
      this.runtimes.set(key, entry);
    }
    return entry;
  }

  /** Refills `STREAM_REFILL_DELAY_MS` after a take in a stream (`inStream`); else `REFILL_DELAY_MS` after the last take of a burst, and at most `REFILL_WAIT_MAX_MS` after its first. */
  private scheduleRefill(entry: RuntimeEntry, key: string): void {
    if (this.closed) return;
    let delay = STREAM_REFILL_DELAY_MS;
    if (!this.inStream(entry)) {
      const now = Date.now();
      entry.refillBy ??= now + REFILL_WAIT_MAX_MS;
      delay = Math.max(0, Math.min(REFILL_DELAY_MS, entry.refillBy - now));
    }
    clearTimeout(entry.refill);
    entry.refill = setTimeout(
      () => {
        entry.refill = undefined;
        entry.refillBy = undefined;
        this.refill(entry, key);
      },
      delay,
    );
    entry.refill.unref();
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
  private inStream(entry: RuntimeEntry): boolean {
    return entry.target.following() && entry.ready.length + entry.booting < STREAM_RESERVE && (this.options.startsBooting?.() ?? 0) <= BOOT_PARALLELISM;
  }

  /** Whether another boot leaves the uids and the memory that environments need. */
  private roomToBoot(): boolean {
    return this.boots.size < BOOT_PARALLELISM && this.options.uids.available > this.options.uidsKept && freemem() > totalmem() * KEPT_MEMORY_SHARE;
  }

  private refill(entry: RuntimeEntry, key: string): void {
    while (!this.closed && !entry.stalled && entry.ready.length + entry.booting < entry.target.value && this.roomToBoot()) {
      entry.booting++;
      const booted: Promise<void> = this.boot(key, entry.runtime).then(
        async (ready) => {
          entry.booting--;
          // Closed, or shrunk while it booted.
          if (this.closed || entry.ready.length >= entry.target.value) await this.discard(ready);
          else entry.ready.push(ready);
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

  /** Launches a sandbox for `runtime` and starts its bootstrap, which then waits for its assignment. */
  private async boot(key: string, runtime: RuntimeFiles): Promise<Ready> {
    const { launcher, tmpDisks, uids } = this.options;
    const files = await this.options.files();
    const socketDir = mkdtempSync(join(files.socketRoot, 'gust-ns-'));
    let launched: LaunchedSandbox | undefined;
    let channel: AssignmentChannel | undefined;
    let runtimeApi: PendingRuntimeApi | undefined;
    const release = async () => {
      channel?.close();
      await runtimeApi?.close();
      const gone = launched?.cgroup ? await launched.cgroup.destroy().then(() => true, () => false) : true;
      if (launched?.netns) await this.options.network?.release(launched.netns).catch(() => undefined);
      if (launched?.tmp) await tmpDisks?.release(launched.tmp);
      rmSync(socketDir, { recursive: true, force: true });
      if (launched && gone) uids.release(launched.identity);
    };
    try {
      const made = await Promise.allSettled([
        launcher.launch(READY_MEMORY_MB, READY_TMP_MB),
        AssignmentChannel.listen(files.socketPath(socketDir, ASSIGNMENT_SOCKET)),
        listenRuntimeApiLater(files.socketPath(socketDir, SOCKET_NAME)),
      ] as const);
      if (made[0].status === 'fulfilled') launched = made[0].value;
      if (made[1].status === 'fulfilled') channel = made[1].value;
      if (made[2].status === 'fulfilled') runtimeApi = made[2].value;
      for (const m of made) if (m.status === 'rejected') throw m.reason;
      const { uid, gid } = launched!.identity;
      chownSync(socketDir, uid, gid);
      chownSync(join(socketDir, ASSIGNMENT_SOCKET), uid, gid);
      chownSync(join(socketDir, SOCKET_NAME), uid, gid);
      const layout = namespaceRuntimeLayout(runtime);
      const bootEnv = startEnvironment(runtime);
      const args = bwrapArgs({
        host: files.host,
        env: { ...bootEnv, _GUST_ASSIGNMENT: `${SOCKET_DIR_IN_SANDBOX}/${ASSIGNMENT_SOCKET}` },
        runtime,
        socketDir,
        tmpBytes: READY_TMP_MB * 1024 * 1024,
        ...(launched!.tmp ? { tmpDir: launched!.tmp.mount } : {}),
        shareNet: launched!.netns !== undefined,
        command: layout.command,
        args: layout.args,
      });
      const child = launched!.child;
      // Waiting keeps nothing of Gust alive; the take references it again.
      setReferenced(child, false);
      writeWords(child, ARGS_FD, args.options);
      writeWords(child, COMMAND_FD, args.runtime);
      const done: Ready = { key, launched: launched!, socketDir, channel: channel!, bootEnv, command: layout.command, args: layout.args, runtimeApi: runtimeApi!, release, onExit: () => undefined };
      done.onExit = () => this.onWaitingExit(done);
      child.once('exit', done.onExit);
      return done;
    } catch (err) {
      if (launched) killGroup(launched);
      await release();
      throw err;
    }
  }

  /** Gives `ready` to the function of `spec`: memory limit, code, Runtime API, variables. */
  private async assign(ready: Ready, spec: SandboxSpec, env: Record<string, string>, optDir: () => Promise<string | undefined>, booted?: () => void): Promise<Sandbox> {
    const { launched } = ready;
    launched.child.off('exit', ready.onExit);
    if (launched.child.exitCode !== null || launched.child.signalCode !== null) throw new Error('the ready sandbox has exited');
    const spawnedAt = performance.now();
    launched.cgroup?.setMemoryLimit(spec.limits.memoryMb);
    ready.runtimeApi.to(spec.runtimeApi!);
    const opt = await optDir();
    const pid = launched.child.pid!;
    const tmp = await this.tmpOfSize(ready, spec.limits.ephemeralStorageMb);
    const release = tmp ? () => ready.release().finally(() => this.options.tmpDisks!.release(tmp)) : ready.release;
    try {
      await Promise.all([
        this.options.binds.bindInto(pid, spec.codeDir, TASK_ROOT),
        opt ? this.options.binds.bindInto(pid, opt, OPT_ROOT) : undefined,
        tmp ? this.options.binds.bindInto(pid, tmp.mount, '/tmp', { writable: true }) : undefined,
        // Released with the namespace (SandboxNetwork.release), as an ordinary start's.
        launched.netns && spec.networks?.length ? this.options.network?.attach(launched.netns, spec.networks) : undefined,
      ]);
    } catch (err) {
      // The sandbox is discarded (take() releases it); the disk made for it goes now.
      if (tmp) await this.options.tmpDisks!.release(tmp);
      throw err;
    }
    ready.channel.assign(env);
    setReferenced(launched.child, true);
    return new NamespaceSandbox(launched.child, spawnedAt, spec.onOutput, {
      cgroup: launched.cgroup,
      memoryFromCgroup: Boolean(launched.cgroup && this.options.cgroups?.support.memory),
      memoryMb: spec.limits.memoryMb,
      graceMs: this.options.graceMs,
      release,
      booted,
    });
  }

  /**
   * The disk a function of `sizeMb` of /tmp needs over the one `ready` booted with, or
   * undefined when that one fits. It is mounted over the sandbox's /tmp, which nothing has
   * written yet (the bootstrap only waited), and released after the sandbox.
   */
  private async tmpOfSize(ready: Ready, sizeMb: number): Promise<TmpDisk | undefined> {
    if (ready.launched.tmp?.sizeMb === sizeMb || !this.options.tmpDisks) return undefined;
    return this.options.tmpDisks.take(sizeMb);
  }

  private onWaitingExit(ready: Ready): void {
    const entry = this.runtimes.get(ready.key);
    const i = entry?.ready.indexOf(ready) ?? -1;
    if (i >= 0) entry!.ready.splice(i, 1);
    ready.release().catch((err: unknown) => this.options.onFailure?.(err, 'could not be released'));
    if (!entry || this.closed || entry.replacements >= MAX_REPLACEMENTS) return;
    entry.replacements++;
    this.scheduleRefill(entry, ready.key);
  }

  private async discard(ready: Ready): Promise<void> {
    ready.launched.child.off('exit', ready.onExit);
    killGroup(ready.launched);
    await ready.release();
  }
}

/** Sandboxes of one key run the same interpreter, bootstrap and SDK. */
function runtimeKey(r: RuntimeFiles): string {
  return JSON.stringify([r.language, r.version, r.interpreter, r.runtimeDir, r.bootstrap, r.sdkDir ?? '', r.langDir ?? '', r.systemRoot ?? '']);
}

/** The Lambda runtime identifier of `r`'s language and version. */
function runtimeName(r: RuntimeFiles): Runtime {
  return (r.language === 'nodejs' ? `nodejs${r.version}.x` : `python${r.version}`) as Runtime;
}

/** What a function of `r` starts with before its own variables: what a ready sandbox boots with. */
export function startEnvironment(r: RuntimeFiles): Record<string, string> {
  const layout = namespaceRuntimeLayout(r);
  const full = buildLambdaEnvironment({
    version: { functionName: '', version: '', memorySize: 0, runtime: runtimeName(r), environment: {}, loggingConfig: { logFormat: 'Text', logGroup: '' } },
    runtimeApi: runtimeApiVariables().AWS_LAMBDA_RUNTIME_API,
    layout: { taskRoot: TASK_ROOT, optRoots: [OPT_ROOT], runtime: layout, runtimeDir: RUNTIME_DIR_IN_SANDBOX },
    runtimeDir: layout.runtimeDir,
    ...(layout.sdkDir === undefined ? {} : { sdkDir: layout.sdkDir }),
    region: '',
    logGroupName: '',
    logStreamName: '',
    pathPrefix: layout.pathPrefix,
  });
  const env: Record<string, string> = { TMPDIR: '/tmp', ...runtimeApiVariables() };
  for (const k of ['LANG', 'TZ', 'PATH', 'LD_LIBRARY_PATH', 'NODE_PATH', 'PYTHONPATH', 'LAMBDA_TASK_ROOT', 'LAMBDA_RUNTIME_DIR']) {
    if (full[k] !== undefined) env[k] = full[k];
  }
  return env;
}

/** The variables the runtime gets at assignment, as the driver gives them to any sandbox. */
function assignedEnv(env: Readonly<Record<string, string>>): Record<string, string> {
  return { ...env, TMPDIR: '/tmp', ...runtimeApiVariables() };
}

/**
 * What of a start a ready sandbox can never give: a Runtime API only relayed to (a test's own
 * server), and, without disks (`withDisks` false), another /tmp size.
 */
function eligible(spec: SandboxSpec, withDisks: boolean): boolean {
  return (withDisks || spec.limits.ephemeralStorageMb === READY_TMP_MB) && spec.runtimeApi !== undefined;
}

/** Whether `spec`, with the variables `env`, can run in `ready`: same command, same start variables, none of its own. */
export function fits(ready: Pick<Ready, 'command' | 'args' | 'bootEnv'>, spec: Pick<SandboxSpec, 'command' | 'args'>, env: Readonly<Record<string, string>>): boolean {
  if (spec.command !== ready.command || spec.args.length !== ready.args.length || spec.args.some((a, i) => a !== ready.args[i])) return false;
  for (const [k, v] of Object.entries(ready.bootEnv)) if (env[k] !== v) return false;
  return !Object.keys(env).some((k) => START_VARIABLE.test(k) && !(k in ready.bootEnv));
}

function writeWords(child: LaunchedSandbox['child'], fd: number, words: readonly string[]): void {
  const pipe = (child.stdio as unknown[])[fd] as Writable;
  // bwrap may die before reading them; its exit says why.
  pipe.on('error', () => undefined);
  pipe.end(Buffer.from(words.map((a) => `${a}\0`).join('')));
}

function killGroup(launched: LaunchedSandbox): void {
  try {
    process.kill(-launched.child.pid!, 'SIGKILL');
  } catch {
    // gone already
  }
}
