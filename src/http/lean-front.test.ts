import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { splitAnswers } from '../../test/helpers/raw-http.js';
import { installLeanFront } from './lean-front.js';
import { leanRoutes, type LeanRoute } from './lean-route.js';

/**
 * A node:http server behind the lean front. `POST /2015-03-31/lean` is the lean route's (it answers
 * `lean <body>`); node:http answers everything else with `http <method> <url> <body>`, or,
 * for `/big`, 4 MB of `x`, for `/who`, the client's port as node:http sees it, and for
 * `/early`, `early` before it reads the body.
 */
interface Front {
  port: number;
  server: http.Server;
  /** Connections the server accepted. */
  connections: () => number;
  leanSeen: string[];
  httpSeen: string[];
}

const servers: http.Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function front(options: { keepAliveMs?: number; headersTimeoutMs?: number; routesLater?: boolean } = {}): Promise<Front & { giveRoutes: () => void }> {
  const leanSeen: string[] = [];
  const httpSeen: string[] = [];
  const route: LeanRoute = {
    claim(request, path) {
      if (request.method !== 'POST' || path !== '/2015-03-31/lean') return undefined;
      const bodyBytes = Number(request.headers['content-length'] ?? 0);
      return {
        bodyBytes,
        answer: async (body) => {
          leanSeen.push(body.toString());
          // A request that takes a while, as an invoke does: the client's next bytes, or its end, come meanwhile.
          if (body.toString() === 'slow') await new Promise((r) => setTimeout(r, 50));
          return { status: 200, headers: { 'content-type': 'text/plain' }, body: `lean ${body.toString()}` };
        },
      };
    },
  };
  const server = http.createServer((request: IncomingMessage, response: ServerResponse) => {
    if (request.url!.endsWith('/early')) {
      httpSeen.push(`${request.method} ${request.url} unread`);
      response.end('early');
      return;
    }
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      httpSeen.push(`${request.method} ${request.url} ${body}`);
      if (request.url === '/2015-03-31/big') response.end('x'.repeat(4 * 1024 * 1024));
      else if (request.url === '/2015-03-31/who') response.end(String(request.socket.remotePort));
      else response.end(`http ${request.method} ${request.url} ${body}`);
    });
  });
  server.keepAliveTimeout = options.keepAliveMs ?? 5000;
  if (options.headersTimeoutMs !== undefined) server.headersTimeout = options.headersTimeoutMs;
  const door = installLeanFront(server);
  const giveRoutes = (): void => door.use(leanRoutes({ routes: [route], logger: pino({ level: 'silent' }), claimedElsewhere: () => false }, () => true));
  if (!options.routesLater) giveRoutes();
  let accepted = 0;
  server.on('connection', () => accepted++);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, server, connections: () => accepted, leanSeen, httpSeen, giveRoutes };
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function send(port: number, agent: http.Agent, method: string, path: string, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers = body === undefined ? {} : { 'content-length': Buffer.byteLength(body) };
    const req = http.request({ host: '127.0.0.1', port, method, path, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A raw connection: what it received so far, and a wait for `count` complete answers (by Content-Length). */
function raw(port: number): { socket: Socket; answers: (count: number) => Promise<string[]>; closed: Promise<string> } {
  const socket = connect(port, '127.0.0.1');
  let received = Buffer.alloc(0);
  const waiters: (() => void)[] = [];
  socket.on('data', (d: Buffer) => {
    received = Buffer.concat([received, d]);
    for (const w of waiters.splice(0)) w();
  });
  const closed = new Promise<string>((resolve) => socket.on('close', () => resolve(received.toString('latin1'))));
  const split = (): string[] => splitAnswers(received.toString('latin1')).answers;
  const answers = async (count: number): Promise<string[]> => {
    while (split().length < count) await new Promise<void>((resolve) => waiters.push(resolve));
    return split();
  };
  return { socket, answers, closed };
}

const lean = (body: string): string => `POST /2015-03-31/lean HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
const other = (method: string, path: string, body = ''): string => `${method} ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n${body}`;

describe('the lean front', () => {
  it('answers what a lean route claims itself and the rest through node:http, and comes back, on one kept-alive connection', async () => {
    const f = await front();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const a = await send(f.port, agent, 'POST', '/2015-03-31/lean', 'one');
    const b = await send(f.port, agent, 'GET', '/2015-03-31/fn/config');
    const c = await send(f.port, agent, 'POST', '/2015-03-31/lean', 'two');
    const d = await send(f.port, agent, 'PUT', '/2015-03-31/fn/code', 'zip');
    const e = await send(f.port, agent, 'POST', '/2015-03-31/lean', 'three');
    agent.destroy();
    expect([a, b, c, d, e].map((x) => [x.status, x.body])).toEqual([
      [200, 'lean one'],
      [200, 'http GET /2015-03-31/fn/config '],
      [200, 'lean two'],
      [200, 'http PUT /2015-03-31/fn/code zip'],
      [200, 'lean three'],
    ]);
    expect(f.leanSeen).toEqual(['one', 'two', 'three']);
    expect(f.httpSeen).toEqual(['GET /2015-03-31/fn/config ', 'PUT /2015-03-31/fn/code zip']);
    expect(f.connections()).toBe(1);
    // What node:http writes on a kept-alive answer, the lean one has too.
    expect(a.headers).toMatchObject({ connection: 'keep-alive', 'keep-alive': 'timeout=5', 'content-length': '8', 'content-type': 'text/plain' });
    expect(new Date(a.headers.date!).getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(a.headers['x-amzn-requestid']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('leaves every request to node:http until it has routes, then answers on connections made before', async () => {
    const f = await front({ routesLater: true });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    expect((await send(f.port, agent, 'POST', '/2015-03-31/lean', 'early')).body).toBe('http POST /2015-03-31/lean early');
    f.giveRoutes();
    expect((await send(f.port, agent, 'POST', '/2015-03-31/lean', 'later')).body).toBe('lean later');
    agent.destroy();
    expect(f.connections()).toBe(1);
  });

  it('answers pipelined requests in order, whichever side takes each, empty bodies last included', async () => {
    const f = await front();
    const c = raw(f.port);
    c.socket.write(lean('a') + other('POST', '/2015-03-31/b', 'bb') + lean('c') + other('GET', '/2015-03-31/d') + lean('e') + lean(''));
    expect(await c.answers(6)).toEqual([
      'HTTP/1.1 200 OK | lean a',
      'HTTP/1.1 200 OK | http POST /2015-03-31/b bb',
      'HTTP/1.1 200 OK | lean c',
      'HTTP/1.1 200 OK | http GET /2015-03-31/d ',
      'HTTP/1.1 200 OK | lean e',
      'HTTP/1.1 200 OK | lean ',
    ]);
    c.socket.write(lean(''));
    expect((await c.answers(7))[6]).toBe('HTTP/1.1 200 OK | lean ');
    c.socket.destroy();
  });

  it('reads heads and bodies that arrive in pieces, on both sides', async () => {
    const f = await front();
    const c = raw(f.port);
    const bytes = lean('split body') + other('POST', '/2015-03-31/slow', 'slow body') + lean('last');
    for (let i = 0; i < bytes.length; i += 7) {
      c.socket.write(bytes.slice(i, i + 7));
      await new Promise((r) => setTimeout(r, 1));
    }
    expect(await c.answers(3)).toEqual(['HTTP/1.1 200 OK | lean split body', 'HTTP/1.1 200 OK | http POST /2015-03-31/slow slow body', 'HTTP/1.1 200 OK | lean last']);
    c.socket.destroy();
  });

  it('gives node:http the connection for good at a request it does not frame, before or after a tunnelled one', async () => {
    const f = await front();
    const chunked = 'POST /chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n';
    // First thing on the connection: node:http gets the socket itself.
    const first = raw(f.port);
    first.socket.write(chunked + lean('after'));
    expect(await first.answers(2)).toEqual(['HTTP/1.1 200 OK | http POST /chunked abc', 'HTTP/1.1 200 OK | http POST /2015-03-31/lean after']);
    first.socket.destroy();
    // After a tunnelled request: node:http goes on reading through the tunnel.
    const second = raw(f.port);
    second.socket.write(other('GET', '/2015-03-31/x') + chunked + lean('after'));
    expect(await second.answers(3)).toEqual(['HTTP/1.1 200 OK | http GET /2015-03-31/x ', 'HTTP/1.1 200 OK | http POST /chunked abc', 'HTTP/1.1 200 OK | http POST /2015-03-31/lean after']);
    second.socket.destroy();
    expect(f.leanSeen).toEqual([]);
  });

  it('passes on the rest of a body node:http answered before it arrived, then reads the next request', async () => {
    const f = await front();
    const c = raw(f.port);
    c.socket.write('POST /2015-03-31/early HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nfirst');
    expect(await c.answers(1)).toEqual(['HTTP/1.1 200 OK | early']);
    c.socket.write('-half');
    await new Promise((r) => setTimeout(r, 20));
    c.socket.write(lean('next'));
    expect(await c.answers(2)).toEqual(['HTTP/1.1 200 OK | early', 'HTTP/1.1 200 OK | lean next']);
    c.socket.destroy();
  });

  it("gives node:http for good a connection whose request is not the Lambda API's, and tunnels /health", async () => {
    const f = await front();
    const s3 = raw(f.port);
    s3.socket.write(other('GET', '/bucket/key') + lean('after'));
    expect(await s3.answers(2)).toEqual(['HTTP/1.1 200 OK | http GET /bucket/key ', 'HTTP/1.1 200 OK | http POST /2015-03-31/lean after']);
    s3.socket.destroy();
    const polled = raw(f.port);
    polled.socket.write(other('GET', '/health') + lean('after'));
    expect(await polled.answers(2)).toEqual(['HTTP/1.1 200 OK | http GET /health ', 'HTTP/1.1 200 OK | lean after']);
    polled.socket.destroy();
  });

  it("leaves a malformed request to node:http, which refuses it, and sends node:http a duplicated header's request", async () => {
    const f = await front();
    const bad = raw(f.port);
    bad.socket.write('POST /2015-03-31/lean HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab');
    expect(await bad.closed).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    const garbage = raw(f.port);
    garbage.socket.write('NOT HTTP AT ALL\r\n\r\n');
    expect(await garbage.closed).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    const repeated = raw(f.port);
    repeated.socket.write('POST /2015-03-31/lean HTTP/1.1\r\nHost: x\r\nX-A: 1\r\nX-A: 2\r\nContent-Length: 2\r\n\r\nab');
    expect(await repeated.answers(1)).toEqual(['HTTP/1.1 200 OK | http POST /2015-03-31/lean ab']);
    repeated.socket.destroy();
    expect(f.leanSeen).toEqual([]);
  });

  it("shows node:http the client's address through the tunnel", async () => {
    const f = await front();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    await send(f.port, agent, 'POST', '/2015-03-31/lean', 'x');
    const who = await new Promise<{ port: number; answer: string }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: f.port, path: '/2015-03-31/who', agent }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ port: req.socket!.localPort!, answer: text }));
      });
      req.on('error', reject);
      req.end();
    });
    agent.destroy();
    expect(Number(who.answer)).toBe(who.port);
  });

  it("streams a large answer of node:http's to a client that reads slowly, then serves the connection's next invoke", async () => {
    const f = await front();
    const c = raw(f.port);
    c.socket.pause();
    c.socket.write(other('GET', '/2015-03-31/big') + lean('next'));
    await new Promise((r) => setTimeout(r, 100));
    c.socket.resume();
    const [big, next] = await c.answers(2);
    expect(big).toBe(`HTTP/1.1 200 OK | ${'x'.repeat(4 * 1024 * 1024)}`);
    expect(next).toBe('HTTP/1.1 200 OK | lean next');
    c.socket.destroy();
  });

  it("gives node:http a head that takes longer than node:http's headers timeout", async () => {
    const f = await front({ headersTimeoutMs: 200 });
    const c = raw(f.port);
    c.socket.write('POST /2015-03-31/lean HTTP/1.1\r\nHo');
    await new Promise((r) => setTimeout(r, 400));
    c.socket.write('st: x\r\nContent-Length: 1\r\n\r\nc');
    expect(await c.answers(1)).toEqual(['HTTP/1.1 200 OK | http POST /2015-03-31/lean c']);
    c.socket.destroy();
  });

  it('answers what a client that half-closed sent, then ends the connection', async () => {
    const f = await front();
    for (const request of [lean('bye'), other('GET', '/2015-03-31/bye')]) {
      const c = raw(f.port);
      c.socket.end(request);
      const text = await c.closed;
      expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      expect(text).toMatch(/bye ?$/);
    }
    // Ended with a request unfinished behind one the front answers: node:http's 400 for it, after.
    for (const unfinished of ['POST /2015-03-31/lean HTTP/1.1\r\nHo', 'POST /2015-03-31/lean HTTP/1.1\r\nHost: x\r\nContent-Length: 9\r\n\r\nhalf']) {
      const c = raw(f.port);
      c.socket.end(lean('slow') + unfinished);
      const text = await c.closed;
      expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*lean slowHTTP\/1\.1 400 Bad Request\r\n/);
    }
  });

  it('closes a connection idle past the keep-alive timeout, or when the server closes idle ones, and not one with a request in hand', async () => {
    const f = await front({ keepAliveMs: 200 });
    const idle = raw(f.port);
    // node:http's for good, through its tunnel: node:http's keep-alive timeout, on the front's timer.
    const handed = raw(f.port);
    idle.socket.write(lean('a'));
    handed.socket.write(`${other('GET', '/2015-03-31/a')}POST /2015-03-31/b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`);
    await Promise.all([idle.answers(1), handed.answers(2)]);
    const started = Date.now();
    await Promise.all([idle.closed, handed.closed]);
    // The timeout and the second node:http adds to it, at most a scheduling delay more.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);

    const swept = raw(f.port);
    const waiting = raw(f.port);
    swept.socket.write(other('GET', '/2015-03-31/a') + lean('b'));
    await swept.answers(2);
    // Half a head: a request the connection is reading.
    waiting.socket.write('POST /2015-03-31/lean HTTP/1.1\r\nHo');
    await new Promise((r) => setTimeout(r, 50));
    f.server.closeIdleConnections();
    await swept.closed;
    expect(waiting.socket.destroyed).toBe(false);
    waiting.socket.write('st: x\r\nContent-Length: 1\r\n\r\nc');
    expect(await waiting.answers(1)).toEqual(['HTTP/1.1 200 OK | lean c']);
    waiting.socket.destroy();
  });
});
