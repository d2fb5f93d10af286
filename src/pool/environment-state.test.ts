import { describe, expect, it } from 'vitest';
import { IllegalTransitionError } from '../core/state-machine.js';
import { EnvironmentStateError, environmentStateMachine } from './environment-state.js';

describe('the execution environment state machine', () => {
  it('follows starting → ready ⇄ invoking → stopping → stopped', () => {
    const m = environmentStateMachine('e1');
    m.transition('ready');
    m.transition('invoking');
    m.transition('ready');
    m.transition('invoking');
    m.transition('stopping');
    m.transition('stopped');
    expect(m.state).toBe('stopped');
  });

  it('refuses what it does not allow, naming the current state', () => {
    const m = environmentStateMachine('e1');
    expect(() => m.transition('invoking')).toThrow(new EnvironmentStateError('e1', 'starting', 'invoking'));
    expect(() => m.transition('invoking')).toThrow('Execution environment e1 is starting; it cannot become invoking.');
    expect(() => m.transition('invoking')).toThrow(IllegalTransitionError);
    m.transition('failed');
    expect(() => m.transition('ready')).toThrow(/is failed/);
    m.transition('stopping');
    expect(() => m.transition('stopping')).toThrow(/is stopping/);
    m.transition('stopped');
    for (const s of ['starting', 'ready', 'invoking', 'failed', 'stopping', 'stopped'] as const) {
      expect(m.can(s)).toBe(false);
      expect(() => m.transition(s)).toThrow(/is stopped/);
    }
  });

  it('names an action the state does not allow as the action', () => {
    expect(new EnvironmentStateError('e1', 'stopped', 'start').message).toBe('Execution environment e1 is stopped; it cannot start.');
  });
});
