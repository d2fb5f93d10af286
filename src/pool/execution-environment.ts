/**
 * One execution environment: a runtime process in its sandbox, its Runtime API endpoint
 * and its log stream, serving one invocation at a time as on Lambda.
 *
 * Lifecycle (see environment-state.ts): `start()` spawns the runtime and waits for its
 * first GET /next, within Lambda's 10 s init limit; `invoke()` runs one invocation with
 * the function's timeout as an AbortSignal; `stop()` ends it all. An environment that
 * times out or whose runtime dies is never reused: it fails and stops, and the next
 * invocation gets a fresh one, as Lambda resets the environment.
 *
 * Between invocations, once the runtime is parked on /next, the sandbox is frozen (where
 * the driver can) and thawed when the next invocation comes, so that an idle function uses
 * no CPU, as on Lambda. After the first /next the driver applies what would slow a cold
 * start (the CPU share).
 */
import { performance } from 'node:perf_hooks';
import type { Clock } from '../core/clock.js';
import { randomHex } from '../core/ids.js';
import type { FunctionVersion } from '../core/model.js';
import { endLine, initReportLine, logGroupName, logStreamName, reportLine, billedDurationMs, startLine, toMb, type ReportStatus } from '../logs/log-format.js';
import { LogStream, type LogSink } from '../logs/log-stream.js';
import type { LogTail } from '../logs/log-tail.js';
import { InitError, RuntimeEndpoint, type RuntimeInvocation, type RuntimeOutcome } from '../runtime-api/runtime-endpoint.js';
import { buildLambdaEnvironment } from '../sandbox/lambda-environment.js';
import { InvalidEntrypointError, type RuntimeCommandResolver } from '../sandbox/runtime-command.js';
import { describeExit, type Sandbox, type SandboxDriver, type SandboxExit } from '../sandbox/sandbox-driver.js';
import { EnvironmentStateMachine, type EnvironmentState } from './environment-state.js';
import { exitMessage, platformError, responseTooLargePayload, timeoutMessage } from './invocation-errors.js';

/** A function version with its code and layers already unpacked (resolved by the caller). */
export interface InvokableVersion extends FunctionVersion {
  /** Absolute path of the unpacked code. */
  codeDir: string;
  /** Absolute paths of the unpacked layers, in the function's layer order. */
  layerDirs: readonly string[];
}

/**
 * First and longest wait between checks for the runtime to park on /next before a freeze.
 * The first is a grace, not a poll: back-to-back invocations must not pay a freeze and a
 * thaw each (measured: sequential warm invokes 2-3x slower at a 1 ms first check).
 */
const FREEZE_CHECK_FIRST_MS = 50;
const FREEZE_CHECK_MAX_MS = 1000;

/** What every environment of a pool shares. */
export interface EnvironmentDeps {
  driver: SandboxDriver;
  commands: RuntimeCommandResolver;
  logs: LogSink;
  clock: Clock;
  region: string;
  /** Limit from spawn to the first /next (Lambda: 10 s). */
  initTimeoutMs: number;
  /** SIGTERM → SIGKILL grace when stopping. */
  stopGraceMs: number;
  /** Largest response the runtime may post (Lambda: 6 MB). */
  maxResponseBytes: number;
}

export interface InvocationRequest {
  requestId: string;
  payload: Buffer;
  invokedFunctionArn: string;
  clientContext?: string;
  cognitoIdentity?: string;
  traceId?: string;
}

export interface InvocationResult {
  outcome: 'success' | 'error';
  payload: Buffer;
  /** The error's type when `outcome` is `error` (from the runtime or the platform). */
  errorType?: string;
  durationMs: number;
  billedDurationMs: number;
  maxMemoryUsedMb: number;
  /** Set on the invocation that started this environment. */
  initDurationMs?: number;
}

/** Why an environment could not start, kept to be reported at the invocation that started it. */
export interface InitFailure {
  ok: false;
  errorType: string;
  /** `timeout` when the init limit passed, `error` otherwise. */
  status: 'error' | 'timeout';
  /** The runtime's own error document (from /runtime/init/error), if it sent one. */
  payload?: Buffer;
  /** The platform's message, when the platform (not the runtime) saw the failure. */
  message?: string;
  initDurationMs: number;
}

export type InitResult = { ok: true; initDurationMs: number } | InitFailure;

/** Where the time of a cold start went; `initMs` is the runtime's own part. */
export interface StartTimings {
  /** Before spawn: Runtime API listener, environment variables, command resolution. */
  prepareMs: number;
  /** Spawn to the first /next: what AWS reports as Init Duration. */
  initMs: number;
  /** From `start()` to ready. */
  totalMs: number;
}

export class ExecutionEnvironment {
  /** 32 hex characters; also the tail of the log stream name. */
  readonly id = randomHex(16);
  readonly logStream: LogStream;
  readonly version: InvokableVersion;
  timings: StartTimings | undefined;
  private readonly machine = new EnvironmentStateMachine(this.id);
  private endpoint: RuntimeEndpoint | undefined;
  private sandbox: Sandbox | undefined;
  private initDurationMs: number | undefined;
  private coldPending = true;
  private memoryResetPending = false;
  private freezeTimer: NodeJS.Timeout | undefined;
  private initFailure: InitFailure | undefined;
  private starting: Promise<InitResult> | undefined;
  private shuttingDown: Promise<void> | undefined;
  /** Aborted by `stop()`, so that a start in progress gives up at once. */
  private readonly stopController = new AbortController();
  private readonly failureListeners: ((env: ExecutionEnvironment) => void)[] = [];

  constructor(
    version: InvokableVersion,
    private readonly deps: EnvironmentDeps,
  ) {
    this.version = version;
    const group = version.loggingConfig?.logGroup || logGroupName(version.functionName);
    this.logStream = new LogStream(deps.logs, deps.clock, group, logStreamName(deps.clock.now(), version.version, this.id));
  }

  get state(): EnvironmentState {
    return this.machine.state;
  }

  /** Pid of the runtime process, once spawned. */
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
   */
  start(tail?: LogTail): Promise<InitResult> {
    if (this.machine.state !== 'starting' || this.starting) {
      throw new Error(`Execution environment ${this.id} is ${this.machine.state}; it cannot start.`);
    }
    this.starting = this.doStart(tail);
    return this.starting;
  }

  private async doStart(tail: LogTail | undefined): Promise<InitResult> {
    const t0 = performance.now();
    const stopped = this.stopController.signal;
    const stoppedFailure = { errorType: 'Runtime.ExitError', status: 'error' as const, message: exitMessage('signal: terminated') };
    this.logStream.beginTail(tail);
    try {
      const mounts = { codeDir: this.version.codeDir, layerDirs: this.version.layerDirs };
      // Every resource is recorded as soon as it exists, so shutdown() can release it.
      this.endpoint = await RuntimeEndpoint.listen({
        maxResponseBytes: this.deps.maxResponseBytes,
        functionInfo: { functionName: this.version.functionName, functionVersion: this.version.version, handler: this.version.handler ?? '' },
      });
      if (stopped.aborted) return await this.failInit(stoppedFailure, 0);
      let command;
      try {
        command = this.deps.commands.resolve(this.version.runtime, mounts, this.deps.driver);
      } catch (err) {
        if (err instanceof InvalidEntrypointError) return await this.failInit({ errorType: err.errorType, status: 'error', message: err.message }, 0);
        throw err;
      }
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
      });
      const sandbox = await this.deps.driver.start({
        ...command.mounts,
        command: command.command,
        args: command.args,
        env,
        limits: { memoryMb: this.version.memorySize, ephemeralStorageMb: this.version.ephemeralStorageMb },
        onOutput: (line) => this.logStream.write(line),
      });
      this.sandbox = sandbox;
      void sandbox.exited.then((exit) => this.onExit(exit));
      const outcome = stopped.aborted ? stoppedFailure : await this.awaitReady(sandbox);
      const initMs = performance.now() - sandbox.spawnedAt;
      if (outcome !== 'ready') return await this.failInit(outcome, initMs);
      // Now, not before: a CPU quota during init made a 128 MB cold start ~10x slower.
      await sandbox.runtimeReady?.();
      this.machine.to('ready');
      this.scheduleFreeze(sandbox);
      this.initDurationMs = initMs;
      this.timings = { prepareMs: sandbox.spawnedAt - t0, initMs, totalMs: performance.now() - t0 };
      return { ok: true, initDurationMs: initMs };
    } catch (err) {
      if (this.machine.can('failed')) this.machine.to('failed');
      await this.shutdown();
      throw err;
    } finally {
      this.logStream.endTail();
    }
  }

  /**
   * Writes the logs of the invocation whose cold start failed (INIT_REPORT, START, the
   * platform's error lines, END, REPORT) and returns the init error in AWS's shape: the
   * runtime's own error document when it sent one to /runtime/init/error.
   */
  reportInitFailure(request: InvocationRequest, tail?: LogTail): InvocationResult {
    const failure = this.initFailure;
    if (!failure) throw new Error(`Execution environment ${this.id} is ${this.machine.state}; it has no init failure to report.`);
    this.logStream.beginTail(tail);
    try {
      const status: ReportStatus = failure.status === 'timeout' ? { status: 'timeout' } : { status: 'error', errorType: failure.errorType };
      this.logStream.write(initReportLine(failure.initDurationMs, status));
      this.logStream.write(startLine(request.requestId, this.version.version));
      const message = failure.message ?? failure.errorType;
      if (!failure.payload) {
        this.logStream.write(`RequestId: ${request.requestId} Error: ${message}`);
        this.logStream.write(failure.errorType);
      }
      const payload = failure.payload ?? platformError(failure.errorType, request.requestId, message);
      return this.finish(request, { outcome: 'error', payload, errorType: failure.errorType, durationMs: 0, maxMemoryUsedMb: 0 }, status, failure.initDurationMs);
    } finally {
      this.logStream.endTail();
    }
  }

  /**
   * Runs one invocation. Only a `ready` environment may invoke (EnvironmentStateError
   * otherwise). Function errors, timeouts and runtime exits are results, not exceptions;
   * after a timeout or an exit the environment has stopped when this resolves.
   */
  async invoke(request: InvocationRequest, tail?: LogTail): Promise<InvocationResult> {
    this.machine.to('invoking');
    const sandbox = this.sandbox!;
    const endpoint = this.endpoint!;
    this.logStream.beginTail(tail);
    try {
      this.logStream.write(startLine(request.requestId, this.version.version));
      // Normally done between invocations (see scheduleMemoryReset); the first invocation
      // keeps the init peak, as a cold start's Max Memory Used does on Lambda.
      if (this.memoryResetPending) this.resetMemory(sandbox);
      // Thawed before the clock starts: the function's time is its own, not the thaw's.
      this.cancelFreeze();
      try {
        await sandbox.thaw?.();
      } catch (err) {
        // A sandbox that cannot be thawed cannot serve; it goes, and the caller hears why.
        await this.failAndStop();
        throw err;
      }
      const timeoutMs = this.version.timeout * 1000;
      const started = performance.now();
      // The deadline is wall-clock time the runtime compares with its own Date.now().
      const deadlineMs = Date.now() + timeoutMs;
      const timeout = deadline(timeoutMs);
      const response = invokeEndpoint(
        endpoint,
        {
          requestId: request.requestId,
          payload: request.payload,
          deadlineMs,
          invokedFunctionArn: request.invokedFunctionArn,
          ...(request.traceId === undefined ? {} : { traceId: request.traceId }),
          ...(request.clientContext === undefined ? {} : { clientContext: request.clientContext }),
          ...(request.cognitoIdentity === undefined ? {} : { cognitoIdentity: request.cognitoIdentity }),
        },
        timeout.signal,
      );
      // When the runtime dies or the deadline passes, the endpoint's promise is abandoned.
      response.catch(() => undefined);
      const ended = await Promise.race([
        response.then((outcome) => ({ kind: 'outcome' as const, outcome })),
        sandbox.exited.then((exit) => ({ kind: 'exit' as const, exit })),
        timeout.aborted.then(() => ({ kind: 'timeout' as const })),
      ])
        .catch((err: unknown) => (timeout.signal.aborted ? { kind: 'timeout' as const } : { kind: 'crash' as const, err }))
        .finally(() => timeout.dispose());
      const durationMs = performance.now() - started;
      const maxMemoryUsedMb = toMb(sandbox.peakMemoryBytes());

      switch (ended.kind) {
        case 'outcome': {
          await sandbox.drainOutput();
          const r = this.fromOutcome(ended.outcome);
          const result = this.finish(request, { ...r, durationMs, maxMemoryUsedMb }, undefined);
          // A stop() that raced the response has moved the state on already.
          if (this.machine.state === 'invoking') this.machine.to('ready');
          this.scheduleMemoryReset(sandbox);
          this.scheduleFreeze(sandbox);
          return result;
        }
        case 'timeout': {
          // Kill first so the function does no more work, then collect what it printed.
          sandbox.kill();
          await sandbox.exited;
          this.logStream.write(`${new Date().toISOString()} ${request.requestId} ${timeoutMessage(this.version.timeout)}`);
          const payload = platformError('Sandbox.Timedout', request.requestId, timeoutMessage(this.version.timeout));
          const result = this.finish(request, { outcome: 'error', payload, errorType: 'Sandbox.Timedout', durationMs, maxMemoryUsedMb }, { status: 'timeout' });
          await this.failAndStop();
          return result;
        }
        case 'exit':
          return await this.exitedDuringInvoke(request, ended.exit, durationMs, maxMemoryUsedMb);
        case 'crash': {
          // Stopped from outside (stopFunction, stopAll): the endpoint closed under the
          // invocation. For the caller that is the runtime going away.
          if (this.stopController.signal.aborted) {
            const exit = sandbox.exit ?? (await sandbox.exited);
            return await this.exitedDuringInvoke(request, exit, durationMs, maxMemoryUsedMb);
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
   * Starts the next invocation's peak-memory window once this one's caller has its
   * answer: the /proc work (a few hundred µs) then stays off the invocation's latency. An
   * invocation that comes first does it itself.
   */
  private scheduleMemoryReset(sandbox: Sandbox): void {
    this.memoryResetPending = true;
    setImmediate(() => {
      if (this.memoryResetPending && this.machine.state === 'ready') this.resetMemory(sandbox);
    });
  }

  /**
   * Freezes the sandbox once the runtime has parked on /next with nothing in flight (on
   * Lambda the freeze also waits for that /next: work a handler left running after its
   * response goes on until then). Checks with a growing interval; an invocation that comes
   * first cancels it (and thaws, should a freeze have begun).
   */
  private scheduleFreeze(sandbox: Sandbox, waitMs = FREEZE_CHECK_FIRST_MS): void {
    if (!sandbox.freeze) return;
    this.cancelFreeze();
    this.freezeTimer = setTimeout(() => {
      this.freezeTimer = undefined;
      if (this.machine.state !== 'ready') return;
      if (!this.endpoint?.idle) return this.scheduleFreeze(sandbox, Math.min(waitMs * 2, FREEZE_CHECK_MAX_MS));
      // A freezer that refuses leaves the environment running, which is only a cost.
      sandbox.freeze!().catch(() => undefined);
    }, waitMs);
    // A pending freeze must not keep a process alive that is otherwise done.
    this.freezeTimer.unref();
  }

  private cancelFreeze(): void {
    clearTimeout(this.freezeTimer);
    this.freezeTimer = undefined;
  }

  private resetMemory(sandbox: Sandbox): void {
    this.memoryResetPending = false;
    sandbox.resetPeakMemory();
  }

  /**
   * Stops the runtime (SIGTERM, SIGKILL after the grace) and releases everything. Safe
   * from any state and idempotent; a start in progress gives up first.
   */
  async stop(): Promise<void> {
    this.stopController.abort();
    // The sandbox's stop thaws a frozen runtime before signalling it.
    this.cancelFreeze();
    if (this.machine.can('stopping')) this.machine.to('stopping');
    await this.starting?.catch(() => undefined);
    await this.shutdown();
  }

  /** Releases the sandbox and the endpoint once; ends `stopped`. */
  private shutdown(): Promise<void> {
    this.shuttingDown ??= (async () => {
      if (this.machine.can('stopping')) this.machine.to('stopping');
      try {
        await this.sandbox?.stop(this.deps.stopGraceMs);
      } finally {
        await this.endpoint?.close().catch(() => undefined);
        this.machine.to('stopped');
      }
    })();
    return this.shuttingDown;
  }

  /** Waits for the first /next, the runtime's exit, the init limit or a stop, whichever comes first. */
  private async awaitReady(sandbox: Sandbox): Promise<'ready' | Omit<InitFailure, 'ok' | 'initDurationMs'>> {
    const limit = deadline(this.deps.initTimeoutMs, this.stopController.signal);
    const ready = this.endpoint!.ready();
    ready.catch(() => undefined);
    try {
      return await Promise.race([
        ready.then(() => 'ready' as const),
        sandbox.exited.then((exit) => ({ errorType: 'Runtime.ExitError', status: 'error' as const, message: exitMessage(describeExit(exit)) })),
        limit.aborted.then(() =>
          this.stopController.signal.aborted
            ? { errorType: 'Runtime.ExitError', status: 'error' as const, message: exitMessage('signal: terminated') }
            : { errorType: 'Sandbox.Timedout', status: 'timeout' as const, message: timeoutMessage(this.deps.initTimeoutMs / 1000) },
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
  private async failInit(failure: Omit<InitFailure, 'ok' | 'initDurationMs'>, initDurationMs: number): Promise<InitFailure> {
    if (this.machine.can('failed')) this.machine.to('failed');
    this.initFailure = { ok: false, ...failure, initDurationMs };
    // The runtime may still run after an init error or timeout; it goes now, and the
    // invocation that asked for it gets the failure through reportInitFailure.
    await this.shutdown();
    return this.initFailure;
  }

  private fromOutcome(outcome: RuntimeOutcome): Pick<InvocationResult, 'outcome' | 'payload' | 'errorType'> {
    switch (outcome.kind) {
      case 'success':
        return { outcome: 'success', payload: outcome.payload };
      case 'error':
        return { outcome: 'error', payload: outcome.payload, errorType: outcome.errorType };
      case 'tooLarge':
        return { outcome: 'error', payload: responseTooLargePayload(this.deps.maxResponseBytes), errorType: 'Function.ResponseSizeTooLarge' };
    }
  }

  private async exitedDuringInvoke(request: InvocationRequest, exit: SandboxExit, durationMs: number, maxMemoryUsedMb: number): Promise<InvocationResult> {
    const errorType = exit.reason === 'oom' ? 'Runtime.OutOfMemory' : 'Runtime.ExitError';
    const message = exitMessage(describeExit(exit));
    this.logStream.write(`RequestId: ${request.requestId} Error: ${message}`);
    this.logStream.write(errorType);
    const payload = platformError(errorType, request.requestId, message);
    const result = this.finish(request, { outcome: 'error', payload, errorType, durationMs, maxMemoryUsedMb }, { status: 'error', errorType });
    await this.failAndStop();
    return result;
  }

  /** Writes END and REPORT and completes the result. */
  private finish(
    request: InvocationRequest,
    r: Omit<InvocationResult, 'billedDurationMs' | 'initDurationMs'>,
    status: ReportStatus | undefined,
    initDurationOverride?: number,
  ): InvocationResult {
    const initDurationMs = initDurationOverride ?? (this.coldPending ? this.initDurationMs : undefined);
    this.coldPending = false;
    const billed = billedDurationMs(r.durationMs, initDurationMs);
    this.logStream.write(endLine(request.requestId));
    this.logStream.write(
      reportLine({
        requestId: request.requestId,
        durationMs: r.durationMs,
        billedDurationMs: billed,
        memorySizeMb: this.version.memorySize,
        maxMemoryUsedMb: r.maxMemoryUsedMb,
        ...(initDurationMs === undefined ? {} : { initDurationMs }),
        ...(status ? { outcome: status } : {}),
      }),
    );
    return { ...r, billedDurationMs: billed, ...(initDurationMs === undefined ? {} : { initDurationMs }) };
  }

  private async failAndStop(): Promise<void> {
    if (this.machine.can('failed')) this.machine.to('failed');
    await this.shutdown();
  }

  private onExit(_exit: SandboxExit): void {
    // During start and invoke the race in progress handles the exit; only an idle death is news.
    if (this.machine.state !== 'ready') return;
    this.machine.to('failed');
    for (const l of this.failureListeners) l(this);
  }
}

/** The endpoint's invoke, with a synchronous refusal turned into a rejection for the race. */
function invokeEndpoint(endpoint: RuntimeEndpoint, invocation: RuntimeInvocation, signal: AbortSignal): Promise<RuntimeOutcome> {
  try {
    return endpoint.invoke(invocation, signal);
  } catch (err) {
    return Promise.reject(err);
  }
}

/**
 * An AbortSignal that aborts after `ms` (or when `parent` aborts), with `aborted` as a
 * promise for racing. `dispose` clears the timer and the listener: an invocation that
 * ends early must not leave a timer alive for the rest of a 15-minute timeout.
 */
function deadline(ms: number, parent?: AbortSignal): { signal: AbortSignal; aborted: Promise<void>; dispose(): void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException('The deadline passed', 'TimeoutError')), ms);
  const onParent = () => controller.abort(parent!.reason);
  parent?.addEventListener('abort', onParent, { once: true });
  if (parent?.aborted) onParent();
  let resolveAborted!: () => void;
  const aborted = new Promise<void>((r) => (resolveAborted = r));
  controller.signal.addEventListener('abort', () => resolveAborted(), { once: true });
  return {
    signal: controller.signal,
    aborted,
    dispose() {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParent);
    },
  };
}
