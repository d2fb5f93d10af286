/**
 * `/metrics` on a server that verifies signatures: Prometheus presents the bearer token of
 * `<data-dir>/metrics.token`; a signature of the server's own account also reads it; an
 * unsigned scrape, a wrong token and another account's signature are refused. The history
 * routes stay signed like every other `/gust/` route.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRequest, startAuthGust, type AuthGust } from '../auth/support.js';

describe('metrics with auth on', () => {
  let a: AuthGust;
  let token: string;

  beforeAll(async () => {
    a = await startAuthGust({ sandbox: 'process' });
    token = readFileSync(join(a.t.dataDir, 'metrics.token'), 'utf8').trim();
  });

  afterAll(async () => {
    await a?.stop();
  });

  it('refuses an unsigned scrape and a wrong token', async () => {
    expect((await fetch(`${a.t.url}/metrics`)).status).toBe(403);
    const wrong = await fetch(`${a.t.url}/metrics`, { headers: { authorization: `Bearer ${'0'.repeat(64)}` } });
    expect(wrong.status).toBe(403);
    expect(await wrong.text()).not.toMatch(/gust_invocations_total/);
  });

  it('accepts the bearer token of metrics.token', async () => {
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    const res = await fetch(`${a.t.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/^# TYPE gust_invocations_total counter$/m);
  });

  it("accepts the server account's signature, not another account's", async () => {
    const own = await signRequest(a.t.url, a.key, { method: 'GET', path: '/metrics', service: 'lambda' });
    expect((await fetch(own.url, own.init)).status).toBe(200);
    const other = await signRequest(a.t.url, a.other, { method: 'GET', path: '/metrics', service: 'lambda' });
    const refused = await fetch(other.url, other.init);
    expect(refused.status).toBe(403);
    expect(refused.headers.get('x-amzn-errortype')).toMatch(/AccessDeniedException/);
  });

  it('keeps the history routes signed, each account seeing its own', async () => {
    // The token opens /metrics only: elsewhere the edge reads it as a malformed SigV4 header.
    expect((await fetch(`${a.t.url}/gust/metrics/summary`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(400);
    expect((await fetch(`${a.t.url}/gust/metrics/summary`)).status).toBe(403);
    const signed = await signRequest(a.t.url, a.other, { method: 'GET', path: '/gust/metrics/summary', service: 'lambda' });
    const res = await fetch(signed.url, signed.init);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual([]);
  });
});
