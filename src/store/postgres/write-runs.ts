/**
 * Group commits hand the stores long lists of operations (a burst of async events, a
 * receive of ten messages); one statement per run of operations of one kind, instead of
 * one per operation, is what keeps such a write to a few round trips. The order between
 * runs is kept, so the write means what it meant operation by operation.
 */

/** The list cut into its maximal runs of consecutive operations of one kind. */
export function runsOfOneKind<T extends { kind: string }>(ops: readonly T[]): T[][] {
  const runs: T[][] = [];
  for (const op of ops) {
    const last = runs.at(-1);
    if (last !== undefined && last[0]!.kind === op.kind) last.push(op);
    else runs.push([op]);
  }
  return runs;
}

/** Whether every operation of `run` is of `kind` (a run's are, when its first is). */
export function isRunOf<T extends { kind: string }, K extends T['kind']>(run: T[], kind: K): run is Extract<T, { kind: K }>[] {
  return run[0]?.kind === kind;
}

/**
 * The last of the items with each key, in the order of their last appearance: within one
 * statement a row can be written once, and a later write of the same row is the one that
 * counts, as it would be written one by one.
 */
export function lastByKey<T, K>(items: readonly T[], key: (item: T) => K): T[] {
  const byKey = new Map<K, T>();
  for (const item of items) {
    byKey.delete(key(item));
    byKey.set(key(item), item);
  }
  return [...byKey.values()];
}
