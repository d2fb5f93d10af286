/**
 * Body limits per route, over raw sockets against a real server: a body over its route's
 * limit is refused from Content-Length with AWS's 413 before a byte of it is sent; huge
 * headers get an AWS-shaped 431; large code uploads pass a gate (here one at a time, 32
 * waiting), so the 34th concurrent one gets a 429 at once, and the gate's slots come back
 * when clients go away.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGust, type TestGust } from '../helpers/gust.js';
import { createFunction, invoke } from '../helpers/lambda.js';

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends `head` (request line and headers) and no body; resolves with the answer, or undefined if none comes within `waitMs`. */
function headOnly(url: string, head: string, waitMs = 3000): { socket: Socket; answer: Promise<RawAnswer | undefined> } {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  socket.write(head);
  const answer = new Promise<RawAnswer | undefined>((resolve) => {
    let text = '';
    const timer = setTimeout(() => resolve(undefined), waitMs);
    const done = () => {
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) return;
      const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      const length = Number(headers['content-length'] ?? 0);
      if (text.length < end + 4 + length) return;
      clearTimeout(timer);
      resolve({ status: Number(statusLine!.split(' ')[1]), headers, body: text.slice(end + 4, end + 4 + length) });
    };
    socket.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      done();
    });
    socket.on('error', () => undefined);
  });
  return { socket, answer };
}

function post(path: string, length: number, extra = ''): string {
  return `POST ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n${extra}\r\n`;
}

async function refused(t: TestGust, head: string): Promise<RawAnswer> {
  const { socket, answer } = headOnly(t.url, head);
  const got = await answer;
  socket.destroy();
  expect(got, 'an answer before the body was sent').toBeDefined();
  return got!;
}

describe('body limits per route', () => {
  let t: TestGust;

  beforeAll(async () => {
    t = await startTestGust({ flags: { sandbox: 'process', uploadConcurrency: '1' } });
    await createFunction(t.lambda, 'echo', { files: { 'index.js': 'exports.handler = async (e) => e;' } });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('refuses a control-plane body over 1 MiB from its Content-Length', async () => {
    const got = await refused(t, post('/2015-03-31/functions/echo/aliases', 10_000_000));
    expect(got.status).toBe(413);
    expect(got.headers['x-amzn-errortype']).toBe('RequestTooLargeException');
    expect(JSON.parse(got.body)).toMatchObject({ Type: 'User', Message: expect.stringMatching(/^Request must be smaller than 1048576 bytes for the /) });
  });

  it('refuses Invoke over 6 MB, and an Event invoke over 1 MB, naming InvokeFunction', async () => {
    const sync = await refused(t, post('/2015-03-31/functions/echo/invocations', 7_000_000));
    expect(sync.status).toBe(413);
    expect(JSON.parse(sync.body).Message).toBe('Request must be smaller than 6291456 bytes for the InvokeFunction operation');
    const event = await refused(t, post('/2015-03-31/functions/echo/invocations', 2_000_000, 'X-Amz-Invocation-Type: Event\r\n'));
    expect(event.status).toBe(413);
    expect(JSON.parse(event.body).Message).toBe('Request must be smaller than 1048576 bytes for the InvokeFunction operation');
  });

  it('refuses a CreateFunction over AWS\'s upload limit, naming the operation', async () => {
    const got = await refused(t, post('/2015-03-31/functions', 70_000_000));
    expect(got.status).toBe(413);
    expect(JSON.parse(got.body).Message).toBe('Request must be smaller than 69905067 bytes for the CreateFunction operation');
  });

  it('answers huge headers with an AWS-shaped 431', async () => {
    const got = await refused(t, `GET /2015-03-31/functions HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(got.status).toBe(431);
    expect(got.headers['x-amzn-errortype']).toBe('RequestTooLargeException');
    expect(JSON.parse(got.body)).toEqual({ Type: 'User', Message: 'Request header fields too large: the headers must be smaller than 16384 bytes.' });
  });

  it('reads one large upload at a time, queues 32, answers the next with a 429, and frees the slots when clients leave', async () => {
    const uploads = Array.from({ length: 33 }, () => headOnly(t.url, post('/2015-03-31/functions', 2_000_000), 10_000));
    // Everyone has been taken in (one reading, 32 waiting) once a request behind them is answered.
    await new Promise((r) => setTimeout(r, 300));
    const extra = await refused(t, post('/2018-10-31/layers/lib/versions', 2_000_000));
    expect(extra.status).toBe(429);
    expect(extra.headers['x-amzn-errortype']).toBe('TooManyRequestsException');
    expect(JSON.parse(extra.body)).toMatchObject({ Reason: 'CallerRateLimitExceeded' });
    // Small requests pass the gate.
    expect((await invoke(t.lambda, 'echo', { ok: 1 })).json).toEqual({ ok: 1 });
    for (const u of uploads) u.socket.destroy();
    // Every slot back: a large upload is read again.
    const zip = Buffer.alloc(1_500_000, 'A').toString();
    const body = JSON.stringify({ FunctionName: 'x', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: 'arn:aws:iam::000000000000:role/x', Code: { ZipFile: zip } });
    const res = await fetch(`${t.url}/2015-03-31/functions`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(400);
    expect(res.headers.get('x-amzn-errortype')).toBe('InvalidParameterValueException');
  }, 30_000);
});
