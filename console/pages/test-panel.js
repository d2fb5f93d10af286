// Invokes the function with a sample event (or any JSON) and shows the answer and the log
// tail Invoke returns; the live log beside it shows the same lines as they are stored.
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { invoke } from '../api.js';
import { SAMPLES } from '../samples.js';

const NAMES = Object.keys(SAMPLES);
const pretty = (sample) => JSON.stringify(SAMPLES[sample](), null, 2);

export function TestPanel({ name }) {
  const [sample, setSample] = useState(NAMES[0]);
  const [payload, setPayload] = useState(() => pretty(NAMES[0]));
  const [result, setResult] = useState(undefined);
  const [busy, setBusy] = useState(false);
  const choose = (e) => {
    setSample(e.currentTarget.value);
    setPayload(pretty(e.currentTarget.value));
  };
  const run = async (e) => {
    e.preventDefault();
    setBusy(true);
    try {
      JSON.parse(payload);
      setResult(await invoke(name, payload));
    } catch (err) {
      setResult({ failure: err instanceof SyntaxError ? `The event is not JSON: ${err.message}` : err.message });
    } finally {
      setBusy(false);
    }
  };
  return html`
    <form onSubmit=${run} class="test">
      <label for="sample">Sample event</label>
      <select id="sample" value=${sample} onChange=${choose}>${NAMES.map((n) => html`<option value=${n}>${n}</option>`)}</select>
      <label for="payload">Event (JSON)</label>
      <textarea id="payload" rows="10" spellcheck="false" value=${payload} onInput=${(e) => setPayload(e.currentTarget.value)}></textarea>
      <button type="submit" disabled=${busy}>${busy ? 'Invoking…' : 'Invoke'}</button>
    </form>
    <div aria-live="polite" aria-atomic="true" class="result" data-testid="invoke-result">
      ${result?.failure && html`<p class="error">${result.failure}</p>`}
      ${result && !result.failure && html`
        <p class=${result.functionError ? 'bad' : 'ok'}>
          ${result.functionError ? `Function error (${result.functionError})` : 'Succeeded'} · status ${result.status} · ${result.ms} ms
        </p>
        <h3>Result</h3>
        <pre class="out" tabindex="0" aria-label="Result">${result.body}</pre>
        <h3>Log tail</h3>
        <pre class="out" tabindex="0" aria-label="Log tail">${result.log}</pre>`}
    </div>`;
}
