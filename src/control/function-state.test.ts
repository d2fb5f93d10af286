import { describe, expect, it } from 'vitest';
import { ResourceConflictException } from '../core/errors.js';
import type { FunctionVersion } from '../core/model/functions.js';
import { IllegalTransitionError } from '../core/state-machine.js';
import { assertUpdatable, beginUpdate, PENDING_STATE, settle } from './function-state.js';

const active = {
  functionName: 'f',
  version: '$LATEST',
  state: 'Active',
  lastUpdateStatus: 'Successful',
} as FunctionVersion;
const pending = { ...active, ...PENDING_STATE } as FunctionVersion;

describe('function state machine', () => {
  it('goes Pending → Active and InProgress → Successful, and nowhere from a settled state', () => {
    const activated = settle(pending)!;
    expect(activated).toMatchObject({ state: 'Active', lastUpdateStatus: 'Successful' });
    expect(activated.stateReason).toBeUndefined();
    const updating = beginUpdate(active);
    expect(updating).toMatchObject({ state: 'Active', lastUpdateStatus: 'InProgress', lastUpdateStatusReasonCode: 'Creating' });
    const done = settle(updating)!;
    expect(done.lastUpdateStatus).toBe('Successful');
    expect(done.lastUpdateStatusReason).toBeUndefined();
    expect(settle(active)).toBeUndefined();
  });

  it('refuses to start an update while creating or updating', () => {
    expect(() => beginUpdate(pending)).toThrow(IllegalTransitionError);
    expect(() => beginUpdate(beginUpdate(active))).toThrow(IllegalTransitionError);
    expect(() => beginUpdate(pending)).toThrow('Function version f:$LATEST is Pending; it cannot become InProgress.');
    expect(() => assertUpdatable(pending, 'arn')).toThrow(ResourceConflictException);
    expect(() => assertUpdatable(beginUpdate(active), 'arn')).toThrow(/An update is in progress for resource: arn/);
    expect(() => assertUpdatable(active, 'arn')).not.toThrow();
  });
});
