// The functions list: each function's runtime, memory and state, with its invocations and
// errors over the last minute from /gust/metrics/summary (refreshed every 10 s). Rows come
// 100 at a time, so that a server with a thousand functions draws its first page at once;
// State, which ListFunctions leaves out, is asked for the rows shown only.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { html } from '../html.js';
import { getState, listFunctions, metricsSummary } from '../api.js';
import { useLoad } from './use-load.js';
import { TableWrap } from './table-wrap.js';

const PAGE = 100;
const dash = (v) => (v === undefined || v === null ? '—' : v);

/** States of the names given, a few requests at a time, kept for the session. */
const states = new Map();
function useStates(names) {
  const [, redraw] = useState(0);
  useEffect(() => {
    let live = true;
    const todo = names.filter((n) => !states.has(n));
    const worker = async () => {
      for (let name = todo.shift(); name !== undefined && live; name = todo.shift()) {
        states.set(name, await getState(name).catch(() => undefined));
        redraw((n) => n + 1);
      }
    };
    Promise.all([worker(), worker(), worker(), worker()]);
    return () => {
      live = false;
    };
  }, [names.join('\n')]);
  return states;
}

/** The list as its pages arrive: `data` grows, `done` once the last page is in. */
function useFunctions() {
  const [state, setState] = useState({ data: undefined, done: false, error: undefined });
  useEffect(() => {
    let live = true;
    listFunctions((partial) => live && setState({ data: partial, done: false, error: undefined }), () => live).then(
      (data) => live && setState({ data, done: true, error: undefined }),
      (error) => live && setState((s) => ({ ...s, error })),
    );
    return () => {
      live = false;
    };
  }, []);
  return state;
}

export function FunctionsPage() {
  const functions = useFunctions();
  const summary = useLoad(metricsSummary, [], 10_000);
  const [filter, setFilter] = useState('');
  const [limit, setLimit] = useState(PAGE);
  const byName = useMemo(() => new Map((summary.data ?? []).map((s) => [s.function, s])), [summary.data]);
  const matching = useMemo(() => {
    const f = filter.trim().toLowerCase();
    return (functions.data ?? []).filter((fn) => !f || fn.FunctionName.toLowerCase().includes(f));
  }, [functions.data, filter]);
  const shown = matching.slice(0, limit);
  // After the last page: the list's own requests go first.
  const state = useStates(functions.done ? shown.map((fn) => fn.FunctionName) : []);
  return html`
    <h1>Functions</h1>
    ${functions.error && html`<p role="alert" class="error">${functions.error.message}</p>`}
    <div class="toolbar">
      <label for="fn-filter">Filter by name</label>
      <input id="fn-filter" type="search" value=${filter} onInput=${(e) => { setFilter(e.currentTarget.value); setLimit(PAGE); }} />
      <span aria-live="polite" class="count">${!functions.data ? 'Loading functions…' : functions.done ? `${matching.length} of ${functions.data.length} functions` : `${functions.data.length} functions so far…`}</span>
    </div>
    ${summary.data === null && html`<p class="note">This server has no metrics routes: invocations and errors show no data.</p>`}
    <${TableWrap} label="Functions">
      <table class="functions">
        <caption class="visually-hidden">Functions, with invocations and errors over the last minute</caption>
        <thead><tr>
          <th scope="col">Name</th><th scope="col">Runtime</th><th scope="col" class="num">Memory (MB)</th><th scope="col">State</th>
          <th scope="col" class="num">Invocations (1 min)</th><th scope="col" class="num">Errors (1 min)</th><th scope="col" class="num">p99 (ms)</th>
        </tr></thead>
        <tbody>
          ${shown.map((fn) => {
            const m = byName.get(fn.FunctionName);
            return html`<tr key=${fn.FunctionName}>
              <th scope="row"><a href=${`#/functions/${encodeURIComponent(fn.FunctionName)}`}>${fn.FunctionName}</a></th>
              <td>${fn.Runtime ?? (fn.PackageType === 'Image' ? 'image' : 'custom')}</td>
              <td class="num">${fn.MemorySize}</td>
              <td>${dash(state.get(fn.FunctionName))}</td>
              <td class="num">${dash(m?.invocations)}</td>
              <td class=${`num${m?.errors ? ' bad' : ''}`}>${dash(m?.errors)}</td>
              <td class="num">${m?.p99 == null ? '—' : Math.round(m.p99)}</td>
            </tr>`;
          })}
        </tbody>
      </table>
    </${TableWrap}>
    ${matching.length > limit && html`<button type="button" onClick=${() => setLimit(limit + PAGE)}>Show ${Math.min(PAGE, matching.length - limit)} more</button>`}`;
}
