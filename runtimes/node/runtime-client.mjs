/**
 * The Runtime API client: node:http over one keep-alive socket (the hot path is a GET /next
 * and a POST of the result, back to back). The event body is handed on as the text it came
 * as; results are serialised once, here.
 * https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html
 */
import http from 'node:http';
import { toRuntimeResponse } from './errors.mjs';

const BASE = '/2018-06-01/runtime';

export class RuntimeClient {
  /**
   * `address` is AWS_LAMBDA_RUNTIME_API: `host:port` (or a unix socket path); `base` is the
   * API's path (another only for the warm-up of a ready sandbox, assignment.mjs); `socket`,
   * a connection to `address` made ahead (a ready sandbox's), serves the first request.
   */
  constructor(address, base = BASE, socket = undefined) {
    this.base = base;
    if (!address) throw new Error('AWS_LAMBDA_RUNTIME_API is not set');
    if (address.startsWith('/')) this.target = { socketPath: address };
    else {
      const colon = address.lastIndexOf(':');
      this.target = { hostname: address.slice(0, colon), port: Number(address.slice(colon + 1)) };
    }
    // One socket, reused: requests are strictly sequential (as AWS's client, maxSockets 1).
    this.agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    if (socket && !socket.destroyed) {
      const make = this.agent.createConnection;
      let first = socket;
      this.agent.createConnection = (options, done) => {
        const ahead = first;
        first = undefined;
        return ahead && !ahead.destroyed ? ahead : make.call(this.agent, options, done);
      };
    }
  }

  /** Waits for the next invocation: `{ body, headers }` with the body as text. */
  next() {
    return new Promise((resolve, reject) => {
      const req = http.request({ ...this.target, agent: this.agent, method: 'GET', path: `${this.base}/invocation/next` }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          if (res.statusCode !== 200) {
            reject(new Error(`GET /invocation/next answered ${res.statusCode}: ${Buffer.concat(chunks).toString()}`));
            return;
          }
          const body = chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8');
          resolve({ body, headers: res.headers });
        });
      });
      req.on('error', reject);
      req.end();
    });
  }

  /** A GET of `path` (Gust's ready sandboxes: assignment.mjs): `{ status, body }` with the body as text. */
  get(path) {
    return new Promise((resolve, reject) => {
      const req = http.request({ ...this.target, agent: this.agent, method: 'GET', path }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
      });
      req.on('error', reject);
      req.end();
    });
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

  post(path, text, headers, fresh = false) {
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          ...this.target,
          agent: fresh ? false : this.agent,
          method: 'POST',
          path,
          headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(text);
    });
  }
}
