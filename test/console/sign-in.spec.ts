/**
 * The console on a server that verifies requests: sign-in with an access key, the session
 * cookie's attributes, what the cookie may and may not do (the header it needs, the routes
 * it opens, the caller's account only), and signing out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { Browser, Page } from 'playwright-core';
import { startAuthGust, type AuthGust, type Keys } from '../auth/support.js';
import { createFunction } from '../helpers/lambda.js';
import { browserMissing, launch, screenshot, seriousViolations } from './browser.js';

const missing = browserMissing();
if (missing) console.log(`skipping the console sign-in suite: ${missing}`);

const clientOf = (url: string, keys: Keys) => new LambdaClient({ endpoint: url, region: 'us-east-1', credentials: keys, maxAttempts: 1 });

/** fetch from inside the page (same origin, with its cookie): status and error type. */
function pageFetch(page: Page, path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; type: string | null }> {
  return page.evaluate(
    async ([p, i]) => {
      const r = await fetch(p, i);
      return { status: r.status, type: r.headers.get('x-amzn-errortype') };
    },
    [path, init] as const,
  );
}

describe.skipIf(missing !== undefined)('web console sign-in', () => {
  let g: AuthGust;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    g = await startAuthGust({ sandbox: 'process' });
    const mine = clientOf(g.t.url, g.key);
    const theirs = clientOf(g.t.url, g.other);
    await createFunction(mine, 'mine', { files: { 'index.js': 'exports.handler = async () => "hi";' } });
    await createFunction(theirs, 'theirs', { files: { 'index.js': 'exports.handler = async () => "no";' } });
    mine.destroy();
    theirs.destroy();
    browser = await launch();
    page = await (await browser.newContext({ bypassCSP: true })).newPage();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await g?.stop();
  });

  it('asks for a key, refuses a wrong secret, and signs in with the right one', async () => {
    await page.goto(`${g.t.url}/console/`);
    await page.getByRole('heading', { name: 'Sign in to Gust' }).waitFor();
    expect(await pageFetch(page, '/2015-03-31/functions', { headers: { 'x-gust-console': '1' } })).toEqual({ status: 403, type: 'MissingAuthenticationTokenException' });
    await screenshot(page, 'sign-in');
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByLabel('Access key id').fill(g.key.accessKeyId);
    await page.getByLabel('Secret access key').fill(`${g.key.secretAccessKey}x`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').getByText('The access key id or secret is not valid.').waitFor();
    await page.getByLabel('Secret access key').fill(g.key.secretAccessKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'mine' }).waitFor();
    // The other account's function is not the caller's: its space is not the console's.
    expect(await page.getByRole('link', { name: 'theirs' }).count()).toBe(0);
    await page.getByText(`000000000000 · ${g.key.accessKeyId}`).waitFor();
  });

  it('keeps the session in an HttpOnly, SameSite=Strict cookie without the secret', async () => {
    const cookies = await page.context().cookies();
    expect(cookies).toHaveLength(1);
    const [cookie] = cookies;
    expect(cookie).toMatchObject({ name: 'gust_console', httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(cookie!.value).not.toContain(g.key.secretAccessKey);
    expect(cookie!.expires * 1000 - Date.now()).toBeGreaterThan(11.9 * 3600_000);
    expect(await page.evaluate('document.cookie')).toBe('');
  });

  it('opens the reads and Invoke with the console header only, and nothing else', async () => {
    const header = { 'x-gust-console': '1' };
    expect((await pageFetch(page, '/2015-03-31/functions', { headers: header })).status).toBe(200);
    // Without the header (what a form of another site could send), the cookie is no signature.
    expect(await pageFetch(page, '/2015-03-31/functions')).toEqual({ status: 403, type: 'MissingAuthenticationTokenException' });
    expect((await pageFetch(page, '/2015-03-31/functions/mine/invocations', { method: 'POST', headers: header, body: '{}' })).status).toBe(200);
    // Over 1 MB, the edge checks credentials before reading the body: the session stands there too.
    expect((await pageFetch(page, '/2015-03-31/functions/mine/invocations', { method: 'POST', headers: header, body: JSON.stringify({ big: 'x'.repeat(2_000_000) }) })).status).toBe(200);
    expect((await pageFetch(page, '/2015-03-31/functions/mine', { method: 'DELETE', headers: header })).status).toBe(403);
    expect((await pageFetch(page, '/console/session', { method: 'POST', body: '{}' })).status).toBe(403);
    expect((await pageFetch(page, '/2015-03-31/functions/theirs', { headers: header })).status).toBe(404);
  });

  it('signs out', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Gust' }).waitFor();
    expect(await page.context().cookies()).toEqual([]);
  });
});
