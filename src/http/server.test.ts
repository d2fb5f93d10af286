import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { ResourceNotFoundException } from '../core/errors.js';
import { buildHttpServer, type HttpPlugin } from './server.js';

/** The server's log lines, as pino writes them. */
function logLines(): { logger: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), lines };
}

/** A plugin with a control route, a hot route, and routes that fail. */
const sample: HttpPlugin = {
  register(app) {
    app.get('/sample/control', async () => ({ plugin: 'sample' }));
    app.post('/sample/hot', { config: { hotPath: true } }, async (request) => ({ bytes: Buffer.isBuffer(request.body) ? request.body.length : -1 }));
    app.get('/sample/hot-failure', { config: { hotPath: true } }, async () => {
      throw new Error('boom');
    });
    app.get('/sample/missing', async () => {
      throw new ResourceNotFoundException('Function not found: sample');
    });
  },
};

/** A plugin that claims requests by host name, as function URLs do. */
const byHost = (host: string, prefix: string): HttpPlugin => ({
  rewriteUrl: (request) => (request.headers.host === host ? `${prefix}${request.url}` : undefined),
  register(app) {
    app.get(`${prefix}/*`, async (request) => ({ claimedBy: prefix, url: request.url }));
  },
});

const servers: FastifyInstance[] = [];
afterEach(async () => {
  for (const app of servers.splice(0)) await app.close();
});

function edge(plugins: HttpPlugin[], logger = pino({ level: 'silent' })): FastifyInstance {
  const app = buildHttpServer(logger, plugins);
  servers.push(app);
  return app;
}

describe('the HTTP edge', () => {
  it('answers /health and gives every answer a request id', async () => {
    const response = await edge([]).inject({ method: 'GET', url: '/health' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
    expect(response.headers['x-amzn-requestid']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers a path no plugin serves with UnknownOperationException', async () => {
    const response = await edge([sample]).inject({ method: 'DELETE', url: '/nothing/here?x=1' });
    expect(response.statusCode).toBe(404);
    expect(response.headers['x-amzn-errortype']).toBe('UnknownOperationException');
    expect(response.json()).toEqual({ Type: 'User', Message: 'No operation matches DELETE /nothing/here' });
  });

  it('mounts each plugin, hands it raw bodies, and renders what its routes throw', async () => {
    const app = edge([sample]);
    expect((await app.inject({ method: 'GET', url: '/sample/control' })).json()).toEqual({ plugin: 'sample' });
    const hot = await app.inject({ method: 'POST', url: '/sample/hot', headers: { 'content-type': 'application/x-anything' }, payload: 'twelve bytes' });
    expect(hot.json()).toEqual({ bytes: 12 });

    const missing = await app.inject({ method: 'GET', url: '/sample/missing' });
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['x-amzn-errortype']).toBe('ResourceNotFoundException');
    expect(missing.json()).toEqual({ Type: 'User', Message: 'Function not found: sample' });

    const failed = await app.inject({ method: 'GET', url: '/sample/hot-failure' });
    expect(failed.statusCode).toBe(500);
    expect(failed.headers['x-amzn-errortype']).toBe('ServiceException');
    expect(failed.json()).toEqual({ Type: 'Service', Message: `An internal error occurred (request ${failed.headers['x-amzn-requestid']}).` });
    expect(failed.body).not.toContain('boom');
  });

  it("routes a request by the URL of the first plugin that claims it, and others by their own URL", async () => {
    const app = edge([sample, byHost('a.example', '/a'), byHost('b.example', '/b'), byHost('a.example', '/late')]);
    expect((await app.inject({ method: 'GET', url: '/x?y=1', headers: { host: 'a.example' } })).json()).toEqual({ claimedBy: '/a', url: '/a/x?y=1' });
    expect((await app.inject({ method: 'GET', url: '/x', headers: { host: 'b.example' } })).json()).toEqual({ claimedBy: '/b', url: '/b/x' });
    expect((await app.inject({ method: 'GET', url: '/sample/control', headers: { host: 'c.example' } })).json()).toEqual({ plugin: 'sample' });
  });

  it('logs control requests at info and hot-path requests at debug, unless they fail', async () => {
    const { logger, lines } = logLines();
    const app = edge([sample], logger);
    await app.inject({ method: 'GET', url: '/sample/control' });
    await app.inject({ method: 'POST', url: '/sample/hot', payload: 'x' });
    await app.inject({ method: 'GET', url: '/sample/hot-failure' });
    const requests = lines.filter((l) => l.msg === 'request').map((l) => [l.url, l.status, pino.levels.labels[l.level as number]]);
    expect(requests).toEqual([
      ['/sample/control', 200, 'info'],
      ['/sample/hot', 200, 'debug'],
      ['/sample/hot-failure', 500, 'info'],
    ]);
    expect(lines.filter((l) => l.msg === 'request').every((l) => typeof l.requestId === 'string')).toBe(true);
  });
});
