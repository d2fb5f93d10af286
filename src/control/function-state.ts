/**
 * The function state machine, as Lambda exposes it: a new version is `Pending` until
 * its code is ready and then `Active`; an update of `$LATEST` is `InProgress` until it
 * is applied and then `Successful`. Versions are immutable records, so the two fields are
 * read as one phase (`Pending`, `InProgress`, or `Settled` when neither is going on), each
 * transition is checked on that phase's machine and returns the next version object; one
 * that is not allowed throws, naming the phase.
 * https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html
 */
import { ResourceConflictException } from '../core/errors.js';
import type { FunctionVersion } from '../core/model/functions.js';
import { IllegalTransitionError, StateMachine, type Transitions } from '../core/state-machine.js';

/** The state a version is created in (CreateFunction, PublishVersion). */
export const PENDING_STATE = {
  state: 'Pending',
  stateReason: 'The function is being created.',
  stateReasonCode: 'Creating',
} as const;

/** What a version is doing: being created, being updated, or nothing. */
type UpdatePhase = 'Pending' | 'InProgress' | 'Settled';

const TRANSITIONS: Transitions<UpdatePhase> = {
  Pending: ['Settled'],
  InProgress: ['Settled'],
  Settled: ['InProgress'],
};

/** The phase `version` is in. */
function updatePhase(version: FunctionVersion): UpdatePhase {
  if (version.state === 'Pending') return 'Pending';
  return version.lastUpdateStatus === 'InProgress' ? 'InProgress' : 'Settled';
}

/** The version's phase as a machine; a refused transition is an IllegalTransitionError naming the version. */
function phaseMachine(version: FunctionVersion): StateMachine<UpdatePhase> {
  const name = `${version.functionName}:${version.version}`;
  return new StateMachine(TRANSITIONS, updatePhase(version), (from, to) => new IllegalTransitionError(from, to, `Function version ${name} is ${from}; it cannot become ${to}.`));
}

/**
 * Refuses a client update while the version is still being created or updated, with
 * AWS's ResourceConflictException.
 */
export function assertUpdatable(version: FunctionVersion, arn: string): void {
  const phase = updatePhase(version);
  if (phase === 'Pending') {
    throw new ResourceConflictException(`The operation cannot be performed at this time. The function is currently in the following state: Pending`);
  }
  if (phase === 'InProgress') {
    throw new ResourceConflictException(`The operation cannot be performed at this time. An update is in progress for resource: ${arn}`);
  }
}

/** Active (or Failed) → an update in progress. */
export function beginUpdate(version: FunctionVersion): FunctionVersion {
  phaseMachine(version).transition('InProgress');
  // AWS reports an update with the same reason and code as a creation.
  return {
    ...version,
    lastUpdateStatus: 'InProgress',
    lastUpdateStatusReason: 'The function is being created.',
    lastUpdateStatusReasonCode: 'Creating',
  };
}

/**
 * Finishes whatever the version was doing: Pending → Active, InProgress → Successful.
 * Returns undefined when there is nothing to finish.
 */
export function settle(version: FunctionVersion): FunctionVersion | undefined {
  if (!phaseMachine(version).can('Settled')) return undefined;
  if (version.state === 'Pending') {
    const { stateReason: _r, stateReasonCode: _c, ...rest } = version;
    return { ...rest, state: 'Active', lastUpdateStatus: 'Successful' };
  }
  const { lastUpdateStatusReason: _r, lastUpdateStatusReasonCode: _c, ...rest } = version;
  return { ...rest, lastUpdateStatus: 'Successful' };
}
