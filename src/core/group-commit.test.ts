/** GroupCommit: batching, ordering, failures and flush. */
import { describe, expect, it } from 'vitest';
import { GroupCommit } from './group-commit.js';

interface Op {
  seq: number;
}

const del = (seq: number): Op => ({ seq });

describe('GroupCommit', () => {
  it('commits everything submitted in one turn as one write, in order, and resolves every submitter after it', async () => {
    const writes: number[][] = [];
    const gc = new GroupCommit<Op>(async (ops) => void writes.push(ops.map((o) => o.seq)));
    const done: number[] = [];
    const all = [1, 2, 3].map((n) => gc.submit([del(n)]).then(() => done.push(n)));
    expect(writes).toEqual([]);
    await Promise.all(all);
    expect(writes).toEqual([[1, 2, 3]]);
    expect(done).toEqual([1, 2, 3]);
    await gc.submit([del(4)]);
    expect(writes).toEqual([[1, 2, 3], [4]]);
    expect(gc.stats()).toEqual({ batches: 2, operations: 4, largestBatch: 3 });
  });

  it('cuts a full batch at once, and commits batches one after another', async () => {
    const log: string[] = [];
    let release!: () => void;
    const first = new Promise<void>((r) => (release = r));
    const gc = new GroupCommit(
      async (ops) => {
        log.push(`start ${ops.length}`);
        if (log.length === 1) await first;
        log.push(`end ${ops.length}`);
      },
      { maxBatch: 2 },
    );
    const a = gc.submit([del(1), del(2)]);
    const b = gc.submit([del(3)]);
    await new Promise((r) => setImmediate(r));
    expect(log).toEqual(['start 2']);
    release();
    await Promise.all([a, b]);
    expect(log).toEqual(['start 2', 'end 2', 'start 1', 'end 1']);
  });

  it('rejects every submitter of a failed batch, and carries on with the next', async () => {
    let fail = true;
    const gc = new GroupCommit(async () => {
      if (fail) throw new Error('disk full');
    });
    const results = await Promise.allSettled([gc.submit([del(1)]), gc.submit([del(2)])]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    await expect(gc.submit([del(3)])).resolves.toBeUndefined();
  });

  it('flush commits what is pending without waiting for the next turn', async () => {
    const writes: number[] = [];
    const gc = new GroupCommit(async (ops) => void writes.push(ops.length), { nextTurn: () => {} });
    void gc.submit([del(1)]);
    await gc.flush();
    expect(writes).toEqual([1]);
  });
});
