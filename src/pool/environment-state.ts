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
import { IllegalTransitionError, StateMachine, type Transitions } from '../core/state-machine.js';

export type EnvironmentState = 'starting' | 'ready' | 'invoking' | 'failed' | 'stopping' | 'stopped';

export const ENVIRONMENT_STATES: readonly EnvironmentState[] = ['starting', 'ready', 'invoking', 'failed', 'stopping', 'stopped'];

const TRANSITIONS: Transitions<EnvironmentState> = {
  starting: ['ready', 'failed', 'stopping'],
  ready: ['invoking', 'failed', 'stopping'],
  invoking: ['ready', 'failed', 'stopping'],
  failed: ['stopping'],
  stopping: ['stopped'],
  stopped: [],
};

/** What an environment is asked to do besides moving to a state: each is allowed in one state only. */
export type EnvironmentAction = 'start' | 'report an init failure';

/** A transition, or an action, the environment's state does not allow; names the current state. */
export class EnvironmentStateError extends IllegalTransitionError {
  constructor(
    readonly environmentId: string,
    from: EnvironmentState,
    to: EnvironmentState | EnvironmentAction,
  ) {
    const attempt = (ENVIRONMENT_STATES as readonly string[]).includes(to) ? `become ${to}` : to;
    super(from, to, `Execution environment ${environmentId} is ${from}; it cannot ${attempt}.`);
    this.name = 'EnvironmentStateError';
  }
}

/** A new environment's state machine, at `starting`; refusals are EnvironmentStateErrors. */
export function environmentStateMachine(environmentId: string): StateMachine<EnvironmentState> {
  return new StateMachine(TRANSITIONS, 'starting', (from, to) => new EnvironmentStateError(environmentId, from, to));
}
