import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.js';
import { FREEZE_CHECK_FIRST_MS, FREEZE_CHECK_MAX_MS, IdleKeeper } from './idle-keeper.js';

/** A sandbox that records what the keeper asks of it, and an environment whose state the test sets. */
function setUp(options: { freezer?: boolean; thawFails?: boolean } = {}) {
  const clock = new ManualClock(0);
  const calls: string[] = [];
  const env = { ready: true, parked: false };
  const sandbox = {
    resetPeakMemory: () => void calls.push('reset'),
    thaw: async () => {
      calls.push('thaw');
      if (options.thawFails) throw new Error('thaw failed');
    },
    ...(options.freezer === false ? {} : { freeze: async () => void calls.push('freeze') }),
  };
  const keeper = new IdleKeeper({ clock, sandbox, ready: () => env.ready, parked: () => env.parked });
  return { clock, calls, env, keeper };
}

describe('IdleKeeper', () => {
  it('freezes a ready runtime once it parks, after the grace, checking at a doubling interval up to the longest wait', () => {
    const { clock, calls, env, keeper } = setUp();
    keeper.rest();
    clock.advance(FREEZE_CHECK_FIRST_MS - 1);
    expect(calls).toEqual([]);
    // Not parked yet: checks again after 100, 200, 400, 800 and then every 1000 ms.
    clock.advance(1 + 100 + 200 + 400 + 800 + FREEZE_CHECK_MAX_MS);
    expect(calls).toEqual([]);
    env.parked = true;
    clock.advance(FREEZE_CHECK_MAX_MS - 1);
    expect(calls).toEqual([]);
    clock.advance(1);
    expect(calls).toEqual(['freeze']);
    clock.advance(60_000);
    expect(calls).toEqual(['freeze']);
  });

  it('resets peak memory once the answer is out, and the next invocation does not reset again', async () => {
    const { clock, calls, env, keeper } = setUp();
    env.parked = true;
    keeper.afterInvocation();
    expect(calls).toEqual([]);
    clock.advance(0);
    expect(calls).toEqual(['reset']);
    await keeper.wake();
    expect(calls).toEqual(['reset', 'thaw']);
  });

  it('an invocation that comes first does the reset itself, and cancels the freeze', async () => {
    const { clock, calls, env, keeper } = setUp();
    env.parked = true;
    keeper.afterInvocation();
    env.ready = false;
    await keeper.wake();
    expect(calls).toEqual(['reset', 'thaw']);
    env.ready = true;
    clock.advance(10 * FREEZE_CHECK_MAX_MS);
    expect(calls).toEqual(['reset', 'thaw']);
  });

  it('neither resets nor freezes an environment that is no longer ready', () => {
    const { clock, calls, env, keeper } = setUp();
    env.parked = true;
    keeper.afterInvocation();
    env.ready = false;
    clock.advance(10 * FREEZE_CHECK_MAX_MS);
    expect(calls).toEqual([]);
  });

  it('stop cancels a pending freeze', () => {
    const { clock, calls, env, keeper } = setUp();
    env.parked = true;
    keeper.rest();
    keeper.stop();
    clock.advance(10 * FREEZE_CHECK_MAX_MS);
    expect(calls).toEqual([]);
  });

  it('schedules nothing to freeze on a sandbox that cannot freeze', () => {
    const { clock, calls, env, keeper } = setUp({ freezer: false });
    env.parked = true;
    keeper.rest();
    clock.advance(10 * FREEZE_CHECK_MAX_MS);
    expect(calls).toEqual([]);
  });

  it('wake rejects when the sandbox cannot be thawed', async () => {
    const { keeper } = setUp({ thawFails: true });
    await expect(keeper.wake()).rejects.toThrow('thaw failed');
  });
});
