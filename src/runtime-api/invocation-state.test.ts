import { describe, expect, it } from 'vitest';
import type { StateMachine } from '../core/state-machine.js';
import { invocationStateMachine, type RuntimeState } from './invocation-state.js';
import { InvalidStateTransitionError } from './runtime-api-errors.js';

function at(...path: RuntimeState[]): StateMachine<RuntimeState> {
  const m = invocationStateMachine();
  for (const s of path) m.transition(s);
  return m;
}

describe('the Runtime API state machine', () => {
  it('walks the invocation cycle: next, deliver, result, next again', () => {
    const m = at('Ready', 'Running', 'InvocationResponse', 'ResponseSent', 'Ready', 'Running', 'InvocationErrorResponse', 'ResponseSent', 'Ready');
    expect(m.state).toBe('Ready');
  });

  it('lets a parked /next go and come back', () => {
    expect(at('Ready', 'Detached', 'Ready').state).toBe('Ready');
  });

  it.each<[RuntimeState[], RuntimeState]>([
    [[], 'InvocationResponse'],
    [[], 'Running'],
    [['Ready'], 'Ready'],
    [['Ready'], 'InitError'],
    [['Ready', 'Running'], 'Ready'],
    [['Ready', 'Running', 'InvocationResponse'], 'InvocationResponse'],
    [['Ready', 'Running', 'InvocationResponse'], 'InvocationErrorResponse'],
    [['Ready', 'Running', 'InvocationResponse', 'ResponseSent'], 'InvocationResponse'],
    [['InitError'], 'Ready'],
    [['Aborted'], 'Ready'],
    [['Closed'], 'Closed'],
  ])('from %j refuses %s, naming both states', (path, target) => {
    const m = at(...path);
    const from = m.state;
    expect(m.can(target)).toBe(false);
    expect(() => m.check(target)).toThrow(InvalidStateTransitionError);
    let err: unknown;
    try {
      m.transition(target);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidStateTransitionError);
    expect((err as InvalidStateTransitionError).status).toBe(403);
    expect((err as Error).message).toBe(`State transition from ${from} to ${target} failed for runtime. Error: State transition is not allowed`);
    expect(m.state).toBe(from);
  });

  it('can abort or close from every live state, and only close after that', () => {
    for (const path of [[], ['Ready'], ['Ready', 'Detached'], ['Ready', 'Running'], ['Ready', 'Running', 'InvocationResponse']] as RuntimeState[][]) {
      expect(at(...path, 'Aborted', 'Closed').state).toBe('Closed');
      expect(at(...path, 'Closed').state).toBe('Closed');
    }
    expect(at('InitError', 'Closed').state).toBe('Closed');
    expect(() => at('InitError', 'Aborted')).toThrow(InvalidStateTransitionError);
  });
});
