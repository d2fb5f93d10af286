/**
 * The environments of one function version (one configuration of it: a code or config
 * update makes a new manager and drains the old one). It assigns each invocation an
 * environment — the most recently used idle one, or a new one (a cold start) when all are
 * busy — and stops environments that stay idle longer than the keep-alive, which scales
 * a function to zero.
 *
 * Provisioned concurrency: `provision(n)` keeps n environments started ahead of any
 * invocation (initialization type `provisioned-concurrency`), never reaped by the
 * keep-alive, and replaced when one dies after it was ready. The caller takes an idle one
 * first (`takeProvisioned`), so such an invocation pays no cold start; the rest are served
 * as above (on demand).
 *
 * Concurrency limits are not checked here: the caller holds a CountingService lease for
 * every invocation, so the number of environments never exceeds the concurrency granted.
 */
import { ServiceException } from '../core/errors.js';
import type { Clock } from '../core/clock.js';
import type { Invocation, InvocationOutcome } from '../core/model/invocation.js';
import { LogTail } from '../logs/log-tail.js';
import type { EnvironmentState } from './environment-state.js';
import type { InitFailure } from './invocation-report.js';
import { ExecutionEnvironment, type EnvironmentDeps, type InvokableVersion } from './execution-environment.js';

/** Provisioning could not start an environment: the function's init failed. */
export class ProvisioningError extends Error {
  constructor(readonly failure: InitFailure) {
    super(`${failure.errorType}: the function's initialization failed while provisioning concurrency`);
    this.name = 'ProvisioningError';
  }
}

/** How long before its credentials expire an environment stops taking invocations. */
export const CREDENTIALS_MARGIN_MS = 30 * 60_000;

export interface VersionManagerOptions {
  deps: EnvironmentDeps;
  clock: Clock;
  /** Idle time after which an environment is stopped (default 10 minutes). */
  keepAliveMs: number;
}

export class VersionManager {
  private readonly environments = new Set<ExecutionEnvironment>();
  /** Ready environments nobody is using, most recently used last. */
  private readonly idle: ExecutionEnvironment[] = [];
  private readonly reapTimers = new Map<ExecutionEnvironment, () => void>();
  private readonly stops = new Set<Promise<void>>();
  private draining = false;
  private readonly emptyWaiters: (() => void)[] = [];
  /** Environments started for provisioned concurrency, in any state. */
  private readonly provisioned = new Set<ExecutionEnvironment>();
  /** Ready provisioned environments nobody is using. */
  private readonly provisionedIdle: ExecutionEnvironment[] = [];
  private provisionedTarget = 0;

  constructor(
    readonly version: InvokableVersion,
    private readonly options: VersionManagerOptions,
  ) {}

  /**
   * Serves one invocation on the provisioned environment given (from `takeProvisioned`), an
   * idle environment, or a new one (a cold start, whose init output a log tail includes).
   * Sets the log tail on the outcome when it was asked for.
   */
  async serve(invocation: Invocation, provisioned?: ExecutionEnvironment): Promise<InvocationOutcome> {
    const tail = invocation.wantTail ? new LogTail() : undefined;
    const outcome = await this.withEnvironment(provisioned, async (env, cold) => {
      if (!cold) return env.execute(invocation, tail);
      const init = await env.start(tail);
      return init.ok ? env.execute(invocation, tail) : env.reportInitFailure(invocation, tail);
    });
    if (tail) outcome.logTail = tail.text();
    return outcome;
  }

  /**
   * An idle provisioned environment, taken for one invocation (hand it to `serve`, or back
   * with `giveBack`); undefined when none is idle. Synchronous, so that the caller takes the
   * environment and its concurrency lease in one turn.
   */
  takeProvisioned(): ExecutionEnvironment | undefined {
    return this.draining ? undefined : this.provisionedIdle.pop();
  }

  /** Returns an environment `takeProvisioned` gave, unused. */
  giveBack(env: ExecutionEnvironment): void {
    this.release(env);
  }

  /**
   * Keeps `count` provisioned environments. More are started at once; the surplus stops
   * (idle ones now, busy ones when their invocation ends). Resolves when the environments it
   * started are ready; rejects with ProvisioningError when one of them fails its init (it is
   * not retried: the same code would fail again).
   */
  async provision(count: number): Promise<void> {
    this.provisionedTarget = count;
    while (this.provisioned.size > count && this.provisionedIdle.length > 0) this.discard(this.provisionedIdle.shift()!);
    const starts: Promise<void>[] = [];
    while (!this.draining && this.provisioned.size < count) starts.push(this.startProvisioned());
    const failures = (await Promise.allSettled(starts)).filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failures.length > 0) throw failures[0]!.reason;
  }

  /** Provisioned environments ready to serve (idle or busy). */
  provisionedReady(): number {
    let ready = 0;
    for (const env of this.provisioned) if (env.state === 'ready' || env.state === 'invoking') ready++;
    return ready;
  }

  private async startProvisioned(): Promise<void> {
    const env = this.newEnvironment();
    this.provisioned.add(env);
    let init;
    try {
      init = await env.start(undefined, 'provisioned-concurrency');
    } catch (err) {
      this.discard(env);
      throw err;
    }
    if (!init.ok) {
      this.discard(env);
      throw new ProvisioningError(init);
    }
    this.release(env);
  }

  private newEnvironment(): ExecutionEnvironment {
    const env = new ExecutionEnvironment(this.version, this.options.deps);
    this.environments.add(env);
    env.onIdleFailure((failed) => this.discard(failed));
    return env;
  }

  /**
   * Takes an environment for `fn` (the provisioned one given, an idle one, or a new one)
   * and gives it back however `fn` ends: to its idle list when it is still ready,
   * otherwise it is stopped.
   */
  private async withEnvironment<T>(provisioned: ExecutionEnvironment | undefined, fn: (env: ExecutionEnvironment, cold: boolean) => Promise<T>): Promise<T> {
    if (this.draining) {
      if (provisioned) this.release(provisioned);
      throw new ServiceException('The function version is being replaced; retry the invocation.');
    }
    let env = provisioned ?? this.idle.pop();
    // An idle environment whose credentials neared their expiry while it waited is retired here.
    while (env && !provisioned && this.credentialsExpiring(env)) {
      this.reapTimers.get(env)?.();
      this.reapTimers.delete(env);
      this.discard(env);
      env = this.idle.pop();
    }
    const cold = env === undefined;
    if (env) {
      this.reapTimers.get(env)?.();
      this.reapTimers.delete(env);
    } else {
      env = this.newEnvironment();
    }
    try {
      return await fn(env, cold);
    } finally {
      this.release(env);
    }
  }

  private release(env: ExecutionEnvironment): void {
    // Credentials that could expire during the next invocation (15 minutes at most, with
    // room to spare) retire the environment: its successor starts with fresh ones, as an
    // AWS environment is recycled well within its role session.
    if (this.credentialsExpiring(env)) {
      this.discard(env);
      return;
    }
    if (this.provisioned.has(env)) {
      // No keep-alive: provisioned environments stay until the configuration lets them go.
      if (env.state === 'ready' && !this.draining && this.provisioned.size <= this.provisionedTarget) this.provisionedIdle.push(env);
      else this.discard(env);
      return;
    }
    if (env.state === 'ready' && !this.draining) {
      this.idle.push(env);
      this.reapTimers.set(
        env,
        this.options.clock.setTimer(() => this.reap(env), this.options.keepAliveMs),
      );
      return;
    }
    this.discard(env);
  }

  private credentialsExpiring(env: ExecutionEnvironment): boolean {
    const expires = env.credentialsExpire;
    return expires !== undefined && expires - this.options.clock.now() < CREDENTIALS_MARGIN_MS;
  }

  /** Keep-alive expired: stop the environment if it is still idle. */
  private reap(env: ExecutionEnvironment): void {
    this.reapTimers.delete(env);
    const i = this.idle.indexOf(env);
    if (i === -1) return;
    this.idle.splice(i, 1);
    this.discard(env);
  }

  /**
   * Forgets an environment and stops it (a no-op for one that stopped already). A
   * provisioned environment that was ready and is lost (it died idle, timed out, crashed)
   * is replaced while the configuration still asks for it.
   */
  private discard(env: ExecutionEnvironment): void {
    const i = this.idle.indexOf(env);
    if (i !== -1) this.idle.splice(i, 1);
    if (this.provisioned.delete(env)) {
      const p = this.provisionedIdle.indexOf(env);
      if (p !== -1) this.provisionedIdle.splice(p, 1);
      // Only an environment that had been ready: a failed init would fail again.
      const wasReady = env.timings !== undefined;
      if (wasReady && !this.draining && this.provisioned.size < this.provisionedTarget) this.startProvisioned().catch(() => undefined);
    }
    this.reapTimers.get(env)?.();
    this.reapTimers.delete(env);
    if (!this.environments.delete(env)) return;
    const stopping: Promise<void> = env
      .stop()
      .catch(() => undefined)
      .finally(() => {
        this.stops.delete(stopping);
        this.notifyIfEmpty();
      });
    this.stops.add(stopping);
  }

  private notifyIfEmpty(): void {
    if (!this.empty) return;
    for (const wake of this.emptyWaiters.splice(0)) wake();
  }

  /**
   * Lets in-flight invocations finish and stops every environment once it is idle; the
   * manager accepts no new invocations (the pool sends them to a new manager). Resolves
   * when every environment has stopped.
   */
  async drain(): Promise<void> {
    this.draining = true;
    this.provisionedTarget = 0;
    for (const env of [...this.idle, ...this.provisionedIdle]) this.discard(env);
    // Busy environments are discarded by release() when their invocation ends.
    if (!this.empty) await new Promise<void>((wake) => this.emptyWaiters.push(wake));
  }

  /** Stops every environment now, including those in the middle of an invocation. */
  async stop(): Promise<void> {
    this.draining = true;
    this.provisionedTarget = 0;
    for (const env of [...this.environments]) this.discard(env);
    await Promise.all([...this.stops]);
  }

  /** Whether an invocation would find a ready environment nobody is using (provisioned or not). */
  get hasIdle(): boolean {
    return !this.draining && (this.idle.length > 0 || this.provisionedIdle.length > 0);
  }

  /** Whether any environment runs (ready, busy or starting). */
  get warm(): boolean {
    return !this.draining && this.environments.size > 0;
  }

  /** Environments per state (live ones only). */
  countByState(into: Record<EnvironmentState, number>): void {
    for (const env of this.environments) into[env.state]++;
  }

  /** Whether the manager has nothing left running. */
  get empty(): boolean {
    return this.environments.size === 0 && this.stops.size === 0;
  }

  /** The runtime pids of live environments (for tests and diagnostics). */
  pids(): number[] {
    return [...this.environments].flatMap((e) => (e.pid === undefined ? [] : [e.pid]));
  }
}
