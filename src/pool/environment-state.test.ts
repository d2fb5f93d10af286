import { describe, expect, it } from 'vitest';
import { EnvironmentStateError, EnvironmentStateMachine } from './environment-state.js';

describe('EnvironmentStateMachine', () => {
  it('follows starting → ready ⇄ invoking → stopping → stopped', () => {
    const m = new EnvironmentStateMachine('e1');
    m.to('ready');
    m.to('invoking');
    m.to('ready');
    m.to('invoking');
    m.to('stopping');
    m.to('stopped');
    expect(m.state).toBe('stopped');
  });

  it('refuses what it does not allow, naming the current state', () => {
    const m = new EnvironmentStateMachine('e1');
    expect(() => m.to('invoking')).toThrow(new EnvironmentStateError('e1', 'starting', 'invoking'));
    expect(() => m.to('invoking')).toThrow('Execution environment e1 is starting; it cannot become invoking.');
    m.to('failed');
    expect(() => m.to('ready')).toThrow(/is failed/);
    m.to('stopping');
    expect(() => m.to('stopping')).toThrow(/is stopping/);
    m.to('stopped');
    for (const s of ['starting', 'ready', 'invoking', 'failed', 'stopping', 'stopped'] as const) {
      expect(m.can(s)).toBe(false);
      expect(() => m.to(s)).toThrow(/is stopped/);
    }
  });
});
