/**
 * The environments of one function version (one configuration of it: a code or config
 * update makes a new manager and drains the old one). It assigns each invocation an
 * environment — the most recently used idle one, or a new one (a cold start) when all are
 * busy — and stops environments that stay idle longer than the keep-alive, which scales
 * a function to zero.
 *
 * Concurrency limits are not checked here: the caller holds a CountingService lease for
 * every invocation, so the number of environments never exceeds the concurrency granted.
 */
import { ServiceException } from '../core/errors.js';
import type { Clock } from '../core/clock.js';
import type { Invocation, InvocationOutcome } from '../core/model/invocation.js';
import { LogTail } from '../logs/log-tail.js';
import type { EnvironmentState } from './environment-state.js';
import { ExecutionEnvironment, type EnvironmentDeps, type InvokableVersion } from './execution-environment.js';

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

  constructor(
    readonly version: InvokableVersion,
    private readonly options: VersionManagerOptions,
  ) {}

  /**
   * Serves one invocation from an idle environment, or from a new one (a cold start, whose
   * init output a log tail includes). Sets the log tail on the outcome when it was asked for.
   */
  async serve(invocation: Invocation): Promise<InvocationOutcome> {
    const tail = invocation.wantTail ? new LogTail() : undefined;
    const outcome = await this.withEnvironment(async (env, cold) => {
      if (!cold) return env.execute(invocation, tail);
      const init = await env.start(tail);
      return init.ok ? env.execute(invocation, tail) : env.reportInitFailure(invocation, tail);
    });
    if (tail) outcome.logTail = tail.text();
    return outcome;
  }

  /**
   * Takes an environment for `fn` and gives it back however `fn` ends: to the idle list
   * when it is still ready, otherwise it is stopped.
   */
  private async withEnvironment<T>(fn: (env: ExecutionEnvironment, cold: boolean) => Promise<T>): Promise<T> {
    if (this.draining) throw new ServiceException('The function version is being replaced; retry the invocation.');
    let env = this.idle.pop();
    const cold = env === undefined;
    if (env) {
      this.reapTimers.get(env)?.();
      this.reapTimers.delete(env);
    } else {
      env = new ExecutionEnvironment(this.version, this.options.deps);
      this.environments.add(env);
      env.onIdleFailure((failed) => this.discard(failed));
    }
    try {
      return await fn(env, cold);
    } finally {
      this.release(env);
    }
  }

  private release(env: ExecutionEnvironment): void {
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

  /** Keep-alive expired: stop the environment if it is still idle. */
  private reap(env: ExecutionEnvironment): void {
    this.reapTimers.delete(env);
    const i = this.idle.indexOf(env);
    if (i === -1) return;
    this.idle.splice(i, 1);
    this.discard(env);
  }

  /** Forgets an environment and stops it (a no-op for one that stopped already). */
  private discard(env: ExecutionEnvironment): void {
    const i = this.idle.indexOf(env);
    if (i !== -1) this.idle.splice(i, 1);
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
    for (const env of [...this.idle]) this.discard(env);
    // Busy environments are discarded by release() when their invocation ends.
    if (!this.empty) await new Promise<void>((wake) => this.emptyWaiters.push(wake));
  }

  /** Stops every environment now, including those in the middle of an invocation. */
  async stop(): Promise<void> {
    this.draining = true;
    for (const env of [...this.environments]) this.discard(env);
    await Promise.all([...this.stops]);
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
