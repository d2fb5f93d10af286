/**
 * Names and addresses of one server's sandbox network, all derived from a slot number, so
 * that a server that died can have everything it made found again from its slot alone.
 *
 * The sandboxes' range (a /16, 10.222.0.0/16 unless configured) is cut into 16 slots of a
 * /20; each running server holds one (slot-lock.ts), so servers on one host (a test suite
 * runs several) never share an address, a link name or a rule. In a slot, the first
 * address is the gateway every sandbox of the server sees: it sits on a link of the host
 * of its own and, with the same /32, on the host end of every veth pair, so one address serves
 * DNS, Gust's API and the host services whatever sandbox asks. Each sandbox has a /32 of
 * its own, routed to its veth.
 */

export const SLOTS = 16;
/** Sandboxes one slot can address: a /20 less the network, gateway and broadcast addresses. */
export const ADDRESSES_PER_SLOT = 4096 - 3;

export interface AddressPlan {
  slot: number;
  /** The slot's /20, as `a.b.c.d/20`. */
  subnet: string;
  gateway: string;
  /** The link that holds the gateway address on the host (its peer is `<gatewayLink>x`). */
  gatewayLink: string;
  /** nftables table (family inet) holding every rule of this slot. */
  table: string;
  /** Prefix of the host ends of the veth pairs (`<prefix><n>`), for nftables' `iifname "<prefix>*"`. */
  linkPrefix: string;
  /** Prefix of the network namespaces' names under /run/netns. */
  netnsPrefix: string;
}

/** `10.222.0.0/16` → the number of its first address; throws on anything but an IPv4 /16. */
export function parseRange(cidr: string): number {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/16$/.exec(cidr);
  const octets = m ? m.slice(1, 5).map(Number) : [];
  if (!m || octets.some((o) => o > 255) || octets[2] !== 0 || octets[3] !== 0) throw new Error(`expected an IPv4 /16 such as 10.222.0.0/16, not ${cidr}`);
  return toNumber(octets.join('.'));
}

export function addressPlan(range: number, slot: number): AddressPlan {
  if (!Number.isInteger(slot) || slot < 0 || slot >= SLOTS) throw new RangeError(`slot ${slot} is not in 0..${SLOTS - 1}`);
  const base = range + slot * 4096;
  return {
    slot,
    subnet: `${toAddress(base)}/20`,
    gateway: toAddress(base + 1),
    gatewayLink: `gust${slot}gw`,
    table: `gust${slot}`,
    linkPrefix: `gust${slot}v`,
    netnsPrefix: `gust-${slot}-`,
  };
}

/** The address of the sandbox with index `n` (0-based) in the plan's slot. */
export function sandboxAddress(plan: AddressPlan, n: number): string {
  if (!Number.isInteger(n) || n < 0 || n >= ADDRESSES_PER_SLOT) throw new RangeError(`sandbox index ${n} is out of the slot's ${ADDRESSES_PER_SLOT} addresses`);
  return toAddress(toNumber(plan.gateway) + 1 + n);
}

export function toNumber(address: string): number {
  return address.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

export function toAddress(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}
