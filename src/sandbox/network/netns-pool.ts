/**
 * Network namespaces for sandboxes, prepared ahead: each holds the inner end (eth0) of a
 * veth pair whose host end is up with the gateway address and a route to the sandbox's
 * /32. One `ip` process makes any number of them (a few ms each, most of it the kernel's),
 * so a few wait ready and are made again in the background as they are taken; a start
 * that finds none makes its own. The inside (eth0's address, loopback, routes) is set by
 * gust-init when it enters the namespace to launch the sandbox: no process per namespace.
 *
 * A namespace is used by one sandbox only and deleted after it, never reused: a new one
 * carries nothing (connections, neighbours, conntrack) of the tenant before. Deleting
 * namespaces alone, in one `ip` (~22 ms for 1 or 10 here), lets the kernel take their links
 * down in the background; deleting each link first took ~30 ms apiece. So that a link still
 * going is never in the way, an index (a link name, an address) is used again only after
 * every other one of the slot's 4093 was: fresh ones first, then the longest free.
 */
import { ipBatch } from '../host-commands.js';
import { ADDRESSES_PER_SLOT, sandboxAddress, type AddressPlan } from './address-plan.js';

/** How long after a namespace is taken the pool makes the next; a start that finds none makes its own. */
const REFILL_DELAY_MS = 250;

export interface SandboxNetns {
  /** Its name under /run/netns. */
  name: string;
  /** The bind mount gust-init enters (`setns`). */
  path: string;
  /** The sandbox's address. */
  address: string;
  /** Its gateway. */
  gateway: string;
  /** The host end of its veth pair. */
  link: string;
  index: number;
}

export class NetnsExhaustedError extends Error {
  constructor() {
    super(`all ${ADDRESSES_PER_SLOT} sandbox addresses of this server are in use`);
    this.name = 'NetnsExhaustedError';
  }
}

export class NetnsPool {
  private readonly ready: SandboxNetns[] = [];
  private readonly free: number[] = [];
  /** Indices of the namespaces handed out and not yet released: a second release of one is ignored, never a deletion of its successor. */
  private readonly taken = new Set<number>();
  private next = 0;
  private refilling: Promise<void> | undefined;
  private readonly removing: SandboxNetns[] = [];
  private removal: Promise<void> | undefined;
  private closed = false;
  private refillTimer: NodeJS.Timeout | undefined;
  /** Starts that found no namespace ready, served together. */
  private waiting: { resolve: (netns: SandboxNetns) => void; reject: (err: unknown) => void }[] = [];

  constructor(
    private readonly plan: AddressPlan,
    private readonly target: number,
  ) {}

  /** A prepared namespace: a waiting one, else one made now (with those of the other starts that found none, in one `ip`). */
  async take(): Promise<SandboxNetns> {
    const netns = this.ready.shift() ?? (await this.makeForWaiting());
    this.taken.add(netns.index);
    this.refillSoon();
    return netns;
  }

  private makeForWaiting(): Promise<SandboxNetns> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      if (this.waiting.length > 1) return;
      setImmediate(() => {
        const waiting = this.waiting.splice(0);
        this.make(waiting.length).then(
          (made) => {
            waiting.forEach((w, i) => (made[i] ? w.resolve(made[i]) : w.reject(new NetnsExhaustedError())));
          },
          (err: unknown) => waiting.forEach((w) => w.reject(err)),
        );
      });
    });
  }

  /** Deletes a namespace its sandbox no longer uses (batched with others released at once). */
  release(netns: SandboxNetns): Promise<void> {
    if (!this.taken.delete(netns.index)) return Promise.resolve();
    this.removing.push(netns);
    this.removal ??= new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      const batch = this.removing.splice(0);
      this.removal = undefined;
      await ipBatch(batch.map((n) => `netns del ${n.name}`)).then(
        () => void this.free.push(...batch.map((n) => n.index)),
        () => this.deleteOneByOne(batch),
      );
    });
    return this.removal;
  }

  /**
   * Refills a little later, once half the pool is gone, all of it in one niced `ip`: a
   * namespace is taken as a sandbox starts, and making the next at once, one at a time at
   * normal priority, competed with the starts for the CPU (~10 ms of a 125 ms Node cold
   * start on two cores; most of an `ip` for one namespace, ~20 ms, is fixed cost).
   */
  private refillSoon(): void {
    if (this.refillTimer || this.closed || this.ready.length > this.target / 2) return;
    this.refillTimer = setTimeout(() => {
      this.refillTimer = undefined;
      this.refill();
    }, REFILL_DELAY_MS);
    this.refillTimer.unref();
  }

  /** Fills the pool up to its target (once the refill in progress ends). */
  refill(): void {
    if (this.closed || this.refilling) return;
    const missing = this.target - this.ready.length;
    if (missing <= 0) return;
    this.refilling = this.make(missing, { background: true })
      .then((made) => {
        if (this.closed) return this.deleteOneByOne(made);
        this.ready.push(...made);
      })
      .catch(() => undefined)
      .finally(() => {
        this.refilling = undefined;
      });
  }

  /** Deletes the waiting namespaces; after it, none is made in the background. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.refillTimer);
    await this.refilling;
    await this.removal;
    const waiting = this.ready.splice(0);
    if (waiting.length > 0) await this.deleteOneByOne(waiting);
  }

  private async make(count: number, options: { background?: boolean } = {}): Promise<SandboxNetns[]> {
    const made: SandboxNetns[] = [];
    for (let i = 0; i < count; i++) {
      const index = this.next < ADDRESSES_PER_SLOT ? this.next++ : this.free.shift();
      if (index === undefined) break;
      const name = `${this.plan.netnsPrefix}${index}`;
      made.push({ name, path: `/run/netns/${name}`, address: sandboxAddress(this.plan, index), gateway: this.plan.gateway, link: `${this.plan.linkPrefix}${index}`, index });
    }
    if (made.length === 0) throw new NetnsExhaustedError();
    const gw = this.plan.gateway;
    try {
      await ipBatch(
        made.flatMap((n) => [
          `netns add ${n.name}`,
          `link add ${n.link} type veth peer name eth0 netns ${n.name}`,
          // No IPv6 link-local address on either end: the sandbox network is IPv4 only.
          `link set ${n.link} addrgenmode none`,
          `addr add ${gw}/32 dev ${n.link}`,
          `link set ${n.link} up`,
          `route add ${n.address}/32 dev ${n.link} src ${gw}`,
        ]),
        { nice: options.background === true },
      );
    } catch (err) {
      await this.deleteOneByOne(made);
      throw err;
    }
    return made;
  }

  /** Deletes each of `list` on its own, so that one already gone does not keep the others. */
  private async deleteOneByOne(list: readonly SandboxNetns[]): Promise<void> {
    for (const n of list) {
      await ipBatch([`link del ${n.link}`]).catch(() => undefined);
      await ipBatch([`netns del ${n.name}`]).catch(() => undefined);
      this.free.push(n.index);
    }
  }
}
