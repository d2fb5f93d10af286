/**
 * The Runtime API client: HTTP/1.1 over one keep-alive socket, written for the one
 * conversation it has (a GET /next and a POST of the result, back to back) rather than
 * through node:http. A fresh process's first node:http request took 7–9 ms before its answer
 * and its second 1.3–1.8 ms (the client, agent and parser code running for the first time),
 * against 3.2–3.5 ms and 0.4 ms on a bare socket: a cold start makes three such requests.
 * The event body is handed on as the text it came as; results are serialised once, here.
 * https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html
 */
import { connect } from 'node:net';
import { toRuntimeResponse } from './errors.mjs';

const BASE = '/2018-06-01/runtime';
const CRLF = Buffer.from('\r\n');
const HEAD_END = Buffer.from('\r\n\r\n');

export class RuntimeClient {
  /**
   * `address` is AWS_LAMBDA_RUNTIME_API: `host:port` (or a unix socket path); `base` is the
   * API's path (another only for the warm-up of a ready sandbox, assignment.mjs); `socket`,
   * a connection to `address` made ahead (a ready sandbox's), serves the first request.
   */
  constructor(address, base = BASE, socket = undefined) {
    this.base = base;
    if (!address) throw new Error('AWS_LAMBDA_RUNTIME_API is not set');
    if (address.startsWith('/')) {
      this.target = { path: address };
      this.host = 'localhost';
    } else {
      const colon = address.lastIndexOf(':');
      this.target = { host: address.slice(0, colon), port: Number(address.slice(colon + 1)) };
      this.host = address;
    }
    this.ahead = socket && !socket.destroyed ? socket : undefined;
    this.connection = undefined;
    // Requests on the shared connection go one at a time, in order (as AWS's client, one socket).
    this.queue = Promise.resolve();
  }

  /** Waits for the next invocation: `{ body, headers }` with the body as text. */
  async next() {
    const res = await this.request('GET', `${this.base}/invocation/next`);
    if (res.status !== 200) throw new Error(`GET /invocation/next answered ${res.status}: ${res.body.toString()}`);
    return { body: res.body.toString('utf8'), headers: res.headers };
  }

  /** A GET of `path` (Gust's ready sandboxes: assignment.mjs): `{ status, body }` with the body as text. */
  async get(path) {
    const res = await this.request('GET', path);
    return { status: res.status, body: res.body.toString('utf8') };
  }

  /** Posts a result already serialised to JSON text. */
  postResponse(id, bodyText) {
    return this.post(`${this.base}/invocation/${encodeURIComponent(id)}/response`, bodyText, {});
  }

  /**
   * Posts an invocation error. `fresh` uses a connection of its own: a crash handler must not
   * queue behind a parked GET /next on the shared socket.
   */
  postError(id, error, fresh = false) {
    const doc = toRuntimeResponse(error);
    return this.post(`${this.base}/invocation/${encodeURIComponent(id)}/error`, JSON.stringify(doc), { 'Lambda-Runtime-Function-Error-Type': doc.errorType }, fresh);
  }

  /** Posts an init error (before the first /next). */
  postInitError(error) {
    const doc = toRuntimeResponse(error);
    return this.post(`${this.base}/init/error`, JSON.stringify(doc), { 'Lambda-Runtime-Function-Error-Type': doc.errorType });
  }

  /** Resolves with the answer's status code. */
  async post(path, text, headers, fresh = false) {
    const all = { 'Content-Type': 'application/json', ...headers };
    if (!fresh) return (await this.request('POST', path, all, text)).status;
    const own = new Connection(connect(this.target));
    try {
      return (await own.exchange(this.head('POST', path, all, text), text)).status;
    } finally {
      own.close();
    }
  }

  /** Closes the shared connection; a later request opens another. */
  close() {
    this.connection?.close();
    this.connection = undefined;
  }

  request(method, path, headers = {}, text = undefined) {
    const run = () => {
      if (!this.connection || this.connection.closed) {
        const socket = this.ahead ?? connect(this.target);
        this.ahead = undefined;
        this.connection = new Connection(socket);
      }
      return this.connection.exchange(this.head(method, path, headers, text), text);
    };
    const answer = this.queue.then(run, run);
    this.queue = answer.catch(() => undefined);
    return answer;
  }

  head(method, path, headers, text) {
    let head = `${method} ${path} HTTP/1.1\r\nHost: ${this.host}\r\n`;
    for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
    if (text !== undefined) head += `Content-Length: ${Buffer.byteLength(text)}\r\n`;
    return `${head}\r\n`;
  }
}

/**
 * One HTTP/1.1 connection carrying one exchange at a time. Idle, its socket is unref'd, as
 * node:http's keep-alive agent does with a free socket: a handler that neither returns a
 * promise nor calls back is answered when the event loop runs dry (invoke-context.mjs), and
 * an idle connection must not keep it from running dry.
 */
class Connection {
  constructor(socket) {
    this.socket = socket;
    this.closed = false;
    this.chunks = [];
    this.size = 0;
    this.waiting = undefined;
    socket.setNoDelay?.(true);
    socket.unref();
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('error', (err) => this.end(err));
    socket.on('close', () => this.end(new Error('the Runtime API closed the connection')));
  }

  /** Writes the request and resolves with `{ status, headers, body }` (headers' names in lower case). */
  exchange(head, text) {
    if (this.closed) return Promise.reject(new Error('the Runtime API connection is closed'));
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket.ref();
      this.socket.write(text === undefined ? head : head + text);
    });
  }

  close() {
    this.closed = true;
    this.socket.destroy();
  }

  onData(chunk) {
    this.chunks.push(chunk);
    this.size += chunk.length;
    if (!this.waiting) return;
    const data = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.size);
    this.chunks = [data];
    const res = parseResponse(data);
    if (!res) return;
    const rest = data.subarray(res.length);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.size = rest.length;
    const { resolve } = this.waiting;
    this.waiting = undefined;
    this.socket.unref();
    if (res.headers.connection?.toLowerCase() === 'close') this.close();
    resolve(res);
  }

  end(err) {
    this.closed = true;
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.reject(err);
  }
}

/** The first complete response in `data` as `{ status, headers, body, length }` (bytes used), or undefined while it is incomplete. */
function parseResponse(data) {
  const headEnd = data.indexOf(HEAD_END);
  if (headEnd < 0) return undefined;
  const lines = data.toString('latin1', 0, headEnd).split('\r\n');
  const status = Number(lines[0].split(' ')[1]);
  const headers = {};
  for (let i = 1; i < lines.length; i++) {
    const colon = lines[i].indexOf(':');
    if (colon > 0) headers[lines[i].slice(0, colon).trim().toLowerCase()] = lines[i].slice(colon + 1).trim();
  }
  const start = headEnd + HEAD_END.length;
  if (headers['transfer-encoding']?.toLowerCase().includes('chunked')) {
    const chunked = dechunk(data, start);
    return chunked && { status, headers, body: chunked.body, length: chunked.end };
  }
  const length = Number(headers['content-length'] ?? 0);
  if (data.length < start + length) return undefined;
  return { status, headers, body: data.subarray(start, start + length), length: start + length };
}

/** A chunked body from `start`: `{ body, end }`, or undefined while it is incomplete. */
function dechunk(data, start) {
  const parts = [];
  let at = start;
  for (;;) {
    const lineEnd = data.indexOf(CRLF, at);
    if (lineEnd < 0) return undefined;
    const size = parseInt(data.toString('latin1', at, lineEnd), 16);
    if (size === 0) {
      const end = data.indexOf(HEAD_END, lineEnd);
      const bare = data.subarray(lineEnd, lineEnd + 4).equals(HEAD_END);
      if (!bare && end < 0) return undefined;
      return { body: Buffer.concat(parts), end: (bare ? lineEnd : end) + HEAD_END.length };
    }
    if (data.length < lineEnd + 2 + size + 2) return undefined;
    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}
