/**
 * The life of an asynchronous event inside the queue, as an explicit state machine:
 *
 *   queued ──▶ in-flight ──▶ done          (success, dead-lettered, dropped)
 *     ▲  │         │
 *     │  └─────────┼──────▶ done           (too old, reserved concurrency 0, function deleted)
 *     │            ▼
 *     └──────── retrying ──▶ done          (too old when its wait ends, function deleted)
 *
 * `queued`: ready, waiting for concurrency in arrival order; `in-flight`: leased to one
 * invocation; `retrying`: waiting out a retry delay. An event leaves the store only after
 * it reaches `done` and its outcome is recorded. A transition is one synchronous check-and-set.
 */
import { IllegalTransitionError, StateMachine, type Transitions } from '../../core/state-machine.js';

export type EventState = 'queued' | 'in-flight' | 'retrying' | 'done';

const TRANSITIONS: Transitions<EventState> = {
  queued: ['in-flight', 'done'],
  'in-flight': ['retrying', 'done'],
  retrying: ['queued', 'done'],
  done: [],
};

export class EventStateError extends IllegalTransitionError {
  constructor(from: EventState, to: EventState) {
    super(from, to, `An async event in state ${from} cannot become ${to}`);
    this.name = 'EventStateError';
  }
}

/** One event's state machine, starting at `initial` (`retrying` for a stored event still waiting out its delay). */
export function eventLifecycle(initial: EventState): StateMachine<EventState> {
  return new StateMachine(TRANSITIONS, initial, (from, to) => new EventStateError(from, to));
}
