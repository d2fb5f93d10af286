// The last hour per minute (/gust/metrics/history): invocations and errors, duration p50
// and p99, and concurrency, drawn with uPlot and refreshed every 15 s. Each chart also has
// a text summary: a canvas tells a screen reader nothing.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import { html } from '../html.js';
import { metricsHistory } from '../api.js';
import { useLoad } from './use-load.js';

const CHARTS = [
  { id: 'invocations', title: 'Invocations and errors', series: [['invocations', 'Invocations', '#1f5fbf'], ['errors', 'Errors', '#b3261e']] },
  { id: 'duration', title: 'Duration (ms)', series: [['p50', 'p50', '#1f5fbf'], ['p99', 'p99', '#8a4b00']] },
  { id: 'concurrency', title: 'Concurrency', series: [['maxConcurrency', 'Max concurrency', '#2e6b30']] },
];

function Chart({ chart, minutes }) {
  const box = useRef(null);
  const plot = useRef(null);
  const data = [minutes.map((m) => m.t / 1000), ...chart.series.map(([key]) => minutes.map((m) => m[key] ?? null))];
  useEffect(() => {
    const width = Math.max(260, box.current.clientWidth);
    plot.current = new uPlot(
      {
        width,
        height: 160,
        legend: { show: false },
        scales: { y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
        series: [{}, ...chart.series.map(([, label, stroke]) => ({ label, stroke, width: 2, spanGaps: false }))],
        axes: [{}, { size: 50 }],
      },
      data,
      box.current,
    );
    return () => plot.current.destroy();
  }, []);
  useEffect(() => plot.current?.setData(data), [minutes]);
  const totals = chart.series.map(([key, label]) => {
    const values = minutes.map((m) => m[key]).filter((v) => v != null);
    const value = key === 'invocations' || key === 'errors' ? values.reduce((a, b) => a + b, 0) : values.length ? Math.max(...values) : null;
    return `${label}: ${value === null ? 'no data' : Math.round(value)}`;
  });
  return html`
    <figure class="chart" data-chart=${chart.id}>
      <figcaption>${chart.title}
        <span class="legend">${chart.series.map(([, label, color]) => html`<span><i style=${{ background: color }}></i>${label}</span>`)}</span>
      </figcaption>
      <div ref=${box} role="img" aria-label=${`${chart.title} over the last hour. ${totals.join('; ')}`}></div>
      <p class="summary" data-summary=${chart.id}>${totals.join(' · ')}${chart.id === 'invocations' ? ' (hour total)' : ' (hour max)'}</p>
    </figure>`;
}

export function Charts({ name }) {
  const history = useLoad(() => metricsHistory(name), [name], 15_000);
  if (history.error) return html`<p role="alert" class="error">${history.error.message}</p>`;
  if (history.data === undefined) return html`<p class="note">Loading metrics…</p>`;
  if (history.data === null || history.data.minutes.length === 0) return html`<p class="note" data-testid="no-metrics">No data: this server does not report metrics history.</p>`;
  return html`<div class="charts">${CHARTS.map((c) => html`<${Chart} key=${c.id} chart=${c} minutes=${history.data.minutes} />`)}</div>`;
}
