// Loads data for a view, again every `everyMs` when asked; the view shows what it has.
import { useEffect, useState } from 'preact/hooks';

export function useLoad(load, deps, everyMs) {
  const [state, setState] = useState({ data: undefined, error: undefined });
  useEffect(() => {
    let live = true;
    let timer;
    const run = async () => {
      try {
        const data = await load();
        if (live) setState({ data, error: undefined });
      } catch (error) {
        if (live) setState((s) => ({ data: s.data, error }));
      }
      if (live && everyMs) timer = setTimeout(run, everyMs);
    };
    run();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, deps);
  return state;
}
