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
export type EventState = 'queued' | 'in-flight' | 'retrying' | 'done';

const ALLOWED: Record<EventState, readonly EventState[]> = {
  queued: ['in-flight', 'done'],
  'in-flight': ['retrying', 'done'],
  retrying: ['queued', 'done'],
  done: [],
};

export class EventStateError extends Error {
  constructor(from: EventState, to: EventState) {
    super(`An async event in state ${from} cannot become ${to}`);
    this.name = 'EventStateError';
  }
}

/** Something with a state; `transition` moves it or throws naming the current state. */
export interface HasEventState {
  state: EventState;
}

export function transition(subject: HasEventState, to: EventState): void {
  if (!ALLOWED[subject.state].includes(to)) throw new EventStateError(subject.state, to);
  subject.state = to;
}
