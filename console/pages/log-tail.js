// A live tail of the function's log: the last 15 minutes, then every new line, following
// /gust/logs' cursor once a second (as `gust logs --follow` does).
import { useEffect, useRef, useState } from 'preact/hooks';
import { html } from '../html.js';
import { logsPage } from '../api.js';

const KEEP = 1000;

export function LogTail({ name }) {
  const [lines, setLines] = useState([]);
  const [error, setError] = useState('');
  const [paused, setPaused] = useState(false);
  const box = useRef(null);
  const pausedRef = useRef(paused);
  pausedRef.current = paused;
  useEffect(() => {
    let live = true;
    let timer;
    let cursor;
    setLines([]);
    const poll = async () => {
      try {
        if (!pausedRef.current) {
          const page = await logsPage(name, cursor ? { after: cursor } : { since: Date.now() - 15 * 60_000 });
          if (!live) return;
          if (page.cursor) cursor = page.cursor;
          if (page.events.length) setLines((old) => [...old, ...page.events].slice(-KEEP));
          setError('');
        }
      } catch (e) {
        // A function that never logged has no log group yet: keep asking quietly.
        if (live && e.status !== 404) setError(e.message);
      }
      if (live) timer = setTimeout(poll, 1000);
    };
    poll();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [name]);
  useEffect(() => {
    const el = box.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [lines]);
  return html`
    <div class="toolbar">
      <button type="button" aria-pressed=${paused} onClick=${() => setPaused(!paused)}>${paused ? 'Resume' : 'Pause'}</button>
      <button type="button" onClick=${() => setLines([])}>Clear</button>
      <span class="count">${lines.length} lines</span>
    </div>
    ${error && html`<p role="alert" class="error">${error}</p>`}
    <div class="log" ref=${box} role="log" aria-label="Log lines" tabindex="0">
      ${lines.length === 0 ? html`<p class="note">No log lines yet.</p>` : lines.map((l, i) => html`<div class="line" key=${i}><time>${new Date(l.timestamp).toISOString().slice(11, 23)}</time> ${l.message.replace(/\n$/, '')}</div>`)}
    </div>`;
}
