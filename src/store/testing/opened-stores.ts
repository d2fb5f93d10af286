/**
 * What every store contract needs around its cases: each store a case opens is closed
 * after it, and a reopen (persistence cases) swaps the closed store for one opened anew
 * over the same files.
 */
import { afterEach } from 'vitest';

interface Closable {
  close(): Promise<void>;
}

export interface OpenedStores<S extends Closable, A extends unknown[]> {
  /** Opens a store that is closed after the case. */
  open(...args: A): Promise<S>;
  /** Closes `store`, then opens it again with `reopen`. */
  reopen(store: S, reopen: () => Promise<S>): Promise<S>;
}

/** Call inside `describe`: it registers the `afterEach` that closes what was opened. */
export function openedStores<S extends Closable, A extends unknown[]>(create: (...args: A) => Promise<S>): OpenedStores<S, A> {
  const opened: S[] = [];
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close();
  });
  const track = (s: S): S => {
    opened.push(s);
    return s;
  };
  return {
    open: async (...args) => track(await create(...args)),
    reopen: async (store, reopen) => {
      await store.close();
      opened.splice(opened.indexOf(store), 1);
      return track(await reopen());
    },
  };
}
