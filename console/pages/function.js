// One function: its configuration, versions and aliases, what triggers it, charts of the
// last hour, a live log tail and a test panel.
import { html } from '../html.js';
import { bucketsNotifying, getFunction, getUrlConfig, listAliases, listMappings, listVersions, rulesTargeting } from '../api.js';
import { useLoad } from './use-load.js';
import { TableWrap } from './table-wrap.js';
import { Charts } from './charts.js';
import { LogTail } from './log-tail.js';
import { TestPanel } from './test-panel.js';

const dash = (v) => (v === undefined || v === null || v === '' ? '—' : v);

function Section({ id, title, children }) {
  return html`<section aria-labelledby=${id}><h2 id=${id}>${title}</h2>${children}</section>`;
}

function Facts({ rows }) {
  return html`<dl class="facts">${rows.map(([k, v]) => html`<div><dt>${k}</dt><dd>${dash(v)}</dd></div>`)}</dl>`;
}

function Configuration({ c }) {
  const env = Object.keys(c.Environment?.Variables ?? {});
  return html`<${Facts} rows=${[
    ['ARN', c.FunctionArn],
    ['Runtime', c.Runtime ?? c.PackageType],
    ['Handler', c.Handler],
    ['Memory', `${c.MemorySize} MB`],
    ['Timeout', `${c.Timeout} s`],
    ['Architecture', (c.Architectures ?? []).join(', ')],
    ['State', c.State && `${c.State}${c.StateReason ? ` (${c.StateReason})` : ''}`],
    ['Last update', c.LastUpdateStatus],
    ['Last modified', c.LastModified],
    ['Code size', `${c.CodeSize} bytes`],
    ['Environment variables', env.join(', ')],
    ['Layers', (c.Layers ?? []).map((l) => l.Arn).join(', ')],
  ]} />`;
}

function Versions({ name }) {
  const versions = useLoad(() => listVersions(name), [name]);
  const aliases = useLoad(() => listAliases(name), [name]);
  return html`
    ${versions.error && html`<p role="alert" class="error">${versions.error.message}</p>`}
    <${TableWrap} label="Versions"><table>
      <caption>Versions</caption>
      <thead><tr><th scope="col">Version</th><th scope="col">Description</th><th scope="col">Last modified</th></tr></thead>
      <tbody>${(versions.data ?? []).map((v) => html`<tr key=${v.Version}><td>${v.Version}</td><td>${dash(v.Description)}</td><td>${v.LastModified}</td></tr>`)}</tbody>
    </table></${TableWrap}>
    <${TableWrap} label="Aliases"><table>
      <caption>Aliases</caption>
      <thead><tr><th scope="col">Alias</th><th scope="col">Version</th><th scope="col">Weights</th></tr></thead>
      <tbody>${(aliases.data ?? []).map((a) => html`<tr key=${a.Name}><td>${a.Name}</td><td>${a.FunctionVersion}</td>
        <td>${Object.entries(a.RoutingConfig?.AdditionalVersionWeights ?? {}).map(([v, w]) => `${v}: ${w}`).join(', ') || '—'}</td></tr>`)}</tbody>
    </table></${TableWrap}>
    ${aliases.data?.length === 0 && html`<p class="note">No aliases.</p>`}`;
}

function Triggers({ name, arn }) {
  const url = useLoad(() => getUrlConfig(name), [name]);
  const rules = useLoad(() => rulesTargeting(arn), [arn]);
  const mappings = useLoad(() => listMappings(name), [name]);
  const buckets = useLoad(() => bucketsNotifying(arn), [arn]);
  const items = [
    ...(url.data ? [['Function URL', html`<a href=${url.data.FunctionUrl}>${url.data.FunctionUrl}</a> (auth ${url.data.AuthType}${url.data.Cors ? ', CORS' : ''})`]] : []),
    ...(rules.data ?? []).map((r) => [r.ScheduleExpression ? 'Schedule' : 'EventBridge rule', `${r.Name}: ${r.ScheduleExpression ?? r.EventPattern} (${r.State})`]),
    ...(mappings.data ?? []).map((m) => ['SQS mapping', `${m.EventSourceArn} (batch ${m.BatchSize}, ${m.State})`]),
    ...(buckets.data ?? []).map((b) => ['S3 bucket notifications', b.name]),
  ];
  const error = url.error ?? rules.error ?? mappings.error ?? buckets.error;
  return html`
    ${error && html`<p role="alert" class="error">${error.message}</p>`}
    ${items.length === 0 ? html`<p class="note">Nothing triggers this function but direct invokes.</p>`
      : html`<ul class="triggers">${items.map(([kind, what]) => html`<li><strong>${kind}</strong> ${what}</li>`)}</ul>`}`;
}

export function FunctionPage({ name }) {
  const fn = useLoad(() => getFunction(name), [name]);
  const c = fn.data?.Configuration;
  return html`
    <p class="crumbs"><a href="#/functions">Functions</a> / </p>
    <h1>${name}</h1>
    ${fn.error && html`<p role="alert" class="error">${fn.error.message}</p>`}
    ${c && html`
      <div class="grid">
        <${Section} id="s-config" title="Configuration"><${Configuration} c=${c} /></${Section}>
        <${Section} id="s-triggers" title="Triggers"><${Triggers} name=${name} arn=${c.FunctionArn} /></${Section}>
      </div>
      <${Section} id="s-charts" title="Last hour"><${Charts} name=${name} /></${Section}>
      <div class="grid">
        <${Section} id="s-test" title="Test"><${TestPanel} name=${name} /></${Section}>
        <${Section} id="s-logs" title="Logs"><${LogTail} name=${name} /></${Section}>
      </div>
      <${Section} id="s-versions" title="Versions and aliases"><${Versions} name=${name} /></${Section}>`}`;
}
