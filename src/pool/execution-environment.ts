/**
 * One execution environment: a runtime process in its sandbox, its Runtime API endpoint
 * and its log stream, serving one invocation at a time as on Lambda.
 *
 * Lifecycle (see environment-state.ts): `start()` spawns the runtime and waits for its
 * first GET /next, within Lambda's 10 s init limit; `execute()` runs one invocation with
 * the function's timeout as one timer; `stop()` ends it all. An environment that
 * times out or whose runtime dies is never reused: it fails and stops, and the next
 * invocation gets a fresh one, as Lambda resets the environment. After the first /next the
 * driver applies what would slow a cold start (the CPU share); between invocations the
 * IdleKeeper freezes the sandbox, and the InvocationReporter writes what the platform
 * writes around each invocation.
 *
 * Two clocks: the injected one (`deps.clock`) runs Gust's own schedule (log times, the idle
 * handling), so tests can drive it; the invocation's time (its deadline, the init limit,
 * Duration and Init Duration) is the system clock's, because the runtime is a real process
 * in real time: it compares its deadline with its own `Date.now()`, and `Sandbox.spawnedAt`
 * is on `performance.now()`'s timeline.
 */
import { systemClock, type Clock } from '../core/clock.js';
import { deadline, timeLimit } from '../core/deadline.js';
import { randomHex } from '../core/ids.js';
import type { Semaphore } from '../core/primitives.js';
import type { FunctionCredentials } from '../core/function-credentials.js';
import type { FunctionVersion } from '../core/model/functions.js';
import type { FunctionAnswer, Invocation, InvocationOutcome } from '../core/model/invocation.js';
import { logGroupName, logStreamName, toMb } from '../logs/log-format.js';
import { LogStream, type LogSink } from '../logs/log-stream.js';
import type { LogTail } from '../logs/log-tail.js';
import { InitError, RuntimeEndpoint } from '../runtime-api/runtime-endpoint.js';
import { buildLambdaEnvironment } from '../sandbox/lambda-environment.js';
import { InvalidEntrypointError, type RuntimeCommand, type RuntimeCommandResolver } from '../sandbox/runtime-command.js';
import { describeExit, type Sandbox, type SandboxDriver, type SandboxExit, type SandboxLayout } from '../sandbox/sandbox-driver.js';
import { EnvironmentStateError, environmentStateMachine, type EnvironmentState } from './environment-state.js';
import { IdleKeeper } from './idle-keeper.js';
import { exitMessage, InvocationReporter, timeoutMessage, type InitFailure, type InitResult } from './invocation-report.js';

/** A function version with its code and layers already unpacked (resolved by the caller). */
export interface InvokableVersion extends FunctionVersion {
  /** Absolute path of the unpacked code. */
  codeDir: string;
  /** Absolute paths of the unpacked layers, in the function's layer order. */
  layerDirs: readonly string[];
}

/** What every environment of a pool shares. */
export interface EnvironmentDeps {
  driver: SandboxDriver;
  commands: RuntimeCommandResolver;
  logs: LogSink;
  /** Gust's schedule: log times and the idle handling (see the module comment). */
  clock: Clock;
  region: string;
  /** Limit from spawn to the first /next (Lambda: 10 s). */
  initTimeoutMs: number;
  /**
   * Runtimes initialising at once, across the pool: a start waits for a permit before its
   * sandbox spawns (the driver asks for it: `SandboxSpec.bootTurn`) and holds it until the
   * first /next. Two hundred runtimes booting at once on two cores each got 1% of a CPU and
   * all missed the 10 s init limit; queued, each boots at full speed, and the limit counts
   * from its own spawn. A start given a ready sandbox needs none: its runtime booted ahead,
   * and four permits held a burst of 50 such starts to 1.1-1.3 s where 50 took 0.4 s.
   */
  inits: Semaphore;
  /** SIGTERM → SIGKILL grace when stopping. */
  stopGraceMs: number;
  /** Largest response the runtime may post (Lambda: 6 MB). */
  maxResponseBytes: number;
  /** Gust's API URL, for drivers that leave the function on the host's network (the others give their own). */
  endpointUrl?: () => string;
  /** Mints a function's temporary credentials for each environment. */
  credentials?: (version: FunctionVersion) => FunctionCredentials;
}

/** Where the time of a cold start went; `initMs` is the runtime's own part. */
export interface StartTimings {
  /** Before spawn: Runtime API listener, environment variables, command resolution. */
  prepareMs: number;
  /** Spawn to the first /next: what AWS reports as Init Duration. */
  initMs: number;
  /** From `start()` to ready. */
  totalMs: number;
}

/**
 * How an environment was started (AWS_LAMBDA_INITIALIZATION_TYPE): for an invocation, or
 * ahead of any, for provisioned concurrency, whose init no invocation pays for: its first
 * REPORT has no Init Duration, as on AWS.
 */
export type InitializationType = 'on-demand' | 'provisioned-concurrency';

/** An init failure without its duration: what the start saw. */
type StartFailure = Omit<InitFailure, 'ok' | 'initDurationMs'>;

/** How one invocation ended (see ExecutionEnvironment.firstEnd). */
type InvocationEnd = { kind: 'answer'; answer: FunctionAnswer } | { kind: 'exit'; exit: SandboxExit } | { kind: 'timeout' } | { kind: 'crash'; err: unknown };

const TIMED_OUT: InvocationEnd = { kind: 'timeout' };

const STOPPED_DURING_START: StartFailure = { errorType: 'Runtime.ExitError', status: 'error', message: exitMessage('signal: terminated') };

export class ExecutionEnvironment {
  /** 32 hex characters; also the tail of the log stream name. */
  readonly id = randomHex(16);
  readonly logStream: LogStream;
  readonly version: InvokableVersion;
  timings: StartTimings | undefined;
  private readonly machine = environmentStateMachine(this.id);
  private readonly report: InvocationReporter;
  private endpoint: RuntimeEndpoint | undefined;
  private sandbox: Sandbox | undefined;
  private idle: IdleKeeper | undefined;
  private initFailure: InitFailure | undefined;
  private starting: Promise<InitResult> | undefined;
  private shuttingDown: Promise<void> | undefined;
  /** Aborted by `stop()`, so that a start in progress gives up at once. */
  private readonly stopController = new AbortController();
  private readonly failureListeners: ((env: ExecutionEnvironment) => void)[] = [];
  /**
   * Told of the runtime's exit while an invocation runs (see firstEnd). Not a `.then` on
   * `sandbox.exited`: each one stays attached to that environment-long promise until the
   * runtime exits, and kept every invocation (its payload, timer and closures) alive, ~2.8
   * KB per warm invoke: 100 MB of live heap after 37,000 invokes.
   */
  private exitWaiter: ((exit: SandboxExit) => void) | undefined;

  constructor(
    version: InvokableVersion,
    private readonly deps: EnvironmentDeps,
  ) {
    this.version = version;
    const group = version.loggingConfig?.logGroup || logGroupName(version.functionName);
    this.logStream = new LogStream(deps.logs, deps.clock, group, logStreamName(deps.clock.now(), version.version, this.id));
    this.report = new InvocationReporter(this.logStream, deps.clock, version);
  }

  get state(): EnvironmentState {
    return this.machine.state;
  }

  /** Pid of the runtime process, once spawned. */
  /**
   * When the temporary credentials this environment's process was started with expire (ms
   * since the epoch); undefined when it has none. Environment variables cannot change in a
   * running process, so the version manager retires the environment before then.
   */
  get credentialsExpire(): number | undefined {
    return this.mintedExpiry;
  }
  private mintedExpiry: number | undefined;

  get pid(): number | undefined {
    return this.sandbox?.pid;
  }

  /** Called once if the environment fails while nobody is invoking it (the runtime died idle). */
  onIdleFailure(listener: (env: ExecutionEnvironment) => void): void {
    this.failureListeners.push(listener);
  }

  /**
   * Starts the runtime and waits for its first /next. Resolves with an InitFailure (the
   * environment then stopped) when the function cannot start; rejects only for a fault of
   * the host (a runtime the host cannot provide, a spawn that fails), after cleaning up.
   * `tail`, when given, receives the init output, which a cold start's log tail includes.
   * Throws EnvironmentStateError unless the environment is new.
   */
  start(tail?: LogTail, initType: InitializationType = 'on-demand'): Promise<InitResult> {
    if (this.machine.state !== 'starting' || this.starting) throw new EnvironmentStateError(this.id, this.machine.state, 'start');
    this.starting = this.doStart(tail, initType);
    return this.starting;
  }

  private async doStart(tail: LogTail | undefined, initType: InitializationType): Promise<InitResult> {
    const t0 = systemClock.monotonic();
    const stopped = this.stopController.signal;
    this.logStream.beginTail(tail);
    try {
      const mounts = { codeDir: this.version.codeDir, layerDirs: this.version.layerDirs };
      let command;
      try {
        command = this.deps.commands.resolve(this.version.runtime, mounts, this.deps.driver);
      } catch (err) {
        if (err instanceof InvalidEntrypointError) return await this.failInit({ errorType: err.errorType, status: 'error', message: err.message }, 0);
        throw err;
      }
      // Every resource is recorded as soon as it exists, so shutdown() can release it.
      this.endpoint = await RuntimeEndpoint.listen({
        maxResponseBytes: this.deps.maxResponseBytes,
        functionInfo: { functionName: this.version.functionName, functionVersion: this.version.version, handler: this.version.handler ?? '' },
        ...(command.layout.runtimeApi === undefined ? {} : { handedOver: command.layout.runtimeApi }),
      });
      if (stopped.aborted) return await this.failInit(STOPPED_DURING_START, 0);
      const env = buildLambdaEnvironment({
        version: this.version,
        runtimeApi: this.endpoint.address,
        layout: command.layout,
        runtimeDir: command.runtimeDir,
        ...(command.layout.runtime?.sdkDir === undefined ? {} : { sdkDir: command.layout.runtime.sdkDir }),
        region: this.deps.region,
        logGroupName: this.logStream.logGroup,
        logStreamName: this.logStream.logStream,
        pathPrefix: command.pathPrefix,
        ...this.environmentAccess(command.layout),
      });
      env.AWS_LAMBDA_INITIALIZATION_TYPE = initType;
      // Held from the turn the driver waited for (none for a ready sandbox) until the first /next.
      let permit = false;
      const bootTurn = async () => {
        await this.deps.inits.acquire(stopped);
        permit = true;
      };
      const outcome = await this.spawnAndAwaitReady(command, env, bootTurn).finally(() => {
        if (permit) this.deps.inits.release();
      });
      // No sandbox when the start was stopped while it waited for its turn to boot.
      const initMs = this.sandbox ? systemClock.monotonic() - this.sandbox.spawnedAt : 0;
      if (outcome !== 'ready') return await this.failInit(outcome, initMs);
      const sandbox = this.sandbox!;
      // Now, not before: a CPU quota during init made a 128 MB cold start ~10x slower.
      await sandbox.runtimeReady?.();
      this.machine.transition('ready');
      this.idle = new IdleKeeper({
        clock: this.deps.clock,
        sandbox,
        ready: () => this.machine.state === 'ready',
        parked: () => this.endpoint?.idle === true,
      });
      this.idle.rest();
      if (initType === 'on-demand') this.report.ready(initMs);
      this.timings = { prepareMs: sandbox.spawnedAt - t0, initMs, totalMs: systemClock.monotonic() - t0 };
      return { ok: true, initDurationMs: initMs };
    } catch (err) {
      if (this.machine.can('failed')) this.machine.transition('failed');
      await this.shutdown();
      throw err;
    } finally {
      this.logStream.endTail();
    }
  }

  /**
   * Writes the logs of the invocation whose cold start failed and returns the init error in
   * AWS's shape (see InvocationReporter.initFailed). Throws EnvironmentStateError when the
   * environment has no init failure.
   */
  reportInitFailure(invocation: Invocation, tail?: LogTail): InvocationOutcome {
    const failure = this.initFailure;
    if (!failure) throw new EnvironmentStateError(this.id, this.machine.state, 'report an init failure');
    this.logStream.beginTail(tail);
    try {
      return this.report.initFailed(invocation.requestId, failure);
    } finally {
      this.logStream.endTail();
    }
  }

  /**
   * Runs one invocation. Only a `ready` environment may invoke (EnvironmentStateError
   * otherwise). Function errors, timeouts and runtime exits are results, not exceptions;
   * after a timeout or an exit the environment has stopped when this resolves.
   */
  async execute(invocation: Invocation, tail?: LogTail): Promise<InvocationOutcome> {
    this.machine.transition('invoking');
    const sandbox = this.sandbox!;
    const endpoint = this.endpoint!;
    this.logStream.beginTail(tail);
    try {
      this.report.start(invocation.requestId);
      try {
        // Thawed before the clock starts: the function's time is its own, not the thaw's.
        await this.idle!.wake();
      } catch (err) {
        // A sandbox that cannot be thawed cannot serve; it goes, and the caller hears why.
        await this.failAndStop();
        throw err;
      }
      const started = systemClock.monotonic();
      const ended = await this.firstEnd(endpoint, sandbox, invocation);
      const measured = { durationMs: systemClock.monotonic() - started, maxMemoryUsedMb: toMb(sandbox.peakMemoryBytes()) };

      switch (ended.kind) {
        case 'answer': {
          await sandbox.drainOutput();
          const outcome = this.report.answered(invocation.requestId, ended.answer, measured);
          // A stop() that raced the response has moved the state on already.
          if (this.machine.state === 'invoking') this.machine.transition('ready');
          this.idle!.afterInvocation();
          return outcome;
        }
        case 'timeout': {
          // Nothing the runtime answers from now on counts; it is killed first so that it
          // does no more work, then what it printed is collected.
          endpoint.abortInvocation(new DOMException('The deadline passed', 'TimeoutError'));
          sandbox.kill();
          await sandbox.exited;
          const outcome = this.report.timedOut(invocation.requestId, measured);
          await this.failAndStop();
          return outcome;
        }
        case 'exit': {
          const outcome = this.report.exited(invocation.requestId, ended.exit, measured);
          await this.failAndStop();
          return outcome;
        }
        case 'crash': {
          // Stopped from outside (stopAll): the endpoint closed under the
          // invocation. For the caller that is the runtime going away.
          if (this.stopController.signal.aborted) {
            const outcome = this.report.exited(invocation.requestId, sandbox.exit ?? (await sandbox.exited), measured);
            await this.failAndStop();
            return outcome;
          }
          // Otherwise the endpoint itself failed: not a function outcome, and the
          // environment cannot be trusted any more.
          await this.failAndStop();
          throw ended.err;
        }
      }
    } finally {
      this.logStream.endTail();
    }
  }

  /**
   * Stops the runtime (SIGTERM, SIGKILL after the grace) and releases everything. Safe
   * from any state and idempotent; a start in progress gives up first.
   */
  async stop(): Promise<void> {
    this.stopController.abort();
    // The sandbox's stop thaws a frozen runtime before signalling it.
    this.idle?.stop();
    if (this.machine.can('stopping')) this.machine.transition('stopping');
    await this.starting?.catch(() => undefined);
    await this.shutdown();
  }

  /** Releases the sandbox and the endpoint once; ends `stopped`. */
  private shutdown(): Promise<void> {
    this.shuttingDown ??= (async () => {
      if (this.machine.can('stopping')) this.machine.transition('stopping');
      try {
        await this.sandbox?.stop(this.deps.stopGraceMs);
      } finally {
        await this.endpoint?.close().catch(() => undefined);
        this.machine.transition('stopped');
      }
    })();
    return this.shuttingDown;
  }

  /** Spawns the sandbox and waits for its first /next (or why it will not come). */
  private async spawnAndAwaitReady(command: RuntimeCommand, env: Record<string, string>, bootTurn: () => Promise<void>): Promise<'ready' | StartFailure> {
    let sandbox: Sandbox;
    try {
      sandbox = await this.deps.driver.start({
        ...command.mounts,
        command: command.command,
        args: command.args,
        env,
        limits: { memoryMb: this.version.memorySize, ephemeralStorageMb: this.version.ephemeralStorageMb },
        ...(this.version.vpcConfig ? { networks: this.version.vpcConfig.subnetIds } : {}),
        onOutput: (line) => this.logStream.write(line),
        bootTurn,
        runtimeApi: this.endpoint!,
      });
    } catch (err) {
      // Stopped while it waited for its turn to boot.
      if (this.stopController.signal.aborted) return STOPPED_DURING_START;
      throw err;
    }
    this.sandbox = sandbox;
    void sandbox.exited.then((exit) => this.onExit(exit));
    return this.stopController.signal.aborted ? STOPPED_DURING_START : this.awaitReady(sandbox);
  }

  /** Waits for the first /next, the runtime's exit, the init limit or a stop, whichever comes first. */
  private async awaitReady(sandbox: Sandbox): Promise<'ready' | StartFailure> {
    const limit = deadline(systemClock, this.deps.initTimeoutMs, this.stopController.signal);
    const ready = this.endpoint!.ready();
    ready.catch(() => undefined);
    try {
      return await Promise.race([
        ready.then(() => 'ready' as const),
        sandbox.exited.then((exit): StartFailure => ({ errorType: 'Runtime.ExitError', status: 'error', message: exitMessage(describeExit(exit)) })),
        limit.passed.then(
          (): StartFailure =>
            this.stopController.signal.aborted
              ? STOPPED_DURING_START
              : { errorType: 'Sandbox.Timedout', status: 'timeout', message: timeoutMessage(this.deps.initTimeoutMs / 1000) },
        ),
      ]);
    } catch (err) {
      if (err instanceof InitError) return { errorType: err.errorType, status: 'error', payload: err.payload };
      throw err;
    } finally {
      limit.dispose();
    }
  }

  /** Records why the start failed, stops what was started, and returns the failure. */
  /** Where the function finds Gust's API, and who it is there. */
  private environmentAccess(layout: SandboxLayout): { endpointUrl?: string; credentials?: FunctionCredentials } {
    const endpointUrl = layout.endpointUrl ?? this.deps.endpointUrl?.();
    const credentials = this.deps.credentials?.(this.version);
    this.mintedExpiry = credentials?.expires;
    return { ...(endpointUrl ? { endpointUrl } : {}), ...(credentials ? { credentials } : {}) };
  }

  private async failInit(failure: StartFailure, initDurationMs: number): Promise<InitFailure> {
    if (this.machine.can('failed')) this.machine.transition('failed');
    this.initFailure = { ok: false, ...failure, initDurationMs };
    // The runtime may still run after an init error or timeout; it goes now, and the
    // invocation that asked for it gets the failure through reportInitFailure.
    await this.shutdown();
    return this.initFailure;
  }

  private async failAndStop(): Promise<void> {
    if (this.machine.can('failed')) this.machine.transition('failed');
    await this.shutdown();
  }

  /**
   * How the invocation ends, whichever comes first: the runtime's answer, its exit, the
   * function's timeout, or a failure of the endpoint (a crash). One promise settled once,
   * not a race of four: this runs on every warm invoke.
   */
  private firstEnd(endpoint: RuntimeEndpoint, sandbox: Sandbox, invocation: Invocation): Promise<InvocationEnd> {
    return new Promise((settle) => {
      let settled = false;
      const end = (how: InvocationEnd): void => {
        if (settled) return;
        settled = true;
        limit.dispose();
        this.exitWaiter = undefined;
        settle(how);
      };
      const limit = timeLimit(systemClock, this.version.timeout * 1000, () => end(TIMED_OUT));
      if (sandbox.exit) return end({ kind: 'exit', exit: sandbox.exit });
      this.exitWaiter = (exit) => end({ kind: 'exit', exit });
      let response: Promise<FunctionAnswer>;
      try {
        response = endpoint.deliver(invocation, limit.at);
      } catch (err) {
        return end({ kind: 'crash', err });
      }
      response.then(
        (answer) => end({ kind: 'answer', answer }),
        (err: unknown) => end({ kind: 'crash', err }),
      );
    });
  }

  private onExit(exit: SandboxExit): void {
    this.exitWaiter?.(exit);
    // During start and invoke the race in progress handles the exit; only an idle death is news.
    if (this.machine.state !== 'ready') return;
    this.machine.transition('failed');
    for (const l of this.failureListeners) l(this);
  }
}
