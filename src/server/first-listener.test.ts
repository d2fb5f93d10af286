import { Agent, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { buildHttpServer } from '../http/server.js';
import { FirstListener } from './first-listener.js';

let listener: FirstListener | undefined;
afterEach(async () => {
  await listener?.close();
  listener = undefined;
});

function port(l: FirstListener): number {
  const address = l.server.address();
  return typeof address === 'object' && address ? address.port : 0;
}

/** One request, on a connection of its own unless `agent` keeps one; resolves with the status and body. */
function send(l: FirstListener, method: string, path: string, body?: string, agent: Agent | false = false): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: port(l), method, path, agent, headers: body === undefined ? {} : { 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('FirstListener', () => {
  it('answers /health at once and holds other requests until the hand-over, then gives them to the handler in the order they came, bodies intact', async () => {
    listener = await FirstListener.open('127.0.0.1', 0);
    expect(await send(listener, 'GET', '/health')).toEqual({ status: 200, body: '{"status":"ok"}' });

    const first = send(listener, 'POST', '/2015-03-31/functions/a/invocations', '{"n":1}');
    await new Promise((r) => setTimeout(r, 20));
    const second = send(listener, 'GET', '/2015-03-31/functions/');
    let answered = false;
    void first.then(() => (answered = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(answered).toBe(false);

    const seen: string[] = [];
    listener.handOver((req: IncomingMessage, res: ServerResponse) => {
      seen.push(`${req.method} ${req.url}`);
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (d: string) => (body += d));
      req.on('end', () => res.end(`handled ${req.url} ${body}`));
    });
    expect(await first).toEqual({ status: 200, body: 'handled /2015-03-31/functions/a/invocations {"n":1}' });
    expect(await second).toEqual({ status: 200, body: 'handled /2015-03-31/functions/ ' });
    expect(seen).toEqual(['POST /2015-03-31/functions/a/invocations', 'GET /2015-03-31/functions/']);

    // After the hand-over even /health is the handler's.
    expect(await send(listener, 'GET', '/health')).toEqual({ status: 200, body: 'handled /health ' });
  });

  it("gives a connection made before the edge was built to the edge's lean routes once it is", async () => {
    listener = await FirstListener.open('127.0.0.1', 0);
    let connections = 0;
    listener.server.on('connection', () => connections++);
    // A client that polls /health on the agent it then invokes with.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    expect(await send(listener, 'GET', '/health', undefined, agent)).toEqual({ status: 200, body: '{"status":"ok"}' });
    const path = '/2015-03-31/functions/f/invocations';
    const app = buildHttpServer(pino({ level: 'silent' }), [{
      leanRoutes: [{ claim: (request, claimed) => (claimed === path ? { bodyBytes: Number(request.headers['content-length']), answer: async (body) => ({ status: 200, headers: {}, body: `lean ${body.toString()}` }) } : undefined) }],
      register: (scope) => void scope.post(path, async () => 'fastify'),
    }], { uploads: { concurrency: 1, maxWaiting: 1, stagingPath: () => '/nonexistent' }, listening: listener });
    await app.ready();
    expect(await send(listener, 'POST', path, '{}', agent)).toEqual({ status: 200, body: 'lean {}' });
    agent.destroy();
    expect(connections).toBe(1);
    await app.close();
  });

  it('rejects as listen does when the port is taken, and closes what it opened', async () => {
    listener = await FirstListener.open('127.0.0.1', 0);
    await expect(FirstListener.open('127.0.0.1', port(listener))).rejects.toMatchObject({ code: 'EADDRINUSE', syscall: 'listen' });
    const taken = port(listener);
    await listener.close();
    listener = undefined;
    await expect(fetch(`http://127.0.0.1:${taken}/health`)).rejects.toThrow();
  });
});
