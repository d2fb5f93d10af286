/**
 * The web console's list of functions at scale: 1,000 functions (created through the
 * Lambda API with a tiny zip, not waited for), then headless Chromium loads /console/ in a
 * fresh context each round and reports first contentful paint, the time until the first 50
 * rows are drawn (the first ListFunctions page), until all 1,000 are counted, until the first 100 rows'
 * State is filled in, and how long a keystroke in the filter takes to redraw the list.
 * `npm run build && node bench/console.js [--functions 1000] [--rounds 5]`; needs /usr/bin/chromium.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { startGustProcess } from './lib/gust-process.js';
import { keepAliveAgent } from './lib/http-client.js';
import { HANDLERS, zipFiles } from './lib/fixtures.js';
import { createFunction } from './lib/lambda.js';
import { median, round } from './lib/stats.js';

const { values } = parseArgs({ options: { functions: { type: 'string', default: '1000' }, rounds: { type: 'string', default: '5' } } });
const count = Number(values.functions);
const rounds = Number(values.rounds);
const CHROMIUM = '/usr/bin/chromium';
if (!existsSync(CHROMIUM)) {
  console.log(`skipping: ${CHROMIUM} is missing`);
  process.exit(0);
}

const gust = await startGustProcess({ sandbox: 'process' });
const agent = keepAliveAgent(8);
const zip = await zipFiles(HANDLERS.nodeNoop.files);
let next = 0;
const c0 = performance.now();
await Promise.all(
  Array.from({ length: 8 }, async () => {
    while (next < count) await createFunction(agent, gust.url, `fn-${String(next++).padStart(4, '0')}`, HANDLERS.nodeNoop, {}, zip, { waitActive: false });
  }),
);
console.log(`created ${count} functions in ${Math.round(performance.now() - c0)} ms`);
agent.destroy();

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const listed = `${count} of ${count} functions`;
const results = [];
for (let i = 0; i < rounds; i++) {
  // The probes below are evaluated strings, which the console's CSP (no eval) would refuse.
  const context = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${gust.url}/console/`, { waitUntil: 'commit' });
  const firstRows = await (await page.waitForFunction(`document.querySelectorAll('tbody tr').length >= 50 && performance.now()`, undefined, { polling: 'raf', timeout: 60_000 })).jsonValue();
  const usable = await (await page.waitForFunction(`document.querySelector('.count')?.textContent === ${JSON.stringify(listed)} && document.querySelectorAll('tbody tr').length >= 100 && performance.now()`, undefined, { polling: 'raf', timeout: 60_000 })).jsonValue();
  const states = await (await page.waitForFunction(`[...document.querySelectorAll('tbody tr td:nth-child(4)')].every((td) => td.textContent !== '—') && performance.now()`, undefined, { polling: 'raf', timeout: 60_000 })).jsonValue();
  const fcp = await page.evaluate(`performance.getEntriesByName('first-contentful-paint')[0]?.startTime`);
  const typed = await page.evaluate(`new Promise((resolve) => {
    const input = document.getElementById('fn-filter');
    const t0 = performance.now();
    input.value = 'fn-09';
    input.dispatchEvent(new Event('input', { bubbles: true }));
    const check = () => (document.querySelector('.count').textContent.startsWith('${Math.min(100, Math.max(0, count - 900))} of') ? resolve(performance.now() - t0) : requestAnimationFrame(check));
    requestAnimationFrame(check);
  })`);
  results.push({ fcp, firstRows, usable, states, typed });
  await context.close();
}
await browser.close();
await gust.stop();
const stat = (key) => {
  const xs = results.map((r) => r[key]);
  return `${round(median(xs), 0)} ms (${round(Math.min(...xs), 0)}–${round(Math.max(...xs), 0)})`;
};
console.log(`console, ${count} functions, ${rounds} rounds, median (range):`);
console.log(`  first contentful paint             ${stat('fcp')}`);
console.log(`  first 50 rows drawn (clickable)     ${stat('firstRows')}`);
console.log(`  whole list in (all counted)         ${stat('usable')}`);
console.log(`  State of the first 100 rows filled  ${stat('states')}`);
console.log(`  filter keystroke → list redrawn     ${stat('typed')}`);
