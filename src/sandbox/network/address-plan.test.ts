import { describe, expect, it } from 'vitest';
import { ADDRESSES_PER_SLOT, addressPlan, parseRange, sandboxAddress, SLOTS } from './address-plan.js';

describe('address plan', () => {
  it('cuts the /16 into 16 slots of a /20, the gateway first and the sandboxes after it', () => {
    const range = parseRange('10.222.0.0/16');
    expect(addressPlan(range, 0)).toMatchObject({ subnet: '10.222.0.0/20', gateway: '10.222.0.1', table: 'gust0', linkPrefix: 'gust0v', netnsPrefix: 'gust-0-', gatewayLink: 'gust0gw' });
    const last = addressPlan(range, SLOTS - 1);
    expect(last.subnet).toBe('10.222.240.0/20');
    expect(sandboxAddress(last, 0)).toBe('10.222.240.2');
    expect(sandboxAddress(last, ADDRESSES_PER_SLOT - 1)).toBe('10.222.255.254');
    expect(() => sandboxAddress(last, ADDRESSES_PER_SLOT)).toThrow(RangeError);
    expect(() => addressPlan(range, SLOTS)).toThrow(RangeError);
  });

  it('keeps link names within the kernel limit of 15 characters', () => {
    const plan = addressPlan(parseRange('10.222.0.0/16'), SLOTS - 1);
    expect(`${plan.linkPrefix}${ADDRESSES_PER_SLOT - 1}`.length).toBeLessThanOrEqual(15);
    expect(`${plan.gatewayLink}x`.length).toBeLessThanOrEqual(15);
  });

  it('takes only an IPv4 /16', () => {
    for (const bad of ['10.222.0.0/24', '10.222.1.0/16', '300.1.0.0/16', 'fd00::/16', 'nonsense']) expect(() => parseRange(bad), bad).toThrow(/IPv4 \/16/);
  });
});
