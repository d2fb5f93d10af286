// The account's other resources, from Gust's own routes: the async queue (/gust/events),
// SQS queues (/gust/queues) and S3 buckets (/gust/buckets), refreshed every 5 s.
import { html } from '../html.js';
import { api } from '../api.js';
import { useLoad } from './use-load.js';
import { TableWrap } from './table-wrap.js';

/** A cell: times (`…At`, ms since the epoch) as ISO dates, lists joined, other objects as JSON. */
function show(v, key) {
  if (v === undefined || v === null) return '—';
  if (typeof v === 'number' && /At$/.test(key) && v > 1e12) return new Date(v).toISOString().replace(/\.\d+Z$/, 'Z');
  if (Array.isArray(v)) return v.length ? v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join(', ') : '—';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** A table of records, one column per key the records have (in first-seen order). */
function RecordTable({ caption, rows, empty }) {
  if (!rows?.length) return html`<p class="note">${empty}</p>`;
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return html`<${TableWrap} label=${caption}><table>
    <caption>${caption}</caption>
    <thead><tr>${columns.map((c) => html`<th scope="col">${c}</th>`)}</tr></thead>
    <tbody>${rows.map((r) => html`<tr>${columns.map((c) => html`<td>${show(r[c], c)}</td>`)}</tr>`)}</tbody>
  </table></${TableWrap}>`;
}

function Loaded({ state, children }) {
  return html`
    ${state.error && html`<p role="alert" class="error">${state.error.message}</p>`}
    ${state.data === undefined && !state.error ? html`<p class="note">Loading…</p>` : state.data && children(state.data)}`;
}

export function AsyncEventsPage() {
  const state = useLoad(() => api('/gust/events'), [], 5000);
  return html`<h1>Async queue</h1>
    <${Loaded} state=${state}>${(t) => html`
      <dl class="facts">
        ${[['Queued', t.queued], ['In flight', t.inFlight], ['Retrying', t.retrying], ['Finishing', t.finishing], ['Oldest event age', `${t.oldestEventAgeMs} ms`]]
          .map(([k, v]) => html`<div><dt>${k}</dt><dd>${v}</dd></div>`)}
      </dl>
      <${RecordTable} caption="Counters since start" rows=${t.counters ? [t.counters] : []} empty="No counters." />
      <h2>Functions with events</h2>
      ${t.functions.length ? html`<ul>${t.functions.map((f) => html`<li><a href=${`#/functions/${encodeURIComponent(f)}`}>${f}</a></li>`)}</ul>` : html`<p class="note">No asynchronous invocations yet.</p>`}`}
    </${Loaded}>`;
}

export function QueuesPage() {
  const state = useLoad(() => api('/gust/queues'), [], 5000);
  return html`<h1>Queues</h1>
    <${Loaded} state=${state}>${(d) => html`<${RecordTable} caption="SQS queues" rows=${d.queues} empty="No queues." />`}</${Loaded}>`;
}

export function BucketsPage() {
  const state = useLoad(() => api('/gust/buckets'), [], 5000);
  return html`<h1>Buckets</h1>
    <${Loaded} state=${state}>${(d) => html`<${RecordTable} caption="S3 buckets" rows=${d.buckets} empty="No buckets." />`}</${Loaded}>`;
}
