import { describe, expect, it } from 'vitest';
import { isPreflight, preflightResponse, withCorsHeaders } from './url-cors.js';
import type { UrlResponse } from './url-response.js';

const cors = { allowOrigins: ['https://app.example'], allowMethods: ['GET', 'POST'], allowHeaders: ['x-custom', 'content-type'], exposeHeaders: ['x-total'], maxAge: 300, allowCredentials: true };
const headers = (h: Record<string, string>) => new Map(Object.entries(h));

describe('preflight', () => {
  it('recognises OPTIONS with Origin and Access-Control-Request-Method only', () => {
    expect(isPreflight('OPTIONS', headers({ origin: 'o', 'access-control-request-method': 'GET' }))).toBe(true);
    expect(isPreflight('OPTIONS', headers({ origin: 'o' }))).toBe(false);
    expect(isPreflight('GET', headers({ origin: 'o', 'access-control-request-method': 'GET' }))).toBe(false);
  });

  it('answers an allowed origin from the configuration, echoing the origin', () => {
    const r = preflightResponse(cors, headers({ origin: 'https://app.example', 'access-control-request-method': 'POST' }));
    expect(r.status).toBe(200);
    expect(r.headers).toEqual([
      ['access-control-allow-origin', 'https://app.example'],
      ['access-control-allow-methods', 'GET,POST'],
      ['access-control-allow-headers', 'x-custom,content-type'],
      ['access-control-max-age', '300'],
      ['access-control-allow-credentials', 'true'],
      ['vary', 'Origin'],
    ]);
  });

  it('allows any origin with *, and leaves out what is not configured', () => {
    const r = preflightResponse({ allowOrigins: ['*'] }, headers({ origin: 'http://x.test', 'access-control-request-method': 'GET' }));
    expect(r.headers).toEqual([
      ['access-control-allow-origin', 'http://x.test'],
      ['vary', 'Origin'],
    ]);
  });

  it('gives a disallowed origin no CORS headers', () => {
    expect(preflightResponse(cors, headers({ origin: 'https://evil.example', 'access-control-request-method': 'GET' })).headers).toEqual([]);
  });
});

describe('withCorsHeaders', () => {
  const response: UrlResponse = {
    status: 200,
    headers: [
      ['Content-Type', 'text/plain'],
      ['Access-Control-Allow-Origin', '*'],
      ['Vary', 'Accept'],
    ],
    body: Buffer.from('x'),
  };

  it('adds the configured headers, overriding the function’s own', () => {
    expect(withCorsHeaders(response, cors, 'https://app.example').headers).toEqual([
      ['Content-Type', 'text/plain'],
      ['access-control-allow-origin', 'https://app.example'],
      ['access-control-expose-headers', 'x-total'],
      ['access-control-allow-credentials', 'true'],
      ['vary', 'Accept, Origin'],
    ]);
  });

  it('leaves the answer alone for other origins and requests without one', () => {
    expect(withCorsHeaders(response, cors, 'https://evil.example')).toBe(response);
    expect(withCorsHeaders(response, cors, undefined)).toBe(response);
  });
});
