import { describe, expect, it } from 'vitest';
import { IllegalTransitionError, StateMachine, type Transitions } from './state-machine.js';

type Light = 'red' | 'green' | 'amber' | 'off';

const LIGHT: Transitions<Light> = {
  red: ['green', 'off'],
  green: ['amber', 'off'],
  amber: ['red', 'off'],
  off: [],
};

const light = (initial: Light = 'red') =>
  new StateMachine(LIGHT, initial, (from, to) => new IllegalTransitionError(from, to, `The light is ${from}; it cannot become ${to}.`));

describe('StateMachine', () => {
  it('moves along the table and reports where it is', () => {
    const m = light();
    m.transition('green');
    m.transition('amber');
    m.transition('red');
    expect(m.state).toBe('red');
    expect(light('amber').state).toBe('amber');
  });

  it('refuses a move the table does not list with the refusal, naming the current state, and stays', () => {
    const m = light();
    expect(m.can('amber')).toBe(false);
    let err: unknown;
    try {
      m.transition('amber');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(IllegalTransitionError);
    expect(err).toMatchObject({ from: 'red', to: 'amber', message: 'The light is red; it cannot become amber.' });
    expect(m.state).toBe('red');
  });

  it('check throws what transition would, without moving', () => {
    const m = light('green');
    expect(() => m.check('amber')).not.toThrow();
    expect(m.state).toBe('green');
    expect(() => m.check('red')).toThrow('The light is green; it cannot become red.');
    expect(m.state).toBe('green');
  });

  it('throws whatever error the refusal builds', () => {
    class Custom extends Error {}
    const m = new StateMachine(LIGHT, 'off', () => new Custom('no'));
    expect(() => m.transition('red')).toThrow(Custom);
  });

  it('a state that allows nothing is final', () => {
    const m = light('amber');
    m.transition('off');
    for (const s of ['red', 'green', 'amber', 'off'] as const) {
      expect(m.can(s)).toBe(false);
      expect(() => m.transition(s)).toThrow(/The light is off/);
    }
  });
});
