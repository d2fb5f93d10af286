/**
 * The lean path on real sockets, in front of a real RuntimeSession: what it answers itself
 * (byte for byte what node:http would send), and what it hands to node:http, with exactly
 * the bytes that server has not seen.
 */
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Invocation } from '../core/model/invocation.js';
import { serveLean } from './lean-connection.js';
import { RuntimeSession } from './runtime-session.js';

const ID = 'c6af9ac6-7b61-11e6-9a41-93e812345678';
const NEXT = 'GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n';
const respond = (body: string, id = ID, extra = '') => `POST /2018-06-01/runtime/invocation/${id}/response HTTP/1.1\r\nHost: x\r\n${extra}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

const invocation: Invocation = {
  requestId: ID,
  payload: Buffer.from('{"hello":"world"}'),
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f',
  traceId: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
  wantTail: false,
};

const servers: Server[] = [];
const clients: Socket[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  for (const s of servers.splice(0)) {
    s.close();
    await once(s, 'close');
  }
});

/** A session behind the lean path on a fresh port; `handedOver` collects what it gave away. */
async function start(maxResponseBytes = 1024) {
  const session = new RuntimeSession(maxResponseBytes);
  const handedOver: string[] = [];
  const server = createServer((socket) =>
    serveLean(socket, {
      session,
      handOver: (s, unread) => {
        handedOver.push(unread?.toString('latin1') ?? '');
        s.destroy();
      },
    }),
  );
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const client = connect(port, '127.0.0.1');
  clients.push(client);
  await once(client, 'connect');
  const received = collect(client);
  return { session, handedOver, client, received };
}

/** Everything `socket` receives, and a way to wait for a part of it. */
function collect(socket: Socket) {
  let text = '';
  const waiters: (() => void)[] = [];
  socket.on('data', (d: Buffer) => {
    text += d.toString('latin1');
    for (const w of waiters.splice(0)) w();
  });
  return {
    get text() {
      return text;
    },
    async until(check: (text: string) => boolean): Promise<string> {
      while (!check(text)) await new Promise<void>((r) => waiters.push(r));
      return text;
    },
  };
}

const answers = (text: string) => [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));

describe('the lean Runtime API path', () => {
  it('answers a /next with the invocation and a /response with 202, as node:http writes them', async () => {
    const { session, handedOver, client, received } = await start();
    client.write(NEXT);
    await session.ready();
    const answer = session.deliver(invocation, 1_700_000_000_000);
    const next = await received.until((t) => t.endsWith('{"hello":"world"}'));
    expect(next).toMatch(
      new RegExp(
        '^HTTP/1\\.1 200 OK\\r\\nContent-Type: application/json\\r\\nContent-Length: 17\\r\\n' +
          `Lambda-Runtime-Aws-Request-Id: ${ID}\\r\\nLambda-Runtime-Deadline-Ms: 1700000000000\\r\\n` +
          'Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:000000000000:function:f\\r\\n' +
          'Lambda-Runtime-Trace-Id: Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1\\r\\n' +
          'Date: [A-Z][a-z]{2}, \\d{2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT\\r\\nConnection: keep-alive\\r\\n\\r\\n\\{"hello":"world"\\}$',
      ),
    );
    // The body in three writes: the head first, then the body in two parts.
    client.write(respond('{"ok":true}').slice(0, -11));
    await new Promise((r) => setTimeout(r, 20));
    client.write('{"ok"');
    await new Promise((r) => setTimeout(r, 20));
    client.write(':true}');
    expect((await answer).payload.toString()).toBe('{"ok":true}');
    const all = await received.until((t) => t.endsWith('{"status":"OK"}'));
    expect(all.slice(next.length)).toMatch(/^HTTP\/1\.1 202 Accepted\r\nContent-Type: application\/json\r\nContent-Length: 15\r\nDate: .+ GMT\r\nConnection: keep-alive\r\n\r\n\{"status":"OK"\}$/);
    expect(handedOver).toEqual([]);
  });

  it('answers a /next pipelined behind a /response after it, in order', async () => {
    const { session, handedOver, client, received } = await start();
    client.write(NEXT);
    await session.ready();
    const first = session.deliver(invocation, Date.now() + 3000);
    await received.until((t) => t.endsWith('{"hello":"world"}'));
    client.write(respond('1') + NEXT);
    expect((await first).payload.toString()).toBe('1');
    await received.until((t) => t.endsWith('{"status":"OK"}'));
    expect(session.state).toBe('Ready');
    const second = session.deliver({ ...invocation, requestId: 'second' }, Date.now() + 3000);
    await received.until((t) => t.includes('Lambda-Runtime-Aws-Request-Id: second'));
    client.write(respond('2', 'second'));
    expect((await second).payload.toString()).toBe('2');
    expect(answers(received.text)).toEqual([200, 202, 200]);
    expect(handedOver).toEqual([]);
  });

  it("refuses a result for another request id with RIE's 400 and serves the connection on", async () => {
    const { session, client, received } = await start();
    client.write(NEXT);
    await session.ready();
    const answer = session.deliver(invocation, Date.now() + 3000);
    await received.until((t) => t.endsWith('{"hello":"world"}'));
    client.write(respond('{}', 'someone-else'));
    await received.until((t) => t.includes('InvalidRequestID'));
    expect(received.text).toContain('HTTP/1.1 400 Bad Request\r\n');
    expect(received.text).toContain('{"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"}');
    client.write(respond('{}'));
    expect((await answer).payload.toString()).toBe('{}');
  });

  it('tells the session when a parked /next goes away', async () => {
    const { session, client } = await start();
    client.write(NEXT);
    await session.ready();
    expect(session.state).toBe('Ready');
    client.destroy();
    await new Promise((r) => setTimeout(r, 50));
    expect(session.state).toBe('Detached');
  });

  it('cuts off a runtime that keeps sending behind its parked /next', async () => {
    const { session, client } = await start();
    client.write(NEXT);
    await session.ready();
    client.write('x'.repeat(70_000));
    await once(client, 'close');
    expect(session.state).toBe('Detached');
  });

  describe('hands to node:http, with the bytes it has not answered,', () => {
    const cases: [string, string][] = [
      ['an /error', `POST /2018-06-01/runtime/invocation/${ID}/error HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}`],
      ['a chunked result', `POST /2018-06-01/runtime/invocation/${ID}/response HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n`],
      ['a streamed result', respond('{}', ID, 'Lambda-Runtime-Function-Response-Mode: streaming\r\n')],
      ['Expect: 100-continue', respond('{}', ID, 'Expect: 100-continue\r\n')],
      ['Connection: close', respond('{}', ID, 'Connection: close\r\n')],
      ['a result over the limit', respond('x'.repeat(1025))],
      ['a percent-encoded id', respond('{}', 'c6af9ac6%2D7b61')],
      ['HTTP/1.0', 'GET /2018-06-01/runtime/invocation/next HTTP/1.0\r\nHost: x\r\n\r\n'],
      ['no Host', 'GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\n\r\n'],
      ['a /next with a body', 'GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}'],
      ['a folded header', 'GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n 2\r\n\r\n'],
      ['a control character', 'GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\nX-A: \x01\r\n\r\n'],
      ['two Content-Lengths', `POST /2018-06-01/runtime/invocation/${ID}/response HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}`],
      ['the init error route', 'POST /2018-06-01/runtime/init/error HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}'],
      ['a head not whole yet', 'GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHo'],
    ];
    for (const [what, request] of cases) {
      it(what, async () => {
        const { handedOver, client } = await start();
        client.write(request);
        await once(client, 'close');
        expect(handedOver).toEqual([request]);
      });
    }

    it('after the requests it answered, from the first it does not', async () => {
      const { session, handedOver, client } = await start();
      const other = 'GET /2018-06-01/ping HTTP/1.1\r\nHost: x\r\n\r\n';
      client.write(NEXT);
      await session.ready();
      void session.deliver(invocation, Date.now() + 3000);
      await new Promise((r) => setTimeout(r, 20));
      client.write(respond('{}') + other);
      await once(client, 'close');
      expect(handedOver).toEqual([other]);
    });
  });
});
