/**
 * The states of an execution environment and the transitions between them:
 *
 *   starting ──▶ ready ⇄ invoking
 *      │           │        │
 *      ▼           ▼        ▼
 *    failed ──▶ stopping ──▶ stopped
 *
 * `failed` is an environment that can no longer serve (init failed, the runtime died,
 * an invocation timed out); it only goes on to `stopping`. Any live state can be stopped.
 */
export type EnvironmentState = 'starting' | 'ready' | 'invoking' | 'failed' | 'stopping' | 'stopped';

export const ENVIRONMENT_STATES: readonly EnvironmentState[] = ['starting', 'ready', 'invoking', 'failed', 'stopping', 'stopped'];

const ALLOWED: Record<EnvironmentState, readonly EnvironmentState[]> = {
  starting: ['ready', 'failed', 'stopping'],
  ready: ['invoking', 'failed', 'stopping'],
  invoking: ['ready', 'failed', 'stopping'],
  failed: ['stopping'],
  stopping: ['stopped'],
  stopped: [],
};

/** A transition the state machine does not allow; names the current state. */
export class EnvironmentStateError extends Error {
  constructor(
    readonly environmentId: string,
    readonly from: EnvironmentState,
    readonly to: EnvironmentState,
  ) {
    super(`Execution environment ${environmentId} is ${from}; it cannot become ${to}.`);
    this.name = 'EnvironmentStateError';
  }
}

/** Holds one environment's state; `to` is the only way to change it. */
export class EnvironmentStateMachine {
  private current: EnvironmentState = 'starting';

  constructor(private readonly environmentId: string) {}

  get state(): EnvironmentState {
    return this.current;
  }

  /** Checks and sets in one synchronous step; throws EnvironmentStateError when not allowed. */
  to(next: EnvironmentState): void {
    if (!ALLOWED[this.current].includes(next)) throw new EnvironmentStateError(this.environmentId, this.current, next);
    this.current = next;
  }

  /** Whether `to(next)` would succeed now. */
  can(next: EnvironmentState): boolean {
    return ALLOWED[this.current].includes(next);
  }
}
