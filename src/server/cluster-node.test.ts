import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { BusNote, ClusterBus } from '../bus/cluster-bus.js';
import type { FunctionChange } from '../control/function-service.js';
import type { NodeRecord } from '../core/model/cluster-nodes.js';
import type { LockSession } from '../store/lock-session.js';
import type { NodeStore } from '../store/node-store.js';
import { ClusterNode, nodeIdOf, type NodeSpaces } from './cluster-node.js';

type Note = BusNote & Record<string, unknown>;

/** One NATS for the nodes of a test: every subscriber of a matching pattern gets each note. */
class MemoryBus implements ClusterBus {
  readonly subscribers: { pattern: RegExp; handler: (note: Note, subject: string) => void }[] = [];
  private readonly reconnects: (() => void)[] = [];
  closed = false;

  publish(subject: string, note: Note): void {
    for (const s of this.subscribers) if (s.pattern.test(subject)) s.handler(structuredClone(note), subject);
  }

  subscribe(pattern: string, handler: (note: Note, subject: string) => void): void {
    this.subscribers.push({ pattern: new RegExp(`^${pattern.replace(/\./g, '\\.').replace(/\*/g, '[^.]+')}$`), handler });
  }

  onReconnect(listener: () => void): void {
    this.reconnects.push(listener);
  }

  reconnect(): void {
    for (const listener of this.reconnects) listener();
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

class MemoryNodes implements NodeStore {
  readonly rows = new Map<string, NodeRecord>();

  async cluster(): Promise<{ id: string; secret: string }> {
    return { id: CLUSTER, secret: 'not used by these tests' };
  }

  async beat(node: Omit<NodeRecord, 'lastHeartbeat'>): Promise<void> {
    this.rows.set(node.id, { ...node, lastHeartbeat: new Date().toISOString() });
  }

  async list(): Promise<NodeRecord[]> {
    return [...this.rows.values()];
  }

  async remove(id: string): Promise<void> {
    this.rows.delete(id);
  }

  async removeSilent(): Promise<string[]> {
    return [];
  }
}

/** A lock session that holds nothing: these tests are about notes. */
const locks: LockSession = { tryLock: async () => false, tryLockFirst: async () => undefined, unlock: async () => {}, onLost: () => {}, close: async () => {} };

/** What a node's spaces were asked to do. */
function recordingSpaces(environments = 0): NodeSpaces & { calls: unknown[][] } {
  const calls: unknown[][] = [];
  return {
    calls,
    refresh: (account: string, name: string, change: FunctionChange | undefined) => {
      calls.push(['refresh', account, name, change]);
      return Promise.resolve();
    },
    refreshUrls: (account: string, name: string) => {
      calls.push(['urls', account, name]);
      return Promise.resolve();
    },
    reloadRule: (account: string, bus: string, name: string) => {
      calls.push(['rule', account, bus, name]);
      return Promise.resolve();
    },
    refreshConfigs: (account: string, name: string) => {
      calls.push(['configs', account, name]);
      return Promise.resolve();
    },
    reloadQueues: (account: string) => {
      calls.push(['queues', account]);
      return Promise.resolve();
    },
    resync: async () => {
      calls.push(['resync']);
    },
    load: () => ({ environments, invocations: environments > 0 ? 1 : 0 }),
  };
}

const logger = pino({ level: 'silent' });
const ACCOUNT = '123456789012';
const CLUSTER = 'c0ffee000001';

describe('ClusterNode', () => {
  const nodes: ClusterNode[] = [];
  afterEach(async () => {
    for (const n of nodes.splice(0)) await n.leave();
  });

  it("passes another node's function, URL, event invoke configuration, rule and queue notes to its spaces, and not its own", async () => {
    const bus = new MemoryBus();
    const store = new MemoryNodes();
    const a = new ClusterNode({ id: 'a', cluster: CLUSTER, secret: 'not used by these tests', bus, nodes: store, locks, logger });
    const b = new ClusterNode({ id: 'b', cluster: CLUSTER, secret: 'not used by these tests', bus, nodes: store, locks, logger });
    nodes.push(a, b);
    const spacesA = recordingSpaces();
    const spacesB = recordingSpaces(3);
    await a.start('http://a', spacesA);
    await b.start('http://b', spacesB);
    a.announce(ACCOUNT, 'f', { kind: 'code' });
    a.announce(ACCOUNT, 'f', undefined);
    a.announceUrls(ACCOUNT, 'f');
    a.announceConfigs(ACCOUNT, 'f');
    a.announceRule(ACCOUNT, 'default', 'every-minute');
    a.announceQueues(ACCOUNT);
    expect(spacesB.calls).toEqual([
      ['refresh', ACCOUNT, 'f', { kind: 'code' }],
      ['refresh', ACCOUNT, 'f', undefined],
      ['urls', ACCOUNT, 'f'],
      ['configs', ACCOUNT, 'f'],
      ['rule', ACCOUNT, 'default', 'every-minute'],
      ['queues', ACCOUNT],
    ]);
    expect(spacesA.calls).toEqual([]);
    expect((await b.nodes({ self: false, url: 'http://a' })).map((n) => [n.id, n.url, n.environments, n.invocations, n.self, n.keeper])).toEqual([
      ['a', 'http://a', 0, 0, false, true],
      ['b', 'http://b', 3, 1, true, false],
    ]);
    expect((await b.nodes({ self: true, url: undefined })).map((n) => n.keeper)).toEqual([false, true]);
  });

  it('drops notes it cannot read, and reads everything again when the bus comes back', async () => {
    const bus = new MemoryBus();
    const node = new ClusterNode({ id: 'b', cluster: CLUSTER, secret: 'not used by these tests', bus, nodes: new MemoryNodes(), locks, logger });
    nodes.push(node);
    const spaces = recordingSpaces();
    await node.start('http://b', spaces);
    bus.publish(`gust.${CLUSTER}.functions.${ACCOUNT}`, { node: 'a', function: 'f', change: { kind: 'exploded' } });
    bus.publish(`gust.${CLUSTER}.functions.${ACCOUNT}`, { node: 'a', function: 7 });
    bus.publish(`gust.${CLUSTER}.functions.not-an-account`, { node: 'a', function: 'f' });
    bus.publish(`gust.${CLUSTER}.other.${ACCOUNT}`, { node: 'a', function: 'f' });
    bus.publish(`gust.${CLUSTER}.rules.${ACCOUNT}`, { node: 'a', bus: 'default' });
    // Another cluster on the same NATS, and the subjects of a Gust before cluster ids.
    bus.publish(`gust.0123456789ab.functions.${ACCOUNT}`, { node: 'a', function: 'f', change: { kind: 'code' } });
    bus.publish(`gust.functions.${ACCOUNT}`, { node: 'a', function: 'f', change: { kind: 'code' } });
    expect(spaces.calls).toEqual([]);
    bus.reconnect();
    await Promise.resolve();
    expect(spaces.calls).toEqual([['resync']]);
  });

  it('leaves gust.nodes on leave, and the bus only on close', async () => {
    const bus = new MemoryBus();
    const store = new MemoryNodes();
    const node = new ClusterNode({ id: 'a', cluster: CLUSTER, secret: 'not used by these tests', bus, nodes: store, locks, logger });
    await node.start('http://a', recordingSpaces());
    expect([...store.rows.keys()]).toEqual(['a']);
    await node.leave();
    expect(store.rows.size).toBe(0);
    expect(bus.closed).toBe(false);
    await node.close();
    expect(bus.closed).toBe(true);
  });
});

describe('nodeIdOf', () => {
  it('makes an id once per data dir and reads it back after', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gust-node-id-'));
    try {
      const id = nodeIdOf(dir);
      expect(id).toMatch(/^[A-Za-z0-9-]+-[0-9a-f]{6}$/);
      expect(nodeIdOf(dir)).toBe(id);
      expect(readFileSync(join(dir, 'node-id'), 'utf8')).toBe(`${id}\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
