/**
 * One server's sandbox network on the host (docs/sandbox.md, "Network"): a slot of
 * addresses, a link holding the gateway, the nftables table of the slot, the relays
 * on the gateway (DNS, Gust's API, the host services of named networks), and the pool of
 * prepared network namespaces. Set up once at start; `close()` takes all of it down, and
 * the next server to claim the slot sweeps what a crash left.
 *
 * Why veth pairs and the kernel's NAT rather than a user-space stack (pasta, slirp4netns):
 * no process per sandbox, the kernel's throughput, and one ruleset deciding what a sandbox
 * reaches (docs/sandbox.md has the measurements).
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { SocketRelay, type RelayTarget } from '../socket-relay.js';
import { addressPlan, parseRange, type AddressPlan } from './address-plan.js';
import { DnsRelay } from './dns-relay.js';
import { ipBatch, nftScript, runHost } from '../host-commands.js';
import { NetnsPool, type SandboxNetns } from './netns-pool.js';
import { nftRuleset, type GatewayPort } from './nft-ruleset.js';
import { claimSlot, DEFAULT_RUN_DIR, type HeldSlot } from './slot-lock.js';

/** The port Gust's API answers on at the gateway: AWS_ENDPOINT_URL is `http://<gateway>`. */
export const API_PORT = 80;

export interface HostNetwork {
  name: string;
  /** Host endpoints the network opens; each is reached at `<gateway>:<its port>`. */
  endpoints: readonly RelayTarget[];
}

export interface SandboxNetworkOptions {
  /** The /16 all servers' sandboxes take their addresses from. */
  range: string;
  /** Resolvers the DNS relay forwards to; empty: the host's resolv.conf. */
  dns: readonly string[];
  /** CIDRs no sandbox may reach, besides the fixed ones. */
  denied: readonly string[];
  networks: readonly HostNetwork[];
  /** Where Gust's API listens on the host; asked per connection (the port is known once it listens). */
  api: () => RelayTarget;
  /** Namespaces kept prepared. */
  poolSize?: number;
  runDir?: string;
}

const FORWARD = '/proc/sys/net/ipv4/ip_forward';
const FORWARD_MARK = 'forwarding-was-off';

export class SandboxNetwork {
  private readonly sets = new Map<string, string>();
  /** The sets each attached sandbox's address is in, by namespace name. */
  private readonly attached = new Map<string, string[]>();
  private closing: Promise<void> | undefined;

  private constructor(
    readonly plan: AddressPlan,
    private readonly slot: HeldSlot,
    private readonly pool: NetnsPool,
    private readonly relays: { close(): Promise<void> }[],
    private readonly runDir: string,
    networks: readonly HostNetwork[],
  ) {
    networks.forEach((n, i) => this.sets.set(n.name, `net_${i}`));
  }

  static async setUp(options: SandboxNetworkOptions): Promise<SandboxNetwork> {
    const runDir = options.runDir ?? DEFAULT_RUN_DIR;
    const range = parseRange(options.range);
    const slot = claimSlot(runDir);
    const plan = addressPlan(range, slot.slot);
    const relays: { close(): Promise<void> }[] = [];
    try {
      await sweep(plan);
      // A veth pair whose ends both stay on the host, one down: it holds the address as a dummy
      // link would, and veth is there wherever the pairs of the sandboxes are (dummy may be a module that is not).
      await ipBatch([`link add ${plan.gatewayLink} type veth peer name ${plan.gatewayLink}x`, `addr add ${plan.gateway}/32 dev ${plan.gatewayLink}`, `link set ${plan.gatewayLink} up`]);
      const confine = enableForwarding(runDir);
      const at = { host: plan.gateway, port: 0 };
      const dns = await DnsRelay.listen({ host: plan.gateway, upstream: options.dns });
      relays.push(dns);
      const api = await SocketRelay.listen(at, options.api);
      relays.push(api);
      const ports: GatewayPort[] = [
        { protocol: 'udp', port: 53, relayPort: dns.udpPort },
        { protocol: 'tcp', port: 53, relayPort: dns.tcpPort },
        { protocol: 'tcp', port: API_PORT, relayPort: api.port },
      ];
      for (const [i, network] of options.networks.entries()) {
        for (const endpoint of network.endpoints) {
          const relay = await SocketRelay.listen(at, () => endpoint);
          relays.push(relay);
          ports.push({ protocol: 'tcp', port: endpoint.port, relayPort: relay.port, set: `net_${i}` });
        }
      }
      await nftScript(
        nftRuleset({
          table: plan.table,
          gateway: plan.gateway,
          subnet: plan.subnet,
          range: options.range,
          linkPrefix: plan.linkPrefix,
          ports,
          sets: options.networks.map((_, i) => `net_${i}`),
          denied: options.denied,
          confineForwarding: confine,
        }),
      );
      const pool = new NetnsPool(plan, options.poolSize ?? 8);
      pool.refill();
      return new SandboxNetwork(plan, slot, pool, relays, runDir, options.networks);
    } catch (err) {
      await Promise.all(relays.map((r) => r.close()));
      await sweep(plan);
      slot.release();
      throw err;
    }
  }

  /** Where Gust's API is, seen from a sandbox. */
  get endpointUrl(): string {
    return `http://${this.plan.gateway}`;
  }

  /** A prepared namespace for one sandbox. */
  take(): Promise<SandboxNetns> {
    return this.pool.take();
  }

  /** Opens the host services of `networks` to the sandbox of `netns`. */
  async attach(netns: SandboxNetns, networks: readonly string[]): Promise<void> {
    const sets = networks.map((n) => this.sets.get(n)).filter((s): s is string => s !== undefined);
    if (sets.length === 0) return;
    this.attached.set(netns.name, sets);
    await nftScript(sets.map((s) => `add element inet ${this.plan.table} ${s} { ${netns.address} }`).join('\n') + '\n');
  }

  /** Closes what the sandbox was given and deletes its namespace; its address is free after. */
  async release(netns: SandboxNetns): Promise<void> {
    const sets = this.attached.get(netns.name);
    this.attached.delete(netns.name);
    if (sets) await nftScript(sets.map((s) => `delete element inet ${this.plan.table} ${s} { ${netns.address} }`).join('\n') + '\n').catch(() => undefined);
    await this.pool.release(netns);
  }

  /** Takes everything down: relays, namespaces, links, rules, the slot. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.pool.close();
      await Promise.all(this.relays.map((r) => r.close()));
      await sweep(this.plan);
      this.slot.release();
      restoreForwarding(this.runDir);
    })();
    return this.closing;
  }
}

/**
 * Deletes everything of the slot's that exists: the namespaces (in one `ip`; the kernel then
 * takes their links down), the gateway link, the table; then waits for the links to go,
 * deleting one by one any still there after a while.
 */
async function sweep(plan: AddressPlan): Promise<void> {
  const names = (await runHost('ip', ['netns', 'list']).catch(() => ''))
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.startsWith(plan.netnsPrefix));
  if (names.length > 0) await ipBatch(names.map((n) => `netns del ${n}`)).catch(() => undefined);
  await ipBatch([`link del ${plan.gatewayLink}`]).catch(() => undefined);
  await nftScript(`delete table inet ${plan.table}\n`).catch(() => undefined);
  for (let waited = 0; ; waited += 50) {
    const links = await slotLinks(plan);
    if (links.length === 0) return;
    if (waited >= 2000) {
      for (const l of links) await ipBatch([`link del ${l}`]).catch(() => undefined);
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function slotLinks(plan: AddressPlan): Promise<string[]> {
  return (await runHost('ip', ['-o', 'link', 'show']).catch(() => ''))
    .split('\n')
    .map((l) => /^\d+:\s+([^:@\s]+)/.exec(l)?.[1] ?? '')
    .filter((l) => l.startsWith(plan.linkPrefix) || l.startsWith(plan.gatewayLink));
}

/** Turns IPv4 forwarding on; true when it was off (Gust then confines it to its own links, and turns it off again last). */
function enableForwarding(runDir: string): boolean {
  if (readFileSync(FORWARD, 'utf8').trim() === '1') return readMark(runDir);
  writeFileSync(`${runDir}/${FORWARD_MARK}`, '');
  writeFileSync(FORWARD, '1');
  return true;
}

function readMark(runDir: string): boolean {
  try {
    readFileSync(`${runDir}/${FORWARD_MARK}`);
    return true;
  } catch {
    return false;
  }
}

/** Turns forwarding off again when Gust turned it on and no server holds a slot any more. */
function restoreForwarding(runDir: string): void {
  if (!readMark(runDir) || readdirSync(runDir).some((n) => /^slot-\d+$/.test(n))) return;
  rmSync(`${runDir}/${FORWARD_MARK}`, { force: true });
  writeFileSync(FORWARD, '0');
}
