/**
 * The Node runtime's Runtime API client (runtimes/node/runtime-client.mjs), which speaks
 * HTTP/1.1 on its own socket instead of through node:http, against real servers: node:http's
 * own answers (a chunked body, an empty chunked 202, a body in several writes), a raw server
 * that splits one answer over several packets, `Connection: close`, and a connection cut while
 * a request waits.
 */
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, expect, it } from 'vitest';

interface Answer {
  status: number;
  body: string;
}
interface Client {
  next(): Promise<{ body: string; headers: Record<string, string> }>;
  get(path: string): Promise<Answer>;
  postResponse(id: string, text: string): Promise<number>;
  close(): void;
}
type ClientClass = new (address: string) => Client;

const CLIENT = pathToFileURL(fileURLToPath(new URL('../../runtimes/node/runtime-client.mjs', import.meta.url))).href;
const { RuntimeClient } = (await import(CLIENT)) as { RuntimeClient: ClientClass };

const servers: (Server | NetServer)[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    if ('closeAllConnections' in s) s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

async function listen<S extends Server | NetServer>(server: S): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

it('reads chunked answers (a body in several writes, an empty 202) and keeps one connection for the exchange', async () => {
  let connections = 0;
  const seen: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => {
      seen.push(`${req.method} ${req.url} ${req.headers['content-type'] ?? ''} ${body}`);
      if (req.method === 'GET') {
        res.writeHead(200, { 'Lambda-Runtime-Aws-Request-Id': 'id-1', 'Lambda-Runtime-Deadline-Ms': '123' });
        res.write('{"a":');
        setTimeout(() => res.end('"é"}'), 20);
      } else {
        res.writeHead(202);
        res.end();
      }
    });
  });
  server.on('connection', () => connections++);
  const client = new RuntimeClient(await listen(server));
  const first = await client.next();
  expect(first).toEqual({ body: '{"a":"é"}', headers: expect.objectContaining({ 'lambda-runtime-aws-request-id': 'id-1', 'lambda-runtime-deadline-ms': '123' }) });
  expect(await client.postResponse('id-1', '{"ok":"ü"}')).toBe(202);
  expect((await client.next()).body).toBe('{"a":"é"}');
  expect(seen).toEqual(['GET /2018-06-01/runtime/invocation/next  ', 'POST /2018-06-01/runtime/invocation/id-1/response application/json {"ok":"ü"}', 'GET /2018-06-01/runtime/invocation/next  ']);
  expect(connections).toBe(1);
  client.close();
});

it('reads an answer whose head and body arrive in separate packets, and two requests in a row ask in order', async () => {
  const server = createNetServer((socket: Socket) => {
    let pending = '';
    socket.on('data', async (d: Buffer) => {
      pending += d.toString();
      while (pending.includes('\r\n\r\n')) {
        const end = pending.indexOf('\r\n\r\n') + 4;
        const path = pending.slice(0, end).split(' ')[1]!;
        pending = pending.slice(end);
        const body = JSON.stringify({ path });
        socket.write(`HTTP/1.1 200 OK\r\nContent-Len`);
        await sleep(10);
        socket.write(`gth: ${body.length}\r\n\r\n${body.slice(0, 3)}`);
        await sleep(10);
        socket.write(body.slice(3));
      }
    });
  });
  const client = new RuntimeClient(await listen(server));
  const [a, b] = await Promise.all([client.get('/first'), client.get('/second')]);
  expect(a).toEqual({ status: 200, body: '{"path":"/first"}' });
  expect(b).toEqual({ status: 200, body: '{"path":"/second"}' });
  client.close();
});

it('opens a new connection after an answer with Connection: close', async () => {
  let connections = 0;
  const server = createServer((req, res) => {
    req.resume();
    res.writeHead(200, { connection: 'close', 'content-type': 'application/json' });
    res.end(`{"n":${connections}}`);
  });
  server.on('connection', () => connections++);
  const client = new RuntimeClient(await listen(server));
  expect(await client.get('/a')).toEqual({ status: 200, body: '{"n":1}' });
  expect(await client.get('/b')).toEqual({ status: 200, body: '{"n":2}' });
  client.close();
});

it('rejects a request whose connection the server cuts before answering, and says /next failed on another status', async () => {
  const server = createServer((req, res) => {
    if (req.url!.endsWith('/next')) {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"errorMessage":"no"}');
      return;
    }
    req.socket.destroy();
  });
  const client = new RuntimeClient(await listen(server));
  await expect(client.next()).rejects.toThrow('GET /invocation/next answered 500: {"errorMessage":"no"}');
  await expect(client.get('/cut')).rejects.toThrow('the Runtime API closed the connection');
  // The client goes on with a new connection.
  await expect(client.next()).rejects.toThrow('answered 500');
  client.close();
});
