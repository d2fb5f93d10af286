/**
 * The one state-machine helper every stateful part of Gust uses (execution environments,
 * the Runtime API's per-runtime state, async events, function updates): a table of the
 * transitions each state allows, and a machine whose {@link StateMachine.transition} checks
 * and sets in one synchronous step, refusing anything else with the table's own typed error.
 */

/** For each state, the states it may move to. A state absent from every list is never entered again. */
export type Transitions<S extends string> = Readonly<Record<S, readonly S[]>>;

/** Builds the error a refused transition throws; it names the current state. */
export type Refusal<S extends string> = (from: S, to: S) => Error;

/**
 * A transition (or an action) the current state does not allow. Tables whose errors need
 * no other base extend it, so that callers can tell a state violation from other failures.
 */
export class IllegalTransitionError extends Error {
  constructor(
    readonly from: string,
    readonly to: string,
    message: string,
  ) {
    super(message);
    this.name = 'IllegalTransitionError';
  }
}

/** One thing's current state, changed only through the table. */
export class StateMachine<S extends string> {
  private current: S;

  constructor(
    private readonly transitions: Transitions<S>,
    initial: S,
    private readonly refuse: Refusal<S>,
  ) {
    this.current = initial;
  }

  get state(): S {
    return this.current;
  }

  /** Whether {@link transition}(`to`) would succeed now. */
  can(to: S): boolean {
    return this.transitions[this.current].includes(to);
  }

  /** Throws what {@link transition}(`to`) would throw, without moving: validation before slow work. */
  check(to: S): void {
    if (!this.can(to)) throw this.refuse(this.current, to);
  }

  /** Moves to `to`, or throws the table's error naming the current state. */
  transition(to: S): void {
    this.check(to);
    this.current = to;
  }
}
