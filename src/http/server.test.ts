import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { logLines } from '../../test/helpers/log-lines.js';
import { waitFor } from '../../test/helpers/wait.js';
import { ResourceNotFoundException } from '../core/errors.js';
import { jsonBody } from './body.js';
import { UPLOAD_BODY_BYTES } from './body-limits.js';
import { buildHttpServer, type HttpPlugin, type HttpServerOptions } from './server.js';
import { StagedUpload } from './upload-body.js';

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
    app.post('/sample/upload', { bodyLimit: UPLOAD_BODY_BYTES, config: { operation: 'SampleUpload', upload: ['Code', 'ZipFile'] } }, async (request) => {
      const body = jsonBody(request) as { Name: string; Code: { ZipFile: unknown } };
      const zip = body.Code.ZipFile;
      if (!(zip instanceof StagedUpload)) return { staged: false };
      return { staged: true, name: body.Name, size: zip.size, bytes: readFileSync(zip.path).toString('base64') };
    });
    app.post('/sample/disk-full', async () => {
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
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

/** Where the edge stages uploads in these tests. */
const staging = mkdtempSync(join(tmpdir(), 'gust-edge-'));
afterAll(() => rmSync(staging, { recursive: true, force: true }));
let staged = 0;

function edge(plugins: HttpPlugin[], logger = pino({ level: 'silent' }), diskFull?: HttpServerOptions['diskFull']): FastifyInstance {
  const app = buildHttpServer(logger, plugins, { uploads: { concurrency: 1, maxWaiting: 1, stagingPath: () => join(staging, `upload-${staged++}`) }, diskFull });
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

  it("refuses a body over the route's limit, 1 MiB unless it declares more, naming its operation", async () => {
    const app = edge([sample]);
    const small = await app.inject({ method: 'POST', url: '/sample/hot', payload: Buffer.alloc(1024 * 1024 + 1) });
    expect(small.statusCode).toBe(413);
    expect(small.headers['x-amzn-errortype']).toBe('RequestTooLargeException');
    expect(small.json().Message).toBe('Request must be smaller than 1048576 bytes for the requested operation');
    const upload = await app.inject({ method: 'POST', url: '/sample/upload', payload: Buffer.alloc(UPLOAD_BODY_BYTES + 1) });
    expect(upload.statusCode).toBe(413);
    expect(upload.json().Message).toBe(`Request must be smaller than ${UPLOAD_BODY_BYTES} bytes for the SampleUpload operation`);
  });

  it("streams an upload route's base64 member to a staged file, hands the route the rest, and removes the file once answered", async () => {
    const zip = Buffer.from(Array.from({ length: 3000 }, (_, i) => i % 251));
    const response = await edge([sample]).inject({
      method: 'POST',
      url: '/sample/upload',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ Name: 'f', Code: { ZipFile: zip.toString('base64') } }),
    });
    expect(response.json()).toEqual({ staged: true, name: 'f', size: zip.length, bytes: zip.toString('base64') });
    // Removed in the onResponse hook, which runs once the answer is out.
    await waitFor('the staged file removed', () => (readdirSync(staging).length === 0 ? true : undefined));
  });

  it('answers a write that found the disk full with the ServiceException that says so, and reports it', async () => {
    const reported: unknown[] = [];
    const response = await edge([sample], undefined, (err) => reported.push(err)).inject({ method: 'POST', url: '/sample/disk-full' });
    expect(response.statusCode).toBe(500);
    expect(response.headers['x-amzn-errortype']).toBe('ServiceException');
    expect(response.json().Message).toMatch(/^No space left on Gust's data disk/);
    expect(reported).toHaveLength(1);
  });
});
