/**
 * The edge's connections, read here first. A request a lean route claims (lean-route.ts:
 * Invoke) is answered straight off the socket: a scan of its head and one write, where
 * node:http spent an IncomingMessage, a ServerResponse, their streams and listeners and a
 * header object built and checked twice (a fifth of Gust's CPU per warm invoke went to the
 * front's node:http). Every other request goes to node:http through the connection's
 * tunnel (http-tunnel.ts), whole, and once node:http has answered it the next request is
 * read here again: SDK clients send control calls and invokes on the same kept-alive
 * connections. A request of another API than Lambda's hands its connection to node:http
 * for good (COMES_BACK below).
 *
 * A request goes through the tunnel when its head is one this reader frames exactly as
 * node:http does: HTTP/1.1, a usual method, well-formed headers each named once, a Host, a
 * plain Content-Length or none, no Transfer-Encoding, Expect, Upgrade or Trailer. At any
 * other (a chunked body, a head over 8 KB, one that does not parse), the connection goes to
 * node:http for good, with the bytes it has not seen put back (or, when it has a tunnel
 * already, through that): node:http then answers it, errors included, as it always did.
 */
import { STATUS_CODES, validateHeaderValue, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { ByteQueue, giveSocket, HEAD_END, keepAliveHeadEnd, MAX_HEAD_BYTES, parseHeaderLines, writeHeadAndBody } from '../core/http1-wire.js';
import { HttpTunnel } from './http-tunnel.js';

/** What a lean route reads of a request before its body: what node:http's request has too. */
export type RequestHead = Pick<IncomingMessage, 'method' | 'url' | 'headers'>;

/** An HTTP answer as a lean route gives it. */
export interface LeanAnswer {
  status: number;
  headers: Record<string, string>;
  body?: Buffer | string;
}

/** What the front asks of the edge (lean-route.ts makes it of the lean routes). */
export interface LeanRoutes {
  /** The exchange for a request a lean route answers now, or undefined to leave it to node:http. */
  claim(head: RequestHead): LeanExchange | undefined;
  /** A fault of the front's own (`what` it was doing), which ended a connection. */
  fault(err: unknown, what: string, requestId?: string): void;
}

/** A claimed request: its body's length, then its answer. */
export interface LeanExchange {
  bodyBytes: number;
  requestId: string;
  /** The answer for the whole body, errors rendered (it never rejects). */
  answer(body: Buffer): Promise<LeanAnswer>;
  /** Told once the answer is written (the edge's request log line). */
  written(status: number): void;
}

/** A server's front: every request goes to node:http until routes are given (the edge still being built). */
export interface FrontDoor {
  use(routes: LeanRoutes): void;
}

/** Headers whose requests node:http frames or answers in ways this reader does not. */
const NOT_HERE = new Set(['transfer-encoding', 'expect', 'upgrade', 'trailer']);
/** Methods whose requests node:http answers with a `request` event (CONNECT has its own). */
const REQUEST_LINE = /^(GET|HEAD|POST|PUT|DELETE|PATCH|OPTIONS) ([\x21-\x7e]+) HTTP\/1\.1$/;
/**
 * Requests node:http gets through the tunnel, so that their connection comes back here:
 * the Lambda API's (its dated paths) and `/health`, which a client may poll on the agent it
 * invokes with. The clients of Gust's other APIs (S3, SQS, EventBridge, function URLs, a
 * cluster peer) have connections of their own and never invoke on them: theirs go to
 * node:http for good, whose parser then reads the socket itself, in C++ (through a tunnel,
 * S3's throughput in the bench was 10–25% lower).
 */
const COMES_BACK = /^\/(?:\d{4}-\d{2}-\d{2}\/|health(?:\?|$))/;
const KEEP_ALIVE_GRACE_MS = 1000;
/** Bytes of later requests held while one is answered before the socket stops reading. */
const MAX_HELD_BYTES = 1024 * 1024;

// Why the socket stops reading: node:http reads no more, answers wait for the client to
// read, or later requests pile up behind the one being answered.
const TUNNEL_FULL = 1;
const WRITES_WAITING = 2;
const PIPELINE_FULL = 4;

/**
 * Serves `server`'s connections through the front from now on. node:http's own listener
 * gets the tunnels (and the connections handed over for good); its close of idle
 * connections (Fastify's close, the edge's graceful sweep) also closes the front's.
 * Installed as the port opens (server/first-listener.ts), so that no connection a client
 * makes early (a health check on a kept-alive agent) stays node:http's for good.
 */
export function installLeanFront(server: Server): FrontDoor {
  const http = server.listeners('connection') as ((socket: Duplex) => void)[];
  server.removeAllListeners('connection');
  const toHttp = (socket: Duplex): void => {
    for (const listener of http) listener.call(server, socket);
  };
  const door: { routes?: LeanRoutes } = {};
  const connections = new Set<FrontConnection>();
  server.on('connection', (socket: Socket) => {
    const connection = new FrontConnection(socket, door, server.keepAliveTimeout, server.headersTimeout, toHttp);
    connections.add(connection);
    socket.once('close', () => connections.delete(connection));
  });
  server.prependListener('request', (request: IncomingMessage, response: ServerResponse) => {
    if (request.socket instanceof HttpTunnel) request.socket.follow(response);
  });
  const closeIdle = server.closeIdleConnections.bind(server);
  server.closeIdleConnections = () => {
    closeIdle();
    for (const connection of connections) connection.closeIfIdle();
  };
  const closeAll = server.closeAllConnections.bind(server);
  server.closeAllConnections = () => {
    closeAll();
    for (const connection of connections) connection.destroy();
  };
  return { use: (routes) => (door.routes = routes) };
}

/**
 * Where a connection is: `idle` between requests; `body` reading a claimed request's body;
 * `answering` it; `tunnel` while node:http has a request; `http` once handed over for good;
 * `closed` once ended.
 */
type Mode = 'idle' | 'body' | 'answering' | 'tunnel' | 'http' | 'closed';

class FrontConnection {
  private mode: Mode = 'idle';
  /** Bytes received and not yet used. */
  private readonly bytes = new ByteQueue();
  /** The claimed request whose body is being read, with its head: node:http's, if the client never sends the rest. */
  private claimed: { exchange: LeanExchange; head: Buffer } | undefined;
  private tunnel: HttpTunnel | undefined;
  /** Bytes of the request in the tunnel still to pass on. */
  private owed = 0;
  /** node:http has finished its answer to the request in the tunnel. */
  private tunnelAnswered = false;
  /** The client ended its side: end ours once what it sent is answered. */
  private clientEnded = false;
  private holds = 0;
  /** Set while a head is incomplete (the server's headers timeout). */
  private headTimer: NodeJS.Timeout | undefined;
  private readonly onData = (chunk: Buffer): void => this.guarded(() => this.receive(chunk));
  private readonly onEnd = (): void => this.guarded(() => this.endFromClient());
  private readonly onTimeout = (): void => {
    if (this.mode === 'http') this.tunnel?.timedOut();
    else this.closeIfIdle();
  };
  private readonly onError = (): void => void this.socket.destroy();

  constructor(
    private readonly socket: Socket,
    private readonly door: { routes?: LeanRoutes },
    private readonly keepAliveMs: number,
    private readonly headersTimeoutMs: number,
    private readonly toHttp: (socket: Duplex) => void,
  ) {
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('error', this.onError);
    // One timer for the connection's life, never re-armed per request: it fires after the
    // keep-alive timeout without a byte either way, and ends the connection only if it is
    // idle then. A second past the timeout the answers announce, as node:http waits, so that
    // the client stops reusing the connection first.
    if (keepAliveMs > 0) {
      socket.setTimeout(keepAliveMs + KEEP_ALIVE_GRACE_MS);
      socket.on('timeout', this.onTimeout);
    }
    socket.once('close', () => {
      this.mode = 'closed';
      clearTimeout(this.headTimer);
      this.tunnel?.destroy();
    });
  }

  /** Ends the connection if it has nothing in hand: the keep-alive timeout, or the server closing. */
  closeIfIdle(): void {
    if (this.mode === 'idle' && this.bytes.size === 0) this.socket.destroy();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private receive(chunk: Buffer): void {
    if (this.mode === 'tunnel' && this.owed > 0) {
      // Nothing is in hand while a body is owed: all of it went to the tunnel.
      const passed = Math.min(this.owed, chunk.length);
      this.owed -= passed;
      this.tunnel!.feed(passed === chunk.length ? chunk : chunk.subarray(0, passed));
      if (this.owed === 0 && this.tunnelAnswered) this.mode = 'idle';
      if (passed === chunk.length) return;
      chunk = chunk.subarray(passed);
    }
    if (this.mode === 'http') {
      this.tunnel!.feed(chunk);
      return;
    }
    this.bytes.push(chunk);
    if (this.mode === 'body' && this.bytes.size >= this.claimed!.exchange.bodyBytes) this.answer();
    else if (this.mode === 'idle') this.drain();
    else if (this.bytes.size > MAX_HELD_BYTES) this.hold(PIPELINE_FULL, true);
  }

  /** Serves the requests in hand, one at a time, until one is incomplete or another has the connection. */
  private drain(): void {
    this.hold(PIPELINE_FULL, false);
    if (this.clientEnded && (this.mode === 'body' || (this.mode === 'idle' && this.bytes.size > 0))) {
      this.giveRest();
      return;
    }
    while (this.mode === 'idle' && this.bytes.size > 0) {
      if (this.socket.writableNeedDrain) {
        this.hold(WRITES_WAITING, true);
        this.socket.once('drain', () => {
          this.hold(WRITES_WAITING, false);
          this.guarded(() => this.drain());
        });
        return;
      }
      const bytes = this.bytes.joined();
      const end = bytes.subarray(0, MAX_HEAD_BYTES + HEAD_END.length).indexOf(HEAD_END);
      if (end < 0) {
        // The rest of the head is on its way; one this long is node:http's (and its limits').
        if (this.bytes.size > MAX_HEAD_BYTES) this.handOver();
        // One that takes longer than node:http allows a head is node:http's too, which then
        // times it out (a client that sends a byte now and then never lets the socket idle).
        else this.headTimer ??= setTimeout(() => this.guarded(() => this.handOver()), this.headersTimeoutMs);
        return;
      }
      clearTimeout(this.headTimer);
      this.headTimer = undefined;
      const head = parseHead(bytes.toString('latin1', 0, end));
      if (!head) {
        this.handOver();
        return;
      }
      const headBytes = end + HEAD_END.length;
      const exchange = this.door.routes?.claim(head);
      if (exchange) {
        this.claimed = { exchange, head: this.bytes.take(headBytes) };
        this.mode = 'body';
        if (this.bytes.size >= exchange.bodyBytes) this.answer();
      } else if (COMES_BACK.test(head.url)) {
        this.passOn(headBytes + head.contentLength);
      } else {
        this.handOver();
        return;
      }
    }
    // Everything a client that ended sent is answered.
    if (this.clientEnded && this.mode === 'idle' && this.bytes.size === 0) this.socket.end();
  }

  private answer(): void {
    const { exchange } = this.claimed!;
    this.claimed = undefined;
    this.mode = 'answering';
    void exchange.answer(this.bytes.take(exchange.bodyBytes)).then((answer) => {
      if (this.mode === 'closed') return;
      try {
        this.write(answer, exchange.requestId);
      } catch (err) {
        // An answer that cannot be written (a header Node refuses) ends the exchange, not the server.
        this.door.routes?.fault(err, 'unexpected error writing an answer', exchange.requestId);
        this.socket.destroy();
        return;
      }
      exchange.written(answer.status);
      this.mode = 'idle';
      this.guarded(() => this.drain());
    });
  }

  /** Runs a step of the connection: a fault of this reader ends the connection, never the server. */
  private guarded(step: () => void): void {
    try {
      step();
    } catch (err) {
      this.door.routes?.fault(err, 'unexpected error reading a connection');
      this.socket.destroy();
    }
  }

  /** What node:http writes for the same answer: the status line, the headers as given, a length, Date and keep-alive. */
  private write(answer: LeanAnswer, requestId: string): void {
    let head = `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status] ?? 'unknown'}\r\nx-amzn-RequestId: ${requestId}\r\n`;
    for (const name in answer.headers) {
      const value = answer.headers[name]!;
      validateHeaderValue(name, value);
      head += `${name}: ${value}\r\n`;
    }
    const body = typeof answer.body === 'string' ? Buffer.from(answer.body) : answer.body;
    head += `content-length: ${body?.length ?? 0}\r\n${keepAliveHeadEnd(this.keepAliveMs)}`;
    writeHeadAndBody(this.socket, head, body);
  }

  /** Gives the request of `length` bytes at the front to node:http, through the tunnel. */
  private passOn(length: number): void {
    const tunnel = (this.tunnel ??= this.openTunnel());
    const inHand = Math.min(this.bytes.size, length);
    this.owed = length - inHand;
    this.tunnelAnswered = false;
    this.mode = 'tunnel';
    tunnel.feed(this.bytes.take(inHand));
  }

  /** node:http takes the connection for good, from the first byte not yet used. */
  private handOver(): void {
    clearTimeout(this.headTimer);
    const unread = this.bytes.takeAll();
    this.mode = 'http';
    this.hold(PIPELINE_FULL | WRITES_WAITING, false);
    if (this.tunnel) {
      // node:http reads this connection through its tunnel already: it goes on doing so.
      if (unread) this.tunnel.feed(unread);
      if (this.clientEnded) this.tunnel.feedEnd();
      return;
    }
    const socket = this.socket;
    socket.off('data', this.onData);
    socket.off('end', this.onEnd);
    socket.off('error', this.onError);
    socket.off('timeout', this.onTimeout);
    // node:http sets no socket timeout of its own with the server's at 0: the front's would cut a long request.
    socket.setTimeout(0);
    giveSocket(socket, unread, this.toHttp);
  }

  private openTunnel(): HttpTunnel {
    const tunnel = new HttpTunnel(this.socket, {
      answered: () => {
        // An answer after which node:http ends the connection has nothing follow it.
        if (this.tunnel !== tunnel || tunnel.writableEnded) return;
        this.tunnelAnswered = true;
        if (this.mode === 'tunnel' && this.owed === 0) {
          this.mode = 'idle';
          this.guarded(() => this.drain());
        }
      },
      ended: () => {
        if (this.tunnel !== tunnel) return;
        this.mode = 'closed';
        this.socket.end();
      },
      gone: () => {
        if (this.tunnel !== tunnel) return;
        this.tunnel = undefined;
        this.hold(TUNNEL_FULL, false);
        // node:http closing its side of a connection it has no request on (an idle close)
        // leaves the front's request, if any, to finish: the next request opens a new tunnel.
        if (this.mode === 'tunnel' || this.mode === 'http') this.socket.destroy();
      },
      full: (held) => this.hold(TUNNEL_FULL, held),
    });
    this.toHttp(tunnel);
    return tunnel;
  }

  private endFromClient(): void {
    this.clientEnded = true;
    if (this.mode === 'http') this.tunnel?.feedEnd();
    // The body of the request in the tunnel will never be whole.
    else if (this.mode === 'tunnel' && this.owed > 0) this.tunnel!.feedEnd();
    else if (this.mode === 'idle' || this.mode === 'body') this.drain();
  }

  /**
   * Gives node:http what a client that ended its side left, through a tunnel (the socket's
   * end has been read already): the whole requests in it are answered, and an unfinished
   * one (a head, or a claimed request's body) gets node:http's 400, as without the front.
   */
  private giveRest(): void {
    const tunnel = (this.tunnel ??= this.openTunnel());
    if (this.claimed) tunnel.feed(this.claimed.head);
    this.claimed = undefined;
    this.handOver();
  }

  /** Stops or restarts reading the socket for `reason`; it reads while no reason holds. */
  private hold(reason: number, held: boolean): void {
    const before = this.holds;
    this.holds = held ? before | reason : before & ~reason;
    if (before === 0 && this.holds !== 0) this.socket.pause();
    else if (before !== 0 && this.holds === 0) this.socket.resume();
  }
}

interface ParsedHead extends RequestHead {
  method: string;
  url: string;
  contentLength: number;
}

/** A request head this reader frames as node:http does, or undefined for node:http to read. */
function parseHead(text: string): ParsedHead | undefined {
  const lines = text.split('\r\n');
  const line = REQUEST_LINE.exec(lines[0]!);
  if (!line) return undefined;
  const parsed = parseHeaderLines(lines, NOT_HERE);
  if (!parsed) return undefined;
  return { method: line[1]!, url: line[2]!, headers: parsed.headers, contentLength: parsed.contentLength };
}
