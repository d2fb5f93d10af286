/**
 * The lean front against node:http alone, byte for byte in what a client can tell apart:
 * the same random streams of requests (well-formed, or bent where framing goes wrong:
 * repeated or odd Content-Lengths, chunked bodies, missing Hosts, other versions, control
 * characters, truncations), split at random points, go to a plain node:http server and to
 * the same server behind the front, whose lean route answers exactly what the server's
 * handler would. Each must get the same answers, in order, and nothing after where the
 * other stopped. Seeded, so a failure replays.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../test/helpers/fuzz.js';
import { splitAnswers } from '../../test/helpers/raw-http.js';
import { installLeanFront } from './lean-front.js';
import { leanRoutes, type LeanRoute } from './lean-route.js';

const LEAN = '/2015-03-31/functions/f/invocations';

/** What both servers answer: the request as the handler read it. */
const answerText = (method: string, url: string, body: string): string => `${method} ${url} ${body.length}:${body}`;

function handler(request: IncomingMessage, response: ServerResponse): void {
  const chunks: Buffer[] = [];
  request.on('data', (c: Buffer) => chunks.push(c));
  request.on('end', () => response.end(answerText(request.method!, request.url!, Buffer.concat(chunks).toString('latin1'))));
}

const route: LeanRoute = {
  claim(request, path) {
    if (request.method !== 'POST' || path !== LEAN || request.headers['content-length'] === undefined) return undefined;
    return {
      bodyBytes: Number(request.headers['content-length']),
      answer: async (body) => ({ status: 200, headers: {}, body: answerText(request.method!, request.url!, body.toString('latin1')) }),
    };
  },
};

const servers: http.Server[] = [];
let plainPort = 0;
let frontPort = 0;

async function listen(server: http.Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

beforeAll(async () => {
  plainPort = await listen(http.createServer(handler));
  const fronted = http.createServer(handler);
  installLeanFront(fronted).use(leanRoutes({ routes: [route], logger: pino({ level: 'silent' }), claimedElsewhere: () => false }, () => true));
  frontPort = await listen(fronted);
});

afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** Sends `parts` (one write each, a turn of the event loop apart), ends, and returns all the server wrote until it closed. */
function exchange(port: number, parts: readonly Buffer[]): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    socket.on('data', (d: Buffer) => received.push(d));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(Buffer.concat(received).toString('latin1')));
    // A connection still open is an answer too: it shows as such, and is then cut.
    const timer = setTimeout(() => {
      resolve(`${Buffer.concat(received).toString('latin1')}(still open)`);
      socket.destroy();
    }, 2000);
    socket.on('close', () => clearTimeout(timer));
    socket.on('connect', async () => {
      for (const part of parts) {
        if (socket.destroyed) return;
        socket.write(part);
        await new Promise((r) => setImmediate(r));
      }
      socket.end();
    });
  });
}

/** The answers in what a server wrote, and what it left unfinished. */
function answers(text: string): string[] {
  const { answers: whole, rest } = splitAnswers(text);
  return rest === '' ? whole : [...whole, `(partial) ${rest.slice(0, 40)}`];
}

/**
 * Whether the front's answers are node:http's. One difference is allowed: node:http parses
 * requests that arrive together at once, and a malformed one among them ends the
 * connection with its 400 before the answers to the whole requests before it are written,
 * so which of those are answered depends on how the bytes were cut on the way (the front
 * passes on what it hands over in one piece). When both end with the same 400 that
 * closes, the answers before it must agree as far as both go; node:http may write the rest
 * of an answer it had begun after that 400, which is left out.
 */
function sameAnswers(plainAnswers: string[], frontedAnswers: string[]): boolean {
  if (JSON.stringify(plainAnswers) === JSON.stringify(frontedAnswers)) return true;
  // What node:http writes after such a 400 is the rest of an answer it had begun, if anything.
  const upToRefusal = (list: string[]): string[] => {
    const at = list.findIndex((answer) => answer.startsWith('HTTP/1.1 400 ') && answer.includes('(close)'));
    return at < 0 ? list : list.slice(0, at + 1);
  };
  const plain = upToRefusal(plainAnswers);
  const fronted = upToRefusal(frontedAnswers);
  const last = plain.at(-1);
  if (last === undefined || !last.startsWith('HTTP/1.1 400 ') || fronted.at(-1) !== last) return false;
  const [shorter, longer] = plain.length < fronted.length ? [plain, fronted] : [fronted, plain];
  return shorter.slice(0, -1).every((answer, i) => longer[i] === answer);
}

function fuzzStream(r: () => number): Buffer {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const text = (n: number): string => Array.from({ length: n }, () => String.fromCharCode(32 + Math.floor(r() * 95))).join('');
  const requests: string[] = [];
  for (let i = 0, n = 1 + Math.floor(r() * 3); i < n; i++) {
    const body = r() < 0.2 ? '' : text(Math.floor(r() * 40));
    const method = pick(['POST', 'POST', 'POST', 'GET', 'PUT', 'post', 'DELETE']);
    const path = pick([LEAN, LEAN, `${LEAN}?Qualifier=1`, '/2015-03-31/functions/f', '/other', '/health', `${LEAN}\x01`, '*']);
    const version = pick(['HTTP/1.1', 'HTTP/1.1', 'HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1 ']);
    const lines = [`${method} ${path} ${version}`];
    if (r() < 0.9) lines.push('Host: x');
    if (r() < 0.05) lines.push('Host: y');
    const framing = r();
    let sent = body;
    if (framing < 0.55) lines.push(`Content-Length: ${body.length}`);
    else if (framing < 0.6) lines.push(`content-length: ${body.length}`, `Content-Length: ${body.length}`);
    else if (framing < 0.65) lines.push(`Content-Length: ${pick(['+1', ' 3 ', '3,3', '-1', '99999999999', 'x'])}`);
    else if (framing < 0.75) {
      lines.push('Transfer-Encoding: chunked');
      sent = `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`;
      if (r() < 0.3) lines.push(`Content-Length: ${body.length}`);
    } else if (framing < 0.8) lines.push(`Content-Length: ${body.length + 2}`);
    if (r() < 0.15) lines.push(pick(['Connection: close', 'Connection: keep-alive', 'Expect: 100-continue', 'Upgrade: h2c', 'X-A: 1', 'X-A: 2', 'Bad Name: 1', 'X-Ctl: a\x01b', 'X-Fold: a\r\n b', 'X-High: \xe9', ': empty', 'X-Empty:']));
    requests.push(`${lines.join('\r\n')}\r\n\r\n${framing >= 0.8 ? '' : sent}`);
  }
  let stream = requests.join('');
  // Now and then a stream cut short, as a client that goes away mid-request sends it.
  if (r() < 0.1) stream = stream.slice(0, Math.floor(r() * stream.length));
  return Buffer.from(stream, 'latin1');
}

/** `bytes` in 1–4 parts, cut at random points. */
function split(r: () => number, bytes: Buffer): Buffer[] {
  const cuts = Array.from({ length: Math.floor(r() * 4) }, () => Math.floor(r() * bytes.length)).sort((a, b) => a - b);
  const parts: Buffer[] = [];
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    if (cut > at) parts.push(bytes.subarray(at, cut));
    at = Math.max(at, cut);
  }
  return parts;
}

describe('lean front fuzz', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('answers 150 random request streams as node:http alone does (seed %i)', async (seed) => {
    const r = seededRandom(seed);
    const differing: unknown[] = [];
    for (let i = 0; i < 150; i++) {
      const bytes = fuzzStream(r);
      const parts = split(r, bytes);
      const [plain, fronted] = await Promise.all([exchange(plainPort, parts), exchange(frontPort, parts)]);
      if (!sameAnswers(answers(plain), answers(fronted))) differing.push({ sent: bytes.toString('latin1'), plain: answers(plain), fronted: answers(fronted) });
    }
    expect(differing).toEqual([]);
  }, 60_000);
});
