/**
 * The behaviour every LogStore must have, as one vitest suite; each implementation's test
 * calls `runLogStoreContract` with a factory (see log-store.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidParameterValueException } from '../core/errors.js';
import type { LogEvent } from '../core/model/logs.js';
import { logEventSize, type LogRetention, type LogStore } from './log-store.js';

export interface LogStoreFactory {
  /** A new, empty store with the given retention. */
  create(retention?: LogRetention): Promise<LogStore>;
}

const G = '/aws/lambda/fn';

function events(n: number, over: Partial<LogEvent> = {}, from = 0): LogEvent[] {
  return Array.from({ length: n }, (_, i) => ({ logGroup: G, logStream: 's1', timestamp: 1000 + from + i, message: `line ${from + i}`, ...over }));
}

export function runLogStoreContract(name: string, factory: LogStoreFactory): void {
  describe(`LogStore contract: ${name}`, () => {
    const open: LogStore[] = [];
    async function create(retention?: LogRetention): Promise<LogStore> {
      const s = await factory.create(retention);
      open.push(s);
      return s;
    }
    afterEach(async () => {
      await Promise.all(open.splice(0).map((s) => s.close()));
    });

    it('returns appended events in order, with filters by stream and time', async () => {
      const s = await create();
      s.append(events(3));
      s.append([{ logGroup: G, logStream: 's2', timestamp: 999, message: 'other stream' }]);
      s.append([{ logGroup: '/aws/lambda/other', logStream: 's1', timestamp: 1000, message: 'other group' }]);
      const all = await s.query({ logGroup: G });
      expect(all.events.map((e) => e.message)).toEqual(['line 0', 'line 1', 'line 2', 'other stream']);
      expect(all.events[0]).toMatchObject({ logGroup: G, logStream: 's1', timestamp: 1000 });
      expect(typeof all.events[0]!.ingestionTime).toBe('number');
      expect((await s.query({ logGroup: G, logStream: 's2' })).events.map((e) => e.message)).toEqual(['other stream']);
      expect((await s.query({ logGroup: G, since: 1001 })).events.map((e) => e.message)).toEqual(['line 1', 'line 2']);
      expect((await s.query({ logGroup: G, since: 1000, until: 1002 })).events.map((e) => e.message)).toEqual(['line 0', 'line 1']);
      expect((await s.query({ logGroup: '/aws/lambda/none' })).events).toEqual([]);
    });

    it('keeps every event of a large write once, in order, whatever groups and streams it mixes', async () => {
      // Stores write a buffer in batches (SQLite: 50 rows a statement); 137 events cross two
      // batch edges and leave a remainder, and alternate between two groups and streams.
      const s = await create();
      const mixed = Array.from({ length: 137 }, (_, i) => ({
        logGroup: i % 3 === 0 ? '/aws/lambda/other' : G,
        logStream: i % 2 === 0 ? 's1' : 's2',
        timestamp: 1000 + i,
        message: `mixed ${i}`,
      }));
      for (const e of mixed) s.append([e]);
      for (const group of [G, '/aws/lambda/other']) {
        const got = await s.query({ logGroup: group });
        expect(got.events.map((e) => [e.logStream, e.timestamp, e.message])).toEqual(
          mixed.filter((e) => e.logGroup === group).map((e) => [e.logStream, e.timestamp, e.message]),
        );
      }
      expect((await s.listGroups()).map((g) => g.events).sort((a, b) => a - b)).toEqual([46, 91]);
    });

    it('gives a message back exactly as appended: NUL, control characters and any script included', async () => {
      // A function may print anything; PostgreSQL's text type, for one, cannot hold NUL.
      const s = await create();
      const messages = ['nul \u0000 inside', 'tab\tand\rreturn', 'ünïcödé ✓ 日本語 🌬️', ''];
      s.append(messages.map((message, i) => ({ logGroup: G, logStream: 's1', timestamp: 1000 + i, message })));
      expect((await s.query({ logGroup: G })).events.map((e) => e.message)).toEqual(messages);
      expect((await s.listGroups())[0]!.storedBytes).toBe(messages.reduce((sum, m) => sum + logEventSize(m), 0));
    });

    it('pages with limit and cursor, then follows new events', async () => {
      const s = await create();
      s.append(events(5));
      const p1 = await s.query({ logGroup: G, limit: 2 });
      expect(p1.events.map((e) => e.message)).toEqual(['line 0', 'line 1']);
      const p2 = await s.query({ logGroup: G, limit: 2, after: p1.cursor });
      expect(p2.events.map((e) => e.message)).toEqual(['line 2', 'line 3']);
      const p3 = await s.query({ logGroup: G, limit: 2, after: p2.cursor });
      expect(p3.events.map((e) => e.message)).toEqual(['line 4']);
      // Following: nothing new, then only what came after.
      const p4 = await s.query({ logGroup: G, after: p3.cursor });
      expect(p4.events).toEqual([]);
      s.append([{ logGroup: '/aws/lambda/other', logStream: 'x', timestamp: 1, message: 'elsewhere' }]);
      s.append(events(2, {}, 5));
      const p5 = await s.query({ logGroup: G, after: p4.cursor });
      expect(p5.events.map((e) => e.message)).toEqual(['line 5', 'line 6']);
      expect((await s.query({ logGroup: G, after: p5.cursor })).events).toEqual([]);
    });

    it('a follow cursor taken on an empty group sees the first events', async () => {
      const s = await create();
      const empty = await s.query({ logGroup: G });
      s.append(events(1));
      expect((await s.query({ logGroup: G, after: empty.cursor })).events.map((e) => e.message)).toEqual(['line 0']);
    });

    it('refuses a cursor it did not make', async () => {
      const s = await create();
      await expect(s.query({ logGroup: G, after: 'not-a-cursor' })).rejects.toBeInstanceOf(InvalidParameterValueException);
    });

    it('keeps each group under its byte bound, dropping the oldest events first', async () => {
      const bound = 100 * logEventSize('line 000');
      const s = await create({ maxBytesPerGroup: bound });
      for (let i = 0; i < 10; i++) s.append(events(50, {}, 100 + i * 50).map((e) => ({ ...e, message: `line ${String(e.timestamp - 1000).padStart(3, '0')}` })));
      s.append(events(3, { logGroup: '/aws/lambda/small' }));
      await s.flush();
      const groups = await s.listGroups();
      const big = groups.find((g) => g.logGroup === G)!;
      expect(big.storedBytes).toBeLessThanOrEqual(bound);
      expect(big.storedBytes).toBeGreaterThan(bound / 2);
      const page = await s.query({ logGroup: G, limit: 10000 });
      expect(page.events.length).toBe(big.events);
      expect(page.events.at(-1)!.message).toBe('line 599');
      // What remains is the newest events, contiguous.
      const first = Number(page.events[0]!.message.slice(5));
      expect(page.events.map((e) => e.message)).toEqual(Array.from({ length: 600 - first }, (_, i) => `line ${String(first + i).padStart(3, '0')}`));
      expect(groups.find((g) => g.logGroup === '/aws/lambda/small')!.events).toBe(3);
    });

    it('keeps each group under its event-count bound', async () => {
      const s = await create({ maxEventsPerGroup: 50 });
      for (let i = 0; i < 5; i++) {
        s.append(events(30, {}, i * 30));
        await s.flush();
      }
      const page = await s.query({ logGroup: G, limit: 10000 });
      expect(page.events.length).toBeLessThanOrEqual(50);
      expect(page.events.at(-1)!.message).toBe('line 149');
    });

    it('lists streams and deletes groups', async () => {
      const s = await create();
      s.append(events(2, { logStream: 'a' }));
      s.append(events(1, { logStream: 'b', timestamp: 5000 }));
      const streams = await s.listStreams(G);
      expect(streams.map((x) => x.logStream)).toEqual(['b', 'a']);
      expect(streams[1]).toMatchObject({ firstEventTimestamp: 1000, lastEventTimestamp: 1001, events: 2, storedBytes: logEventSize('line 0') + logEventSize('line 1') });
      await s.deleteGroup(G);
      expect(await s.listStreams(G)).toEqual([]);
      expect((await s.query({ logGroup: G })).events).toEqual([]);
      s.append(events(1));
      expect((await s.query({ logGroup: G })).events.length).toBe(1);
    });
  });
}
