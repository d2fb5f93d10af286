/**
 * The Runtime API state of one runtime: what it may call next. Names follow
 * aws-lambda-runtime-interface-emulator (`lambda/core/states.go`) where RIE has the same
 * state, so error messages read the same:
 *
 *   Started ──/next──▶ Ready ──invoke──▶ Running ──/response──▶ InvocationResponse ──▶ ResponseSent
 *      │                 │  ▲                  └──/error─────▶ InvocationErrorResponse ──┘   │
 *      │                 ▼  │ /next                                                          │
 *      │              Detached                 ◀───────────────────/next (Ready)─────────────┘
 *      └─/init/error─▶ InitError
 *
 * - `Ready`: a GET /next is parked (the runtime is idle); `Detached`: the parked /next's
 *   connection went away, and the runtime has to ask again.
 * - `InvocationResponse` / `InvocationErrorResponse`: the result body is being received;
 *   a second result in these states (or in `ResponseSent`) is refused.
 * - `Aborted`: the in-flight invocation was abandoned (timeout); the environment is about
 *   to be killed, so every later call is refused. `Closed`: the endpoint is shut.
 *
 * Each transition is one synchronous check-and-set; a refused one throws
 * InvalidStateTransitionError naming the current state and the target (a 403 to the runtime).
 */
import { InvalidStateTransitionError } from './runtime-api-errors.js';

export type RuntimeState =
  | 'Started'
  | 'Ready'
  | 'Detached'
  | 'Running'
  | 'InvocationResponse'
  | 'InvocationErrorResponse'
  | 'ResponseSent'
  | 'InitError'
  | 'Aborted'
  | 'Closed';

const LIVE_EXITS = ['Aborted', 'Closed'] as const;

const ALLOWED: Record<RuntimeState, readonly RuntimeState[]> = {
  Started: ['Ready', 'InitError', ...LIVE_EXITS],
  Ready: ['Running', 'Detached', ...LIVE_EXITS],
  Detached: ['Ready', ...LIVE_EXITS],
  Running: ['InvocationResponse', 'InvocationErrorResponse', ...LIVE_EXITS],
  InvocationResponse: ['ResponseSent', ...LIVE_EXITS],
  InvocationErrorResponse: ['ResponseSent', ...LIVE_EXITS],
  ResponseSent: ['Ready', ...LIVE_EXITS],
  InitError: ['Closed'],
  Aborted: ['Closed'],
  Closed: [],
};

/** Holds one runtime's state; {@link to} is the only way to change it. */
export class InvocationStateMachine {
  private current: RuntimeState = 'Started';

  get state(): RuntimeState {
    return this.current;
  }

  /** Moves to `next`, or throws InvalidStateTransitionError naming the current state. */
  to(next: RuntimeState): void {
    if (!ALLOWED[this.current].includes(next)) throw new InvalidStateTransitionError(this.current, next);
    this.current = next;
  }

  /** Throws what {@link to}(`next`) would throw, without moving: validation before a slow read. */
  check(next: RuntimeState): void {
    if (!ALLOWED[this.current].includes(next)) throw new InvalidStateTransitionError(this.current, next);
  }

  /** Whether {@link to}(`next`) would succeed now. */
  can(next: RuntimeState): boolean {
    return ALLOWED[this.current].includes(next);
  }
}
