/**
 * A Runtime API client for tests: real HTTP over a keep-alive agent, to a RuntimeEndpoint's
 * `address` (host:port or unix socket path), answering with status, headers and raw bytes.
 */
import { Agent, request, type IncomingHttpHeaders } from 'node:http';

export interface ApiAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The body as JSON (throws if it is not). */
  json(): unknown;
}

export interface ApiRequest {
  body?: Buffer | string;
  headers?: Record<string, string>;
  /** Trailers sent after a chunked body. */
  trailers?: Record<string, string>;
}

export class RuntimeApiClient {
  private readonly agent = new Agent({ keepAlive: true });

  constructor(private readonly address: string) {}

  send(method: string, path: string, req: ApiRequest = {}): Promise<ApiAnswer> {
    const target = this.address.startsWith('/')
      ? { socketPath: this.address }
      : { host: this.address.split(':')[0], port: Number(this.address.split(':')[1]) };
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = { ...req.headers };
      if (req.trailers) headers['Transfer-Encoding'] = 'chunked';
      else if (req.body !== undefined) headers['Content-Length'] = Buffer.byteLength(req.body);
      const r = request({ ...target, method, path, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve({ status: res.statusCode!, headers: res.headers, body, json: () => JSON.parse(body.toString('utf8')) as unknown });
        });
      });
      r.on('error', reject);
      if (req.body !== undefined) r.write(req.body);
      if (req.trailers) r.addTrailers(req.trailers);
      r.end();
    });
  }

  /** GET /next (parks until an invocation is handed over). */
  next(): Promise<ApiAnswer> {
    return this.send('GET', '/2018-06-01/runtime/invocation/next');
  }

  respond(requestId: string, body: Buffer | string): Promise<ApiAnswer> {
    return this.send('POST', `/2018-06-01/runtime/invocation/${encodeURIComponent(requestId)}/response`, { body });
  }

  fail(requestId: string, body: Buffer | string, headers: Record<string, string> = {}): Promise<ApiAnswer> {
    return this.send('POST', `/2018-06-01/runtime/invocation/${encodeURIComponent(requestId)}/error`, { body, headers });
  }

  close(): void {
    this.agent.destroy();
  }
}
