import { describe, expect, it } from 'vitest';
import { runEventQueueContract, sampleEvent } from '../event-queue.contract.js';
import { EventNumberTakenError } from '../event-queue.js';
import { PgEventQueue } from './pg-event-queue.js';
import type { PgSchema } from './pg-schema.js';
import { testPostgres } from './testing/test-postgres.js';

const pg = await testPostgres('event_queue');

describe.skipIf(pg.skip !== undefined)('PgEventQueue', () => {
  let last: PgSchema;
  runEventQueueContract({
    async create(options) {
      last = pg.newSchema();
      return PgEventQueue.open(last, options);
    },
    async reopen() {
      return PgEventQueue.open(last);
    },
  });

  describe('leases for several nodes', () => {
    /** Two nodes' stores on one fresh schema, with `count` events due now. */
    async function twoNodes(count: number): Promise<[PgEventQueue, PgEventQueue]> {
      const schema = pg.newSchema();
      const a = await PgEventQueue.open(schema);
      const b = await PgEventQueue.open(schema);
      await a.write(Array.from({ length: count }, (_, i) => ({ kind: 'putEvent' as const, event: sampleEvent(i + 1) })));
      return [a, b];
    }
    const seqs = (events: { seq: number }[]) => events.map((e) => e.seq);
    const LONG = 600_000;

    it('gives nodes leasing at once disjoint events, every due one exactly once, in seq order', async () => {
      const [a, b] = await twoNodes(40);
      const [fromA, fromB] = await Promise.all([a.lease('a', 25, LONG), b.lease('b', 25, LONG)]);
      expect(fromA.length + fromB.length).toBe(40);
      expect([...seqs(fromA), ...seqs(fromB)].sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      expect(seqs(fromA)).toEqual([...seqs(fromA)].sort((x, y) => x - y));
      expect(fromA.find((e) => e.seq === 1) ?? fromB.find((e) => e.seq === 1)).toEqual(sampleEvent(1));
      expect(await a.lease('a', 10, LONG)).toEqual([]);
    });

    it("refuses to write an event over another event's seq (another node numbered it first), and the write changes nothing", async () => {
      const [a, b] = await twoNodes(1);
      const other = { ...sampleEvent(1), requestId: 'another-node' };
      const write = b.write([{ kind: 'putEvent', event: sampleEvent(2) }, { kind: 'putEvent', event: other }]);
      await expect(write).rejects.toBeInstanceOf(EventNumberTakenError);
      await expect(write).rejects.toMatchObject({ seqs: [1] });
      expect(await a.pendingEvents()).toEqual([sampleEvent(1)]);
      // Its own event, rewritten (a retry's new state), is no conflict.
      await a.write([{ kind: 'putEvent', event: sampleEvent(1, { attempts: 2 }) }]);
      expect(await b.pendingEvents()).toEqual([sampleEvent(1, { attempts: 2 })]);
    });

    it('leases no event before its notBefore', async () => {
      const [a] = await twoNodes(1);
      await a.write([{ kind: 'putEvent', event: sampleEvent(2, { notBefore: Date.UTC(2999, 0, 1) }) }]);
      expect(seqs(await a.lease('a', 10, LONG))).toEqual([1]);
    });

    it('lets another node take over an expired lease; the first node can no longer renew it', async () => {
      const [a, b] = await twoNodes(2);
      expect(seqs(await a.lease('a', 10, 0))).toEqual([1, 2]);
      expect(seqs(await b.lease('b', 10, LONG))).toEqual([1, 2]);
      expect(await a.renew('a', [1, 2], LONG)).toEqual([]);
      expect(await b.renew('b', [1, 2], LONG)).toEqual([1, 2]);
    });

    it('ends a lease when its node rewrites the event (a retry) or releases it', async () => {
      const [a, b] = await twoNodes(2);
      const [first, second] = await a.lease('a', 10, LONG);
      expect(await b.lease('b', 10, LONG)).toEqual([]);
      await a.write([{ kind: 'putEvent', event: { ...first!, attempts: 1 } }]);
      expect(await b.lease('b', 10, LONG)).toEqual([{ ...first!, attempts: 1 }]);
      await a.release('b', [second!.seq]);
      expect(await b.lease('b', 10, LONG)).toEqual([]);
      await a.release('a', [second!.seq]);
      expect(seqs(await b.lease('b', 10, LONG))).toEqual([2]);
    });

    it('holds an event put with a lease for its node (an accepted event, a retry) until the lease runs out', async () => {
      const [a, b] = await twoNodes(0);
      await a.write([{ kind: 'putEvent', event: sampleEvent(1), lease: { owner: 'a', ms: LONG } }, { kind: 'putEvent', event: sampleEvent(2), lease: { owner: 'a', ms: 0 } }]);
      expect(seqs(await b.lease('b', 10, LONG))).toEqual([2]);
      expect(await a.renew('a', [1], LONG)).toEqual([1]);
      // A retry's new state written by its node keeps the event with it.
      await a.write([{ kind: 'putEvent', event: sampleEvent(1, { attempts: 1 }), lease: { owner: 'a', ms: LONG } }]);
      expect(await b.lease('b', 10, LONG)).toEqual([]);
      await a.write([{ kind: 'putEvent', event: sampleEvent(1, { attempts: 2 }), lease: { owner: 'a', ms: 0 } }]);
      expect(await b.lease('b', 10, LONG)).toEqual([sampleEvent(1, { attempts: 2 })]);
    });

    it('numbers events uniquely across nodes', async () => {
      const [a, b] = await twoNodes(0);
      const [fromA, fromB] = await Promise.all([a.nextSeqs(50), b.nextSeqs(50)]);
      expect(new Set([...fromA, ...fromB]).size).toBe(100);
    });
  });
});
