import { describe, expect, it } from 'vitest';
import { NoFreeUidError, UidLeases } from './uid-leases.js';

describe('sandbox uid leases', () => {
  it('hands out each uid of the range once, with its gid, and a released one only after the fresh ones', () => {
    const leases = new UidLeases({ uid: 2_000_000_000, gid: 3_000_000_000 }, 3);
    const a = leases.lease();
    const b = leases.lease();
    expect(a).toEqual({ uid: 2_000_000_000, gid: 3_000_000_000 });
    expect(b).toEqual({ uid: 2_000_000_001, gid: 3_000_000_001 });
    leases.release(a);
    leases.release(a);
    expect(leases.lease().uid).toBe(2_000_000_002);
    expect(leases.available).toBe(1);
    expect(leases.lease()).toEqual(a);
    expect(leases.available).toBe(0);
    expect(() => leases.lease()).toThrow(NoFreeUidError);
    leases.release(b);
    expect(leases.lease()).toEqual(b);
    expect(leases.owns(2_000_000_002)).toBe(true);
    expect(leases.owns(2_000_000_003)).toBe(false);
  });
});
