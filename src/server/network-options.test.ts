import { describe, expect, it } from 'vitest';
import { formatHostNetworks, parseAddresses, parseDenied, parseHostNetworks, PRIVATE_RANGES } from './network-options.js';

describe('sandbox network options', () => {
  it('reads host networks, a name given twice opening several endpoints, and writes them back', () => {
    const networks = parseHostNetworks('db=127.0.0.1:5432, cache=127.0.0.1:6379,db=[::1]:5433');
    expect(networks).toEqual([
      { name: 'db', endpoints: [{ host: '127.0.0.1', port: 5432 }, { host: '::1', port: 5433 }] },
      { name: 'cache', endpoints: [{ host: '127.0.0.1', port: 6379 }] },
    ]);
    expect(parseHostNetworks(formatHostNetworks(networks))).toEqual(networks);
    expect(parseHostNetworks('')).toEqual([]);
  });

  it('refuses bad items, the gateway ports Gust serves, and one port opened twice', () => {
    expect(() => parseHostNetworks('db=localhost:5432')).toThrow(/name=address:port/);
    expect(() => parseHostNetworks('db=127.0.0.1:70000')).toThrow(/name=address:port/);
    expect(() => parseHostNetworks('web=127.0.0.1:80')).toThrow(/Gust's own/);
    expect(() => parseHostNetworks('a=127.0.0.1:5432,b=10.0.0.5:5432')).toThrow(/already opened/);
  });

  it('reads resolvers and denied ranges, "private" standing for the private ranges', () => {
    expect(parseAddresses('10.0.0.2, 2001:db8::1')).toEqual(['10.0.0.2', '2001:db8::1']);
    expect(() => parseAddresses('dns.example')).toThrow(/IP addresses/);
    expect(parseDenied('private,203.0.113.0/24')).toEqual([...PRIVATE_RANGES, '203.0.113.0/24']);
    expect(() => parseDenied('10.0.0.0/33')).toThrow(/CIDRs/);
  });
});
