/**
 * What an execution environment does between invocations, on the injected clock: it starts
 * the next invocation's peak-memory window once the caller has its answer, and freezes the
 * sandbox (where the driver can) once the runtime has parked on /next, so that an idle
 * function uses no CPU, as on Lambda. The next invocation wakes it: a reset still pending is
 * done then, a freeze still pending is cancelled, and the sandbox is thawed before the
 * invocation's clock starts.
 */
import type { Clock } from '../core/clock.js';
import type { Sandbox } from '../sandbox/sandbox-driver.js';

/**
 * First and longest wait between checks for the runtime to park on /next before a freeze.
 * The first is a grace, not a poll: back-to-back invocations must not pay a freeze and a
 * thaw each (measured: sequential warm invokes 2-3x slower at a 1 ms first check).
 */
export const FREEZE_CHECK_FIRST_MS = 50;
export const FREEZE_CHECK_MAX_MS = 1000;

/** What the keeper works on: the clock it schedules on, the sandbox, and the environment's state. */
export interface IdleKeeperDeps {
  clock: Clock;
  sandbox: Pick<Sandbox, 'resetPeakMemory' | 'freeze' | 'thaw'>;
  /** Whether the environment is ready (no invocation, not failed or stopping). */
  ready(): boolean;
  /** Whether the runtime is parked on /next with nothing in flight. */
  parked(): boolean;
}

/** The idle side of one environment's sandbox; see the module comment. */
export class IdleKeeper {
  private memoryResetPending = false;
  private cancelFreeze: (() => void) | undefined;

  constructor(private readonly deps: IdleKeeperDeps) {}

  /** The runtime is ready for its first invocation: freeze once it parks. */
  rest(): void {
    this.scheduleFreeze(FREEZE_CHECK_FIRST_MS);
  }

  /**
   * An invocation has its answer. Its successor's peak-memory window starts as soon as the
   * work in hand is done: the /proc work (a few hundred µs) then stays off the caller's
   * latency. The first invocation keeps the init peak, as a cold start's Max Memory Used
   * does on Lambda, because only this starts a window.
   */
  afterInvocation(): void {
    this.memoryResetPending = true;
    this.deps.clock.setTimer(() => {
      if (this.memoryResetPending && this.deps.ready()) this.resetMemory();
    }, 0);
    this.scheduleFreeze(FREEZE_CHECK_FIRST_MS);
  }

  /** Before an invocation: the pending reset, no freeze, and a thawed sandbox. Rejects when the thaw fails. */
  async wake(): Promise<void> {
    if (this.memoryResetPending) this.resetMemory();
    this.stop();
    await this.deps.sandbox.thaw?.();
  }

  /** No more freezes (the environment stops; the sandbox's stop thaws a frozen runtime). */
  stop(): void {
    this.cancelFreeze?.();
    this.cancelFreeze = undefined;
  }

  /**
   * Freezes once the runtime has parked on /next with nothing in flight (on Lambda the
   * freeze also waits for that /next: work a handler left running after its response goes
   * on until then), checking at a doubling interval. An invocation that comes first cancels it.
   */
  private scheduleFreeze(waitMs: number): void {
    const { sandbox } = this.deps;
    if (!sandbox.freeze) return;
    this.stop();
    this.cancelFreeze = this.deps.clock.setTimer(() => {
      this.cancelFreeze = undefined;
      if (!this.deps.ready()) return;
      if (!this.deps.parked()) return this.scheduleFreeze(Math.min(waitMs * 2, FREEZE_CHECK_MAX_MS));
      // A freezer that refuses leaves the environment running, which is only a cost.
      sandbox.freeze?.().catch(() => undefined);
    }, waitMs);
  }

  private resetMemory(): void {
    this.memoryResetPending = false;
    this.deps.sandbox.resetPeakMemory();
  }
}
