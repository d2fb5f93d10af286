// The console's shell: sign-in when the server verifies requests, the navigation, and a
// hash router (#/functions, #/functions/<name>, #/events, #/queues, #/buckets), so that
// Gust serves one page and every view has an address to bookmark.
import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { html } from './html.js';
import { session, signIn, signOut } from './api.js';
import { FunctionsPage } from './pages/functions.js';
import { FunctionPage } from './pages/function.js';
import { AsyncEventsPage, QueuesPage, BucketsPage } from './pages/resources.js';

const SECTIONS = [
  ['#/functions', 'Functions'],
  ['#/events', 'Async queue'],
  ['#/queues', 'Queues'],
  ['#/buckets', 'Buckets'],
];

function useHash() {
  const [hash, setHash] = useState(location.hash || '#/functions');
  useEffect(() => {
    const on = () => setHash(location.hash || '#/functions');
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return hash;
}

function route(hash) {
  const fn = /^#\/functions\/(.+)$/.exec(hash);
  if (fn) return html`<${FunctionPage} name=${decodeURIComponent(fn[1])} />`;
  if (hash === '#/events') return html`<${AsyncEventsPage} />`;
  if (hash === '#/queues') return html`<${QueuesPage} />`;
  if (hash === '#/buckets') return html`<${BucketsPage} />`;
  return html`<${FunctionsPage} />`;
}

function SignIn({ onSignedIn }) {
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError('');
    try {
      onSignedIn(await signIn(String(form.get('accessKeyId')), String(form.get('secretAccessKey'))));
    } catch (e) {
      setError(e.message);
    } finally {
      setBusy(false);
    }
  };
  return html`
    <main id="main" class="sign-in">
      <h1>Sign in to Gust</h1>
      <p>This server verifies every request. Sign in with an access key (<code>gust keys create</code> makes one); the console keeps a session cookie for 12 hours, never the secret.</p>
      <form onSubmit=${submit}>
        <label for="access-key-id">Access key id</label>
        <input id="access-key-id" name="accessKeyId" autocomplete="username" required spellcheck="false" />
        <label for="secret-access-key">Secret access key</label>
        <input id="secret-access-key" name="secretAccessKey" type="password" autocomplete="current-password" required />
        <button type="submit" disabled=${busy}>Sign in</button>
        <p role="alert" class="error">${error}</p>
      </form>
    </main>`;
}

function Shell({ who, onSignOut }) {
  const hash = useHash();
  const main = useRef(null);
  const first = useRef(true);
  // A new view moves focus to its content, as a page load would, for screen readers and
  // keyboards; the first view leaves it at the top of the page, where the skip link is.
  useEffect(() => {
    document.title = `${hash.replace(/^#\//, '').split('/').map(decodeURIComponent).reverse().join(' · ') || 'functions'} · Gust console`;
    if (!first.current) main.current?.focus();
    first.current = false;
  }, [hash]);
  return html`
    <a class="skip" href="#main" onClick=${(e) => { e.preventDefault(); main.current?.focus(); }}>Skip to content</a>
    <header class="top">
      <span class="brand">Gust</span>
      <nav aria-label="Sections">
        <ul>
          ${SECTIONS.map(([href, label]) => html`<li><a href=${href} aria-current=${hash === href || (href === '#/functions' && hash.startsWith('#/functions')) ? 'page' : undefined}>${label}</a></li>`)}
        </ul>
      </nav>
      ${who.auth && html`<span class="who">${who.accountId} · ${who.accessKeyId} <button type="button" onClick=${onSignOut}>Sign out</button></span>`}
    </header>
    <main id="main" tabindex="-1" ref=${main}>${route(hash)}</main>`;
}

function App() {
  const [who, setWho] = useState(undefined);
  const [failure, setFailure] = useState('');
  const load = () => session().then(setWho, (e) => setFailure(e.message));
  useEffect(() => {
    load();
    const signedOut = () => setWho((w) => (w?.auth ? { ...w, signedIn: false } : w));
    window.addEventListener('gust-signed-out', signedOut);
    return () => window.removeEventListener('gust-signed-out', signedOut);
  }, []);
  if (failure) return html`<main id="main"><h1>Gust console</h1><p role="alert">Gust did not answer: ${failure}</p></main>`;
  if (!who) return html`<main id="main"><p class="loading">Loading…</p></main>`;
  if (!who.signedIn) return html`<${SignIn} onSignedIn=${(s) => setWho({ auth: true, signedIn: true, ...s })} />`;
  return html`<${Shell} who=${who} onSignOut=${() => signOut().finally(load)} />`;
}

const root = document.getElementById('app');
// The loading line is plain HTML, which preact's render leaves in place.
root.textContent = '';
render(html`<${App} />`, root);
