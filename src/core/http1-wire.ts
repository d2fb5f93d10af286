/**
 * HTTP/1.1 as Gust's lean paths read and write it straight off a socket (the edge's
 * front connections, http/lean-front.ts, and the Runtime API's, runtime-api/lean-connection.ts).
 * Each takes only a strict subset of requests and leaves the rest to node:http, so what is
 * here is what both need to tell a request of that subset and to answer as node:http does.
 */
import type { Socket } from 'node:net';
import type { Writable } from 'node:stream';

export const HEAD_END = Buffer.from('\r\n\r\n');
/** A head longer than this is left to node:http (and its limits). */
export const MAX_HEAD_BYTES = 8192;

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** What node:http refuses in a head (control characters), a lone CR or LF included. */
const INVALID_HEAD_BYTES = /[^\t\x20-\x7e\x80-\xff]/;
const CONTENT_LENGTH = /^\d{1,9}$/;
const KEEP_ALIVE = /^keep-alive$/i;

/** A request's header lines as a lean path reads them. */
export interface HeaderLines {
  /** Lower-cased names, each at most once, values without surrounding whitespace. */
  headers: Record<string, string>;
  /** Content-Length; 0 without one. */
  contentLength: number;
}

/**
 * The header lines `lines[1..]` of a head, or undefined for any the lean paths leave to
 * node:http: a malformed line, a name twice (node:http joins some repeats and drops others),
 * no Host, a Content-Length that is not plain digits, a Connection other than keep-alive, or
 * a header named in `refused` (lower case).
 */
export function parseHeaderLines(lines: readonly string[], refused: ReadonlySet<string>): HeaderLines | undefined {
  const headers: Record<string, string> = {};
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (INVALID_HEAD_BYTES.test(line)) return undefined;
    const colon = line.indexOf(':');
    if (colon <= 0) return undefined;
    const name = line.slice(0, colon);
    if (!TOKEN.test(name)) return undefined;
    const lower = name.toLowerCase();
    if (refused.has(lower) || headers[lower] !== undefined) return undefined;
    headers[lower] = line.slice(colon + 1).trim();
  }
  if (headers.host === undefined) return undefined;
  const length = headers['content-length'];
  if (length !== undefined && !CONTENT_LENGTH.test(length)) return undefined;
  if (headers.connection !== undefined && !KEEP_ALIVE.test(headers.connection)) return undefined;
  return { headers, contentLength: length === undefined ? 0 : Number(length) };
}

let dateSecond = -1;
let dateText = '';

/** The `Date` header's value now, formatted once a second. */
function httpDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(second * 1000).toUTCString();
  }
  return dateText;
}

/**
 * What node:http adds at the end of a kept-alive answer's head: `Date`, `Connection:
 * keep-alive`, `Keep-Alive: timeout=N` when the server has a keep-alive timeout (a client
 * reads it to stop reusing a connection the server is about to close), and the blank line.
 */
export function keepAliveHeadEnd(keepAliveTimeoutMs = 0): string {
  const hint = keepAliveTimeoutMs > 0 ? `Keep-Alive: timeout=${Math.floor(keepAliveTimeoutMs / 1000)}\r\n` : '';
  return `Date: ${httpDate()}\r\nConnection: keep-alive\r\n${hint}\r\n`;
}

/** Bytes received and not yet used, in arrival order; joined only when a head or a body is read. */
export class ByteQueue {
  private parts: Buffer[] = [];
  size = 0;

  push(chunk: Buffer): void {
    this.parts.push(chunk);
    this.size += chunk.length;
  }

  /** The bytes in hand as one buffer (empty when none). */
  joined(): Buffer {
    if (this.parts.length > 1) this.parts = [Buffer.concat(this.parts, this.size)];
    return this.parts[0] ?? EMPTY;
  }

  /** Removes and returns the first `n` bytes in hand. */
  take(n: number): Buffer {
    const bytes = this.joined();
    const rest = bytes.subarray(n);
    this.parts = rest.length > 0 ? [rest] : [];
    this.size = rest.length;
    return bytes.subarray(0, n);
  }

  /** Removes and returns every byte in hand, or undefined when none. */
  takeAll(): Buffer | undefined {
    return this.size > 0 ? this.take(this.size) : undefined;
  }
}

const EMPTY = Buffer.alloc(0);

/** Writes an answer's head and body as node:http sends a head and a body written together: one writev. */
export function writeHeadAndBody(socket: Writable, head: string, body: Buffer | undefined): void {
  if (body === undefined || body.length === 0) {
    socket.write(head, 'latin1');
    return;
  }
  socket.cork();
  socket.write(head, 'latin1');
  socket.write(body);
  socket.uncork();
}

/**
 * Gives `socket` to node:http (`accept`: its server's connection listener) from the first
 * byte a lean path has not used: `unread`, read off the socket already, is put back first.
 */
export function giveSocket(socket: Socket, unread: Buffer | undefined, accept: (socket: Socket) => void): void {
  // Paused across the hand-over, so that no byte arrives with no one listening.
  socket.pause();
  if (unread) socket.unshift(unread);
  accept(socket);
  socket.resume();
}
