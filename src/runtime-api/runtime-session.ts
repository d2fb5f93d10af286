/**
 * The hand-off between one runtime and the environment that owns it: the state machine of
 * invocation-state.ts, the parked GET /next, the invocation in flight and the readiness of
 * the runtime. The HTTP handlers call it after parsing a request; RuntimeEndpoint calls it
 * for `deliver`, `ready` and `close`. It knows nothing of routes; it writes only the /next
 * answer, because an invocation may be delivered from either side (a /next that finds one
 * waiting, or a delivery that finds a /next parked).
 */
import type { FunctionAnswer, Invocation } from '../core/model/invocation.js';
import { Deferred } from '../core/primitives.js';
import { InvalidRequestIdError } from './runtime-api-errors.js';
import { invocationStateMachine, type RuntimeState } from './invocation-state.js';
import { InitError } from './runtime-types.js';

/**
 * A parked GET /next, however it came: through `node:http` (invocation-next.ts) or the lean
 * connection (lean-connection.ts).
 */
export interface ParkedNext {
  /** Answers it with `invocation`, due at `deadlineMs`. */
  send(invocation: Invocation, deadlineMs: number): void;
  /** Cuts its connection, unanswered. */
  destroy(): void;
  /** Calls `gone` when its connection closes (which counts only while it is parked). */
  onAbandoned(gone: () => void): void;
}

interface InFlight {
  invocation: Invocation;
  /** Epoch milliseconds, sent as `Lambda-Runtime-Deadline-Ms`. */
  deadlineMs: number;
  answer: Deferred<FunctionAnswer>;
}

/** The error `deliver` rejects with when its invocation is aborted. */
export class InvocationAbortedError extends Error {
  constructor(requestId: string, cause: unknown) {
    super(`Invocation ${requestId} was aborted`, { cause });
    this.name = 'AbortError';
  }
}

/** One runtime's protocol state; see the module comment. */
export class RuntimeSession {
  private readonly machine = invocationStateMachine();
  private readonly readiness = new Deferred<void>();
  private parked: ParkedNext | undefined;
  private inFlight: InFlight | undefined;
  /** The id the runtime may answer: set when an invocation is delivered, cleared by its next /next. */
  private answerableId: string | undefined;

  constructor(readonly maxResponseBytes: number) {
    // Nobody may be waiting on readiness when it fails; that must not be an unhandled rejection.
    this.readiness.promise.catch(() => undefined);
  }

  get state(): RuntimeState {
    return this.machine.state;
  }

  /** A /next is parked and nothing is in flight. */
  get idle(): boolean {
    return this.machine.state === 'Ready' && this.inFlight === undefined;
  }

  ready(): Promise<void> {
    return this.readiness.promise;
  }

  /** GET /next: the runtime is ready for an invocation; delivers the waiting one, or parks. */
  next(parked: ParkedNext): void {
    this.machine.transition('Ready');
    this.answerableId = undefined;
    if (!this.readiness.settled) this.readiness.resolve();
    this.parked = parked;
    parked.onAbandoned(() => {
      // Delivery clears `parked` first, so this only counts for a /next that was abandoned.
      if (this.parked !== parked) return;
      this.parked = undefined;
      if (this.machine.state === 'Ready') this.machine.transition('Detached');
    });
    if (this.inFlight) this.writeNext(this.inFlight);
  }

  /**
   * Hands `invocation` to the runtime (now if a /next is parked, else at its next /next).
   * Throws when an invocation is already in flight or the runtime can take none.
   */
  deliver(invocation: Invocation, deadlineMs: number): Promise<FunctionAnswer> {
    if (this.inFlight) {
      throw new Error(`Invocation ${this.inFlight.invocation.requestId} is still in flight; a runtime serves one invocation at a time.`);
    }
    const state = this.machine.state;
    if (state === 'InitError' || state === 'Aborted' || state === 'Closed') {
      throw new Error(`The runtime is ${state}; it cannot take invocation ${invocation.requestId}.`);
    }
    const flight: InFlight = { invocation, deadlineMs, answer: new Deferred<FunctionAnswer>() };
    this.inFlight = flight;
    if (this.machine.state === 'Ready') this.writeNext(flight);
    return flight.answer.promise;
  }

  /**
   * Starts receiving a result (`target` is `InvocationResponse` or `InvocationErrorResponse`).
   * The id is checked before the state, as RIE does: an id that is not the current one is a
   * 400 InvalidRequestID whatever the state; a second result for the current one is a 403.
   */
  beginResult(requestId: string, target: 'InvocationResponse' | 'InvocationErrorResponse'): void {
    if (requestId === '' || requestId !== this.answerableId) throw new InvalidRequestIdError();
    this.machine.transition(target);
  }

  /** Ends the result begun by {@link beginResult}; the deliver promise resolves with `answer`. */
  finishResult(answer: FunctionAnswer): void {
    this.machine.transition('ResponseSent');
    const flight = this.inFlight!;
    this.inFlight = undefined;
    flight.answer.resolve(answer);
  }

  /** Throws unless POST /runtime/init/error is allowed now (checked before its body is read). */
  checkInitError(): void {
    this.machine.check('InitError');
  }

  /** POST /runtime/init/error: readiness (and an invocation waiting for it) fail with InitError. */
  initError(errorType: string, payload: Buffer): void {
    this.machine.transition('InitError');
    const err = new InitError(errorType, payload);
    this.readiness.reject(err);
    this.failInFlight(err);
  }

  /** Ends everything: the parked /next, the invocation in flight, readiness. Idempotent. */
  close(): void {
    if (this.machine.state === 'Closed') return;
    this.machine.transition('Closed');
    this.parked?.destroy();
    this.parked = undefined;
    const closed = new Error('The Runtime API endpoint was closed');
    if (!this.readiness.settled) this.readiness.reject(closed);
    this.failInFlight(closed);
  }

  /** Answers the parked /next with the invocation in flight. */
  private writeNext(flight: InFlight): void {
    const parked = this.parked!;
    this.machine.transition('Running');
    this.parked = undefined;
    this.answerableId = flight.invocation.requestId;
    parked.send(flight.invocation, flight.deadlineMs);
  }

  /**
   * Abandons the invocation in flight (its timeout passed): `deliver` rejects with an
   * InvocationAbortedError, and nothing the runtime says later counts, since the
   * environment is killed next. Does nothing without one.
   */
  abort(reason: unknown): void {
    const flight = this.inFlight;
    if (!flight) return;
    this.machine.transition('Aborted');
    this.parked?.destroy();
    this.parked = undefined;
    this.failInFlight(new InvocationAbortedError(flight.invocation.requestId, reason));
  }

  private failInFlight(err: Error): void {
    const flight = this.inFlight;
    if (!flight) return;
    this.inFlight = undefined;
    flight.answer.reject(err);
  }
}
