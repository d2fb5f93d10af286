import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { nftRuleset, type RulesetInput } from './nft-ruleset.js';

const input: RulesetInput = {
  table: 'gust3',
  gateway: '10.222.48.1',
  subnet: '10.222.48.0/20',
  range: '10.222.0.0/16',
  linkPrefix: 'gust3v',
  ports: [
    { protocol: 'udp', port: 53, relayPort: 40001 },
    { protocol: 'tcp', port: 80, relayPort: 40002 },
    { protocol: 'tcp', port: 5432, relayPort: 40003, set: 'net_0' },
  ],
  sets: ['net_0'],
  denied: ['192.168.0.0/16'],
  confineForwarding: true,
};

// `nft -c` parses and checks a ruleset against the kernel without applying it.
const nft = process.getuid?.() === 0 && spawnSync('nft', ['--version']).status === 0;

describe('nftables ruleset of a slot', () => {
  it('DNATs the gateway ports to their relays, a named network only for its set', () => {
    const text = nftRuleset(input);
    expect(text).toContain('iifname "gust3v*" ip daddr 10.222.48.1 udp dport 53 dnat ip to 10.222.48.1:40001');
    expect(text).toContain('iifname "gust3v*" ip daddr 10.222.48.1 ip saddr @net_0 tcp dport 5432 dnat ip to 10.222.48.1:40003');
    expect(text).toContain('ip daddr { 0.0.0.0/8, 127.0.0.0/8, 169.254.0.0/16, 224.0.0.0/3, 255.255.255.255/32, 10.222.0.0/16, 192.168.0.0/16 } goto refuse');
    expect(text).toContain('ip saddr 10.222.48.0/20 oifname != "gust3v*" masquerade');
    expect(text).toContain('iifname != "gust*" oifname != "gust*" drop');
    expect(nftRuleset({ ...input, confineForwarding: false })).not.toContain('drop');
  });

  it.skipIf(!nft)('is a ruleset the kernel accepts (nft -c)', () => {
    const check = spawnSync('nft', ['-c', '-f', '-'], { input: nftRuleset(input), encoding: 'utf8' });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });
});
