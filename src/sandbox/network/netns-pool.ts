/**
 * Network namespaces for sandboxes, prepared ahead: each holds the inner end of a veth pair
 * with the sandbox's /32 and a default route to the gateway, and its loopback up. Making
 * one costs ~10 ms of `ip` (most of it the kernel's), so a few wait ready and are made again
 * in the background as they are taken; a start that finds none makes its own.
 *
 * A namespace is used by one sandbox only and deleted after it, never reused: a new one
 * carries nothing (connections, neighbours, conntrack) of the tenant before. Its host link
 * is deleted explicitly before the namespace, so that its name and address are free again
 * when the deletion returns (a namespace's links otherwise go asynchronously).
 */
import { ipBatch } from './host-commands.js';
import { ADDRESSES_PER_SLOT, sandboxAddress, type AddressPlan } from './address-plan.js';

export interface SandboxNetns {
  /** Its name under /run/netns. */
  name: string;
  /** The bind mount gust-init enters (`setns`). */
  path: string;
  /** The sandbox's address. */
  address: string;
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

  constructor(
    private readonly plan: AddressPlan,
    private readonly target: number,
  ) {}

  /** A prepared namespace: a waiting one, else one made now. */
  async take(): Promise<SandboxNetns> {
    const netns = this.ready.shift() ?? (await this.make(1))[0]!;
    this.taken.add(netns.index);
    this.refill();
    return netns;
  }

  /** Deletes a namespace its sandbox no longer uses (batched with others released at once). */
  release(netns: SandboxNetns): Promise<void> {
    if (!this.taken.delete(netns.index)) return Promise.resolve();
    this.removing.push(netns);
    this.removal ??= new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      const batch = this.removing.splice(0);
      this.removal = undefined;
      await ipBatch(batch.flatMap((n) => [`link del ${n.link}`, `netns del ${n.name}`])).then(
        () => void this.free.push(...batch.map((n) => n.index)),
        () => this.deleteOneByOne(batch),
      );
    });
    return this.removal;
  }

  /** Fills the pool up to its target (once the refill in progress ends). */
  refill(): void {
    if (this.closed || this.refilling) return;
    const missing = this.target - this.ready.length;
    if (missing <= 0) return;
    this.refilling = this.make(missing)
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
    await this.refilling;
    await this.removal;
    const waiting = this.ready.splice(0);
    if (waiting.length > 0) await this.deleteOneByOne(waiting);
  }

  private async make(count: number): Promise<SandboxNetns[]> {
    const made: SandboxNetns[] = [];
    for (let i = 0; i < count; i++) {
      const index = this.free.shift() ?? (this.next < ADDRESSES_PER_SLOT ? this.next++ : undefined);
      if (index === undefined) break;
      const name = `${this.plan.netnsPrefix}${index}`;
      made.push({ name, path: `/run/netns/${name}`, address: sandboxAddress(this.plan, index), link: `${this.plan.linkPrefix}${index}`, index });
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
      );
      await Promise.all(
        made.map((n) =>
          ipBatch(['link set lo up', 'link set eth0 addrgenmode none', `addr add ${n.address}/32 dev eth0`, 'link set eth0 up', `route add ${gw}/32 dev eth0 scope link`, `route add default via ${gw} dev eth0 src ${n.address}`], n.name),
        ),
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
