import { createHash } from 'node:crypto';
import http from 'node:http';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { logLines } from '../../test/helpers/log-lines.js';
import { rawConnection } from '../../test/helpers/raw-http.js';
import type { Caller } from '../auth/caller.js';
import { AuthFailure } from '../core/auth-failure.js';
import { ResourceNotFoundException } from '../core/errors.js';
import type { EdgeAuth } from './edge-auth.js';
import type { LeanRoute } from './lean-route.js';
import { buildHttpServer, type HttpPlugin } from './server.js';

/**
 * `POST /2015-03-31/echo` has both routes: the lean one answers `{lean: true, …}`, Fastify's
 * `{lean: false, …}`, so each case sees which one took it. `/2015-03-31/echo?fail=…` throws.
 */
function echo(seen: { caller?: Caller | undefined; body?: string }[], hold?: Promise<void>): HttpPlugin {
  const lean: LeanRoute = {
    claim(request, path, query) {
      if (request.method !== 'POST' || path !== '/2015-03-31/echo') return undefined;
      const length = request.headers['content-length'];
      if (length === undefined || Number(length) > 64) return undefined;
      return {
        bodyBytes: Number(length),
        async answer(body, caller, requestId) {
          seen.push({ caller, body: body.toString() });
          if (query === 'fail=missing') throw new ResourceNotFoundException('Function not found: echo');
          if (query === 'fail=bug') throw new Error('a stack trace nobody should see');
          if (query === 'hold') await hold;
          if (query === 'fail=header') return { status: 200, headers: { 'x-bad': 'line\nbreak' }, body: '{}' };
          return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ lean: true, bytes: body.length, requestId }) };
        },
      };
    },
  };
  return {
    leanRoutes: [lean],
    register(app) {
      app.post('/2015-03-31/echo', async (request) => ({ lean: false, bytes: Buffer.isBuffer(request.body) ? request.body.length : -1 }));
    },
  };
}

/** A plugin that claims every request with host `url.example`, as function URLs do. */
const byHost: HttpPlugin = {
  rewriteUrl: (request) => (request.headers.host === 'url.example' ? '/claimed' : undefined),
  register(app) {
    app.post('/claimed', async () => ({ claimed: true }));
  },
};

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(port: number, options: { path?: string; body?: string; headers?: Record<string, string>; chunked?: boolean; agent?: http.Agent }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const body = options.body ?? '';
    const req = http.request(
      { host: '127.0.0.1', port, method: 'POST', path: options.path ?? '/2015-03-31/echo', ...(options.agent ? { agent: options.agent } : {}), headers: { ...(options.chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': Buffer.byteLength(body) }), ...options.headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const apps: FastifyInstance[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

async function listen(plugins: HttpPlugin[], options: { auth?: EdgeAuth; logger?: pino.Logger; started?: Promise<void> } = {}): Promise<number> {
  const app = buildHttpServer(options.logger ?? pino({ level: 'silent' }), plugins, {
    uploads: { concurrency: 1, maxWaiting: 1, stagingPath: () => '/nonexistent' },
    ...(options.auth ? { auth: options.auth } : {}),
    ...(options.started ? { started: options.started } : {}),
  });
  apps.push(app);
  await app.listen({ host: '127.0.0.1', port: 0 });
  return (app.server.address() as { port: number }).port;
}

describe('lean routes', () => {
  it('answer a sized request whole, with a request id, before Fastify', async () => {
    const seen: { body?: string }[] = [];
    const port = await listen([echo(seen)]);
    const a = await request(port, { body: 'twelve bytes' });
    expect(a.status).toBe(200);
    const answer = JSON.parse(a.body) as { lean: boolean; bytes: number; requestId: string };
    expect(answer).toEqual({ lean: true, bytes: 12, requestId: a.headers['x-amzn-requestid'] });
    expect(a.headers['content-length']).toBe(String(Buffer.byteLength(a.body)));
    expect(seen).toEqual([{ caller: undefined, body: 'twelve bytes' }]);
  });

  it('leave to Fastify what they do not claim: a chunked body, a body over their limit, a path of their own claimed by host', async () => {
    const port = await listen([byHost, echo([])]);
    expect(JSON.parse((await request(port, { body: 'x', chunked: true })).body)).toEqual({ lean: false, bytes: 1 });
    expect(JSON.parse((await request(port, { body: 'y'.repeat(65) })).body)).toEqual({ lean: false, bytes: 65 });
    expect(JSON.parse((await request(port, { body: 'z', headers: { host: 'url.example' } })).body)).toEqual({ claimed: true });
  });

  it('leave every request to Fastify while the server is still starting', async () => {
    let start!: () => void;
    const port = await listen([echo([])], { started: new Promise((resolve) => (start = resolve)) });
    // Started once the edge has taken the request (its handler is the first listener).
    apps[0]!.server.once('request', () => start());
    const waiting = request(port, { body: 'early' });
    expect(JSON.parse((await waiting).body)).toEqual({ lean: false, bytes: 5 });
    expect(JSON.parse((await request(port, { body: 'later' })).body)).toMatchObject({ lean: true });
  });

  it("render what the route throws in AWS's shape, and a fault of Gust's as a 500 without its cause", async () => {
    const { logger, lines } = logLines();
    const port = await listen([echo([])], { logger });
    const missing = await request(port, { path: '/2015-03-31/echo?fail=missing', body: '{}' });
    expect(missing.status).toBe(404);
    expect(missing.headers['x-amzn-errortype']).toBe('ResourceNotFoundException');
    expect(JSON.parse(missing.body)).toEqual({ Type: 'User', Message: 'Function not found: echo' });

    const bug = await request(port, { path: '/2015-03-31/echo?fail=bug', body: '{}' });
    expect(bug.status).toBe(500);
    expect(bug.headers['x-amzn-errortype']).toBe('ServiceException');
    expect(JSON.parse(bug.body)).toEqual({ Type: 'Service', Message: `An internal error occurred (request ${bug.headers['x-amzn-requestid']}).` });
    expect(bug.body).not.toContain('stack');
    // As the edge logs: the hot path at debug, a failure of the server at info, its cause at error.
    const requests = lines.filter((l) => l.msg === 'request').map((l) => [l.url, l.status, pino.levels.labels[l.level as number]]);
    expect(requests).toEqual([
      ['/2015-03-31/echo?fail=missing', 404, 'debug'],
      ['/2015-03-31/echo?fail=bug', 500, 'info'],
    ]);
    expect(lines.some((l) => l.msg === 'unexpected error' && l.requestId === bug.headers['x-amzn-requestid'])).toBe(true);
  });

  it("hand the edge's verifier the request and its body's SHA-256, and the route the caller it establishes", async () => {
    const asked: { path: string; rawQuery: string; sha256: string | undefined; signed: string | undefined }[] = [];
    const auth: EdgeAuth = {
      async verify(req) {
        asked.push({ path: req.path, rawQuery: req.rawQuery, sha256: req.bodySha256, signed: req.header('authorization') });
        if (req.header('authorization') !== 'good') throw new AuthFailure('missing');
        return { caller: { accountId: '111122223333', accessKeyId: 'AKIDGOOD', kind: 'key' } };
      },
    };
    const seen: { caller?: Caller | undefined }[] = [];
    const port = await listen([echo(seen)], { auth });
    const ok = await request(port, { path: '/2015-03-31/echo?x=1', body: 'signed body', headers: { authorization: 'good' } });
    expect(ok.status).toBe(200);
    expect(seen[0]!.caller).toEqual({ accountId: '111122223333', accessKeyId: 'AKIDGOOD', kind: 'key' });
    expect(asked[0]).toEqual({ path: '/2015-03-31/echo', rawQuery: 'x=1', sha256: createHash('sha256').update('signed body').digest('hex'), signed: 'good' });

    const refused = await request(port, { body: 'unsigned' });
    expect(refused.status).toBe(403);
    expect(refused.headers['x-amzn-errortype']).toBe('MissingAuthenticationTokenException');
    expect(seen).toHaveLength(1);
  });

  it("leave to Fastify what comes once the server closes: AWS's 503, while a request in flight finishes", async () => {
    let release!: () => void;
    const port = await listen([echo([], new Promise((resolve) => (release = resolve)))]);
    // One connection, busy with a held request when the close begins (so it stays open), on
    // which a second request follows, pipelined.
    const { socket, ended } = rawConnection(port, 'POST /2015-03-31/echo?hold HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nheld');
    await new Promise((r) => setTimeout(r, 50));
    const closed = apps.splice(0)[0]!.close();
    socket.write('POST /2015-03-31/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nlate');
    await new Promise((r) => setTimeout(r, 50));
    release();
    const text = await ended;
    await closed;
    const statuses = [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
    expect(statuses).toEqual([200, 503]);
    expect(text).toContain('"lean":true');
    const refused = text.slice(text.indexOf('HTTP/1.1 503'));
    expect(refused).toMatch(/\r\nx-amzn-ErrorType: ServiceUnavailable\r\n/i);
    expect(refused).toMatch(/\r\nconnection: close\r\n/i);
    expect(JSON.parse(refused.slice(refused.indexOf('\r\n\r\n') + 4))).toEqual({ Type: 'Service', Message: 'The server is shutting down and takes no new requests; send the request again.' });
  });

  it('end an exchange whose answer cannot be written, and go on serving', async () => {
    const { logger, lines } = logLines();
    const port = await listen([echo([])], { logger });
    await expect(request(port, { path: '/2015-03-31/echo?fail=header', body: '{}' })).rejects.toThrow();
    expect(lines.some((l) => l.msg === 'unexpected error writing an answer')).toBe(true);
    expect(JSON.parse((await request(port, { body: 'after' })).body)).toMatchObject({ lean: true });
  });

  it('survive a client that sends less than its Content-Length and goes away', async () => {
    const port = await listen([echo([])]);
    await new Promise<void>((resolve) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/2015-03-31/echo', headers: { 'content-length': '20' } });
      req.on('error', () => resolve());
      req.write('short');
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 50);
    });
    expect(JSON.parse((await request(port, { body: 'still here' })).body)).toMatchObject({ lean: true, bytes: 10 });
  });
});
