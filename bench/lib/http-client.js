/** A plain keep-alive HTTP client on node:http, so the harness measures servers, not a client library. */
import http from 'node:http';

export function keepAliveAgent(maxSockets = 64) {
  return new http.Agent({ keepAlive: true, maxSockets });
}

/** POSTs `body` and resolves with {status, headers, body} once the answer is complete. */
export function post(agent, url, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = http.request(
      { agent, host: u.hostname, port: u.port, path: u.pathname + u.search, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': body.length, ...headers } },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A JSON request with any method; throws on a non-2xx answer, naming it. */
export async function jsonRequest(agent, method, url, payload) {
  const body = payload === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(payload));
  const res = await new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = http.request(
      { agent, host: u.hostname, port: u.port, path: u.pathname + u.search, method, headers: { 'content-type': 'application/json', 'content-length': body.length } },
      (r) => {
        const chunks = [];
        r.on('data', (c) => chunks.push(c));
        r.on('end', () => resolve({ status: r.statusCode, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
  if (res.status < 200 || res.status > 299) throw new Error(`${method} ${url} answered ${res.status}: ${res.body}`);
  return res.body ? JSON.parse(res.body) : undefined;
}
