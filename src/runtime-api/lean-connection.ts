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
import { ByteQueue, HEAD_END, keepAliveHeadEnd, MAX_HEAD_BYTES, parseHeaderLines, writeHeadAndBody } from '../core/http1-wire.js';
import type { Invocation } from '../core/model/invocation.js';
import { invocationHeaders } from './invocation-next.js';
import { ACCEPTED_BODY, errorResponse } from './runtime-api-errors.js';
import type { ParkedNext, RuntimeSession } from './runtime-session.js';

const NEXT = 'GET /2018-06-01/runtime/invocation/next HTTP/1.1';
const RESPONSE_START = 'POST /2018-06-01/runtime/invocation/';
const RESPONSE_END = '/response HTTP/1.1';
/** Request ids that read the same decoded: Gust's are UUIDs. */
const PLAIN_ID = /^[A-Za-z0-9._~-]{1,128}$/;
/** Bytes a runtime may send behind a parked /next before it is cut off: a runtime has nothing to say then. */
const MAX_PIPELINED_BYTES = 65536;
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
  /** Bytes received and not yet answered. */
  private readonly bytes = new ByteQueue();
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
    this.write(`${head}${keepAliveHeadEnd()}`, invocation.payload);
    // What the runtime sent behind its /next, if anything, now has its turn.
    if (this.bytes.size > 0) queueMicrotask(() => this.drain());
  }

  destroy(): void {
    this.socket.destroy();
  }

  onAbandoned(gone: () => void): void {
    this.gone = gone;
  }

  private receive(chunk: Buffer): void {
    this.bytes.push(chunk);
    if (this.parked) {
      if (this.bytes.size > MAX_PIPELINED_BYTES) this.socket.destroy();
      return;
    }
    if (this.pending && this.bytes.size < this.pending.length) return;
    this.drain();
  }

  /** Answers the requests in hand, one at a time, until one is incomplete or parks. */
  private drain(): void {
    while (this.bytes.size > 0 && !this.parked && !this.socket.destroyed) {
      if (this.pending) {
        if (this.bytes.size < this.pending.length) return;
        const pending = this.pending;
        this.pending = undefined;
        this.finishResult(pending, this.bytes.take(pending.length));
        continue;
      }
      const bytes = this.bytes.joined();
      const end = bytes.indexOf(HEAD_END);
      const head = end < 0 || end > MAX_HEAD_BYTES ? undefined : parseHead(bytes.toString('latin1', 0, end));
      if (!head || head.contentLength > this.endpoint.session.maxResponseBytes) {
        this.handOver();
        return;
      }
      this.bytes.take(end + HEAD_END.length);
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
    this.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\n${keepAliveHeadEnd()}${text}`);
  }

  private write(head: string, body?: Buffer): void {
    if (!this.socket.destroyed) writeHeadAndBody(this.socket, head, body);
  }

  private handOver(): void {
    const unread = this.bytes.takeAll();
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
  const parsed = parseHeaderLines(lines, NOT_HERE);
  if (!parsed) return undefined;
  const { headers, contentLength } = parsed;
  if (kind === 'next') return contentLength === 0 ? { kind, requestId, contentLength } : undefined;
  return headers['content-length'] === undefined ? undefined : { kind, requestId, contentLength };
}
