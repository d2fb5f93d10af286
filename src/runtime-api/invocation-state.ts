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
import { StateMachine, type Transitions } from '../core/state-machine.js';
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

const TRANSITIONS: Transitions<RuntimeState> = {
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

/** A new runtime's state machine, at `Started`; refusals are InvalidStateTransitionErrors (403). */
export function invocationStateMachine(): StateMachine<RuntimeState> {
  return new StateMachine(TRANSITIONS, 'Started', (from, to) => new InvalidStateTransitionError(from, to));
}
