/**
 * The way from a front connection (lean-front.ts) to node:http and back. node:http serves
 * any duplex stream handed to its server as a connection; this one is fed the bytes of the
 * requests the front leaves to it, one request at a time, and writes node:http's answers to
 * the client's socket. Handing node:http the socket itself would be for good (its parser
 * then reads every later byte), and SDK clients send control calls and invokes on the same
 * kept-alive connections: through a tunnel, the connection's next invoke is the front's again.
 */
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';

/** What the front connection hears from its tunnel. */
export interface TunnelOwner {
  /** node:http finished the answer to the request the tunnel was fed. */
  answered(): void;
  /** node:http ended the connection (after its last answer). */
  ended(): void;
  /** node:http destroyed the connection (an error, a timeout, an idle close). */
  gone(): void;
  /** node:http reads no more for now (`true`), or again (`false`). */
  full(held: boolean): void;
}

export class HttpTunnel extends Duplex {
  private keepAliveArmed = false;

  constructor(
    private readonly socket: Socket,
    private readonly owner: TunnelOwner,
  ) {
    super({ allowHalfOpen: true });
  }

  /** Passes request bytes on to node:http. */
  feed(bytes: Buffer): void {
    if (!this.push(bytes)) this.owner.full(true);
  }

  /** The client ended its side. */
  feedEnd(): void {
    this.push(null);
  }

  /** Follows an answer node:http gives on this connection (its server's `request` event). */
  follow(response: ServerResponse): void {
    response.once('finish', () => this.owner.answered());
  }

  // What node:http reads of a connection: the client's address (Fastify's `request.ip`).
  get remoteAddress(): string | undefined {
    return this.socket.remoteAddress;
  }

  get remotePort(): number | undefined {
    return this.socket.remotePort;
  }

  get remoteFamily(): string | undefined {
    return this.socket.remoteFamily;
  }

  get localAddress(): string | undefined {
    return this.socket.localAddress;
  }

  get localPort(): number | undefined {
    return this.socket.localPort;
  }

  /**
   * node:http arms its keep-alive timeout here after each answer, and disarms it when a
   * request begins. The connection's one timer is the front's, on the socket (lean-front.ts),
   * since between two of node:http's requests the front may be answering its own; this
   * records only whether node:http would time the connection out now.
   */
  setTimeout(ms: number): this {
    this.keepAliveArmed = ms > 0;
    return this;
  }

  /** The socket's timer fired on a connection node:http has for good: its timeout, if it armed one. */
  timedOut(): void {
    if (this.keepAliveArmed) this.emit('timeout');
  }

  override _read(): void {
    this.owner.full(false);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    if (this.socket.write(chunk)) done();
    else this.socket.once('drain', () => done());
  }

  override _writev(chunks: { chunk: Buffer }[], done: (err?: Error | null) => void): void {
    this.socket.cork();
    let flowing = true;
    for (const { chunk } of chunks) flowing = this.socket.write(chunk);
    this.socket.uncork();
    if (flowing) done();
    else this.socket.once('drain', () => done());
  }

  override _final(done: (err?: Error | null) => void): void {
    this.owner.ended();
    done();
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    this.owner.gone();
    done(err);
  }
}
