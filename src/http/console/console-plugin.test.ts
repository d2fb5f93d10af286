import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { buildHttpServer } from '../server.js';
import { webConsole } from './console-plugin.js';

const caller = { accountId: '111111111111', accessKeyId: 'AKIAEXAMPLE', kind: 'key' as const };
const sessions = {
  signIn: async (id: string, secret: string) => (id === 'AKIAEXAMPLE' && secret === 'secret' ? { caller, token: 'tok', expires: Date.now() + 3600_000 } : undefined),
  callerOf: async (token: string) => (token === 'tok' ? caller : undefined),
};

function app(enforcing: boolean) {
  return buildHttpServer(pino({ level: 'silent' }), [webConsole({ sessions, enforcing: async () => enforcing })], { uploads: { concurrency: 1, maxWaiting: 1, stagingPath: () => '/nonexistent' } });
}

describe('the console plugin', () => {
  it('serves the page with its CSP, the vendor builds, and nothing outside its folder', async () => {
    const a = app(false);
    const page = await a.inject({ url: '/console/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-security-policy']).toMatch(/^default-src 'self'; script-src 'self' 'sha256-[A-Za-z0-9+/=]+';/);
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect((await a.inject({ url: '/console' })).headers.location).toBe('/console/');
    expect((await a.inject({ url: '/console/vendor/preact.mjs' })).headers['content-type']).toMatch(/^text\/javascript/);
    expect((await a.inject({ url: '/console/vendor/uPlot.min.css' })).statusCode).toBe(200);
    for (const url of ['/console/../package.json', '/console/%2e%2e/package.json', '/console/vendor/../../package.json', '/console/pages/../../src/http/server.ts', '/console/nothing.js']) {
      expect((await a.inject({ url })).statusCode, url).toBe(404);
    }
    await a.close();
  });

  it('signs in with the console header only, and sets a strict HttpOnly cookie', async () => {
    const a = app(true);
    const body = JSON.stringify({ accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret' });
    expect((await a.inject({ method: 'POST', url: '/console/session', body })).statusCode).toBe(403);
    expect((await a.inject({ method: 'POST', url: '/console/session', headers: { 'x-gust-console': '1' }, body: body.replace('secret"', 'wrong"') })).statusCode).toBe(401);
    const ok = await a.inject({ method: 'POST', url: '/console/session', headers: { 'x-gust-console': '1' }, body });
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['set-cookie']).toMatch(/^gust_console=tok; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    expect((await a.inject({ url: '/console/session', headers: { cookie: 'gust_console=tok' } })).json()).toEqual({ auth: true, signedIn: true, accountId: caller.accountId, accessKeyId: caller.accessKeyId });
    expect((await a.inject({ url: '/console/session' })).json()).toEqual({ auth: true, signedIn: false });
    await a.close();
  });
});
