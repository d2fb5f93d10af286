/**
 * Parsers of the sandbox network's options (`--sandbox-dns`, `--sandbox-deny`,
 * `--host-networks`): lists written as one comma-separated value, as a flag or a variable.
 */
import { isIPv4, isIP } from 'node:net';

export interface HostNetworkSpec {
  name: string;
  endpoints: { host: string; port: number }[];
}

/** What `--sandbox-deny private` stands for: RFC 1918 and the shared address space of carrier NAT. */
export const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'];

/** Ports of the gateway that Gust itself serves (DNS, its API), which no host network may take. */
const GATEWAY_PORTS = [53, 80];

function items(raw: string): string[] {
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export function parseAddresses(raw: string): string[] {
  const list = items(raw);
  for (const a of list) if (!isIP(a)) throw new Error(`expected IP addresses separated by commas, not ${a}`);
  return list;
}

export function parseDenied(raw: string): string[] {
  return items(raw).flatMap((c) => {
    if (c === 'private') return PRIVATE_RANGES;
    const m = /^([\d.]+)\/(\d{1,2})$/.exec(c);
    if (!m || !isIPv4(m[1]!) || Number(m[2]) > 32) throw new Error(`expected IPv4 CIDRs or "private" separated by commas, not ${c}`);
    return [c];
  });
}

/** `db=127.0.0.1:5432,cache=127.0.0.1:6379`; a name given twice opens several endpoints. */
export function parseHostNetworks(raw: string): HostNetworkSpec[] {
  const byName = new Map<string, HostNetworkSpec>();
  const ports = new Set<number>();
  for (const item of items(raw)) {
    const m = /^([A-Za-z0-9][A-Za-z0-9_-]{0,63})=([^:]+|\[[^\]]+\]):(\d{1,5})$/.exec(item);
    const host = m?.[2]?.replace(/^\[|\]$/g, '');
    const port = Number(m?.[3]);
    if (!m || !host || !isIP(host) || port < 1 || port > 65535) throw new Error(`expected name=address:port items separated by commas, such as db=127.0.0.1:5432, not ${item}`);
    if (GATEWAY_PORTS.includes(port)) throw new Error(`${item}: port ${port} of the gateway is Gust's own (DNS, its API)`);
    if (ports.has(port)) throw new Error(`${item}: port ${port} is already opened by another endpoint; each is reached at the gateway on its own port`);
    ports.add(port);
    const network = byName.get(m[1]!) ?? { name: m[1]!, endpoints: [] };
    network.endpoints.push({ host, port });
    byName.set(network.name, network);
  }
  return [...byName.values()];
}

export function formatHostNetworks(networks: readonly HostNetworkSpec[]): string {
  return networks.flatMap((n) => n.endpoints.map((e) => `${n.name}=${isIPv4(e.host) ? e.host : `[${e.host}]`}:${e.port}`)).join(',');
}
