/**
 * The nftables table of one slot: what a sandbox may reach. Pure text, applied with
 * `nft -f` (host-commands.ts) as one transaction, deleted as one table.
 *
 * From a sandbox's veth:
 * - to the gateway: only the ports it serves, each DNATed to a relay of Gust's listening on
 *   the gateway at a port of its own: DNS (53), Gust's API (80), and the host services of
 *   each named network, whose sets hold the addresses of the sandboxes attached to it.
 *   Anything else addressed to the host (its own addresses, other servers' gateways) is
 *   refused: a TCP reset, an ICMP "administratively prohibited" for the rest, so that a
 *   connection fails at once instead of hanging.
 * - forwarded: refused to link-local (169.254/16: the metadata address), loopback,
 *   multicast, the sandbox range (other sandboxes, of this server or another), the
 *   operator's denied ranges; to anything else allowed and masqueraded behind the host's
 *   address on the way out.
 * - nothing from outside opens a connection into a sandbox.
 * When Gust turned IP forwarding on, forwarding between the host's other links, which the
 * host did not do before, is dropped again.
 */

export interface GatewayPort {
  protocol: 'tcp' | 'udp';
  /** The port a sandbox connects to on the gateway. */
  port: number;
  /** The relay's own port on the gateway. */
  relayPort: number;
  /** The set of sandbox addresses allowed (a named network), or every sandbox. */
  set?: string;
}

export interface RulesetInput {
  table: string;
  gateway: string;
  /** The slot's subnet: its sandboxes' source addresses. */
  subnet: string;
  /** Every sandbox address of every server (`10.222.0.0/16`). */
  range: string;
  linkPrefix: string;
  ports: readonly GatewayPort[];
  /** Sets of sandbox addresses, one per named network. */
  sets: readonly string[];
  /** CIDRs refused besides the fixed ones (`--sandbox-deny`). */
  denied: readonly string[];
  /** Drop forwarding between links that are not Gust's (Gust turned ip_forward on). */
  confineForwarding: boolean;
}

/** Never reachable from a sandbox, whatever the operator allows. */
export const ALWAYS_DENIED = ['0.0.0.0/8', '127.0.0.0/8', '169.254.0.0/16', '224.0.0.0/3', '255.255.255.255/32'];

export function nftRuleset(input: RulesetInput): string {
  const sandbox = `iifname "${input.linkPrefix}*"`;
  const toSandbox = `oifname "${input.linkPrefix}*"`;
  const denied = [...ALWAYS_DENIED, input.range, ...input.denied];
  const lines = [
    `table inet ${input.table} {`,
    ...input.sets.map((s) => `  set ${s} { type ipv4_addr; }`),
    '  chain refuse {',
    '    meta l4proto tcp reject with tcp reset',
    '    reject with icmpx admin-prohibited',
    '  }',
    '  chain prerouting {',
    '    type nat hook prerouting priority dstnat; policy accept;',
    ...input.ports.map((p) => `    ${sandbox} ip daddr ${input.gateway} ${p.set ? `ip saddr @${p.set} ` : ''}${p.protocol} dport ${p.port} dnat ip to ${input.gateway}:${p.relayPort}`),
    '  }',
    '  chain input {',
    '    type filter hook input priority filter; policy accept;',
    `    ${sandbox} ct state established,related accept`,
    `    ${sandbox} ct status dnat accept`,
    `    ${sandbox} goto refuse`,
    '  }',
    '  chain forward {',
    '    type filter hook forward priority filter; policy accept;',
    `    ${toSandbox} ct state established,related accept`,
    `    ${toSandbox} goto refuse`,
    `    ${sandbox} ip daddr { ${denied.join(', ')} } goto refuse`,
    `    ${sandbox} meta nfproto ipv4 accept`,
    `    ${sandbox} goto refuse`,
    ...(input.confineForwarding ? ['    iifname != "gust*" oifname != "gust*" drop'] : []),
    '  }',
    '  chain postrouting {',
    '    type nat hook postrouting priority srcnat; policy accept;',
    `    ip saddr ${input.subnet} oifname != "${input.linkPrefix}*" masquerade`,
    '  }',
    '}',
  ];
  return lines.join('\n') + '\n';
}
