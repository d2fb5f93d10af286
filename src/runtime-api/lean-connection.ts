/**
 * The Runtime API's two hot requests, answered straight off the socket: a runtime's
 * `GET …/invocation/next` and its `POST …/invocation/{id}/response` with a Content-Length.
 * Through `node:http` each costs an IncomingMessage, a ServerResponse, their streams and
 * listeners, and a header object built and validated twice; here each is a scan of the
 * request head and one write (~30 µs of the ~340 Gust spends on a warm invoke).
 *
 * Only a request in a strict subset is answered here: its whole head in hand (so nothing
 * waits on a slow head here), HTTP/1.1, a Host, well-formed headers, no Transfer-Encoding,
 * Expect, Upgrade, Trailer, `Connection: close` or streamed response mode, a request id
 * that needs no decoding, and a body within the response limit. At anything else the
 * connection, from that request on, goes to the endpoint's `node:http` server (its bytes
 * put back first), which answers every route, error and edge case as before; it never
 * comes back. A runtime that pipelines behind a parked /next is answered in order.
 */
import { STATUS_CODES, validateHeaderValue } from 'node:http';
import type { Socket } from 'node:net';
import type { Invocation } from '../core/model/invocation.js';
import { invocationHeaders } from './invocation-next.js';
import { ACCEPTED_BODY, errorResponse } from './runtime-api-errors.js';
import type { ParkedNext, RuntimeSession } from './runtime-session.js';

const NEXT = 'GET /2018-06-01/runtime/invocation/next HTTP/1.1';
const RESPONSE_START = 'POST /2018-06-01/runtime/invocation/';
const RESPONSE_END = '/response HTTP/1.1';
/** Request ids that read the same decoded: Gust's are UUIDs. */
const PLAIN_ID = /^[A-Za-z0-9._~-]{1,128}$/;
/** A head longer than this is left to node:http (and its limits). */
const MAX_HEAD_BYTES = 8192;
/** Bytes a runtime may send behind a parked /next before it is cut off: a runtime has nothing to say then. */
const MAX_PIPELINED_BYTES = 65536;
const HEAD_END = Buffer.from('\r\n\r\n');
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** What node:http refuses in a head (control characters), a lone CR or LF included. */
const INVALID_HEAD_BYTES = /[^\t\x20-\x7e\x80-\xff]/;
/** Headers whose presence sends the request to node:http. */
const NOT_HERE = new Set(['transfer-encoding', 'expect', 'upgrade', 'trailer', 'lambda-runtime-function-response-mode']);

/** What the lean path needs of the endpoint. */
export interface LeanEndpoint {
  session: RuntimeSession;
  /** Serves the connection through node:http from here on; `unread` holds the bytes it has not seen. */
  handOver(socket: Socket, unread: Buffer | undefined): void;
}

interface Head {
  kind: 'next' | 'response';
  requestId: string;
  contentLength: number;
}

/** A result whose head was read: its body still arriving, and what beginResult said. */
interface PendingResult {
  length: number;
  refused: unknown;
}

/** Serves `socket` on the lean path until it meets a request it leaves to node:http. */
export function serveLean(socket: Socket, endpoint: LeanEndpoint): void {
  new LeanConnection(socket, endpoint);
}

class LeanConnection implements ParkedNext {
  /** Bytes received and not yet answered, in arrival order; joined only when a head is read or a body is whole. */
  private parts: Buffer[] = [];
  private size = 0;
  private pending: PendingResult | undefined;
  /** A /next of this connection is parked in the session. */
  private parked = false;
  private gone: (() => void) | undefined;
  private readonly onData = (chunk: Buffer): void => this.receive(chunk);

  constructor(
    private readonly socket: Socket,
    private readonly endpoint: LeanEndpoint,
  ) {
    socket.on('data', this.onData);
    socket.on('error', () => socket.destroy());
    socket.once('close', () => {
      if (!this.parked) return;
      this.parked = false;
      this.gone?.();
    });
  }

  send(invocation: Invocation, deadlineMs: number): void {
    const headers = invocationHeaders(invocation, deadlineMs);
    let head = 'HTTP/1.1 200 OK\r\n';
    for (let i = 0; i < headers.length; i += 2) {
      // What node:http checks of every value: a client context is the caller's text.
      validateHeaderValue(headers[i]!, headers[i + 1]!);
      head += `${headers[i]}: ${headers[i + 1]}\r\n`;
    }
    this.parked = false;
    this.gone = undefined;
    this.write(`${head}${closingHeaders()}`, invocation.payload);
    // What the runtime sent behind its /next, if anything, now has its turn.
    if (this.size > 0) queueMicrotask(() => this.drain());
  }

  destroy(): void {
    this.socket.destroy();
  }

  onAbandoned(gone: () => void): void {
    this.gone = gone;
  }

  private receive(chunk: Buffer): void {
    this.parts.push(chunk);
    this.size += chunk.length;
    if (this.parked) {
      if (this.size > MAX_PIPELINED_BYTES) this.socket.destroy();
      return;
    }
    if (this.pending && this.size < this.pending.length) return;
    this.drain();
  }

  /** Answers the requests in hand, one at a time, until one is incomplete or parks. */
  private drain(): void {
    while (this.size > 0 && !this.parked && !this.socket.destroyed) {
      if (this.pending) {
        if (this.size < this.pending.length) return;
        const pending = this.pending;
        this.pending = undefined;
        this.finishResult(pending, this.take(pending.length));
        continue;
      }
      const bytes = this.joined();
      const end = bytes.indexOf(HEAD_END);
      const head = end < 0 || end > MAX_HEAD_BYTES ? undefined : parseHead(bytes.toString('latin1', 0, end));
      if (!head || head.contentLength > this.endpoint.session.maxResponseBytes) {
        this.handOver();
        return;
      }
      this.take(end + HEAD_END.length);
      if (head.kind === 'next') {
        this.parked = true;
        try {
          this.endpoint.session.next(this);
        } catch (err) {
          this.parked = false;
          this.answerError(err);
        }
      } else {
        let refused: unknown;
        try {
          this.endpoint.session.beginResult(head.requestId, 'InvocationResponse');
        } catch (err) {
          refused = err;
        }
        this.pending = { length: head.contentLength, refused };
      }
    }
  }

  private finishResult(pending: PendingResult, body: Buffer): void {
    if (pending.refused !== undefined) {
      this.answerError(pending.refused);
      return;
    }
    try {
      this.endpoint.session.finishResult({ outcome: 'success', payload: body });
      this.writeJson(202, ACCEPTED_BODY);
    } catch (err) {
      this.answerError(err);
    }
  }

  /** What renderRuntimeApiError answers through node:http. */
  private answerError(err: unknown): void {
    const answer = errorResponse(err);
    this.writeJson(answer.status, answer.body);
  }

  private writeJson(status: number, text: string): void {
    this.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\n${closingHeaders()}${text}`);
  }

  /** The bytes in hand as one buffer. */
  private joined(): Buffer {
    if (this.parts.length > 1) this.parts = [Buffer.concat(this.parts, this.size)];
    return this.parts[0]!;
  }

  /** Removes and returns the first `n` bytes in hand. */
  private take(n: number): Buffer {
    const bytes = this.joined();
    const rest = bytes.subarray(n);
    this.parts = rest.length > 0 ? [rest] : [];
    this.size = rest.length;
    return bytes.subarray(0, n);
  }

  private write(head: string, body?: Buffer): void {
    if (this.socket.destroyed) return;
    if (body === undefined || body.length === 0) {
      this.socket.write(head, 'latin1');
      return;
    }
    // One writev for both, as node:http sends a head and a body written together.
    this.socket.cork();
    this.socket.write(head, 'latin1');
    this.socket.write(body);
    this.socket.uncork();
  }

  private handOver(): void {
    const unread = this.size > 0 ? this.joined() : undefined;
    this.parts = [];
    this.size = 0;
    this.socket.off('data', this.onData);
    this.endpoint.handOver(this.socket, unread);
  }
}

/** The head of a request the lean path answers, or undefined for any other. */
function parseHead(text: string): Head | undefined {
  const lines = text.split('\r\n');
  const requestLine = lines[0]!;
  let kind: Head['kind'];
  let requestId = '';
  if (requestLine === NEXT) {
    kind = 'next';
  } else if (requestLine.startsWith(RESPONSE_START) && requestLine.endsWith(RESPONSE_END)) {
    kind = 'response';
    requestId = requestLine.slice(RESPONSE_START.length, requestLine.length - RESPONSE_END.length);
    if (!PLAIN_ID.test(requestId)) return undefined;
  } else {
    return undefined;
  }
  let contentLength: number | undefined;
  let host = false;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (INVALID_HEAD_BYTES.test(line)) return undefined;
    const colon = line.indexOf(':');
    if (colon <= 0) return undefined;
    const name = line.slice(0, colon);
    if (!TOKEN.test(name)) return undefined;
    const lower = name.toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (NOT_HERE.has(lower)) return undefined;
    if (lower === 'host') {
      if (host) return undefined;
      host = true;
    } else if (lower === 'content-length') {
      if (contentLength !== undefined || !/^\d{1,9}$/.test(value)) return undefined;
      contentLength = Number(value);
    } else if (lower === 'connection' && !/^keep-alive$/i.test(value)) {
      return undefined;
    }
  }
  if (!host) return undefined;
  if (kind === 'next') return contentLength === undefined || contentLength === 0 ? { kind, requestId, contentLength: 0 } : undefined;
  return contentLength === undefined ? undefined : { kind, requestId, contentLength };
}

let dateSecond = -1;
let dateText = '';

/** `Date` and `Connection: keep-alive`, the headers node:http adds, and the end of the head. */
function closingHeaders(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(second * 1000).toUTCString();
  }
  return `Date: ${dateText}\r\nConnection: keep-alive\r\n\r\n`;
}
