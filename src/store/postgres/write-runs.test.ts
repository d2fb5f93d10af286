import { describe, expect, it } from 'vitest';
import { isRunOf, lastByKey, runsOfOneKind } from './write-runs.js';

describe('write runs', () => {
  it('cuts a list into maximal runs of one kind, keeping their order', () => {
    const ops = [{ kind: 'a', n: 1 }, { kind: 'a', n: 2 }, { kind: 'b', n: 3 }, { kind: 'a', n: 4 }];
    const runs = runsOfOneKind(ops);
    expect(runs.map((run) => run.map((op) => op.n))).toEqual([[1, 2], [3], [4]]);
    expect(runs.map((run) => isRunOf(run, 'a'))).toEqual([true, false, true]);
    expect(runsOfOneKind([])).toEqual([]);
  });

  it('keeps the last item of each key, in the order of last appearance', () => {
    expect(lastByKey([{ k: 1, v: 'a' }, { k: 2, v: 'b' }, { k: 1, v: 'c' }], (x) => x.k)).toEqual([{ k: 2, v: 'b' }, { k: 1, v: 'c' }]);
  });
});
